//! The one-input operator contract: an operator implements [`OneInputOperator::process_batch`]
//! and the few hooks it needs; watermarks, barriers, end of input, timers, flushes and close
//! reach it through default hooks, and are passed on to its downstream by the one generic
//! `Output` implementation below instead of by hand in every operator.
//!
//! The implementation is a blanket `impl<Op: OneInputOperator> Output<Op::In> for Op`, so
//! records go into the operator by static dispatch (no extra call per batch, none per record).

use crate::checkpoint::Snapshot;
use crate::collector::SideOutputs;
use crate::output::{BoxOutput, Output};
use rasch_core::{Record, Result, WatermarkStatus};

/// An operator with one input, as the task loop drives it.
///
/// Only [`process_batch`](Self::process_batch) and [`downstream`](Self::downstream) are
/// required. Every `on_*` hook, `snapshot_state` and `on_checkpoint_complete` runs *before* the
/// element is passed on to the downstream (so state is snapshotted before the barrier moves on
/// and results of end of input precede it); `on_watermark` and `on_watermark_status` replace
/// the forwarding, so an operator can hold back or replace them.
pub trait OneInputOperator: 'static {
    /// The type of the records the operator consumes.
    type In: 'static;

    /// Where control elements go after the hooks ran: the main and side outputs.
    fn downstream(&mut self) -> Downstream<'_>;

    /// Processes a batch, leaving it empty (capacity intact).
    fn process_batch(&mut self, batch: &mut Vec<Record<Self::In>>) -> Result<()>;

    /// Processes a batch whose key groups the sender computed (`key_groups[i]` for `batch[i]`).
    /// By default the key groups are dropped; keyed operators use them.
    #[inline]
    fn process_keyed_batch(&mut self, batch: &mut Vec<Record<Self::In>>, key_groups: &mut Vec<u16>) -> Result<()> {
        key_groups.clear();
        self.process_batch(batch)
    }

    /// Event time advanced to `watermark`. The default passes it on.
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.downstream().watermark(watermark)
    }

    /// The input became idle or active. The default passes it on.
    fn on_watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.downstream().watermark_status(status)
    }

    /// Processing time reached `now` (fire due timers). Default: nothing.
    fn on_processing_timer(&mut self, _now: i64) -> Result<()> {
        Ok(())
    }

    /// No more input: emit final results. Default: nothing.
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

impl<Op: OneInputOperator> Output<Op::In> for Op {
    #[inline]
    fn push(&mut self, batch: &mut Vec<Record<Op::In>>) -> Result<()> {
        self.process_batch(batch)
    }
    #[inline]
    fn push_keyed(&mut self, batch: &mut Vec<Record<Op::In>>, key_groups: &mut Vec<u16>) -> Result<()> {
        self.process_keyed_batch(batch, key_groups)
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

/// The control half of an output, whatever its record type.
pub trait Control {
    /// See [`Output::watermark`].
    fn watermark(&mut self, watermark: i64) -> Result<()>;
    /// See [`Output::watermark_status`].
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()>;
    /// See [`Output::on_processing_time`].
    fn on_processing_time(&mut self, now: i64) -> Result<()>;
    /// See [`Output::end_input`].
    fn end_input(&mut self) -> Result<()>;
    /// See [`Output::flush`].
    fn flush(&mut self) -> Result<()>;
    /// See [`Output::close`].
    fn close(&mut self) -> Result<()>;
    /// See [`Output::snapshot`].
    fn snapshot(&mut self, snapshot: &mut Snapshot) -> Result<()>;
    /// See [`Output::notify_checkpoint_complete`].
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()>;
}

impl<T: 'static> Control for BoxOutput<T> {
    fn watermark(&mut self, watermark: i64) -> Result<()> {
        (**self).watermark(watermark)
    }
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        (**self).watermark_status(status)
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        (**self).on_processing_time(now)
    }
    fn end_input(&mut self) -> Result<()> {
        (**self).end_input()
    }
    fn flush(&mut self) -> Result<()> {
        (**self).flush()
    }
    fn close(&mut self) -> Result<()> {
        (**self).close()
    }
    fn snapshot(&mut self, snapshot: &mut Snapshot) -> Result<()> {
        (**self).snapshot(snapshot)
    }
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        (**self).notify_checkpoint_complete(checkpoint_id)
    }
}

