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
