//! The two-input operator contract, the counterpart of
//! [`OneInputOperator`](super::OneInputOperator): an operator implements
//! [`CoOperator::process_batch1`] and [`CoOperator::process_batch2`] and the few hooks it needs;
//! the one blanket implementation of [`TwoInputOperator`] below (what the two-input task
//! drives) calls the hooks and passes control elements on to the operator's downstream.

use super::TwoInputOperator;
use super::contract::Downstream;
use crate::checkpoint::Snapshot;
use rasch_core::{Record, Result, WatermarkStatus};

/// An operator with two inputs, as the two-input task drives it.
///
/// The hooks have the same meaning and defaults as those of
/// [`OneInputOperator`](super::OneInputOperator): `on_watermark` and `on_watermark_status`
/// replace the forwarding (the defaults pass them on); every other hook runs before the
/// element is passed on.
pub trait CoOperator: 'static {
    /// The records of the first input.
    type In1: 'static;
    /// The records of the second input.
    type In2: 'static;

    /// Where control elements go after the hooks ran: the main and side outputs.
    fn downstream(&mut self) -> Downstream<'_>;

    /// Processes a batch of the first input, leaving it empty.
    fn process_batch1(&mut self, batch: &mut Vec<Record<Self::In1>>) -> Result<()>;

    /// Processes a batch of the second input, leaving it empty.
    fn process_batch2(&mut self, batch: &mut Vec<Record<Self::In2>>) -> Result<()>;

    /// A batch of the first input with the key groups the sender computed. By default the
    /// key groups are dropped; keyed operators use them.
    #[inline]
    fn process_keyed_batch1(&mut self, batch: &mut Vec<Record<Self::In1>>, key_groups: &mut Vec<u16>) -> Result<()> {
        key_groups.clear();
        self.process_batch1(batch)
    }

    /// A batch of the second input with the key groups the sender computed.
    #[inline]
    fn process_keyed_batch2(&mut self, batch: &mut Vec<Record<Self::In2>>, key_groups: &mut Vec<u16>) -> Result<()> {
        key_groups.clear();
        self.process_batch2(batch)
    }

    /// The combined watermark (minimum of both inputs) advanced. The default passes it on.
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.downstream().watermark(watermark)
    }

    /// Both inputs became idle, or one became active again. The default passes it on.
    fn on_watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.downstream().watermark_status(status)
    }

    /// Processing time reached `now` (fire due timers). Default: nothing.
    fn on_processing_timer(&mut self, _now: i64) -> Result<()> {
        Ok(())
    }

    /// Both inputs ended: emit final results. Default: nothing.
    fn on_end_input(&mut self) -> Result<()> {
        Ok(())
    }

    /// The task is about to wait: emit what is buffered. Default: nothing.
    fn on_flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// Releases resources and calls user `close` hooks. Default: nothing.
    fn on_close(&mut self) -> Result<()> {
        Ok(())
    }

    /// A checkpoint barrier arrived: add this operator's state to `snapshot`. Default: none.
    fn snapshot_state(&mut self, _snapshot: &mut Snapshot) -> Result<()> {
        Ok(())
    }

    /// Checkpoint `checkpoint_id` completed everywhere. Default: nothing.
    fn on_checkpoint_complete(&mut self, _checkpoint_id: u64) -> Result<()> {
        Ok(())
    }
}

impl<Op: CoOperator> TwoInputOperator<Op::In1, Op::In2> for Op {
    #[inline]
    fn push1(&mut self, batch: &mut Vec<Record<Op::In1>>) -> Result<()> {
        self.process_batch1(batch)
    }
    #[inline]
    fn push2(&mut self, batch: &mut Vec<Record<Op::In2>>) -> Result<()> {
        self.process_batch2(batch)
    }
    #[inline]
    fn push1_keyed(&mut self, batch: &mut Vec<Record<Op::In1>>, key_groups: &mut Vec<u16>) -> Result<()> {
        self.process_keyed_batch1(batch, key_groups)
    }
    #[inline]
    fn push2_keyed(&mut self, batch: &mut Vec<Record<Op::In2>>, key_groups: &mut Vec<u16>) -> Result<()> {
        self.process_keyed_batch2(batch, key_groups)
    }
    fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.on_watermark(watermark)
    }
    fn end_input(&mut self) -> Result<()> {
        self.on_end_input()?;
        self.downstream().end_input()
    }
    fn flush(&mut self) -> Result<()> {
        self.on_flush()?;
        self.downstream().flush()
    }
    fn close(&mut self) -> Result<()> {
        self.on_close()?;
        self.downstream().close()
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.on_processing_timer(now)?;
        self.downstream().on_processing_time(now)
    }
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.on_watermark_status(status)
    }
    fn snapshot(&mut self, snapshot: &mut Snapshot) -> Result<()> {
        self.snapshot_state(snapshot)?;
        self.downstream().snapshot(snapshot)
    }
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.on_checkpoint_complete(checkpoint_id)?;
        self.downstream().notify_checkpoint_complete(checkpoint_id)
    }
}