/// An operator's downstream as control elements see it: side outputs (first) and the main
/// output, either of which may be absent (a sink has neither).
pub struct Downstream<'a> {
    main: Option<&'a mut dyn Control>,
    sides: Option<&'a mut SideOutputs>,
}

impl<'a> Downstream<'a> {
    /// Only a main output.
    pub fn main(main: &'a mut dyn Control) -> Self {
        Downstream { main: Some(main), sides: None }
    }
    /// A main output and side outputs.
    pub fn with_sides(main: &'a mut dyn Control, sides: &'a mut SideOutputs) -> Self {
        Downstream { main: Some(main), sides: Some(sides) }
    }
    /// Nothing downstream (a sink).
    pub fn none() -> Self {
        Downstream { main: None, sides: None }
    }

    /// Passes a watermark on.
    pub fn watermark(self, watermark: i64) -> Result<()> {
        self.each(|s| s.watermark(watermark), |m| m.watermark(watermark))
    }
    /// Passes a watermark status on.
    pub fn watermark_status(self, status: WatermarkStatus) -> Result<()> {
        self.each(|s| s.watermark_status(status), |m| m.watermark_status(status))
    }
    /// Passes processing time on.
    pub fn on_processing_time(self, now: i64) -> Result<()> {
        self.each(|s| s.on_processing_time(now), |m| m.on_processing_time(now))
    }
    /// Passes end of input on.
    pub fn end_input(self) -> Result<()> {
        self.each(|s| s.end_input(), |m| m.end_input())
    }
    /// Passes a flush on.
    pub fn flush(self) -> Result<()> {
        self.each(|s| s.flush(), |m| m.flush())
    }
    /// Passes close on.
    pub fn close(self) -> Result<()> {
        self.each(|s| s.close(), |m| m.close())
    }
    /// Passes a checkpoint barrier on.
    pub fn snapshot(self, snapshot: &mut Snapshot) -> Result<()> {
        let Downstream { main, sides } = self;
        if let Some(s) = sides {
            s.snapshot(snapshot)?;
        }
        main.map_or(Ok(()), |m| m.snapshot(snapshot))
    }
    /// Passes a checkpoint completion on.
    pub fn notify_checkpoint_complete(self, checkpoint_id: u64) -> Result<()> {
        self.each(|s| s.notify_checkpoint_complete(checkpoint_id), |m| m.notify_checkpoint_complete(checkpoint_id))
    }

    fn each(self, side: impl FnOnce(&mut SideOutputs) -> Result<()>, main: impl FnOnce(&mut dyn Control) -> Result<()>) -> Result<()> {
        if let Some(s) = self.sides {
            side(s)?;
        }
        match self.main {
            Some(m) => main(m),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::Recorder;

    /// Doubles records, counts its end-of-input hook, keeps the default watermark forwarding.
    struct Doubler {
        out: BoxOutput<i32>,
        ended_first: bool,
        probe: Recorder<i32>,
    }

    impl OneInputOperator for Doubler {
        type In = i32;
        fn downstream(&mut self) -> Downstream<'_> {
            Downstream::main(&mut self.out)
        }
        fn process_batch(&mut self, batch: &mut Vec<Record<i32>>) -> Result<()> {
            batch.iter_mut().for_each(|r| r.value *= 2);
            self.out.push(batch)
        }
        fn on_end_input(&mut self) -> Result<()> {
            // The hook runs before end of input reaches the downstream.
            self.ended_first = !*self.probe.ended.borrow();
            Ok(())
        }
    }

    #[test]
    fn an_operator_gets_output_and_forwarding_from_the_contract() {
        let rec = Recorder::<i32>::default();
        let mut op = Doubler { out: Box::new(rec.clone()), ended_first: false, probe: rec.clone() };
        let out: &mut dyn Output<i32> = &mut op;
        out.push(&mut vec![Record::new(1), Record::new(2)]).unwrap();
        out.watermark(7).unwrap();
        out.end_input().unwrap();
        assert_eq!(rec.values(), vec![2, 4]);
        assert_eq!(*rec.watermarks.borrow(), vec![7]);
        assert!(*rec.ended.borrow());
        assert!(op.ended_first);
    }
}
