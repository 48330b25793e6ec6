//! Binds one `SELECT … FROM … WHERE … GROUP BY … HAVING …` block.

use super::Binder;
use super::expr::{AggRefs, ExprBinder};
use super::functions::{AGGREGATES, args_of};
use super::scope::Scope;
use crate::error::{SqlError, SqlResult};
use crate::plan::{AggCall, AggFunc, BExpr, ExprKind, GroupWindow, Plan};
use crate::types::{DataType, Field};
use sqlparser::ast::{self, Expr, GroupByExpr, SelectItem};

impl Binder<'_> {
    /// Binds a SELECT block.
    pub(super) fn bind_select(&mut self, s: &ast::Select) -> SqlResult<Plan> {
        if s.distinct.is_some() {
            return Err(SqlError::unsupported("SELECT DISTINCT"));
        }
        let (mut plan, qualifier) = match s.from.as_slice() {
            [] => (Plan::Values { rows: vec![vec![]], schema: vec![] }, None),
            [from] if from.joins.is_empty() => self.bind_relation(&from.relation)?,
            [_] => return Err(SqlError::unsupported("joins (they come in part 2)")),
            _ => return Err(SqlError::unsupported("more than one table in FROM (joins come in part 2)")),
        };
        let scope = Scope::new(&plan.schema(), qualifier.as_deref());
        if let Some(w) = &s.selection {
            let b = ExprBinder { scope: &scope, agg: None };
            let predicate = super::coerce::cast(b.bind(w)?, &DataType::Boolean);
            plan = match plan {
                // A filter on the TVF's input columns goes below it (rows are then windowed).
                Plan::WindowTvf { input, rowtime, window, schema } if max_column(&predicate).is_none_or(|c| c < input.schema().len()) => {
                    Plan::WindowTvf { input: Box::new(Plan::Filter { input, predicate }), rowtime, window, schema }
                }
                plan => super::rank::filter(plan, predicate),
            };
        }
        let group: &[Expr] = match &s.group_by {
            GroupByExpr::Expressions(g, mods) if mods.is_empty() => g,
            other => return Err(SqlError::unsupported(format!("{other}"))),
        };
        let mut calls = Vec::new();
        for item in &s.projection {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                collect_aggregates(e, &mut calls);
            }
        }
        if let Some(h) = &s.having {
            collect_aggregates(h, &mut calls);
        }
        if group.is_empty() && calls.is_empty() {
            if s.having.is_some() {
                return Err(SqlError::validation("HAVING needs GROUP BY or an aggregate"));
            }
            return self.project(plan, &scope, &s.projection);
        }
        self.aggregate(plan, &scope, group, &calls, s)
    }

    fn project(&mut self, plan: Plan, scope: &Scope, items: &[SelectItem]) -> SqlResult<Plan> {
        if let Some(r) = super::rank::over_projection(plan.clone(), scope, items)? {
            return Ok(r);
        }
        let b = ExprBinder { scope, agg: None };
        let (exprs, schema) = select_list(&b, scope, items)?;
        Ok(Plan::Project { input: Box::new(plan), exprs, schema })
    }

    fn aggregate(&mut self, plan: Plan, scope: &Scope, group: &[Expr], calls: &[ast::Function], s: &ast::Select) -> SqlResult<Plan> {
        let b = ExprBinder { scope, agg: None };
        let (group_items, sets) = super::grouping_sets::flatten(group)?;
        let group: &[Expr] = &group_items;
        let mut pre = Vec::new();
        let mut pre_schema = Vec::new();
        let mut refs = AggRefs { input_names: scope.columns.iter().map(|c| c.name.clone()).collect(), ..AggRefs::default() };
        let mut window = None;
        // `GROUP BY window_start, window_end, …` over a window TVF is a window aggregate over
        // the TVF's input (each window emitted once, when it closes).
        let is_named = |g: &Expr, n: &str| matches!(g, Expr::Identifier(i) if i.value == n);
        let tvf_window = match &plan {
            Plan::WindowTvf { input, rowtime, window, .. }
                if group.iter().any(|g| is_named(g, "window_start")) && group.iter().any(|g| is_named(g, "window_end")) =>
            {
                Some((input.schema().len(), *rowtime, *window))
            }
            _ => None,
        };
        for g in group {
            if tvf_window.is_some() && (is_named(g, "window_start") || is_named(g, "window_end")) {
                continue;
            }
            if let Some(w) = group_window(g, &b)? {
                if window.replace(w).is_some() {
                    return Err(SqlError::validation("only one group window is allowed in GROUP BY"));
                }
                continue;
            }
            let e = b.bind(g)?;
            refs.outputs.push((g.to_string(), pre.len(), e.ty.clone()));
            pre_schema.push(Field::new(name_of(g).unwrap_or_else(|| format!("$f{}", pre.len())), e.ty.clone()));
            pre.push(e);
        }
        let keys = pre.len();
        if sets.is_some() && (window.is_some() || tvf_window.is_some()) {
            return Err(SqlError::unsupported("GROUPING SETS / ROLLUP / CUBE with a group window"));
        }
        // With grouping sets the set id is an extra key column after the keys.
        let shift = usize::from(sets.is_some());
        let mut plan = plan;
        let mut tvf_refs = None;
        if let Some((width, rowtime, w)) = tvf_window {
            let Plan::WindowTvf { input, .. } = plan else { unreachable!("checked above") };
            plan = *input;
            window = Some((w, rowtime, String::new()));
            tvf_refs = Some(width);
        }
        let mut agg_calls = Vec::new();
        for f in calls {
            let call = agg_call(f, &b, &mut pre, &mut pre_schema)?;
            refs.outputs.push((ast::Expr::Function(f.clone()).to_string(), keys + shift + agg_calls.len(), call.ty.clone()));
            agg_calls.push(call);
        }
        if let Some(width) = tvf_refs
            && pre.iter().any(|e| max_column(e).is_some_and(|c| c >= width))
        {
            return Err(SqlError::unsupported("window columns other than window_start and window_end in a window aggregate"));
        }
        let mut schema: Vec<Field> = pre_schema[..keys].to_vec();
        schema.extend(agg_calls.iter().enumerate().map(|(i, c)| Field::new(format!("EXPR${i}"), c.ty.clone())));
        let input = Box::new(Plan::Project { input: Box::new(plan), exprs: pre, schema: pre_schema });
        let plan = match (window, sets) {
            (None, Some(sets)) => {
                let masks = sets.iter().map(|s| (0..keys).map(|k| s.contains(&k)).collect()).collect();
                let input = Box::new(Plan::Expand { input, keys, masks });
                for c in agg_calls.iter_mut() {
                    c.arg = c.arg.map(|a| a + 1);
                    c.filter = c.filter.map(|a| a + 1);
                }
                schema.iter_mut().for_each(|f| f.nullable = true);
                schema.insert(keys, Field::new("$e", DataType::BigInt));
                Plan::Aggregate { input, keys: keys + 1, calls: agg_calls, schema }
            }
            (None, None) => Plan::Aggregate { input, keys, calls: agg_calls, schema },
            (Some(_), Some(_)) => unreachable!("refused above"),
            (Some((w, rowtime, ts_expr)), None) => {
                let n = keys + agg_calls.len();
                for (prefix, idx) in [("START", n), ("END", n + 1)] {
                    for kind in ["SESSION", "TUMBLE", "HOP"] {
                        refs.outputs.push((format!("{kind}_{prefix}({ts_expr})"), idx, DataType::Timestamp(3)));
                    }
                    if tvf_refs.is_some() {
                        refs.outputs.push((format!("window_{}", prefix.to_lowercase()), idx, DataType::Timestamp(3)));
                    }
                }
                let mut schema = schema;
                schema.push(Field::new("w$start", DataType::Timestamp(3)));
                schema.push(Field::new("w$end", DataType::Timestamp(3)));
                // The rowtime column travels to the window operator as an extra input column.
                let Plan::Project { input: inner, mut exprs, schema: mut pre_schema } = *input else { unreachable!() };
                let rt_col = exprs.len();
                exprs.push(BExpr { kind: ExprKind::Column(rowtime), ty: DataType::Timestamp(3) });
                pre_schema.push(Field::new("$rowtime", DataType::Timestamp(3)));
                let input = Box::new(Plan::Project { input: inner, exprs, schema: pre_schema });
                Plan::WindowAggregate { input, keys, rowtime: rt_col, window: w, calls: agg_calls, schema }
            }
        };
        let out_scope = Scope::new(&plan.schema(), None);
        let ab = ExprBinder { scope: &out_scope, agg: Some(&refs) };
        let mut plan = plan;
        if let Some(h) = &s.having {
            plan = Plan::Filter { input: Box::new(plan), predicate: super::coerce::cast(ab.bind(h)?, &DataType::Boolean) };
        }
        let (exprs, schema) = select_list(&ab, &out_scope, &s.projection)?;
        Ok(Plan::Project { input: Box::new(plan), exprs, schema })
    }
}

