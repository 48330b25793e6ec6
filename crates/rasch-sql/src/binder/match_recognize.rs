//! Binds `MATCH_RECOGNIZE` (Flink's row pattern recognition) onto [`MatchSpec`]: `PARTITION BY`
//! columns, `ORDER BY` the rowtime, a `PATTERN` of variables with quantifiers (greedy by
//! default, reluctant with `?`), `DEFINE` conditions on the current row, `MEASURES` with
//! `FIRST`, `LAST`, `v.col`, `COUNT`/`SUM`/`MIN`/`MAX`/`AVG` over a variable's rows and
//! `MATCH_ROWTIME()`, `ONE ROW PER MATCH`, `AFTER MATCH SKIP` and `WITHIN`.

use super::Binder;
use super::expr::ExprBinder;
use super::functions::args_of;
use super::scope::{Scope, ScopeColumn};
use crate::error::{SqlError, SqlResult};
use crate::parser::within::WITHIN_SYMBOL;
use crate::plan::Plan;
use crate::plan::match_recognize::{MatchSpec, Measure, MeasureFn, NavFrom, Navigation, PatternVar};
use crate::types::{DataType, Field};
use rasch_cep::AfterMatchSkipStrategy;
use sqlparser::ast::{self, Expr, MatchRecognizePattern as P, MatchRecognizeSymbol, RepetitionQuantifier as Q};
use std::sync::Arc;

/// The parts of `TableFactor::MatchRecognize`, borrowed.
pub(super) struct Clause<'a> {
    pub(super) partition_by: &'a [Expr],
    pub(super) order_by: &'a [ast::OrderByExpr],
    pub(super) measures: &'a [ast::Measure],
    pub(super) rows_per_match: Option<&'a ast::RowsPerMatch>,
    pub(super) after_match_skip: Option<&'a ast::AfterMatchSkip>,
    pub(super) pattern: &'a P,
    pub(super) symbols: &'a [ast::SymbolDefinition],
}

