//! The binder: turns a parsed query into a typed logical [`Plan`], resolving tables and views
//! through the [`Catalog`], and recognising Flink's patterns (group aggregation, legacy group
//! windows, `ROW_NUMBER` Top-N) as plan nodes.

pub mod coerce;
pub mod expr;
pub mod functions;
mod grouping_sets;
mod match_recognize;
mod order;
mod rank;
pub mod scope;
mod select;
mod window_tvf;

use crate::catalog::{Catalog, CatalogEntry, TableDef};
use crate::error::{SqlError, SqlResult};
use crate::parser::statement::ColumnDef;
use crate::plan::{BExpr, ExprKind, Plan};
use crate::types::Field;
use expr::ExprBinder;
use scope::Scope;
use sqlparser::ast::{Query, SetExpr, TableFactor};
use std::sync::Arc;

/// How deeply views may reference views.
const MAX_VIEW_DEPTH: usize = 32;

/// Binds queries against a catalog.
pub struct Binder<'c> {
    catalog: &'c Catalog,
    depth: usize,
}

impl<'c> Binder<'c> {
    /// A binder over `catalog`.
    pub fn new(catalog: &'c Catalog) -> Self {
        Binder { catalog, depth: 0 }
    }

    /// Binds a query into a plan.
    pub fn bind_query(&mut self, q: &Query) -> SqlResult<Plan> {
        if q.with.is_some() {
            return Err(SqlError::unsupported("WITH clauses"));
        }
        if q.fetch.is_some() {
            return Err(SqlError::unsupported("FETCH"));
        }
        let plan = self.bind_set_expr(&q.body)?;
        order::order_and_limit(plan, q.order_by.as_ref(), q.limit_clause.as_ref())
    }

    fn bind_set_expr(&mut self, body: &SetExpr) -> SqlResult<Plan> {
        match body {
            SetExpr::Select(s) => self.bind_select(s),
            SetExpr::Query(inner) => self.bind_query(inner),
            SetExpr::Values(v) => values(v),
            SetExpr::SetOperation {
                op: sqlparser::ast::SetOperator::Union,
                set_quantifier: sqlparser::ast::SetQuantifier::All,
                left,
                right,
            } => {
                let (l, r) = (self.bind_set_expr(left)?, self.bind_set_expr(right)?);
                order::union_all(l, r)
            }
            other => Err(SqlError::unsupported(format!("query form '{other}'"))),
        }
    }

    /// Binds a table reference in FROM: a catalog table or view, or a subquery. Returns the
    /// plan and the qualifier its columns are visible under.
    fn bind_relation(&mut self, t: &TableFactor) -> SqlResult<(Plan, Option<String>)> {
        match t {
            TableFactor::Table { name, alias, args: None, .. } => {
                let name = name.0.iter().map(|p| p.as_ident().map(|i| i.value.clone()).unwrap_or_default()).collect::<Vec<_>>().join(".");
                let qualifier = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| name.clone());
                let plan = self.bind_named(&name)?;
                Ok((plan, Some(qualifier)))
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let mut plan = self.bind_query(subquery)?;
                if let Some(a) = alias
                    && !a.columns.is_empty()
                {
                    plan = rename(plan, a.columns.iter().map(|c| c.name.value.clone()).collect())?;
                }
                Ok((plan, alias.as_ref().map(|a| a.name.value.clone())))
            }
            TableFactor::TableFunction { expr: sqlparser::ast::Expr::Function(f), alias }
                if window_tvf::is_window_tvf(&f.name.to_string()) =>
            {
                Ok((self.bind_window_tvf(f)?, alias.as_ref().map(|a| a.name.value.clone())))
            }
            TableFactor::MatchRecognize {
                table,
                partition_by,
                order_by,
                measures,
                rows_per_match,
                after_match_skip,
                pattern,
                symbols,
                alias,
            } => {
                let (input, _) = self.bind_relation(table)?;
                let clause = match_recognize::Clause {
                    partition_by,
                    order_by,
                    measures,
                    rows_per_match: rows_per_match.as_ref(),
                    after_match_skip: after_match_skip.as_ref(),
                    pattern,
                    symbols,
                };
                Ok((self.bind_match_recognize(input, clause)?, alias.as_ref().map(|a| a.name.value.clone())))
            }
            other => Err(SqlError::unsupported(format!("table reference '{other}'"))),
        }
    }
}

