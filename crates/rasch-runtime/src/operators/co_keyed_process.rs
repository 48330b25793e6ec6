//! Keyed connected streams: a [`KeyedCoProcessFunction`] whose two inputs share the keyed state
//! and timers of the current key (Flink's `KeyedCoProcessOperator`).

#[cfg(test)]
use super::TwoInputOperator;
use super::co_contract::CoOperator;
use super::contract::Downstream;
use super::emitter::Emitter;
use crate::collector::{Collector, SideOutputs};
use crate::context::RuntimeContext;
use crate::functions::KeySelector;
use crate::keyed::{KeyCell, KeyedContext, KeyedRuntime, TimeDomain};
use crate::output::BoxOutput;
use rasch_core::{Key, Record, Result};
use std::marker::PhantomData;

/// Processes two keyed inputs with shared keyed state and timers (Flink's
/// `KeyedCoProcessFunction<K, IN1, IN2, OUT>`). Both inputs are partitioned by a key of type
/// `K`; state handles read and write the state of the element's (or timer's) key.
pub trait KeyedCoProcessFunction<K, A, B, U>: Clone + Send + 'static {
    /// Processes an element of the first input.
    fn process_element1(&mut self, value: A, ctx: &mut KeyedContext<'_, K>, out: &mut Collector<'_, U>) -> Result<()>;
    /// Processes an element of the second input.
    fn process_element2(&mut self, value: B, ctx: &mut KeyedContext<'_, K>, out: &mut Collector<'_, U>) -> Result<()>;
    /// A timer registered for the current key fired at `timestamp`.
    fn on_timer(&mut self, _timestamp: i64, _ctx: &mut KeyedContext<'_, K>, _out: &mut Collector<'_, U>) -> Result<()> {
        Ok(())
    }
    /// Called once per parallel instance before the first record.
    fn open(&mut self, _ctx: &RuntimeContext) -> Result<()> {
        Ok(())
    }
    /// Called once after the last record (or when the job stops).
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Runs a [`KeyedCoProcessFunction`] on a [`KeyedRuntime`].
pub struct KeyedCoProcessOperator<K, A, B, U, S1, S2, F> {
    key1: S1,
    key2: S2,
    f: F,
    keyed: KeyedRuntime<K, ()>,
    key: KeyCell<K>,
    o: Emitter<U>,
    _inputs: PhantomData<fn(A, B)>,
}

impl<K, A, B, U, S1, S2, F> KeyedCoProcessOperator<K, A, B, U, S1, S2, F>
where
    K: Key,
    A: 'static,
    B: 'static,
    U: 'static,
    S1: KeySelector<A, K>,
    S2: KeySelector<B, K>,
    F: KeyedCoProcessFunction<K, A, B, U>,
{
    /// An operator keyed by `key1` (first input) and `key2` (second input); `f` must be opened.
    pub fn new(key1: S1, key2: S2, f: F, keyed: KeyedRuntime<K, ()>, out: BoxOutput<U>, sides: SideOutputs) -> Self {
        KeyedCoProcessOperator { key1, key2, f, keyed, key: KeyCell::default(), o: Emitter::new(out, sides), _inputs: PhantomData }
    }

    fn emit(&mut self) -> Result<()> {
        self.o.emit()
    }

    fn fire(&mut self, domain: TimeDomain, limit: i64) -> Result<()> {
        let f = &mut self.f;
        self.keyed.fire_timers(domain, limit, &mut self.o.sides, &mut self.o.buf, |t, ctx, out| f.on_timer(t, ctx, out))?;
        self.emit()
    }
}

