//! The `Sink` contract: each parallel instance gets a writer that receives batches.

use crate::context::RuntimeContext;
use rasch_core::{Record, Result};

/// A destination for records of type `T`.
pub trait Sink<T>: Send + Sync + 'static {
    /// Creates the writer of one parallel instance.
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>>;
}

/// Writes the records of one parallel instance.
pub trait SinkWriter<T>: 'static {
    /// Writes (and removes) every record of `batch`.
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()>;
    /// Makes written records visible/durable as far as the sink can (called when idle).
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    /// The input has ended; write anything still buffered.
    fn finish(&mut self) -> Result<()> {
        self.flush()
    }
    /// Releases resources.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }

    /// Two-phase commit, phase one: at checkpoint `checkpoint_id`, make everything written so far
    /// durable but invisible (e.g. close in-progress files as pending) and return what must be
    /// committed once the checkpoint completes. The returned committables are stored in the
    /// checkpoint. Non-transactional sinks return nothing (at-least-once).
    fn prepare_commit(&mut self, _checkpoint_id: u64) -> Result<Vec<Vec<u8>>> {
        self.flush()?;
        Ok(Vec::new())
    }

    /// Phase two: the checkpoint that produced `committables` completed — make them visible.
    /// Must be idempotent: after a failure the same committables may be committed again.
    fn commit(&mut self, _committables: Vec<Vec<u8>>) -> Result<()> {
        Ok(())
    }

    /// Called once before the first record when the job restarts from a checkpoint, with the
    /// committables of that checkpoint (commit them — idempotently) ; anything else the
    /// previous attempt left in progress is to be aborted (removed).
    fn recover(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        self.commit(committables)
    }

    /// [`recover`](Self::recover), told the id of the checkpoint the job restarts from: every
    /// writer gets the same id, whatever share of the committables it got (after a rescale a
    /// writer may get another writer's committables, or none). A writer that must clean up
    /// what the failed attempt prepared *after* that checkpoint (transactions no committable
    /// names) does it here; the default calls `recover`.
    fn recover_at(&mut self, _checkpoint_id: u64, committables: Vec<Vec<u8>>) -> Result<()> {
        self.recover(committables)
    }
}

/// A sink from a closure called once per value (Flink's `SinkFunction.invoke`).
#[derive(Clone)]
pub struct FnSink<F>(pub F);

impl<T: 'static, F: FnMut(T) + Clone + Send + Sync + 'static> Sink<T> for FnSink<F> {
    fn create_writer(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        Ok(Box::new(FnSinkWriter(self.0.clone())))
    }
}

struct FnSinkWriter<F>(F);

impl<T: 'static, F: FnMut(T) + 'static> SinkWriter<T> for FnSinkWriter<F> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        batch.drain(..).for_each(|r| (self.0)(r.value));
        Ok(())
    }
}