impl Binder<'_> {
    /// Binds `input MATCH_RECOGNIZE (…)`.
    pub(super) fn bind_match_recognize(&mut self, input: Plan, c: Clause<'_>) -> SqlResult<Plan> {
        let fields = input.schema();
        let scope = Scope::new(&fields, None);
        let column = |e: &Expr, what: &str| -> SqlResult<usize> {
            let name = match e {
                Expr::Identifier(i) => &i.value,
                Expr::CompoundIdentifier(parts) if parts.len() == 2 => &parts[1].value,
                other => return Err(SqlError::unsupported(format!("MATCH_RECOGNIZE {what} '{other}' (a column is expected)"))),
            };
            scope.resolve(None, name)?.ok_or_else(|| SqlError::validation(format!("Column '{name}' not found in MATCH_RECOGNIZE {what}")))
        };
        let partition = c.partition_by.iter().map(|e| column(e, "PARTITION BY")).collect::<SqlResult<Vec<_>>>()?;
        let rowtime = match c.order_by {
            [o] if !matches!(o.options.sort, Some(ast::OrderBySort::Desc)) => column(&o.expr, "ORDER BY")?,
            _ => return Err(SqlError::validation("MATCH_RECOGNIZE must be ordered by its time attribute, ascending")),
        };
        if input.rowtime() != Some(rowtime) {
            return Err(SqlError::validation(
                "You must specify either rowtime or proctime for order by as the first one: MATCH_RECOGNIZE is ordered by a column with a WATERMARK",
            ));
        }
        if matches!(c.rows_per_match, Some(ast::RowsPerMatch::AllRows(_))) {
            return Err(SqlError::unsupported("All rows per match mode is not supported yet."));
        }
        let mut vars = Vec::new();
        pattern_vars(c.pattern, &mut vars)?;
        let mut within = None;
        for s in c.symbols {
            let name = &s.symbol.value;
            if name == WITHIN_SYMBOL {
                let Expr::Interval(iv) = &s.definition else { return Err(SqlError::validation("WITHIN takes an INTERVAL")) };
                match super::expr::interval(iv)?.kind {
                    crate::plan::ExprKind::Literal(crate::value::Value::Timestamp(ms)) if ms > 0 => within = Some(ms),
                    _ => return Err(SqlError::validation("the WITHIN interval must be positive")),
                }
                continue;
            }
            if !vars.iter().any(|v| &v.name == name) {
                return Err(SqlError::validation(format!("DEFINE of '{name}', which the PATTERN does not use")));
            }
            // The variable's columns are the current row's: `A.price` and `price` alike; other
            // variables and FIRST / LAST / PREV read matched rows, bound as extra columns.
            let mut navs = Vec::new();
            let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
            let rewritten = rewrite(&s.definition, name, &names, &scope, &mut navs)?;
            let mut define_scope = Scope::new(&fields, Some(name));
            for (i, n) in navs.iter().enumerate() {
                let ty = match n.from {
                    NavFrom::Aggregate(MeasureFn::Count) => DataType::BigInt,
                    _ => fields[n.col].data_type.clone(),
                };
                define_scope.columns.push(ScopeColumn { qualifier: None, name: format!("$nav{i}"), ty });
            }
            let e = ExprBinder { scope: &define_scope, agg: None }.bind(&rewritten)?;
            let v = vars.iter_mut().find(|v| &v.name == name).expect("found above");
            v.navs = navs;
            if e.ty != DataType::Boolean {
                return Err(SqlError::validation(format!("DEFINE {name} must be a BOOLEAN condition")));
            }
            v.define = Some(e);
        }
        if vars.iter().all(|v| v.min == 0) {
            return Err(SqlError::unsupported(
                "Patterns that can produce empty matches are not supported. There must be at least one non-optional state.",
            ));
        }
        if vars.last().is_some_and(|v| v.quantified && v.greedy) {
            return Err(SqlError::unsupported(
                "Greedy quantifiers are not allowed as the last element of a Pattern yet. Finish your pattern with either a simple variable or reluctant quantifier.",
            ));
        }
        let known = |name: &str| -> SqlResult<String> {
            vars.iter()
                .find(|v| v.name == name)
                .map(|v| v.name.clone())
                .ok_or_else(|| SqlError::validation(format!("'{name}' is not a variable of the PATTERN")))
        };
        let skip = match c.after_match_skip {
            None | Some(ast::AfterMatchSkip::ToNextRow) => AfterMatchSkipStrategy::skip_to_next(),
            Some(ast::AfterMatchSkip::PastLastRow) => AfterMatchSkipStrategy::skip_past_last_event(),
            Some(ast::AfterMatchSkip::ToFirst(v)) => AfterMatchSkipStrategy::skip_to_first(&known(&v.value)?),
            Some(ast::AfterMatchSkip::ToLast(v)) => AfterMatchSkipStrategy::skip_to_last(&known(&v.value)?),
        };
        let mut schema: Vec<Field> = partition.iter().map(|&i| fields[i].clone()).collect();
        // Each navigation or aggregate of a measure becomes a value `$mN`; the measure is an
        // expression over those values (`LAST(A.price) - FIRST(A.price)`).
        let mut prims: Vec<(Measure, DataType)> = Vec::new();
        let rewritten = c
            .measures
            .iter()
            .map(|m| rewrite_measure(&m.expr, &mut prims, &|e: &Expr| measure(e, &scope, &fields, rowtime, &known)))
            .collect::<SqlResult<Vec<_>>>()?;
        let mut values_scope = Scope::default();
        for (i, (_, ty)) in prims.iter().enumerate() {
            values_scope.columns.push(ScopeColumn { qualifier: None, name: format!("$m{i}"), ty: ty.clone() });
        }
        let mut outputs = Vec::new();
        for (m, e) in c.measures.iter().zip(&rewritten) {
            let bound = ExprBinder { scope: &values_scope, agg: None }.bind(e)?;
            schema.push(Field { name: m.alias.value.clone(), data_type: bound.ty.clone(), nullable: true });
            outputs.push(bound);
        }
        let measures = prims.into_iter().map(|(m, _)| m).collect();
        let spec = MatchSpec { partition, rowtime, vars, skip, within, measures, outputs, schema };
        Ok(Plan::MatchRecognize { input: Box::new(input), spec: Arc::new(spec) })
    }
}

