//! Top-N and deduplication: `ROW_NUMBER() OVER (PARTITION BY … ORDER BY …)` in a select list
//! becomes a [`Plan::Rank`], and a filter `rank <= N` (`< N`, `= 1`) above it becomes the
//! rank's limit (Flink's `FlinkLogicalRankRule`).

use super::expr::ExprBinder;
use super::scope::Scope;
use super::select::select_list;
use crate::error::{SqlError, SqlResult};
use crate::plan::{BExpr, ExprKind, Func, Plan};
use crate::types::{DataType, Field};
use crate::value::Value;
use sqlparser::ast::{self, Expr, SelectItem, WindowType};

/// Applies `predicate` to `plan`: as the limit of a Rank below when it bounds the rank
/// column, otherwise as a filter.
pub fn filter(plan: Plan, predicate: BExpr) -> Plan {
    if let Some(limit) = rank_bound(&predicate)
        && let Some(col) = bound_column(&predicate)
        && let Some(p) = with_rank_limit(plan.clone(), col, limit)
    {
        return p;
    }
    Plan::Filter { input: Box::new(plan), predicate }
}

fn bound_column(p: &BExpr) -> Option<usize> {
    match &p.kind {
        ExprKind::Call(Func::Le | Func::Lt | Func::Eq, args) => match args.first().map(|a| &a.kind) {
            Some(ExprKind::Column(c)) => Some(*c),
            Some(ExprKind::Cast(inner, _)) => match inner.kind {
                ExprKind::Column(c) => Some(c),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

fn rank_bound(p: &BExpr) -> Option<u64> {
    let ExprKind::Call(f, args) = &p.kind else { return None };
    let lit = match args.get(1).map(|a| &a.kind) {
        Some(ExprKind::Literal(Value::Int(n))) => *n,
        Some(ExprKind::Cast(inner, _)) => match &inner.kind {
            ExprKind::Literal(Value::Int(n)) => *n,
            _ => return None,
        },
        _ => return None,
    };
    match f {
        Func::Le if lit >= 1 => Some(lit as u64),
        Func::Lt if lit >= 2 => Some(lit as u64 - 1),
        Func::Eq if lit == 1 => Some(1),
        _ => None,
    }
}

/// If column `col` of `plan` is the rank number of a Rank (through projections that pass
/// columns on), sets that Rank's limit.
fn with_rank_limit(plan: Plan, col: usize, limit: u64) -> Option<Plan> {
    match plan {
        Plan::Project { input, exprs, schema } => {
            let ExprKind::Column(inner) = exprs.get(col)?.kind else { return None };
            let input = with_rank_limit(*input, inner, limit)?;
            Some(Plan::Project { input: Box::new(input), exprs, schema })
        }
        Plan::Rank { input, partition, order, limit: None, with_rank: true, schema } if col + 1 == schema.len() => {
            Some(Plan::Rank { input, partition, order, limit: Some(limit), with_rank: true, schema })
        }
        _ => None,
    }
}

/// A select list with `ROW_NUMBER() OVER (…)`: the Rank node and the projection above it.
pub fn over_projection(plan: Plan, scope: &Scope, items: &[SelectItem]) -> SqlResult<Option<Plan>> {
    let mut over = None;
    for (i, item) in items.iter().enumerate() {
        let (SelectItem::UnnamedExpr(Expr::Function(f)) | SelectItem::ExprWithAlias { expr: Expr::Function(f), .. }) = item else {
            continue;
        };
        let Some(w) = &f.over else { continue };
        if !f.name.to_string().eq_ignore_ascii_case("row_number") {
            return Err(SqlError::unsupported(format!("OVER window function '{}' (only ROW_NUMBER)", f.name)));
        }
        if over.is_some() {
            return Err(SqlError::unsupported("more than one ROW_NUMBER in a select list"));
        }
        let WindowType::WindowSpec(spec) = w else {
            return Err(SqlError::unsupported("named windows"));
        };
        over = Some((i, spec.clone()));
    }
    let Some((pos, spec)) = over else { return Ok(None) };
    let b = ExprBinder { scope, agg: None };
    let column = |e: &Expr| -> SqlResult<usize> {
        match b.bind(e)?.kind {
            ExprKind::Column(c) => Ok(c),
            _ => Err(SqlError::unsupported(format!("ROW_NUMBER over the expression '{e}' (use a column)"))),
        }
    };
    let partition = spec.partition_by.iter().map(column).collect::<SqlResult<Vec<_>>>()?;
    let order = spec
        .order_by
        .iter()
        .map(|o| Ok((column(&o.expr)?, !matches!(o.options.sort, Some(ast::OrderBySort::Desc)))))
        .collect::<SqlResult<Vec<_>>>()?;
    if order.is_empty() {
        return Err(SqlError::validation("ROW_NUMBER needs ORDER BY in its OVER clause"));
    }
    let mut schema = plan.schema();
    let rank_col = schema.len();
    schema.push(Field { name: "$rank".into(), data_type: DataType::BigInt, nullable: false });
    let rank = Plan::Rank { input: Box::new(plan), partition, order, limit: None, with_rank: true, schema };
    // The select list over the rank's output: the ROW_NUMBER item is the rank column.
    let mut rest: Vec<SelectItem> = items.to_vec();
    let alias = match &items[pos] {
        SelectItem::ExprWithAlias { alias, .. } => alias.clone(),
        _ => ast::Ident::new(format!("EXPR${pos}")),
    };
    rest[pos] = SelectItem::ExprWithAlias { expr: Expr::Identifier(ast::Ident::new("$rank")), alias };
    let mut rank_scope = scope.clone();
    rank_scope.columns.push(super::scope::ScopeColumn { qualifier: None, name: "$rank".into(), ty: DataType::BigInt });
    let rb = ExprBinder { scope: &rank_scope, agg: None };
    // `*` must not expand to the internal rank column.
    let mut exprs = Vec::new();
    let mut out = Vec::new();
    for item in &rest {
        let (e, f) = match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                select_list(&ExprBinder { scope, agg: None }, scope, std::slice::from_ref(item))?
            }
            _ => select_list(&rb, &rank_scope, std::slice::from_ref(item))?,
        };
        exprs.extend(e);
        out.extend(f);
    }
    debug_assert!(rank_col < rank_scope.columns.len());
    Ok(Some(Plan::Project { input: Box::new(rank), exprs, schema: out }))
}
