//! `GroupAggregate`: `GROUP BY` with COUNT / SUM / AVG / MIN / MAX, `DISTINCT` and
//! `FILTER (WHERE …)`, per key in keyed state (so it checkpoints like any keyed operator).
//!
//! Streaming mode emits `+I`, then `-U`/`+U` pairs when a key's result changes, and `-D` when
//! retractions empty a group (Flink's `GroupAggFunction`). Its input may itself be a changelog:
//! `-U`/`-D` rows are retracted — COUNT and SUM subtract, DISTINCT values and MIN/MAX keep
//! per-value counts in map state so that retracting the current extremum finds the next one.
//! Batch mode emits each key's final row once, at the end of input.

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
    /// SUM: the sum and how many values it holds (NULL when none).
    Sum(Value, i64),
    /// MIN, MAX: the current extremum (NULL before the first non-null input).
    Value(Value),
    /// AVG: the sum (unscaled for DECIMAL), the count, the floating-point sum.
    Avg(i128, i64, f64),
}

/// Bookkeeping callbacks of [`accumulate`] for state beyond the accumulators.
pub trait Ledger {
    /// A DISTINCT call saw (`sign` 1) or lost (-1) `value`: whether its set changed.
    fn distinct(&mut self, call: usize, value: &Value, sign: i64) -> Result<bool>;
    /// A MIN/MAX call gained or lost `value`; updates `current` to the new extremum.
    fn extremum(&mut self, call: usize, func: AggFunc, value: &Value, sign: i64, current: &mut Value) -> Result<()>;
}

/// The ledger of insert-only input in a window: no DISTINCT, extrema only grow.
pub struct InsertOnly;

impl Ledger for InsertOnly {
    fn distinct(&mut self, _: usize, _: &Value, _: i64) -> Result<bool> {
        Ok(true)
    }
    fn extremum(&mut self, _: usize, func: AggFunc, v: &Value, _: i64, current: &mut Value) -> Result<()> {
        if better(func, v, current) {
            *current = v.clone();
        }
        Ok(())
    }
}

fn better(func: AggFunc, v: &Value, current: &Value) -> bool {
    current.is_null() || {
        let o = v.cmp_same_type(current);
        if func == AggFunc::Min { o.is_lt() } else { o.is_gt() }
    }
}

/// Fresh accumulators for `calls`.
pub fn init(calls: &[AggCall]) -> Vec<Acc> {
    calls
        .iter()
        .map(|c| match c.func {
            AggFunc::Count => Acc::Count(0),
            AggFunc::Sum => Acc::Sum(Value::Null, 0),
            AggFunc::Avg => Acc::Avg(0, 0, 0.0),
            _ => Acc::Value(Value::Null),
        })
        .collect()
}

/// Adds (`sign` 1) or retracts (-1) one input row.
pub fn accumulate(calls: &[AggCall], accs: &mut [Acc], row: &[Value], sign: i64, ledger: &mut impl Ledger) -> Result<()> {
    for (i, (c, acc)) in calls.iter().zip(accs.iter_mut()).enumerate() {
        if let Some(f) = c.filter
            && row[f].as_bool() != Some(true)
        {
            continue;
        }
        let v = match c.arg {
            None => {
                if let Acc::Count(n) = acc {
                    *n += sign;
                }
                continue;
            }
            Some(a) => &row[a],
        };
        if v.is_null() || c.distinct && !ledger.distinct(i, v, sign)? {
            continue;
        }
        match acc {
            Acc::Count(n) => *n += sign,
            Acc::Sum(s, n) => {
                *n += sign;
                *s = if *n == 0 { Value::Null } else { add(s, v, sign) };
            }
            Acc::Value(m) => ledger.extremum(i, c.func, v, sign, m)?,
            Acc::Avg(sum, n, fsum) => {
                match v {
                    Value::Int(x) => *sum = sum.saturating_add(*x as i128 * sign as i128),
                    Value::Decimal(x) => *sum = sum.saturating_add(*x * sign as i128),
                    Value::Double(x) => *fsum += *x * sign as f64,
                    _ => {}
                }
                *n += sign;
            }
        }
    }
    Ok(())
}

/// `s + sign·v` for SUM.
pub fn add(s: &Value, v: &Value, sign: i64) -> Value {
    match (s, v) {
        (Value::Null, v) if sign > 0 => v.clone(),
        (Value::Null, Value::Int(b)) => Value::Int(b.wrapping_neg()),
        (Value::Null, Value::Decimal(b)) => Value::Decimal(-b),
        (Value::Null, Value::Double(b)) => Value::Double(-b),
        (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_add(b.wrapping_mul(sign))),
        (Value::Decimal(a), Value::Decimal(b)) => a.checked_add(b * sign as i128).map_or(Value::Null, Value::Decimal),
        (Value::Double(a), Value::Double(b)) => Value::Double(a + b * sign as f64),
        (s, _) => s.clone(),
    }
}