/// The variables of a pattern of consecutive (optionally quantified) variables.
fn pattern_vars(p: &P, out: &mut Vec<PatternVar>) -> SqlResult<()> {
    let var = |s: &MatchRecognizeSymbol| match s {
        MatchRecognizeSymbol::Named(i) => Ok(i.value.clone()),
        other => Err(SqlError::unsupported(format!("the pattern anchor '{other}'"))),
    };
    match p {
        P::Concat(parts) => parts.iter().try_for_each(|q| pattern_vars(q, out)),
        P::Group(inner) => pattern_vars(inner, out),
        P::Symbol(s) => {
            out.push(PatternVar { name: var(s)?, min: 1, max: Some(1), quantified: false, greedy: false, define: None, navs: Vec::new() });
            Ok(())
        }
        P::Repetition(inner, q) => {
            let P::Symbol(s) = inner.as_ref() else {
                return Err(SqlError::unsupported(format!("a quantifier on '{inner}' (only on a variable)")));
            };
            let (q, greedy) = match q {
                Q::Reluctant(q) => (q.as_ref(), false),
                q => (q, true),
            };
            let (min, max) = match *q {
                Q::ZeroOrMore => (0, None),
                Q::OneOrMore => (1, None),
                Q::AtMostOne => (0, Some(1)),
                Q::Exactly(n) => (n, Some(n)),
                Q::AtLeast(n) => (n, None),
                Q::AtMost(n) => (0, Some(n)),
                Q::Range(a, b) => (a, Some(b)),
                Q::Reluctant(_) => return Err(SqlError::validation("a doubly reluctant quantifier")),
            };
            if max == Some(0) || max.is_some_and(|m| m < min) {
                return Err(SqlError::validation(format!("the quantifier of '{inner}' allows no occurrence")));
            }
            out.push(PatternVar { name: var(s)?, min, max, quantified: true, greedy, define: None, navs: Vec::new() });
            Ok(())
        }
        other => Err(SqlError::unsupported(format!("the pattern form '{other}' (alternation, PERMUTE and exclusion come later)"))),
    }
}

/// A copy of a `MEASURES` expression in which every navigation, aggregate and
/// `MATCH_ROWTIME()` is replaced by a value `$mN` (bound by `primitive` and appended to `prims`).
fn rewrite_measure(
    e: &Expr,
    prims: &mut Vec<(Measure, DataType)>,
    primitive: &dyn Fn(&Expr) -> SqlResult<(Measure, DataType)>,
) -> SqlResult<Expr> {
    let is_primitive = match e {
        Expr::CompoundIdentifier(parts) => parts.len() == 2,
        Expr::Identifier(_) => true,
        Expr::Function(f) => {
            matches!(
                f.name.to_string().to_ascii_uppercase().as_str(),
                "FIRST" | "LAST" | "COUNT" | "SUM" | "MIN" | "MAX" | "AVG" | "MATCH_ROWTIME"
            )
        }
        _ => false,
    };
    if is_primitive {
        prims.push(primitive(e)?);
        return Ok(Expr::Identifier(ast::Ident::new(format!("$m{}", prims.len() - 1))));
    }
    let mut out = e.clone();
    match &mut out {
        Expr::BinaryOp { left, right, .. } => {
            **left = rewrite_measure(left, prims, primitive)?;
            **right = rewrite_measure(right, prims, primitive)?;
        }
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) | Expr::Cast { expr, .. } | Expr::IsNull(expr) | Expr::IsNotNull(expr) => {
            **expr = rewrite_measure(expr, prims, primitive)?;
        }
        _ => {}
    }
    Ok(out)
}