/// The largest input column an expression reads.
fn max_column(e: &BExpr) -> Option<usize> {
    match &e.kind {
        ExprKind::Column(c) => Some(*c),
        ExprKind::Literal(_) => None,
        ExprKind::Field(x, _) | ExprKind::Cast(x, _) => max_column(x),
        ExprKind::Call(_, args) => args.iter().filter_map(max_column).max(),
        ExprKind::Case(branches, e) => branches
            .iter()
            .flat_map(|(c, r)| [max_column(c), max_column(r)])
            .chain([e.as_ref().and_then(|e| max_column(e))])
            .flatten()
            .max(),
    }
}

/// Binds a select list: `*`, `t.*`, expressions with or without aliases.
pub(super) fn select_list(b: &ExprBinder<'_>, scope: &Scope, items: &[SelectItem]) -> SqlResult<(Vec<BExpr>, Vec<Field>)> {
    let mut exprs = Vec::new();
    let mut schema = Vec::new();
    for item in items {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                if b.agg.is_some() {
                    return Err(SqlError::validation("'*' is not allowed in an aggregate query"));
                }
                for (i, c) in scope.columns.iter().enumerate() {
                    exprs.push(BExpr { kind: ExprKind::Column(i), ty: c.ty.clone() });
                    schema.push(Field::new(c.name.clone(), c.ty.clone()));
                }
            }
            SelectItem::UnnamedExpr(e) => {
                let be = b.bind(e)?;
                schema.push(Field::new(name_of(e).unwrap_or_else(|| format!("EXPR${}", exprs.len())), be.ty.clone()));
                exprs.push(be);
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                let be = b.bind(expr)?;
                schema.push(Field::new(alias.value.clone(), be.ty.clone()));
                exprs.push(be);
            }
            other => return Err(SqlError::unsupported(format!("select item '{other}'"))),
        }
    }
    Ok((exprs, schema))
}

