//! Local pre-aggregation before a hash exchange (Flink's combiner, the "local" half of its
//! local-global aggregation): in BATCH mode, a keyed built-in aggregation (`sum`, `min`,
//! `max`, `min_by`, `max_by` and the typed `sum_by`, `min_by_key`, `max_by_key`) only emits each key's final value, and these aggregations are
//! associative, so every producer folds its records per key first and ships one partial value
//! per key instead of every record. The result equals the one of some arrival order at the
//! receiver — the same freedom the exchange already has — so nothing observable changes except
//! how many records cross the exchange (and how fast). STREAMING mode emits every update, so
//! there the writer is the plain hash writer.

use super::{ChannelTargets, KeyGroupSelector, Partitioner, PartitionerSpec, Pattern, WriterContext};
use crate::functions::KeySelector;
use crate::operators::{Combine, Downstream, OneInputOperator};
use crate::output::BoxOutput;
use rasch_core::{Data, Error, Key, Record, Result, RuntimeMode, WatermarkStatus};
use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Partial values kept per producer before they are shipped anyway (bounds memory).
pub const MAX_PARTIALS: usize = 1 << 16;

/// A hash partitioner that combines records per key in BATCH mode (see the module docs).
pub struct CombiningPartitioner<T, K, S, F> {
    hash: Partitioner<T, KeyGroupSelector<T, K, S>>,
    selector: S,
    f: F,
    _key: PhantomData<fn() -> K>,
}

impl<T: Data, K: Key, S: KeySelector<T, K> + Sync, F: Combine<T>> CombiningPartitioner<T, K, S, F> {
    /// Hash partitioning by `selector`, combining with the aggregation `f`, which the consumer
    /// applies again to the partial values.
    pub fn new(selector: S, f: F) -> Self {
        let hash = Partitioner::new("HASH", Pattern::AllToAll, KeyGroupSelector::new(selector.clone()));
        CombiningPartitioner { hash, selector, f, _key: PhantomData }
    }
}

impl<T: Data, K: Key, S: KeySelector<T, K> + Sync, F: Combine<T>> PartitionerSpec for CombiningPartitioner<T, K, S, F> {
    fn name(&self) -> &'static str {
        "HASH"
    }
    fn pattern(&self) -> Pattern {
        Pattern::AllToAll
    }
    fn create_writer(&self, targets: ChannelTargets, ctx: &WriterContext) -> Result<Box<dyn Any>> {
        let writer = self.hash.create_writer(targets, ctx)?;
        if ctx.runtime_mode != RuntimeMode::Batch {
            return Ok(writer);
        }
        let out = *writer.downcast::<BoxOutput<T>>().map_err(|_| Error::Internal("hash writer of another type".into()))?;
        let combiner = Combiner {
            selector: self.selector.clone(),
            f: self.f.clone(),
            partials: FastMap::default(),
            out,
            buf: Vec::new(),
            batch_size: ctx.batch_size.max(1),
            _key: PhantomData,
        };
        Ok(Box::new(Box::new(combiner) as BoxOutput<T>))
    }
}

/// Folds records per key and sends the partial values on to the hash writer before anything
/// else passes (control events) and when there are too many of them.
struct Combiner<T, K, S, F> {
    selector: S,
    f: F,
    /// Per key: the partial value and the first record's timestamp.
    partials: FastMap<K, Record<T>>,
    out: BoxOutput<T>,
    buf: Vec<Record<T>>,
    batch_size: usize,
    _key: PhantomData<fn() -> K>,
}

impl<T: Data, K: Key, S: KeySelector<T, K>, F: Combine<T>> Combiner<T, K, S, F> {
    fn ship(&mut self) -> Result<()> {
        for (_, r) in self.partials.drain() {
            self.buf.push(r);
            if self.buf.len() >= self.batch_size {
                self.out.push(&mut self.buf)?;
            }
        }
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        Ok(())
    }
}

impl<T: Data, K: Key, S: KeySelector<T, K>, F: Combine<T>> OneInputOperator for Combiner<T, K, S, F> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::main(&mut self.out)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        for r in batch.drain(..) {
            let key = self.selector.get_key(&r.value);
            match self.partials.get_mut(key.as_ref()) {
                Some(acc) => self.f.reduce_into(&mut acc.value, r.value),
                None => {
                    let key = key.into_owned();
                    self.partials.insert(key, r);
                }
            }
        }
        if self.partials.len() >= MAX_PARTIALS {
            self.ship()?;
        }
        Ok(())
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.ship()?;
        self.out.watermark(watermark)
    }
    fn on_end_input(&mut self) -> Result<()> {
        self.ship()
    }
    // No `on_flush`: when idle, partial values wait for more records; only what the writer
    // holds goes.
    fn on_watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.ship()?;
        self.out.watermark_status(status)
    }
    fn snapshot_state(&mut self, _snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.ship()
    }
}
