//! `GroupAggregate`: `GROUP BY` with COUNT / SUM / AVG / MIN / MAX, `DISTINCT` and
//! `FILTER (WHERE …)`, per key in keyed state (so it checkpoints like any keyed operator).
//! Streaming mode emits `+I`, then `-U`/`+U` pairs when a key's result changes (Flink's
//! `GroupAggFunction`); batch mode emits each key's final row once, at the end of input.

use crate::exec::Mode;
use crate::plan::{AggCall, AggFunc};
use crate::types::DataType;
use crate::value::{Row, RowKey, RowKind, Value};
use rasch_core::{MAX_WATERMARK, Result};
use rasch_runtime::collector::Collector;
use rasch_runtime::functions::KeyedProcessFunction;
use rasch_runtime::keyed::KeyedContext;
use rasch_state::{MapState, ValueState};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One accumulator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Acc {
    /// COUNT (also of DISTINCT values).
    Count(i64),
    /// SUM, MIN, MAX: the value so far (NULL before the first non-null input).
    Value(Value),
    /// AVG: the sum (unscaled for DECIMAL) and the count.
    Avg(i128, i64, f64),
}

/// The group-aggregate function of one operator.
#[derive(Clone)]
pub struct GroupAggregate {
    keys: usize,
    calls: Arc<[AggCall]>,
    mode: Mode,
    accs: ValueState<Vec<Acc>>,
    distinct: MapState<RowKey, i64>,
}

impl GroupAggregate {
    /// The function for a group of `keys` leading key columns and these calls.
    pub fn new(keys: usize, calls: Vec<AggCall>, mode: Mode) -> Self {
        GroupAggregate { keys, calls: calls.into(), mode, accs: ValueState::new("accs"), distinct: MapState::new("distinct") }
    }
}

/// Fresh accumulators for `calls`.
pub fn init(calls: &[AggCall]) -> Vec<Acc> {
    calls
        .iter()
        .map(|c| match c.func {
            AggFunc::Count => Acc::Count(0),
            AggFunc::Avg => Acc::Avg(0, 0, 0.0),
            _ => Acc::Value(Value::Null),
        })
        .collect()
}

/// Adds one input row to the accumulators; `seen_distinct(call, value)` says whether a
/// DISTINCT call saw the value before (and records it).
pub fn accumulate(
    calls: &[AggCall],
    accs: &mut [Acc],
    row: &[Value],
    mut seen_distinct: impl FnMut(usize, &Value) -> Result<bool>,
) -> Result<()> {
    for (i, (c, acc)) in calls.iter().zip(accs.iter_mut()).enumerate() {
        if let Some(f) = c.filter
            && row[f].as_bool() != Some(true)
        {
            continue;
        }
        let v = match c.arg {
            None => {
                if let Acc::Count(n) = acc {
                    *n += 1;
                }
                continue;
            }
            Some(a) => &row[a],
        };
        if v.is_null() || c.distinct && seen_distinct(i, v)? {
            continue;
        }
        match (c.func, acc) {
            (AggFunc::Count, Acc::Count(n)) => *n += 1,
            (AggFunc::Sum, Acc::Value(s)) => {
                *s = match (&*s, v) {
                    (Value::Null, v) => v.clone(),
                    (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_add(*b)),
                    (Value::Decimal(a), Value::Decimal(b)) => a.checked_add(*b).map_or(Value::Null, Value::Decimal),
                    (Value::Double(a), Value::Double(b)) => Value::Double(a + b),
                    (s, _) => s.clone(),
                }
            }
            (AggFunc::Min | AggFunc::Max, Acc::Value(m)) => {
                let better = m.is_null() || {
                    let o = v.cmp_same_type(m);
                    if c.func == AggFunc::Min { o.is_lt() } else { o.is_gt() }
                };
                if better {
                    *m = v.clone();
                }
            }
            (AggFunc::Avg, Acc::Avg(sum, n, fsum)) => {
                match v {
                    Value::Int(x) => *sum = sum.saturating_add(*x as i128),
                    Value::Decimal(x) => *sum = sum.saturating_add(*x),
                    Value::Double(x) => *fsum += *x,
                    _ => {}
                }
                *n += 1;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The result values of the accumulators.
pub fn results(calls: &[AggCall], accs: &[Acc], out: &mut Vec<Value>) {
    for (c, acc) in calls.iter().zip(accs) {
        out.push(match acc {
            Acc::Count(n) => Value::Int(*n),
            Acc::Value(v) => v.clone(),
            Acc::Avg(_, 0, _) => Value::Null,
            Acc::Avg(sum, n, fsum) => match (&c.ty, &c.arg_ty) {
                (DataType::Double | DataType::Float, _) => Value::Double(fsum / *n as f64),
                (DataType::Decimal(_, s), Some(DataType::Decimal(_, s_in))) => {
                    let scaled = crate::value::decimal::rescale(*sum, *s_in, *s).unwrap_or(0);
                    Value::Decimal(scaled / *n as i128)
                }
                _ => Value::Int((*sum / *n as i128) as i64),
            },
        });
    }
}

impl KeyedProcessFunction<RowKey, Row, Row> for GroupAggregate {
    fn process_element(&mut self, row: Row, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        let prev = self.accs.value(ctx)?;
        let first = prev.is_none();
        let mut accs = prev.clone().unwrap_or_else(|| init(&self.calls));
        let distinct = &self.distinct;
        accumulate(&self.calls, &mut accs, &row.values, |call, v| {
            let k = RowKey(vec![Value::Int(call as i64), v.clone()]);
            if distinct.contains(ctx, &k)? {
                return Ok(true);
            }
            distinct.put(ctx, k, 1)?;
            Ok(false)
        })?;
        let key = row.values[..self.keys].to_vec();
        match self.mode {
            Mode::Batch => ctx.register_event_time_timer(MAX_WATERMARK),
            Mode::Streaming => {
                let mut new = key.clone();
                results(&self.calls, &accs, &mut new);
                match prev {
                    None => out.collect(Row { kind: RowKind::Insert, values: new }),
                    Some(old_accs) => {
                        let mut old = key;
                        results(&self.calls, &old_accs, &mut old);
                        if old != new {
                            out.collect(Row { kind: RowKind::UpdateBefore, values: old });
                            out.collect(Row { kind: RowKind::UpdateAfter, values: new });
                        }
                    }
                }
            }
        }
        let _ = first;
        self.accs.update(ctx, accs)
    }

    fn on_timer(&mut self, _t: i64, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        if let Some(accs) = self.accs.value(ctx)? {
            let mut values = ctx.current_key().0.clone();
            results(&self.calls, &accs, &mut values);
            out.collect(Row::insert(values));
        }
        Ok(())
    }
}
