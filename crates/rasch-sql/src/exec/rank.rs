//! `Rank`: Top-N per partition for `ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) <= N`,
//! with deduplication as the case N = 1. Rows that compare equal keep their arrival order.
//! Batch mode emits each partition's final top N at the end of input; streaming mode emits
//! the changes of the ranked rows (`+I`, `-U`/`+U` when a rank's row changes, `-D` when a row
//! leaves the top N).

use crate::exec::Mode;
use crate::value::{Row, RowKey, RowKind, Value};
use rasch_core::{MAX_WATERMARK, Result};
use rasch_runtime::collector::Collector;
use rasch_runtime::functions::KeyedProcessFunction;
use rasch_runtime::keyed::KeyedContext;
use rasch_state::ValueState;
use std::cmp::Ordering;
use std::sync::Arc;

/// The Top-N function of one operator.
#[derive(Clone)]
pub struct TopN {
    order: Arc<[(usize, bool)]>,
    limit: usize,
    with_rank: bool,
    mode: Mode,
    top: ValueState<Vec<Vec<Value>>>,
}

impl TopN {
    /// Keeps ranks `1..=limit` by `order` (column, ascending).
    pub fn new(order: Vec<(usize, bool)>, limit: u64, with_rank: bool, mode: Mode) -> Self {
        TopN { order: order.into(), limit: limit.min(1 << 20) as usize, with_rank, mode, top: ValueState::new("top") }
    }

    fn cmp(&self, a: &[Value], b: &[Value]) -> Ordering {
        for &(c, asc) in self.order.iter() {
            let o = a[c].cmp_same_type(&b[c]);
            if o != Ordering::Equal {
                return if asc { o } else { o.reverse() };
            }
        }
        Ordering::Equal
    }

    fn ranked(&self, row: &[Value], rank: usize) -> Vec<Value> {
        let mut v = row.to_vec();
        if self.with_rank {
            v.push(Value::Int(rank as i64 + 1));
        }
        v
    }
}

impl KeyedProcessFunction<RowKey, Row, Row> for TopN {
    fn process_element(&mut self, row: Row, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        let mut top = self.top.value(ctx)?.unwrap_or_default();
        // After the last row that sorts before or equal to the new one.
        let pos = top.partition_point(|r| self.cmp(r, &row.values) != Ordering::Greater);
        if pos >= self.limit {
            return Ok(());
        }
        top.insert(pos, row.values);
        let dropped = if top.len() > self.limit { top.pop() } else { None };
        if self.mode == Mode::Batch {
            ctx.register_event_time_timer(MAX_WATERMARK);
        } else if self.with_rank {
            // Ranks pos.. changed: the old row at each rank is retracted, the new one added.
            let old_len = top.len() - 1 + dropped.is_some() as usize;
            for (rank, r) in top.iter().enumerate().skip(pos) {
                if rank < old_len {
                    let old = if rank + 1 < top.len() { &top[rank + 1] } else { dropped.as_ref().unwrap_or(r) };
                    out.collect(Row { kind: RowKind::UpdateBefore, values: self.ranked(old, rank) });
                    out.collect(Row { kind: RowKind::UpdateAfter, values: self.ranked(r, rank) });
                } else {
                    out.collect(Row { kind: RowKind::Insert, values: self.ranked(r, rank) });
                }
            }
        } else {
            if let Some(d) = &dropped {
                out.collect(Row { kind: RowKind::Delete, values: d.clone() });
            }
            out.collect(Row { kind: RowKind::Insert, values: top[pos].clone() });
        }
        self.top.update(ctx, top)
    }

    fn on_timer(&mut self, _t: i64, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        if let Some(top) = self.top.value(ctx)? {
            for (rank, r) in top.iter().enumerate() {
                out.collect(Row::insert(self.ranked(r, rank)));
            }
        }
        Ok(())
    }
}