impl<K, A, B, U, S1, S2, F> CoOperator for KeyedCoProcessOperator<K, A, B, U, S1, S2, F>
where
    K: Key,
    A: 'static,
    B: 'static,
    U: 'static,
    S1: KeySelector<A, K>,
    S2: KeySelector<B, K>,
    F: KeyedCoProcessFunction<K, A, B, U>,
{
    type In1 = A;
    type In2 = B;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.o.out, &mut self.o.sides)
    }
    fn process_batch1(&mut self, batch: &mut Vec<Record<A>>) -> Result<()> {
        self.process_keyed_batch1(batch, &mut Vec::new())
    }
    fn process_keyed_batch1(&mut self, batch: &mut Vec<Record<A>>, key_groups: &mut Vec<u16>) -> Result<()> {
        let mut groups = key_groups.drain(..);
        for r in batch.drain(..) {
            let key = self.key.set(self.key1.get_key(&r.value));
            let kg = self.keyed.backend.key_group_of(key, groups.next())?;
            let k = &mut self.keyed;
            let mut ctx = KeyedContext::new(r.ts, k.watermark, key, kg, &mut k.backend, &mut k.timers, &k.time, &mut self.o.sides, None);
            self.f.process_element1(r.value, &mut ctx, &mut Collector::new(&mut self.o.buf, r.ts))?;
        }
        self.emit()
    }
    fn process_batch2(&mut self, batch: &mut Vec<Record<B>>) -> Result<()> {
        self.process_keyed_batch2(batch, &mut Vec::new())
    }
    fn process_keyed_batch2(&mut self, batch: &mut Vec<Record<B>>, key_groups: &mut Vec<u16>) -> Result<()> {
        let mut groups = key_groups.drain(..);
        for r in batch.drain(..) {
            let key = self.key.set(self.key2.get_key(&r.value));
            let kg = self.keyed.backend.key_group_of(key, groups.next())?;
            let k = &mut self.keyed;
            let mut ctx = KeyedContext::new(r.ts, k.watermark, key, kg, &mut k.backend, &mut k.timers, &k.time, &mut self.o.sides, None);
            self.f.process_element2(r.value, &mut ctx, &mut Collector::new(&mut self.o.buf, r.ts))?;
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
    use crate::functions::KeyFn;
    use crate::operators::two_input_guard::tests::setup;
    use crate::output::tests::Recorder;
    use rasch_state::ValueState;

    /// Sums the first input per key, emits the sum when the second input asks, and reports the
    /// sum again on an event-time timer.
    #[derive(Clone)]
    struct SumAndReport {
        sum: ValueState<i64>,
    }

    impl KeyedCoProcessFunction<String, (String, i64), String, String> for SumAndReport {
        fn process_element1(&mut self, v: (String, i64), ctx: &mut KeyedContext<'_, String>, _: &mut Collector<'_, String>) -> Result<()> {
            let s = self.sum.value(ctx)?.unwrap_or(0) + v.1;
            self.sum.update(ctx, s)?;
            ctx.register_event_time_timer(100);
            Ok(())
        }
        fn process_element2(&mut self, _: String, ctx: &mut KeyedContext<'_, String>, out: &mut Collector<'_, String>) -> Result<()> {
            let sum = self.sum.value(ctx)?.unwrap_or(0);
            out.collect(format!("{}={sum}", ctx.current_key()));
            Ok(())
        }
        fn on_timer(&mut self, t: i64, ctx: &mut KeyedContext<'_, String>, out: &mut Collector<'_, String>) -> Result<()> {
            let sum = self.sum.value(ctx)?.unwrap_or(0);
            out.collect(format!("timer {t} {}={sum}", ctx.current_key()));
            Ok(())
        }
    }

    #[test]
    fn both_inputs_share_the_state_and_timers_of_a_key() {
        let rec = Recorder::<String>::default();
        let s = setup();
        let mut op = KeyedCoProcessOperator::new(
            KeyFn(|v: &(String, i64)| v.0.clone()),
            KeyFn(|v: &String| v.clone()),
            SumAndReport { sum: ValueState::new("sum") },
            KeyedRuntime::new(&s).unwrap(),
            Box::new(rec.clone()),
            SideOutputs::new(),
        );
        let r = |k: &str, n: i64| Record { value: (k.to_string(), n), ts: 1 };
        op.push1(&mut vec![r("a", 1), r("b", 10), r("a", 2)]).unwrap();
        op.push2(&mut vec![Record::new("a".to_string()), Record::new("c".to_string())]).unwrap();
        op.watermark(99).unwrap();
        assert_eq!(rec.values(), vec!["a=3".to_string(), "c=0".to_string()]);
        op.watermark(100).unwrap();
        let mut fired = rec.values()[2..].to_vec();
        fired.sort();
        assert_eq!(fired, vec!["timer 100 a=3".to_string(), "timer 100 b=10".to_string()]);
        assert_eq!(rec.records.borrow()[2].ts, 100);
    }
}