/// Binds one navigation, aggregate over a variable's rows, or `MATCH_ROWTIME()` of a measure.
fn measure(
    e: &Expr,
    scope: &Scope,
    fields: &[Field],
    rowtime: usize,
    known: &dyn Fn(&str) -> SqlResult<String>,
) -> SqlResult<(Measure, DataType)> {
    let unsupported = || {
        SqlError::unsupported(format!(
            "the measure '{e}' (FIRST, LAST, v.col, COUNT/SUM/MIN/MAX/AVG(v.col) and MATCH_ROWTIME() are supported)"
        ))
    };
    let reference = |arg: &Expr| -> SqlResult<(Option<String>, usize)> {
        let (var, name) = match arg {
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => (Some(known(&parts[0].value)?), &parts[1].value),
            Expr::Identifier(i) => (None, &i.value),
            _ => return Err(unsupported()),
        };
        let col = scope.resolve(None, name)?.ok_or_else(|| SqlError::validation(format!("Column '{name}' not found in MEASURES")))?;
        Ok((var, col))
    };
    let (func, arg) = match e {
        Expr::CompoundIdentifier(_) | Expr::Identifier(_) => (MeasureFn::Last, e),
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            let args = args_of(f)?;
            if name == "MATCH_ROWTIME" && args.is_empty() {
                return Ok((Measure { func: MeasureFn::MatchRowtime, var: None, col: rowtime }, fields[rowtime].data_type.clone()));
            }
            let func = match name.as_str() {
                "FIRST" => MeasureFn::First,
                "LAST" => MeasureFn::Last,
                "COUNT" => MeasureFn::Count,
                "SUM" => MeasureFn::Sum,
                "MIN" => MeasureFn::Min,
                "MAX" => MeasureFn::Max,
                "AVG" => MeasureFn::Avg,
                _ => return Err(unsupported()),
            };
            match args.as_slice() {
                [a] => (func, *a),
                _ => return Err(unsupported()),
            }
        }
        _ => return Err(unsupported()),
    };
    let (var, col) = reference(arg)?;
    let ty = fields[col].data_type.clone();
    let integer = matches!(ty, DataType::TinyInt | DataType::SmallInt | DataType::Int | DataType::BigInt);
    let ty = match func {
        MeasureFn::Count => DataType::BigInt,
        MeasureFn::Sum | MeasureFn::Avg if !integer => return Err(unsupported()),
        _ => ty,
    };
    Ok((Measure { func, var, col }, ty))
}