/// The column name an expression gets without an alias: the last part of a name.
fn name_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(i.value.clone()),
        Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
        _ => None,
    }
}

fn is_aggregate(f: &ast::Function) -> bool {
    f.over.is_none() && AGGREGATES.contains(&f.name.to_string().to_ascii_lowercase().as_str())
}

/// Collects the aggregate calls in `e` (deduplicated by their text).
fn collect_aggregates(e: &Expr, out: &mut Vec<ast::Function>) {
    match e {
        Expr::Function(f) if is_aggregate(f) => {
            let text = e.to_string();
            if !out.iter().any(|g| Expr::Function(g.clone()).to_string() == text) {
                out.push(f.clone());
            }
        }
        Expr::Function(f) => {
            if let Ok(args) = args_of(f) {
                args.into_iter().for_each(|a| collect_aggregates(a, out));
            }
        }
        Expr::BinaryOp { left, right, .. } => {
            collect_aggregates(left, out);
            collect_aggregates(right, out);
        }
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) | Expr::Cast { expr, .. } | Expr::IsNull(expr) | Expr::IsNotNull(expr) => {
            collect_aggregates(expr, out)
        }
        Expr::Case { operand, conditions, else_result, .. } => {
            operand.iter().for_each(|o| collect_aggregates(o, out));
            for c in conditions {
                collect_aggregates(&c.condition, out);
                collect_aggregates(&c.result, out);
            }
            else_result.iter().for_each(|o| collect_aggregates(o, out));
        }
        _ => {}
    }
}