/// The result values of the accumulators.
pub fn results(calls: &[AggCall], accs: &[Acc], out: &mut Vec<Value>) {
    for (c, acc) in calls.iter().zip(accs) {
        out.push(match acc {
            Acc::Count(n) => Value::Int(*n),
            Acc::Sum(v, _) | Acc::Value(v) => v.clone(),
            Acc::Avg(_, n, _) if *n <= 0 => Value::Null,
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

/// The group-aggregate function of one operator.
#[derive(Clone)]
pub struct GroupAggregate {
    keys: usize,
    calls: Arc<[AggCall]>,
    mode: Mode,
    retracting: bool,
    accs: ValueState<(Vec<Acc>, i64)>,
    counts: MapState<RowKey, i64>,
}

impl GroupAggregate {
    /// The function for a group of `keys` leading key columns and these calls; `retracting`
    /// when the input is a changelog with `-U`/`-D` rows.
    pub fn new(keys: usize, calls: Vec<AggCall>, mode: Mode, retracting: bool) -> Self {
        GroupAggregate { keys, calls: calls.into(), mode, retracting, accs: ValueState::new("accs"), counts: MapState::new("counts") }
    }
}

/// The keyed ledger: per-value counts in map state, keyed `[kind, call, value]`.
struct KeyedLedger<'a, 'c, 'k> {
    counts: &'a MapState<RowKey, i64>,
    ctx: &'a mut KeyedContext<'c, RowKey>,
    retracting: bool,
    _k: std::marker::PhantomData<&'k ()>,
}

impl KeyedLedger<'_, '_, '_> {
    fn bump(&mut self, kind: i64, call: usize, v: &Value, sign: i64) -> Result<i64> {
        let k = RowKey(vec![Value::Int(kind), Value::Int(call as i64), v.clone()]);
        let n = self.counts.get(self.ctx, &k)?.unwrap_or(0) + sign;
        if n <= 0 {
            self.counts.remove(self.ctx, &k)?;
        } else {
            self.counts.put(self.ctx, k, n)?;
        }
        Ok(n)
    }
}

impl Ledger for KeyedLedger<'_, '_, '_> {
    fn distinct(&mut self, call: usize, v: &Value, sign: i64) -> Result<bool> {
        let n = self.bump(0, call, v, sign)?;
        Ok(if sign > 0 { n == 1 } else { n == 0 })
    }
    fn extremum(&mut self, call: usize, func: AggFunc, v: &Value, sign: i64, current: &mut Value) -> Result<()> {
        if !self.retracting {
            return InsertOnly.extremum(call, func, v, sign, current);
        }
        let n = self.bump(1, call, v, sign)?;
        if sign > 0 {
            if better(func, v, current) {
                *current = v.clone();
            }
        } else if n == 0 && v == current {
            // The extremum left: the next one is the best value still counted.
            *current = Value::Null;
            for (k, _) in self.counts.entries(self.ctx)? {
                if k.0.first() == Some(&Value::Int(1)) && k.0.get(1) == Some(&Value::Int(call as i64)) && better(func, &k.0[2], current) {
                    *current = k.0[2].clone();
                }
            }
        }
        Ok(())
    }
}

impl KeyedProcessFunction<RowKey, Row, Row> for GroupAggregate {
    fn process_element(&mut self, row: Row, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        let sign = if row.kind.is_accumulate() { 1 } else { -1 };
        let prev = self.accs.value(ctx)?;
        if sign < 0 && prev.is_none() {
            return Ok(()); // a retraction of nothing (as Flink, ignored)
        }
        let (mut accs, mut rows) = prev.clone().unwrap_or_else(|| (init(&self.calls), 0));
        rows += sign;
        let mut ledger = KeyedLedger { counts: &self.counts, ctx, retracting: self.retracting, _k: std::marker::PhantomData };
        accumulate(&self.calls, &mut accs, &row.values, sign, &mut ledger)?;
        let key = &row.values[..self.keys];
        let old = prev.map(|(a, _)| {
            let mut v = key.to_vec();
            results(&self.calls, &a, &mut v);
            v
        });
        if rows <= 0 {
            if let (Mode::Streaming, Some(old)) = (self.mode, old) {
                out.collect(Row { kind: RowKind::Delete, values: old });
            }
            self.counts.clear(ctx)?;
            return self.accs.clear(ctx);
        }
        match self.mode {
            Mode::Batch => ctx.register_event_time_timer(MAX_WATERMARK),
            Mode::Streaming => {
                let mut new = key.to_vec();
                results(&self.calls, &accs, &mut new);
                match old {
                    None => out.collect(Row { kind: RowKind::Insert, values: new }),
                    Some(old) if old != new => {
                        out.collect(Row { kind: RowKind::UpdateBefore, values: old });
                        out.collect(Row { kind: RowKind::UpdateAfter, values: new });
                    }
                    Some(_) => {}
                }
            }
        }
        self.accs.update(ctx, (accs, rows))
    }

    fn on_timer(&mut self, _t: i64, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        if let Some((accs, _)) = self.accs.value(ctx)? {
            let mut values = ctx.current_key().0.clone();
            results(&self.calls, &accs, &mut values);
            out.collect(Row::insert(values));
        }
        Ok(())
    }
}
