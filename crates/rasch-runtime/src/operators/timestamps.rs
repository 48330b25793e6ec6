//! `assign_timestamps_and_watermarks`: stamps records with event time and emits watermarks —
//! per event and every auto-watermark interval — and idleness.

use super::contract::{Downstream, OneInputOperator};
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use crate::time::ProcessingTimeService;
use crate::watermarks::{TimestampAssigner, WatermarkGenerator, WatermarkOutput};
use rasch_core::{MAX_WATERMARK, MIN_WATERMARK, Record, Result, WatermarkStatus};
use std::marker::PhantomData;
use std::rc::Rc;

/// Assigns timestamps and generates watermarks (Flink's `TimestampsAndWatermarksOperator`).
pub struct TimestampsAndWatermarksOperator<T, G, A> {
    generator: G,
    assigner: A,
    out: BoxOutput<T>,
    time: Rc<ProcessingTimeService>,
    interval_ms: i64,
    next_emit: i64,
    idleness_ms: Option<i64>,
    last_record: i64,
    idle: bool,
    current: i64,
    _type: PhantomData<fn(T)>,
}

impl<T: 'static, G: WatermarkGenerator<T>, A: TimestampAssigner<T>> TimestampsAndWatermarksOperator<T, G, A> {
    /// An operator emitting periodic watermarks every `interval_ms` (0 disables them).
    pub fn new(
        generator: G,
        assigner: A,
        idleness_ms: Option<i64>,
        interval_ms: i64,
        out: BoxOutput<T>,
        time: Rc<ProcessingTimeService>,
    ) -> Self {
        let now = time.now();
        let mut op = TimestampsAndWatermarksOperator {
            generator,
            assigner,
            out,
            time,
            interval_ms,
            next_emit: i64::MAX,
            idleness_ms,
            last_record: now,
            idle: false,
            current: MIN_WATERMARK,
            _type: PhantomData,
        };
        op.schedule(now);
        op
    }

    fn schedule(&mut self, now: i64) {
        if self.interval_ms > 0 {
            self.next_emit = now + self.interval_ms;
            self.time.request(self.next_emit);
        } else if let Some(idle) = self.idleness_ms {
            self.next_emit = now + idle;
            self.time.request(self.next_emit);
        }
    }

    fn apply(&mut self, output: WatermarkOutput) -> Result<()> {
        if output.idle == Some(true) && !self.idle {
            self.idle = true;
            self.out.watermark_status(WatermarkStatus::Idle)?;
        }
        if let Some(w) = output.watermark
            && w > self.current
        {
            if self.idle {
                self.idle = false;
                self.out.watermark_status(WatermarkStatus::Active)?;
            }
            self.current = w;
            self.out.watermark(w)?;
        }
        Ok(())
    }
}

