//! Runs `MATCH_RECOGNIZE` on the CEP library: the partition columns key the stream, the
//! variables become a pattern sequence with strict contiguity (`next`, as SQL rows are
//! consecutive; loops `consecutive()`, greedy unless reluctant), each `DEFINE` a condition on
//! the row, and the measures are computed from the match into one output row.

use super::eval::{Eval, Predicate, compile, compile_predicate};
use crate::error::{SqlError, SqlResult};
use crate::plan::match_recognize::{MatchSpec, Measure, MeasureFn, NavFrom, Navigation};
use crate::value::{Row, RowKey, Value};
use rasch_api::DataStream;
use rasch_cep::{CEP, ConditionContext, Match, Pattern};
use std::sync::Arc;

/// The CEP pattern of a bound `MATCH_RECOGNIZE`.
fn pattern(spec: &MatchSpec) -> Pattern<Row> {
    let mut pattern: Option<Pattern<Row>> = None;
    for v in &spec.vars {
        let p = match pattern.take() {
            None => Pattern::begin_with_skip(&v.name, spec.skip.clone()),
            Some(p) => p.next(&v.name),
        };
        let mut p = match &v.define {
            Some(e) if v.navs.is_empty() => {
                let f: Predicate = compile_predicate(e);
                p.where_(move |r: &Row| f(&r.values))
            }
            Some(e) => {
                // The condition reads matched rows: their values follow the row's own.
                let f: Predicate = compile_predicate(e);
                let (navs, name) = (v.navs.clone(), v.name.clone());
                p.where_iterative(move |r: &Row, ctx: &ConditionContext<'_, Row>| {
                    let mut values = Vec::with_capacity(r.values.len() + navs.len());
                    values.extend(r.values.iter().cloned());
                    values.extend(navs.iter().map(|n| navigate(n, &name, r, ctx)));
                    f(&values)
                })
            }
            None => p,
        };
        if v.quantified {
            let min = v.min.max(1);
            p = match v.max {
                None => p.times_or_more(min),
                Some(max) if max == min => p.times(min),
                Some(max) => p.times_range(min, max),
            };
            p = p.consecutive();
            if v.min == 0 {
                p = p.optional();
            }
            if v.greedy {
                p = p.greedy();
            }
        }
        pattern = Some(p);
    }
    let pattern = pattern.expect("a pattern has a variable");
    match spec.within {
        Some(ms) => pattern.within(std::time::Duration::from_millis(ms as u64)),
        None => pattern,
    }
}

/// The value a navigation reads: the current row is the last row of the variable being defined
/// (`current`).
fn navigate(n: &Navigation, current: &str, row: &Row, ctx: &ConditionContext<'_, Row>) -> Value {
    let mut rows: Vec<&Row> = ctx.get_events_for_pattern(&n.var).collect();
    if n.var == current {
        rows.push(row);
    }
    let at = match n.from {
        NavFrom::Aggregate(func) => return aggregate(func, &rows, n.col),
        NavFrom::First => Some(n.offset),
        NavFrom::Last => rows.len().checked_sub(1 + n.offset),
    };
    at.and_then(|i| rows.get(i)).map_or(Value::Null, |r| r.values[n.col].clone())
}

/// `func` over column `col` of `rows` (SQL semantics: NULLs skipped, NULL over no value;
/// integer AVG truncates, as in Flink).
fn aggregate(func: MeasureFn, rows: &[&Row], col: usize) -> Value {
    let values = || rows.iter().map(|r| &r.values[col]).filter(|v| !matches!(v, Value::Null));
    let ints = || values().filter_map(|v| if let Value::Int(i) = v { Some(*i) } else { None });
    match func {
        MeasureFn::First => rows.first().map_or(Value::Null, |r| r.values[col].clone()),
        MeasureFn::Last | MeasureFn::MatchRowtime => rows.last().map_or(Value::Null, |r| r.values[col].clone()),
        MeasureFn::Count => Value::Int(values().count() as i64),
        MeasureFn::Sum => {
            if values().next().is_none() {
                Value::Null
            } else {
                Value::Int(ints().sum())
            }
        }
        MeasureFn::Avg => {
            let n = ints().count() as i64;
            if n == 0 { Value::Null } else { Value::Int(ints().sum::<i64>() / n) }
        }
        MeasureFn::Min => values().min_by(|a, b| a.cmp_same_type(b)).cloned().unwrap_or(Value::Null),
        MeasureFn::Max => values().max_by(|a, b| a.cmp_same_type(b)).cloned().unwrap_or(Value::Null),
    }
}

/// A measure's value over the rows of a match.
fn measure(m: &Measure, matched: &Match<Row>) -> Value {
    let rows: Vec<&Row> = match &m.var {
        Some(v) => matched.events(v).iter().collect(),
        None => matched.all().collect(),
    };
    aggregate(m.func, &rows, m.col)
}

/// The stream of one row per match of `spec` over `input` (whose records carry event time).
pub fn translate(input: DataStream<Row>, spec: &Arc<MatchSpec>, uid: &str) -> SqlResult<DataStream<Row>> {
    let part = spec.partition.clone();
    let keyed = input.key_by(move |r: &Row| RowKey(part.iter().map(|&i| r.values[i].clone()).collect()));
    let spec2 = spec.clone();
    let outputs: Vec<Eval> = spec.outputs.iter().map(compile).collect();
    let out = CEP::pattern(&keyed, pattern(spec))
        .map_err(|e| SqlError::validation(e.to_string()))?
        .select(move |m: &Match<Row>| {
            let Some(first) = m.all().next() else { return Row::insert(Vec::new()) };
            let mut values: Vec<Value> = spec2.partition.iter().map(|&i| first.values[i].clone()).collect();
            let prims: Vec<Value> = spec2.measures.iter().map(|ms| measure(ms, m)).collect();
            values.extend(outputs.iter().map(|f| f(&prims)));
            Row::insert(values)
        })
        .name("Match")
        .uid(uid);
    Ok(out)
}