/// Binds one aggregate call, appending its argument and filter to the pre-aggregation
/// projection.
fn agg_call(f: &ast::Function, b: &ExprBinder<'_>, pre: &mut Vec<BExpr>, pre_schema: &mut Vec<Field>) -> SqlResult<AggCall> {
    let name = f.name.to_string().to_ascii_lowercase();
    let func = match name.as_str() {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        _ => AggFunc::Max,
    };
    let distinct =
        matches!(&f.args, ast::FunctionArguments::List(l) if matches!(l.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)));
    let star = matches!(&f.args, ast::FunctionArguments::List(l) if matches!(l.args.as_slice(), [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)]));
    let mut push = |e: BExpr, name: &str| {
        pre_schema.push(Field::new(format!("${name}{}", pre.len()), e.ty.clone()));
        pre.push(e);
        pre.len() - 1
    };
    let (arg, arg_ty) = if star {
        if func != AggFunc::Count {
            return Err(SqlError::validation(format!("'*' is only allowed in COUNT, not in {f}")));
        }
        (None, None)
    } else {
        let args = args_of(f)?;
        let [a] = args.as_slice() else {
            return Err(SqlError::validation(format!("{} takes exactly one argument", name.to_uppercase())));
        };
        let e = b.bind(a)?;
        let ty = e.ty.clone();
        (Some(push(e, "arg")), Some(ty))
    };
    let filter = match &f.filter {
        Some(fe) => Some(push(super::coerce::cast(b.bind(fe)?, &DataType::Boolean), "filter")),
        None => None,
    };
    let ty = match (func, &arg_ty) {
        (AggFunc::Count, _) => DataType::BigInt,
        (_, None) => DataType::BigInt,
        (AggFunc::Sum, Some(t)) if t.is_integer() => DataType::BigInt,
        (AggFunc::Sum, Some(DataType::Decimal(_, s))) => DataType::Decimal(38, *s),
        (AggFunc::Avg, Some(t)) if t.is_integer() => t.clone(),
        (AggFunc::Avg, Some(DataType::Decimal(_, s))) => DataType::Decimal(38, (*s).max(6)),
        (AggFunc::Sum | AggFunc::Avg, Some(t)) if !t.is_numeric() => {
            return Err(SqlError::validation(format!("Cannot apply '{}' to arguments of type {t}", name.to_uppercase())));
        }
        (_, Some(t)) => t.clone(),
    };
    Ok(AggCall { func, arg, distinct, filter, ty, arg_ty })
}

/// `SESSION(ts, gap)`, `TUMBLE(ts, size)` or `HOP(ts, slide, size)` in GROUP BY: the window,
/// the rowtime column, and the text of `ts` (to match `SESSION_START(ts, …)`).
fn group_window(g: &Expr, b: &ExprBinder<'_>) -> SqlResult<Option<(GroupWindow, usize, String)>> {
    let Expr::Function(f) = g else { return Ok(None) };
    let name = f.name.to_string().to_ascii_uppercase();
    if !matches!(name.as_str(), "SESSION" | "TUMBLE" | "HOP") {
        return Ok(None);
    }
    let args = args_of(f)?;
    let ts = b.bind(args.first().ok_or_else(|| SqlError::validation(format!("{name} needs a time attribute")))?)?;
    let ExprKind::Column(rowtime) = ts.kind else {
        return Err(SqlError::validation(format!("{name}: the first argument must be a time attribute column")));
    };
    let interval = |i: usize| -> SqlResult<i64> {
        let e = b.bind(args.get(i).ok_or_else(|| SqlError::validation(format!("{name}: missing interval argument")))?)?;
        match (e.kind, e.ty) {
            (ExprKind::Literal(crate::value::Value::Timestamp(ms)), DataType::IntervalDayTime) if ms > 0 => Ok(ms),
            _ => Err(SqlError::validation(format!("{name}: window intervals must be positive INTERVAL literals"))),
        }
    };
    let w = match name.as_str() {
        "SESSION" => GroupWindow::Session { gap: interval(1)? },
        "TUMBLE" => GroupWindow::Tumble { size: interval(1)? },
        _ => GroupWindow::Hop { slide: interval(1)?, size: interval(2)? },
    };
    let rest: Vec<String> = args.iter().skip(1).map(|a| a.to_string()).collect();
    Ok(Some((w, rowtime, format!("{}, {}", args[0], rest.join(", ")))))
}
