//! `KeyedStream::process`: a [`KeyedProcessFunction`] with keyed state and timers.

use super::contract::{Downstream, OneInputOperator};
use super::emitter::Emitter;
use crate::collector::{Collector, SideOutputs};
use crate::functions::{KeySelector, KeyedProcessFunction};
use crate::keyed::{KeyCell, KeyedContext, KeyedRuntime, TimeDomain};
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use rasch_core::{Key, Record, Result};
use std::marker::PhantomData;

/// Runs a keyed process function.
pub struct KeyedProcessOperator<K, T, U, S, F> {
    selector: S,
    f: F,
    keyed: KeyedRuntime<K, ()>,
    key: KeyCell<K>,
    o: Emitter<U>,
    _input: PhantomData<fn(T)>,
}

impl<K: Key, T: 'static, U: 'static, S: KeySelector<T, K>, F: KeyedProcessFunction<K, T, U>> KeyedProcessOperator<K, T, U, S, F> {
    /// A keyed process operator over `keyed` state, emitting to `out` and `sides`.
    pub fn new(selector: S, f: F, keyed: KeyedRuntime<K, ()>, out: BoxOutput<U>, sides: SideOutputs) -> Self {
        KeyedProcessOperator { selector, f, keyed, key: KeyCell::default(), o: Emitter::new(out, sides), _input: PhantomData }
    }

    fn emit(&mut self) -> Result<()> {
        self.o.emit()
    }

    /// Processes one record; `key_group` is the one the sender computed, if it did.
    #[inline]
    fn process(&mut self, r: Record<T>, key_group: Option<u16>) -> Result<()> {
        let key = self.key.set(self.selector.get_key(&r.value));
        let kg = self.keyed.backend.key_group_of(key, key_group)?;
        let k = &mut self.keyed;
        let mut ctx = KeyedContext::new(r.ts, k.watermark, key, kg, &mut k.backend, &mut k.timers, &k.time, &mut self.o.sides, None);
        self.f.process_element(r.value, &mut ctx, &mut Collector::new(&mut self.o.buf, r.ts))
    }

    fn fire(&mut self, domain: TimeDomain, limit: i64) -> Result<()> {
        let f = &mut self.f;
        self.keyed.fire_timers(domain, limit, &mut self.o.sides, &mut self.o.buf, |t, ctx, out| f.on_timer(t, ctx, out))?;
        self.emit()
    }
}

impl<K: Key, T: 'static, U: 'static, S: KeySelector<T, K>, F: KeyedProcessFunction<K, T, U>> OneInputOperator
    for KeyedProcessOperator<K, T, U, S, F>
{
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.o.out, &mut self.o.sides)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        for r in batch.drain(..) {
            self.process(r, None)?;
        }
        self.emit()
    }
    fn process_keyed_batch(&mut self, batch: &mut Vec<Record<T>>, key_groups: &mut Vec<u16>) -> Result<()> {
        for (r, g) in batch.drain(..).zip(key_groups.drain(..)) {
            self.process(r, Some(g))?;
        }
        self.emit()
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.keyed.watermark = watermark;
        self.fire(TimeDomain::EventTime, watermark)?;
        self.downstream().watermark(watermark)
    }
    fn on_processing_timer(&mut self, now: i64) -> Result<()> {
        self.fire(TimeDomain::ProcessingTime, now)?;
        self.keyed.request_processing_wakeup();
        Ok(())
    }
    fn snapshot_state(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.keyed.snapshot_into(snapshot)
    }
    fn on_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.keyed.notify_checkpoint_complete(checkpoint_id);
        Ok(())
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::RuntimeContext;
    use crate::functions::KeyFn;
    use crate::operators::OperatorSetup;
    use crate::output::tests::Recorder;
    use crate::time::ProcessingTimeService;
    use rasch_core::ManualClock;
    use rasch_state::ValueState;
    use std::sync::Arc;

    /// Sums values per key and emits the sum 100 ms (processing time) after the key's first
    /// element; deleting and re-registering timers must work.
    #[derive(Clone)]
    struct DelayedSum {
        sum: ValueState<i64>,
    }

    impl KeyedProcessFunction<i64, (i64, i64), (i64, i64, i64)> for DelayedSum {
        fn process_element(
            &mut self,
            v: (i64, i64),
            ctx: &mut KeyedContext<'_, i64>,
            _: &mut Collector<'_, (i64, i64, i64)>,
        ) -> Result<()> {
            let old = self.sum.value(ctx)?;
            if old.is_none() {
                let at = ctx.current_processing_time() + 100;
                ctx.register_processing_time_timer(at);
                ctx.register_processing_time_timer(at + 1);
                ctx.delete_processing_time_timer(at + 1);
            }
            self.sum.update(ctx, old.unwrap_or(0) + v.1)
        }
        fn on_timer(&mut self, ts: i64, ctx: &mut KeyedContext<'_, i64>, out: &mut Collector<'_, (i64, i64, i64)>) -> Result<()> {
            assert_eq!(ctx.time_domain(), Some(TimeDomain::ProcessingTime));
            let sum = self.sum.value(ctx)?.unwrap_or(0);
            self.sum.clear(ctx)?;
            out.collect((*ctx.current_key(), sum, ts));
            Ok(())
        }
    }

    #[test]
    fn processing_time_timers_follow_the_manual_clock() {
        let clock = ManualClock::new(1_000);
        let time = ProcessingTimeService::new(Arc::new(clock.clone()));
        let setup = OperatorSetup {
            ctx: RuntimeContext::for_test(0, 1),
            metrics: Arc::default(),
            batch_size: 16,
            time: time.clone(),
            operator_id: "test-operator".into(),
            restored: None,
        };
        let rec = Recorder::default();
        let mut op = KeyedProcessOperator::new(
            KeyFn(|v: &(i64, i64)| v.0),
            DelayedSum { sum: ValueState::new("sum") },
            KeyedRuntime::new(&setup).unwrap(),
            Box::new(rec.clone()),
            SideOutputs::new(),
        );
        op.push(&mut vec![Record::new((1, 5)), Record::new((2, 7)), Record::new((1, 1))]).unwrap();
        assert_eq!(time.next(), 1_100, "the operator asked to be woken at its timer");
        clock.set(1_050);
        assert!(!time.take_due(1_050));
        op.on_processing_time(1_050).unwrap();
        assert!(rec.values().is_empty());
        clock.set(1_120);
        op.push(&mut vec![Record::new((3, 4))]).unwrap();
        assert!(time.take_due(1_120), "the task loop sees the due wake-up");
        op.on_processing_time(1_120).unwrap();
        assert_eq!(rec.values(), vec![(1, 6, 1_100), (2, 7, 1_100)], "fired in time order, the deleted timer never");
        assert_eq!(time.next(), 1_220, "next wake-up requested for key 3's timer");
        op.on_processing_time(1_300).unwrap();
        assert_eq!(rec.values().last(), Some(&(3, 4, 1_220)));
    }
}
