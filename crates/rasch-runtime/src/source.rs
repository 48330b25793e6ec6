//! The `Source` contract (split-based, like Flink's FLIP-27): a source enumerates splits,
//! each parallel reader is assigned some and polls records from them in batches.
//!
//! Splits are dealt once at the start, round-robin ([`SplitAssignment::RoundRobin`]), or — for
//! sources whose readers discover new splits while they run (Kafka partitions) — each split has
//! a fixed owning subtask ([`SplitAssignment::ByOwner`]), so every reader can find its own
//! splits without a coordinator and a restored (or rescaled) job hands each split to its owner.
//! Readers may emit watermarks themselves ([`SourceOutput::emit_watermark`]), e.g. per split.

use crate::context::RuntimeContext;
use rasch_core::{Record, Result, WatermarkStatus};
use serde::{Serialize, de::DeserializeOwned};

/// Whether a source ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundedness {
    /// The source ends (files, collections, sequences).
    Bounded,
    /// The source runs until cancelled (sockets, unbounded generators).
    Unbounded,
}

/// What a reader reports after a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollStatus {
    /// More records can be polled right away.
    MoreAvailable,
    /// Nothing right now; the task flushes its outputs and polls again.
    NothingAvailable,
    /// Every assigned split is exhausted.
    EndOfInput,
}

/// How a source's splits are dealt to its parallel readers.
pub enum SplitAssignment<S> {
    /// Split `i` of [`Source::create_splits`] goes to subtask `i % parallelism`; restored
    /// splits stay with their subtask, or are dealt round-robin after a rescale.
    RoundRobin,
    /// `owner(split, parallelism)` is the subtask that reads `split`, at the start, after a
    /// restore at any parallelism, and for splits a reader discovers while it runs (the
    /// checkpoint then stores every split for every subtask, and each keeps its own).
    ByOwner(fn(&S, usize) -> usize),
}

/// A source of records of type `T`.
///
/// Splits are enumerated once for the source's parallelism and assigned round-robin to the
/// parallel readers (split `i` to subtask `i % parallelism`). Splits are serializable so that
/// they can be checkpointed and shipped to other processes.
pub trait Source<T>: Send + Sync + 'static {
    /// One unit of work (a file range, a sequence range, a socket).
    type Split: Clone + Send + Serialize + DeserializeOwned + std::fmt::Debug + 'static;

    /// Whether the source ends.
    fn boundedness(&self) -> Boundedness;

    /// `Some(1)` for sources that cannot run in parallel (a socket, a collection).
    fn max_parallelism(&self) -> Option<usize> {
        None
    }

    /// How splits are dealt to readers (round-robin unless the source says otherwise).
    fn split_assignment(&self) -> SplitAssignment<Self::Split> {
        SplitAssignment::RoundRobin
    }

    /// Enumerates the splits for `parallelism` readers.
    fn create_splits(&self, parallelism: usize) -> Result<Vec<Self::Split>>;

    /// Creates the reader of one parallel instance.
    fn create_reader(&self, ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<T, Self::Split>>>;
}

/// Reads records from the splits assigned to one parallel instance.
pub trait SourceReader<T, S>: 'static {
    /// Assigns splits to this reader.
    fn add_splits(&mut self, splits: Vec<S>) -> Result<()>;

    /// Emits available records into `output` (ideally until [`SourceOutput::is_full`]). A
    /// reader that waits for data should wait at most ~50 ms, so the task stays responsive.
    fn poll_next(&mut self, output: &mut SourceOutput<'_, T>) -> Result<PollStatus>;

    /// The state of every split this reader still owns, positioned after the last record it
    /// emitted — taken at a checkpoint; a restored job resumes reading exactly there. Sources
    /// that cannot replay (a socket) return their splits as they are and document it.
    fn snapshot_state(&mut self) -> Result<Vec<S>> {
        Err(rasch_core::Error::InvalidJob(format!(
            "source reader {} does not support checkpoints (snapshot_state is not implemented)",
            std::any::type_name::<Self>()
        )))
    }

    /// [`snapshot_state`](Self::snapshot_state) for checkpoint `checkpoint_id` — for readers
    /// that remember what they snapshotted until the checkpoint completes.
    fn snapshot_state_for(&mut self, checkpoint_id: u64) -> Result<Vec<S>> {
        let _ = checkpoint_id;
        self.snapshot_state()
    }

    /// Checkpoint `checkpoint_id` completed (e.g. Kafka commits the offsets it snapshotted
    /// then to the consumer group, for monitoring).
    fn notify_checkpoint_complete(&mut self, _checkpoint_id: u64) -> Result<()> {
        Ok(())
    }

    /// Releases resources.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Where a reader emits its records: one batch per poll, and optionally a watermark and an
/// idle/active status, which follow the batch's records downstream.
pub struct SourceOutput<'a, T> {
    buf: &'a mut Vec<Record<T>>,
    limit: usize,
    watermark: Option<i64>,
    status: Option<WatermarkStatus>,
}

impl<'a, T> SourceOutput<'a, T> {
    /// An output appending to `buf`, considered full at `limit` records.
    pub fn new(buf: &'a mut Vec<Record<T>>, limit: usize) -> Self {
        SourceOutput { buf, limit, watermark: None, status: None }
    }
    /// Emits a watermark after this poll's records (sources that generate their own
    /// watermarks, e.g. per split; the highest one of a poll wins).
    pub fn emit_watermark(&mut self, watermark: i64) {
        self.watermark = Some(self.watermark.map_or(watermark, |w| w.max(watermark)));
    }
    /// Declares the reader idle (it does not hold back downstream watermarks) or active again.
    pub fn set_status(&mut self, status: WatermarkStatus) {
        self.status = Some(status);
    }
    /// The watermark and status emitted during this poll.
    pub fn take_watermark(&mut self) -> (Option<i64>, Option<WatermarkStatus>) {
        (self.watermark.take(), self.status.take())
    }
    /// Emits a record without a timestamp.
    #[inline]
    pub fn collect(&mut self, value: T) {
        self.buf.push(Record::new(value));
    }
    /// Emits a record with an event-time timestamp.
    #[inline]
    pub fn collect_with_timestamp(&mut self, value: T, ts: i64) {
        self.buf.push(Record::with_timestamp(value, ts));
    }
    /// True once a batch worth of records has been emitted in this poll.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.buf.len() >= self.limit
    }
    /// How many more records fit into this poll's batch.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.limit.saturating_sub(self.buf.len())
    }
}
