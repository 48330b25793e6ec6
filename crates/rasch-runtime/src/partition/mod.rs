//! Partitioners: which downstream channel each record goes to (forward, rebalance, rescale,
//! shuffle, broadcast, global, hash by key group, custom), the writers that apply them, and the
//! combining hash partitioner of BATCH-mode built-in aggregations.

mod combine;
mod selectors;
mod writer;

pub use combine::{CombiningPartitioner, MAX_PARTIALS};
pub use selectors::{Broadcast, ChannelSelector, CustomSelector, Forward, Global, KeyGroupSelector, RoundRobin, Shuffle};
pub use writer::PartitionWriter;

use crate::channel::{CancelToken, ChannelWriter, GateSender};
use crate::output::BoxOutput;
use rasch_core::{Data, Error, Result};
use std::any::Any;
use std::marker::PhantomData;

/// How producer subtasks connect to consumer subtasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Every producer subtask connects to every consumer subtask.
    AllToAll,
    /// Each producer connects to a contiguous subset of consumers (forward, rescale).
    Pointwise,
}

/// The channels one producer subtask writes to on one edge: per consumer channel, a boxed
/// `GateSender<T>` and the channel's index within that gate.
pub type ChannelTargets = Vec<(Box<dyn Any + Send>, u32)>;

/// What a writer needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct WriterContext {
    /// Index of the producing subtask.
    pub subtask_index: usize,
    /// Max parallelism (key groups) of the consuming operator.
    pub target_max_parallelism: usize,
    /// Records per batch.
    pub batch_size: usize,
    /// Cancellation flag of the job.
    pub cancel: CancelToken,
    /// STREAMING or BATCH (combining partitioners combine only in BATCH mode).
    pub runtime_mode: rasch_core::RuntimeMode,
}

/// The type-erased description of a partitioner on an edge, as stored in the stream graph.
pub trait PartitionerSpec: Send + Sync {
    /// Flink's ship-strategy name: `FORWARD`, `REBALANCE`, `HASH`, ….
    fn name(&self) -> &'static str;
    /// How subtasks are connected.
    fn pattern(&self) -> Pattern;
    /// Builds the writer for one producer subtask. `targets` holds, per consumer channel, a
    /// `GateSender<T>` (boxed) and the channel index within that gate. Returns a boxed
    /// `BoxOutput<T>`.
    fn create_writer(&self, targets: ChannelTargets, ctx: &WriterContext) -> Result<Box<dyn Any>>;
}

/// A typed partitioner: a channel selector for elements of `T`.
pub struct Partitioner<T, S> {
    name: &'static str,
    pattern: Pattern,
    selector: S,
    _type: PhantomData<fn(T)>,
}

impl<T: Data, S: ChannelSelector<T> + Clone + Sync> Partitioner<T, S> {
    /// A partitioner shown as `name` in plans.
    pub fn new(name: &'static str, pattern: Pattern, selector: S) -> Self {
        Partitioner { name, pattern, selector, _type: PhantomData }
    }
}

impl<T: Data, S: ChannelSelector<T> + Clone + Sync> PartitionerSpec for Partitioner<T, S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn pattern(&self) -> Pattern {
        self.pattern
    }
    fn create_writer(&self, targets: ChannelTargets, ctx: &WriterContext) -> Result<Box<dyn Any>> {
        let mut writers = Vec::with_capacity(targets.len());
        for (sender, channel) in targets {
            let sender = sender
                .downcast::<GateSender<T>>()
                .map_err(|_| Error::Internal(format!("edge of {} got a channel of another type", std::any::type_name::<T>())))?;
            writers.push(ChannelWriter::new(*sender, channel, ctx.cancel.clone()));
        }
        let mut selector = self.selector.clone();
        selector.setup(ctx);
        let writer: BoxOutput<T> = Box::new(PartitionWriter::new(writers, selector, ctx.batch_size));
        Ok(Box::new(writer))
    }
}

/// Subtask indices of the consumers that producer `index` connects to.
pub fn connected_targets(pattern: Pattern, index: usize, producers: usize, consumers: usize) -> Vec<usize> {
    match pattern {
        Pattern::AllToAll => (0..consumers).collect(),
        Pattern::Pointwise if producers >= consumers => vec![index * consumers / producers],
        Pattern::Pointwise => (index * consumers / producers..(index + 1) * consumers / producers).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointwise_connects_every_consumer_exactly_once() {
        for (p, c) in [(2, 4), (4, 2), (3, 3), (3, 7), (7, 3), (1, 5), (5, 1)] {
            let mut seen = vec![0; c];
            for i in 0..p {
                let t = connected_targets(Pattern::Pointwise, i, p, c);
                assert!(!t.is_empty());
                t.iter().for_each(|&j| seen[j] += 1);
            }
            assert!(seen.iter().all(|&n| n >= 1), "{p}->{c}: {seen:?}");
            if p <= c {
                assert!(seen.iter().all(|&n| n == 1), "{p}->{c}: {seen:?}");
            }
        }
    }
}
