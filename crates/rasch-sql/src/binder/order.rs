//! `UNION ALL`, and `ORDER BY … LIMIT` over a query's output columns.

use super::coerce::{cast, common_type};
use super::expr::ExprBinder;
use super::scope::Scope;
use crate::error::{SqlError, SqlResult};
use crate::plan::{BExpr, ExprKind, Plan};
use crate::types::Field;
use crate::value::Value;
use sqlparser::ast::{Expr, LimitClause, OrderBy, OrderByKind, OrderBySort};

/// `left UNION ALL right`: the column counts must agree; types are brought to the common type.
pub fn union_all(left: Plan, right: Plan) -> SqlResult<Plan> {
    let (ls, rs) = (left.schema(), right.schema());
    if ls.len() != rs.len() {
        return Err(SqlError::validation(format!(
            "Set operator cannot combine queries with different numbers of columns ({} and {})",
            ls.len(),
            rs.len()
        )));
    }
    let types = ls.iter().zip(&rs).map(|(a, b)| common_type(&a.data_type, &b.data_type)).collect::<SqlResult<Vec<_>>>()?;
    let conform = |p: Plan, schema: &[Field]| {
        if schema.iter().zip(&types).all(|(f, t)| &f.data_type == t) {
            return p;
        }
        let exprs = schema
            .iter()
            .zip(&types)
            .enumerate()
            .map(|(i, (f, t))| cast(BExpr { kind: ExprKind::Column(i), ty: f.data_type.clone() }, t))
            .collect();
        let out = ls.iter().zip(&types).map(|(f, t)| Field::new(f.name.clone(), t.clone())).collect();
        Plan::Project { input: Box::new(p), exprs, schema: out }
    };
    let mut inputs = match conform(left, &ls) {
        Plan::Union { inputs } => inputs,
        p => vec![p],
    };
    inputs.push(conform(right, &rs));
    Ok(Plan::Union { inputs })
}

/// Wraps `plan` in a [`Plan::Sort`] for `ORDER BY` (output columns, by name or position) and
/// `LIMIT n`.
pub fn order_and_limit(plan: Plan, order_by: Option<&OrderBy>, limit: Option<&LimitClause>) -> SqlResult<Plan> {
    let limit = match limit {
        None => None,
        Some(LimitClause::LimitOffset { limit: Some(e), offset: None, limit_by }) if limit_by.is_empty() => Some(match e {
            Expr::Value(v) => match &v.value {
                sqlparser::ast::Value::Number(n, _) => {
                    n.parse::<u64>().map_err(|_| SqlError::validation(format!("LIMIT {n}: not a row count")))?
                }
                other => return Err(SqlError::validation(format!("LIMIT {other}: not a row count"))),
            },
            other => return Err(SqlError::unsupported(format!("LIMIT {other}"))),
        }),
        Some(other) => return Err(SqlError::unsupported(format!("{other}"))),
    };
    let mut order = Vec::new();
    if let Some(o) = order_by {
        let OrderByKind::Expressions(exprs) = &o.kind else { return Err(SqlError::unsupported("ORDER BY ALL")) };
        let schema = plan.schema();
        let scope = Scope::new(&schema, None);
        let b = ExprBinder { scope: &scope, agg: None };
        for e in exprs {
            let col = match &e.expr {
                Expr::Value(v) if matches!(v.value, sqlparser::ast::Value::Number(..)) => {
                    let ExprKind::Literal(Value::Int(n)) = super::expr::literal(&v.value)?.kind else { unreachable!() };
                    if n < 1 || n as usize > schema.len() {
                        return Err(SqlError::validation(format!("Ordinal out of range: {n}")));
                    }
                    n as usize - 1
                }
                other => match b.bind(other)?.kind {
                    ExprKind::Column(c) => c,
                    _ => return Err(SqlError::unsupported(format!("ORDER BY the expression '{other}' (order by an output column)"))),
                },
            };
            order.push((col, !matches!(e.options.sort, Some(OrderBySort::Desc))));
        }
    }
    if order.is_empty() && limit.is_none() {
        return Ok(plan);
    }
    Ok(Plan::Sort { input: Box::new(plan), order, limit })
}