/// Renames the columns of `plan` (`AS t(a, b)`).
fn rename(plan: Plan, names: Vec<String>) -> SqlResult<Plan> {
    let schema = plan.schema();
    if names.len() != schema.len() {
        return Err(SqlError::validation(format!(
            "List of column aliases must have same degree as table; table has {} columns, the alias list has {}",
            schema.len(),
            names.len()
        )));
    }
    let exprs = schema.iter().enumerate().map(|(i, f)| BExpr { kind: ExprKind::Column(i), ty: f.data_type.clone() }).collect();
    let schema = schema.into_iter().zip(names).map(|(f, name)| Field { name, ..f }).collect();
    Ok(Plan::Project { input: Box::new(plan), exprs, schema })
}

/// `VALUES (…), (…)`: constant rows, each column brought to the rows' common type.
fn values(v: &sqlparser::ast::Values) -> SqlResult<Plan> {
    let scope = Scope::default();
    let b = ExprBinder { scope: &scope, agg: None };
    let bound = v.rows.iter().map(|r| r.iter().map(|e| b.bind(e)).collect::<SqlResult<Vec<_>>>()).collect::<SqlResult<Vec<_>>>()?;
    let width = bound.first().map_or(0, Vec::len);
    if bound.iter().any(|r| r.len() != width) {
        return Err(SqlError::validation("VALUES rows must all have the same number of columns"));
    }
    let mut types = vec![crate::types::DataType::Null; width];
    for r in &bound {
        for (t, e) in types.iter_mut().zip(r) {
            *t = coerce::common_type(t, &e.ty)?;
        }
    }
    let rows = bound
        .into_iter()
        .map(|r| {
            r.into_iter()
                .zip(&types)
                .map(|(e, t)| {
                    let e = coerce::cast(e, t);
                    crate::exec::eval::compile(&e)(&[])
                })
                .collect()
        })
        .collect();
    let schema = types.into_iter().enumerate().map(|(i, t)| Field::new(format!("EXPR${i}"), t)).collect();
    Ok(Plan::Values { rows, schema })
}

impl Binder<'_> {
    /// The plan of a catalog table, view or Table API view.
    pub(crate) fn bind_named(&mut self, name: &str) -> SqlResult<Plan> {
        match self.catalog.get(name) {
            Some(CatalogEntry::Table(t)) => scan(t.clone()),
            Some(CatalogEntry::Plan(p)) => Ok((**p).clone()),
            Some(CatalogEntry::View(q)) => {
                if self.depth >= MAX_VIEW_DEPTH {
                    return Err(SqlError::validation(format!("view '{name}' nests views too deeply (or refers to itself)")));
                }
                self.depth += 1;
                let p = self.bind_query(&q.clone());
                self.depth -= 1;
                p
            }
            None => Err(SqlError::validation(format!("Object '{name}' not found"))),
        }
    }
}

/// The plan reading a table: its physical columns, then its computed columns, in
/// declaration order.
pub fn scan(t: Arc<TableDef>) -> SqlResult<Plan> {
    let physical = t.physical_schema();
    let scope = Scope::new(&physical, Some(&t.name));
    let b = ExprBinder { scope: &scope, agg: None };
    let mut exprs = Vec::new();
    let mut schema = Vec::new();
    let mut next_physical = 0;
    for c in &t.columns {
        match c {
            ColumnDef::Physical { name, data_type, nullable } => {
                exprs.push(BExpr { kind: ExprKind::Column(next_physical), ty: data_type.clone() });
                schema.push(Field { name: name.clone(), data_type: data_type.clone(), nullable: *nullable });
                next_physical += 1;
            }
            ColumnDef::Computed { name, expr } => {
                let e = b.bind(expr).map_err(|e| SqlError::validation(format!("computed column '{name}': {}", e.message)))?;
                schema.push(Field::new(name.clone(), e.ty.clone()));
                exprs.push(e);
            }
            ColumnDef::Metadata { name, .. } => {
                return Err(SqlError::unsupported(format!("metadata column '{name}': the filesystem connector offers no metadata")));
            }
        }
    }
    let input = Box::new(Plan::Scan { table: t });
    Ok(Plan::Project { input, exprs, schema })
}
