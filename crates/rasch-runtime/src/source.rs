//! The `Source` contract (split-based, like Flink's FLIP-27): a source enumerates splits,
//! each parallel reader is assigned some and polls records from them in batches.

use crate::context::RuntimeContext;
use rasch_core::{Record, Result};
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

    /// Releases resources.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Where a reader emits its records: one batch per poll.
pub struct SourceOutput<'a, T> {
    buf: &'a mut Vec<Record<T>>,
    limit: usize,
}

impl<'a, T> SourceOutput<'a, T> {
    /// An output appending to `buf`, considered full at `limit` records.
    pub fn new(buf: &'a mut Vec<Record<T>>, limit: usize) -> Self {
        SourceOutput { buf, limit }
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
