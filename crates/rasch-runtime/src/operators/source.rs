//! The source operator: drives a [`SourceReader`] at the head of a task.

use super::{OperatorFactory, OperatorInstance, OperatorKind, OperatorSetup, downcast_output};
use crate::checkpoint::StopMode;
use crate::collector::SideOutputs;
use crate::output::{BoxOutput, panic_message};
use crate::source::{PollStatus, Source, SourceOutput, SourceReader, SplitAssignment};
use rasch_core::{Error, MAX_WATERMARK, Record, Result, WatermarkStatus};
use std::any::Any;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// What a source task calls on its head.
pub trait SourceDriver {
    /// Polls one batch from the reader and pushes it down the chain.
    fn poll(&mut self) -> Result<PollStatus>;
    /// Sends partly filled batches downstream (the source is idle).
    fn flush(&mut self) -> Result<()>;
    /// The reader ended: emit the final watermark and end of input.
    fn finish(&mut self) -> Result<()>;
    /// Closes the reader and the chain.
    fn close(&mut self) -> Result<()>;
    /// Processing time reached `now`.
    fn on_processing_time(&mut self, now: i64) -> Result<()>;
    /// A checkpoint was triggered: store the reader's split positions, then pass the barrier
    /// down the chain.
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()>;
    /// A checkpoint completed.
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()>;
    /// Ends the input early (stop-with-savepoint); `drain` emits the final watermark first so
    /// every event-time window and timer fires.
    fn stop(&mut self, mode: StopMode) -> Result<()>;
}

/// Runs a source reader and pushes its batches into the chain.
pub struct SourceOperator<T, S> {
    operator_id: Arc<str>,
    reader: Box<dyn SourceReader<T, S>>,
    out: BoxOutput<T>,
    buf: Vec<Record<T>>,
    batch_size: usize,
    name: Arc<str>,
    /// Splits have fixed owners: the checkpoint stores them as union state.
    by_owner: bool,
}

impl<T: 'static, S: 'static> SourceOperator<T, S> {
    fn guard<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        match catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(r) => r.map_err(|e| e.in_operator(&self.name)),
            Err(p) => Err(Error::User(format!("panicked: {}", panic_message(&p))).in_operator(&self.name)),
        }
    }
}

impl<T: 'static, S: serde::Serialize + 'static> SourceDriver for SourceOperator<T, S> {
    fn poll(&mut self) -> Result<PollStatus> {
        let limit = self.batch_size;
        let (status, (watermark, idle)) = self.guard(|s| {
            let mut output = SourceOutput::new(&mut s.buf, limit);
            let status = s.reader.poll_next(&mut output)?;
            Ok((status, output.take_watermark()))
        })?;
        if idle == Some(WatermarkStatus::Active) {
            self.out.watermark_status(WatermarkStatus::Active)?;
        }
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        if let Some(w) = watermark {
            self.out.watermark(w)?;
        }
        if idle == Some(WatermarkStatus::Idle) {
            self.out.watermark_status(WatermarkStatus::Idle)?;
        }
        Ok(status)
    }
    fn flush(&mut self) -> Result<()> {
        self.out.flush()
    }
    fn finish(&mut self) -> Result<()> {
        self.out.watermark(MAX_WATERMARK)?;
        self.out.end_input()
    }
    fn close(&mut self) -> Result<()> {
        self.guard(|s| s.reader.close())?;
        self.out.close()
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.out.on_processing_time(now)
    }
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        // Everything emitted so far is in the chain already: flush it before the barrier.
        let id = snapshot.barrier.id;
        let splits = self.guard(|s| s.reader.snapshot_state_for(id))?;
        let list = splits.iter().map(postcard::to_allocvec).collect::<std::result::Result<Vec<_>, _>>()?;
        let state = if self.by_owner {
            crate::checkpoint::OperatorState { union: list, ..Default::default() }
        } else {
            crate::checkpoint::OperatorState { list, ..Default::default() }
        };
        snapshot.add(&self.operator_id, state);
        self.out.snapshot(snapshot)
    }
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.guard(|s| s.reader.notify_checkpoint_complete(checkpoint_id))?;
        self.out.notify_checkpoint_complete(checkpoint_id)
    }
    fn stop(&mut self, mode: StopMode) -> Result<()> {
        if mode.drains() {
            self.out.watermark(MAX_WATERMARK)?;
        }
        self.out.end_input()
    }
}

struct SourceFactory<T, S> {
    source: Arc<S>,
    _type: PhantomData<fn() -> T>,
}

/// The operator factory of a source.
pub fn source_factory<T: 'static, S: Source<T>>(source: Arc<S>) -> Arc<dyn OperatorFactory> {
    Arc::new(SourceFactory { source, _type: PhantomData::<fn() -> T> })
}

impl<T: 'static, S: Source<T>> OperatorFactory for SourceFactory<T, S> {
    fn kind(&self) -> OperatorKind {
        OperatorKind::Source
    }
    fn max_parallelism(&self) -> Option<usize> {
        self.source.max_parallelism()
    }
    fn create(&self, setup: &OperatorSetup, main: Box<dyn Any>, _sides: SideOutputs) -> Result<OperatorInstance> {
        let ctx = &setup.ctx;
        let name = ctx.operator_name.clone();
        let out = downcast_output::<T>(main)?;
        let owner = match self.source.split_assignment() {
            SplitAssignment::RoundRobin => None,
            SplitAssignment::ByOwner(owner) => Some(owner),
        };
        let (p, me) = (ctx.parallelism, ctx.subtask_index);
        let mine: Vec<S::Split> = match &setup.restored {
            // Restored: resume the split positions the checkpoint stored — dealt out already,
            // or (splits with owners) all of them, of which this subtask keeps its own.
            Some(state) => {
                let entries = if owner.is_some() { &state.union } else { &state.list };
                let splits: Vec<S::Split> = entries
                    .iter()
                    .map(|bytes| postcard::from_bytes(bytes))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| Error::Serialization(format!("restoring the splits of '{name}': {e}")))?;
                match owner {
                    Some(owner) => splits.into_iter().filter(|s| owner(s, p) == me).collect(),
                    None => splits,
                }
            }
            None => {
                let splits = self.source.create_splits(p).map_err(|e| e.in_operator(&name))?;
                match owner {
                    Some(owner) => splits.into_iter().filter(|s| owner(s, p) == me).collect(),
                    None => splits.into_iter().enumerate().filter(|(i, _)| i % p == me).map(|(_, s)| s).collect(),
                }
            }
        };
        let mut reader = self.source.create_reader(ctx).map_err(|e| e.in_operator(&name))?;
        reader.add_splits(mine).map_err(|e| e.in_operator(&name))?;
        Ok(OperatorInstance::Source(Box::new(SourceOperator {
            operator_id: setup.operator_id.clone(),
            reader,
            out,
            buf: Vec::with_capacity(setup.batch_size),
            batch_size: setup.batch_size,
            name,
            by_owner: owner.is_some(),
        })))
    }
}
