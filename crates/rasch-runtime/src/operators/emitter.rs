//! `Emitter`: the main output, side outputs and pending batch of an operator that emits from
//! user callbacks (process functions, timers, joins), with the control calls every such
//! operator forwards to both outputs.

use crate::checkpoint::Snapshot;
use crate::collector::SideOutputs;
use crate::output::BoxOutput;
use rasch_core::{Record, Result, WatermarkStatus};

/// Main and side outputs plus the batch user functions collect into.
pub(crate) struct Emitter<U> {
    pub(crate) out: BoxOutput<U>,
    pub(crate) sides: SideOutputs,
    pub(crate) buf: Vec<Record<U>>,
}

impl<U: 'static> Emitter<U> {
    pub(crate) fn new(out: BoxOutput<U>, sides: SideOutputs) -> Self {
        Emitter { out, sides, buf: Vec::new() }
    }

    /// Pushes the collected batch and buffered side records downstream.
    pub(crate) fn emit(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }

    pub(crate) fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.sides.watermark(watermark)?;
        self.out.watermark(watermark)
    }
    pub(crate) fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.sides.on_processing_time(now)?;
        self.out.on_processing_time(now)
    }
    pub(crate) fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.sides.watermark_status(status)?;
        self.out.watermark_status(status)
    }
    pub(crate) fn snapshot(&mut self, snapshot: &mut Snapshot) -> Result<()> {
        self.sides.snapshot(snapshot)?;
        self.out.snapshot(snapshot)
    }
    pub(crate) fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.sides.notify_checkpoint_complete(checkpoint_id)?;
        self.out.notify_checkpoint_complete(checkpoint_id)
    }
    pub(crate) fn end_input(&mut self) -> Result<()> {
        self.sides.end_input()?;
        self.out.end_input()
    }
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.sides.flush()?;
        self.out.flush()
    }
    pub(crate) fn close(&mut self) -> Result<()> {
        self.sides.close()?;
        self.out.close()
    }
}
