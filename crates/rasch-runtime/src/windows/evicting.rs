//! `EvictingContents`: window contents behind an evictor — every element is kept with its
//! timestamp; at firing the evictor trims the list before and/or after the wrapped function
//! runs over it (Flink's `EvictingWindowOperator`), and the trimmed list is kept.

use super::evictors::{Evictor, EvictorContext};
use super::functions::{WindowContents, WindowContext};
use super::window::Window;
use crate::collector::Collector;
use rasch_core::{Key, Record, Result};
use std::sync::Arc;

/// Keeps all elements of a window and evicts some when it fires; `inner` evaluates the rest.
pub struct EvictingContents<IN, W, C> {
    evictor: Arc<dyn Evictor<IN, W>>,
    inner: C,
}

impl<IN, W, C> EvictingContents<IN, W, C> {
    /// Evicts with `evictor`, evaluates with `inner` (its incremental state is not used).
    pub fn new(evictor: Arc<dyn Evictor<IN, W>>, inner: C) -> Self {
        EvictingContents { evictor, inner }
    }
}

impl<IN, K, W, C> WindowContents<IN, K, W> for EvictingContents<IN, W, C>
where
    IN: Clone + rasch_state::StateValue,
    K: Key,
    W: Window,
    C: WindowContents<IN, K, W>,
{
    type Acc = Vec<Record<IN>>;
    type Out = C::Out;
    const MUTATES_ON_FIRE: bool = true;

    #[inline]
    fn add(&mut self, slot: &mut Option<Self::Acc>, value: IN, ts: i64) -> Result<()> {
        slot.get_or_insert_with(Vec::new).push(Record { value, ts });
        Ok(())
    }
    fn merge(&mut self, mut a: Self::Acc, b: Self::Acc) -> Result<Self::Acc> {
        a.extend(b);
        Ok(a)
    }
    fn fire(&mut self, key: &K, acc: &mut Self::Acc, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, Self::Out>) -> Result<()> {
        let ectx = EvictorContext { current_processing_time: ctx.current_processing_time(), current_watermark: ctx.watermark };
        self.evictor.evict_before(acc, ctx.window, &ectx);
        let values: Vec<IN> = acc.iter().map(|r| r.value.clone()).collect();
        self.inner.fire_elements(key, values, ctx, out)?;
        self.evictor.evict_after(acc, ctx.window, &ectx);
        Ok(())
    }
    fn fire_elements(
        &mut self,
        key: &K,
        elements: Vec<IN>,
        ctx: &mut WindowContext<'_, K, W>,
        out: &mut Collector<'_, Self::Out>,
    ) -> Result<()> {
        self.inner.fire_elements(key, elements, ctx, out)
    }
    fn clear(&mut self, ctx: &mut WindowContext<'_, K, W>) -> Result<()> {
        self.inner.clear(ctx)
    }
    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
}