impl<T: 'static, G: WatermarkGenerator<T>, A: TimestampAssigner<T>> OneInputOperator for TimestampsAndWatermarksOperator<T, G, A> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::main(&mut self.out)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if self.idleness_ms.is_some() {
            self.last_record = self.time.now();
        }
        if self.idle && !batch.is_empty() {
            self.idle = false;
            self.out.watermark_status(WatermarkStatus::Active)?;
        }
        let mut output = WatermarkOutput::default();
        let mut split = None;
        for (i, r) in batch.iter_mut().enumerate() {
            r.ts = self.assigner.extract_timestamp(&r.value, r.ts);
            self.generator.on_event(&r.value, r.ts, &mut output);
            if output.watermark.is_some_and(|w| w > self.current) {
                split = Some(i + 1);
                break;
            }
        }
        match split {
            // The common case: no per-event watermark; the whole batch goes down in one push.
            None => {
                self.out.push(batch)?;
                self.apply(output)
            }
            // A punctuated watermark: records before it, then the watermark, then the rest —
            // so downstream sees it exactly where the generator emitted it.
            Some(at) => {
                let mut rest = batch.split_off(at);
                self.out.push(batch)?;
                self.apply(output)?;
                self.process_batch(&mut rest)
            }
        }
    }

    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        // Upstream watermarks are replaced by this operator's, except the final one.
        if watermark == MAX_WATERMARK && self.current < MAX_WATERMARK {
            self.current = MAX_WATERMARK;
            self.out.watermark(MAX_WATERMARK)?;
        }
        Ok(())
    }

    fn on_processing_timer(&mut self, now: i64) -> Result<()> {
        if now >= self.next_emit {
            let mut output = WatermarkOutput::default();
            if self.interval_ms > 0 {
                self.generator.on_periodic_emit(&mut output);
            }
            if let Some(idle) = self.idleness_ms
                && now - self.last_record >= idle
            {
                output.watermark = None;
                output.mark_idle();
            }
            self.apply(output)?;
            self.schedule(now);
        } else {
            self.time.request(self.next_emit);
        }
        Ok(())
    }

    fn on_watermark_status(&mut self, _: WatermarkStatus) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::Recorder;
    use crate::watermarks::{AssignerFn, BoundedOutOfOrderness};
    use rasch_core::ManualClock;
    use std::sync::Arc;

    /// Emits a watermark after every event (a punctuated generator).
    #[derive(Clone)]
    struct EveryEvent;
    impl WatermarkGenerator<i64> for EveryEvent {
        fn on_event(&mut self, _: &i64, ts: i64, out: &mut WatermarkOutput) {
            out.emit_watermark(ts - 1);
        }
        fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
    }

    /// Records what arrives, in order: values and watermarks interleaved.
    #[derive(Clone, Default)]
    struct Sequence(std::rc::Rc<std::cell::RefCell<Vec<String>>>);
    impl Output<i64> for Sequence {
        fn push(&mut self, batch: &mut Vec<Record<i64>>) -> Result<()> {
            self.0.borrow_mut().extend(batch.drain(..).map(|r| format!("r{}", r.value)));
            Ok(())
        }
        fn watermark(&mut self, w: i64) -> Result<()> {
            self.0.borrow_mut().push(format!("w{w}"));
            Ok(())
        }
        fn end_input(&mut self) -> Result<()> {
            Ok(())
        }
        fn flush(&mut self) -> Result<()> {
            Ok(())
        }
        fn close(&mut self) -> Result<()> {
            Ok(())
        }
        fn on_processing_time(&mut self, _: i64) -> Result<()> {
            Ok(())
        }
        fn watermark_status(&mut self, _: WatermarkStatus) -> Result<()> {
            Ok(())
        }
        fn snapshot(&mut self, _snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
            Ok(())
        }
        fn notify_checkpoint_complete(&mut self, _checkpoint_id: u64) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn punctuated_watermarks_split_the_batch_where_they_were_emitted() {
        let time = ProcessingTimeService::new(Arc::new(ManualClock::new(0)));
        let seq = Sequence::default();
        let mut op = TimestampsAndWatermarksOperator::new(EveryEvent, AssignerFn(|v: &i64, _| *v), None, 0, Box::new(seq.clone()), time);
        op.push(&mut vec![Record::new(10), Record::new(5), Record::new(20)]).unwrap();
        assert_eq!(*seq.0.borrow(), vec!["r10", "w9", "r5", "r20", "w19"]);
    }

    #[test]
    fn periodic_watermarks_and_idleness_follow_processing_time() {
        let clock = ManualClock::new(0);
        let time = ProcessingTimeService::new(Arc::new(clock.clone()));
        let rec = Recorder::<i64>::default();
        let mut op = TimestampsAndWatermarksOperator::new(
            BoundedOutOfOrderness::new(10),
            AssignerFn(|v: &i64, _| *v),
            Some(500),
            200,
            Box::new(rec.clone()),
            time.clone(),
        );
        op.push(&mut vec![Record::new(100), Record::new(150), Record::new(120)]).unwrap();
        assert_eq!(rec.records.borrow().iter().map(|r| r.ts).collect::<Vec<_>>(), vec![100, 150, 120]);
        assert!(rec.watermarks.borrow().is_empty());
        clock.set(200);
        assert!(time.take_due(200));
        op.on_processing_time(200).unwrap();
        assert_eq!(*rec.watermarks.borrow(), vec![139]);
        clock.set(600);
        op.on_processing_time(600).unwrap();
        assert_eq!(*rec.watermarks.borrow(), vec![139], "idle: no new watermark");
        op.watermark(MAX_WATERMARK).unwrap();
        assert_eq!(*rec.watermarks.borrow(), vec![139, MAX_WATERMARK], "the final watermark passes");
    }
}
