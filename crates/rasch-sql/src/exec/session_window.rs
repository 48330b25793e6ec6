//! `GroupWindowAggregate`: the legacy group windows `SESSION`, `TUMBLE` and `HOP` in
//! `GROUP BY`, on event time. Windows are `[start, end)`; a session merges with every session
//! it overlaps or touches (Flink's `TimeWindow.intersects`), so a gap of exactly the session
//! gap merges. A window fires when the watermark passes `end - 1`; its row is the keys, the
//! aggregates, then window start and end. Elements whose windows all closed already are
//! dropped, as in Flink.

use super::aggregate::{Acc, InsertOnly, accumulate, init, results};
use crate::error::{SqlError, SqlResult};
use crate::plan::{AggCall, AggFunc, GroupWindow};
use crate::value::{Row, RowKey, Value};
use rasch_core::Result;
use rasch_runtime::collector::Collector;
use rasch_runtime::functions::KeyedProcessFunction;
use rasch_runtime::keyed::KeyedContext;
use rasch_state::ValueState;
use std::sync::Arc;

/// The group-window function of one operator.
#[derive(Clone)]
pub struct GroupWindowAggregate {
    rowtime: usize,
    window: GroupWindow,
    calls: Arc<[AggCall]>,
    windows: ValueState<Vec<(i64, i64, Vec<Acc>)>>,
}

impl GroupWindowAggregate {
    /// A window aggregate over `keys` leading key columns, event time from column `rowtime`.
    pub fn new(keys: usize, rowtime: usize, window: GroupWindow, calls: Vec<AggCall>) -> SqlResult<Self> {
        if calls.iter().any(|c| c.distinct) {
            return Err(SqlError::unsupported("DISTINCT aggregates in group windows"));
        }
        let _ = keys;
        Ok(GroupWindowAggregate { rowtime, window, calls: calls.into(), windows: ValueState::new("windows") })
    }
}

/// Merges accumulator `b` into `a` (for merging sessions).
fn merge(calls: &[AggCall], a: &mut [Acc], b: Vec<Acc>) {
    for ((c, x), y) in calls.iter().zip(a.iter_mut()).zip(b) {
        match (x, y) {
            (Acc::Count(m), Acc::Count(n)) => *m += n,
            (Acc::Sum(v, n), Acc::Sum(w, n2)) => {
                *v = if v.is_null() {
                    w
                } else if w.is_null() {
                    v.clone()
                } else {
                    super::aggregate::add(v, &w, 1)
                };
                *n += n2;
            }
            (Acc::Avg(s, n, f), Acc::Avg(s2, n2, f2)) => {
                *s = s.saturating_add(s2);
                *n += n2;
                *f += f2;
            }
            (Acc::Value(v), Acc::Value(w)) if !w.is_null() => {
                *v = match (c.func, &*v, &w) {
                    (_, Value::Null, _) => w,
                    (AggFunc::Sum, Value::Int(p), Value::Int(q)) => Value::Int(p.wrapping_add(*q)),
                    (AggFunc::Sum, Value::Decimal(p), Value::Decimal(q)) => p.checked_add(*q).map_or(Value::Null, Value::Decimal),
                    (AggFunc::Sum, Value::Double(p), Value::Double(q)) => Value::Double(p + q),
                    (AggFunc::Min, old, new) if new.cmp_same_type(old).is_lt() => w,
                    (AggFunc::Max, old, new) if new.cmp_same_type(old).is_gt() => w,
                    (_, old, _) => old.clone(),
                }
            }
            _ => {}
        }
    }
}

impl KeyedProcessFunction<RowKey, Row, Row> for GroupWindowAggregate {
    fn process_element(&mut self, row: Row, ctx: &mut KeyedContext<'_, RowKey>, _out: &mut Collector<'_, Row>) -> Result<()> {
        let Value::Timestamp(ts) = row.values[self.rowtime] else { return Ok(()) };
        let watermark = ctx.current_watermark();
        let mut windows = self.windows.value(ctx)?.unwrap_or_default();
        for (start, end) in self.window.assign(ts) {
            if end - 1 <= watermark {
                continue; // late
            }
            let mut acc = init(&self.calls);
            accumulate(&self.calls, &mut acc, &row.values, 1, &mut InsertOnly)?;
            let (mut s, mut e) = (start, end);
            if matches!(self.window, GroupWindow::Session { .. }) {
                let mut i = 0;
                while i < windows.len() {
                    let (ws, we, _) = windows[i];
                    if ws <= e && s <= we {
                        let (_, _, other) = windows.swap_remove(i);
                        merge(&self.calls, &mut acc, other);
                        s = s.min(ws);
                        e = e.max(we);
                    } else {
                        i += 1;
                    }
                }
                windows.push((s, e, acc));
            } else if let Some(w) = windows.iter_mut().find(|w| w.0 == s && w.1 == e) {
                merge(&self.calls, &mut w.2, acc);
            } else {
                windows.push((s, e, acc));
            }
            ctx.register_event_time_timer(e - 1);
        }
        self.windows.update(ctx, windows)
    }

    fn on_timer(&mut self, t: i64, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        let Some(mut windows) = self.windows.value(ctx)? else { return Ok(()) };
        windows.sort_by_key(|w| w.0);
        let mut keep = Vec::with_capacity(windows.len());
        for (s, e, acc) in windows {
            if e - 1 <= t {
                let mut values = ctx.current_key().0.clone();
                results(&self.calls, &acc, &mut values);
                values.push(Value::Timestamp(s));
                values.push(Value::Timestamp(e));
                out.collect(Row::insert(values));
            } else {
                keep.push((s, e, acc));
            }
        }
        if keep.is_empty() { self.windows.clear(ctx) } else { self.windows.update(ctx, keep) }
    }
}