/// A copy of the `DEFINE` condition of `var` in which every navigation into matched rows is
/// replaced by a column `$navN` (appended to `navs`).
fn rewrite(e: &Expr, var: &str, vars: &[String], scope: &Scope, navs: &mut Vec<Navigation>) -> SqlResult<Expr> {
    let mut nav = |from: NavFrom, v: String, name: &str, offset: usize| -> SqlResult<Expr> {
        let col = scope.resolve(None, name)?.ok_or_else(|| SqlError::validation(format!("Column '{name}' not found in DEFINE")))?;
        navs.push(Navigation { from, var: v, col, offset });
        Ok(Expr::Identifier(ast::Ident::new(format!("$nav{}", navs.len() - 1))))
    };
    let is_var = |name: &str| vars.iter().any(|v| v == name);
    let boxed = |e: &Expr, navs: &mut Vec<Navigation>| rewrite(e, var, vars, scope, navs).map(Box::new);
    Ok(match e {
        Expr::CompoundIdentifier(parts) if parts.len() == 2 && is_var(&parts[0].value) && parts[0].value != var => {
            nav(NavFrom::Last, parts[0].value.clone(), &parts[1].value, 0)?
        }
        Expr::Function(f) if matches!(f.name.to_string().to_ascii_uppercase().as_str(), "PREV" | "NEXT") => {
            return Err(SqlError::unsupported("Flink does not support physical offsets within partition (PREV, NEXT); use LAST(v.col, n)"));
        }
        Expr::Function(f) if matches!(f.name.to_string().to_ascii_uppercase().as_str(), "COUNT" | "SUM" | "MIN" | "MAX" | "AVG") => {
            let fname = f.name.to_string().to_ascii_uppercase();
            let func = match fname.as_str() {
                "COUNT" => MeasureFn::Count,
                "SUM" => MeasureFn::Sum,
                "MIN" => MeasureFn::Min,
                "MAX" => MeasureFn::Max,
                _ => MeasureFn::Avg,
            };
            let (v, name) = match args_of(f)?.as_slice() {
                [Expr::CompoundIdentifier(parts)] if parts.len() == 2 && is_var(&parts[0].value) => {
                    (parts[0].value.clone(), parts[1].value.clone())
                }
                [Expr::Identifier(i)] => (var.to_string(), i.value.clone()),
                _ => return Err(SqlError::unsupported(format!("{fname} of '{e}' in DEFINE (a column of a pattern variable is expected)"))),
            };
            let col = scope.resolve(None, &name)?.ok_or_else(|| SqlError::validation(format!("Column '{name}' not found in DEFINE")))?;
            let ty = &scope.columns[col].ty;
            let integer = matches!(ty, DataType::TinyInt | DataType::SmallInt | DataType::Int | DataType::BigInt);
            if matches!(func, MeasureFn::Sum | MeasureFn::Avg) && !integer {
                return Err(SqlError::unsupported(format!("{fname} of a non-integer column in DEFINE")));
            }
            navs.push(Navigation { from: NavFrom::Aggregate(func), var: v, col, offset: 0 });
            Expr::Identifier(ast::Ident::new(format!("$nav{}", navs.len() - 1)))
        }
        Expr::Function(f) if matches!(f.name.to_string().to_ascii_uppercase().as_str(), "FIRST" | "LAST") => {
            let fname = f.name.to_string().to_ascii_uppercase();
            let args = args_of(f)?;
            let offset = match args.get(1) {
                None => 0,
                Some(Expr::Value(v)) => match &v.value {
                    ast::Value::Number(n, _) => n
                        .parse::<usize>()
                        .map_err(|_| SqlError::validation(format!("the offset of {fname} must be a non-negative integer")))?,
                    _ => return Err(SqlError::validation(format!("the offset of {fname} must be a non-negative integer"))),
                },
                Some(_) => return Err(SqlError::validation(format!("the offset of {fname} must be a non-negative integer"))),
            };
            let (v, name) = match args.first() {
                Some(Expr::CompoundIdentifier(parts)) if parts.len() == 2 && is_var(&parts[0].value) => {
                    (Some(parts[0].value.clone()), parts[1].value.clone())
                }
                Some(Expr::Identifier(i)) => (None, i.value.clone()),
                _ => return Err(SqlError::unsupported(format!("{fname} of '{e}' (a column of a pattern variable is expected)"))),
            };
            let from = if fname == "FIRST" { NavFrom::First } else { NavFrom::Last };
            nav(from, v.unwrap_or_else(|| var.to_string()), &name, offset)?
        }
        Expr::BinaryOp { left, op, right } => Expr::BinaryOp { left: boxed(left, navs)?, op: op.clone(), right: boxed(right, navs)? },
        Expr::UnaryOp { op, expr } => Expr::UnaryOp { op: *op, expr: boxed(expr, navs)? },
        Expr::Nested(inner) => Expr::Nested(boxed(inner, navs)?),
        Expr::IsNull(inner) => Expr::IsNull(boxed(inner, navs)?),
        Expr::IsNotNull(inner) => Expr::IsNotNull(boxed(inner, navs)?),
        Expr::Between { expr, negated, low, high } => {
            Expr::Between { expr: boxed(expr, navs)?, negated: *negated, low: boxed(low, navs)?, high: boxed(high, navs)? }
        }
        other => other.clone(),
    })
}
