//! The sink operator: hands batches to a user [`SinkWriter`](crate::sink::SinkWriter).

use crate::output::Output;
use crate::sink::SinkWriter;
use rasch_core::{Record, Result};

/// Writes every batch through a sink writer; a sink has no downstream.
pub struct SinkOperator<T> {
    writer: Box<dyn SinkWriter<T>>,
}

impl<T> SinkOperator<T> {
    /// A sink operator around `writer`.
    pub fn new(writer: Box<dyn SinkWriter<T>>) -> Self {
        SinkOperator { writer }
    }
}

impl<T: 'static> Output<T> for SinkOperator<T> {
    #[inline]
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.writer.write(batch)?;
        batch.clear();
        Ok(())
    }
    fn watermark(&mut self, _: i64) -> Result<()> {
        Ok(())
    }
    fn end_input(&mut self) -> Result<()> {
        self.writer.finish()
    }
    fn flush(&mut self) -> Result<()> {
        self.writer.flush()
    }
    fn close(&mut self) -> Result<()> {
        self.writer.close()
    }
    fn on_processing_time(&mut self, _: i64) -> Result<()> {
        Ok(())
    }
    fn watermark_status(&mut self, _: rasch_core::WatermarkStatus) -> Result<()> {
        Ok(())
    }
}
