//! `Sort`: `ORDER BY … [LIMIT n]` in batch mode. All rows go to one key (one subtask), are
//! kept in list state, and are emitted sorted (stable: equal rows keep their arrival order)
//! when the bounded input ends.

use crate::value::{Row, RowKey};
use rasch_core::{MAX_WATERMARK, Result};
use rasch_runtime::collector::Collector;
use rasch_runtime::functions::KeyedProcessFunction;
use rasch_runtime::keyed::KeyedContext;
use rasch_state::ListState;
use std::cmp::Ordering;
use std::sync::Arc;

/// The sort function of one operator.
#[derive(Clone)]
pub struct SortLimit {
    order: Arc<[(usize, bool)]>,
    limit: Option<u64>,
    rows: ListState<Row>,
}

impl SortLimit {
    /// Sorts by `order` (column, ascending) and keeps `limit` rows.
    pub fn new(order: Vec<(usize, bool)>, limit: Option<u64>) -> Self {
        SortLimit { order: order.into(), limit, rows: ListState::new("rows") }
    }
}

impl KeyedProcessFunction<RowKey, Row, Row> for SortLimit {
    fn process_element(&mut self, row: Row, ctx: &mut KeyedContext<'_, RowKey>, _out: &mut Collector<'_, Row>) -> Result<()> {
        self.rows.add(ctx, row)?;
        ctx.register_event_time_timer(MAX_WATERMARK);
        Ok(())
    }

    fn on_timer(&mut self, _t: i64, ctx: &mut KeyedContext<'_, RowKey>, out: &mut Collector<'_, Row>) -> Result<()> {
        let mut rows = self.rows.take(ctx)?;
        let order = self.order.clone();
        rows.sort_by(|a, b| {
            for &(c, asc) in order.iter() {
                let o = a.values[c].cmp_same_type(&b.values[c]);
                if o != Ordering::Equal {
                    return if asc { o } else { o.reverse() };
                }
            }
            Ordering::Equal
        });
        let n = self.limit.map_or(rows.len(), |l| (l as usize).min(rows.len()));
        rows.into_iter().take(n).for_each(|r| out.collect(r));
        Ok(())
    }
}
