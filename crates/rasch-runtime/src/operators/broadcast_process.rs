//! The broadcast state pattern: a (keyed or non-keyed) stream connected with a broadcast stream.
//! Input 1 is the regular stream, input 2 the broadcast stream whose every element reaches every
//! parallel instance; broadcast elements may write the broadcast state, regular elements only read
//! it (Flink's `CoBroadcastWithNonKeyedOperator` and `CoBroadcastWithKeyedOperator`).

#[cfg(test)]
use super::TwoInputOperator;
use super::broadcast_state::{BroadcastContext, BroadcastStates, KeyedReadOnlyBroadcastContext, ReadOnlyBroadcastContext};
use super::co_contract::CoOperator;
use super::contract::Downstream;
use super::emitter::Emitter;
use crate::collector::{Collector, SideOutputs};
use crate::context::RuntimeContext;
use crate::functions::KeySelector;
use crate::keyed::{KeyCell, KeyedContext, KeyedRuntime, TimeDomain};
use crate::output::BoxOutput;
use crate::time::ProcessingTimeService;
use rasch_core::{Key, MIN_WATERMARK, Record, Result};
use std::marker::PhantomData;
use std::rc::Rc;

/// Processes a non-keyed stream connected with a broadcast stream (Flink's
/// `BroadcastProcessFunction<IN1, IN2, OUT>`).
pub trait BroadcastProcessFunction<A, B, U>: Clone + Send + 'static {
    /// Processes an element of the regular input; broadcast state is read-only here.
    fn process_element(&mut self, value: A, ctx: &mut ReadOnlyBroadcastContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    /// Processes a broadcast element (every instance sees every one); may update broadcast state.
    fn process_broadcast_element(&mut self, value: B, ctx: &mut BroadcastContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    /// Called once per parallel instance before the first record.
    fn open(&mut self, _ctx: &RuntimeContext) -> Result<()> {
        Ok(())
    }
    /// Called once after the last record (or when the job stops).
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Processes a keyed stream connected with a broadcast stream (Flink's
/// `KeyedBroadcastProcessFunction<KS, IN1, IN2, OUT>`): keyed state and timers on the regular
/// input, broadcast state everywhere (read-only outside `process_broadcast_element`).
pub trait KeyedBroadcastProcessFunction<K, A, B, U>: Clone + Send + 'static {
    /// Processes an element of the keyed input.
    fn process_element(&mut self, value: A, ctx: &mut KeyedReadOnlyBroadcastContext<'_, K>, out: &mut Collector<'_, U>) -> Result<()>;
    /// Processes a broadcast element (every instance sees every one); may update broadcast state.
    fn process_broadcast_element(&mut self, value: B, ctx: &mut BroadcastContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    /// A timer registered for the current key fired at `timestamp`.
    fn on_timer(&mut self, _timestamp: i64, _ctx: &mut KeyedReadOnlyBroadcastContext<'_, K>, _out: &mut Collector<'_, U>) -> Result<()> {
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

/// Runs a [`BroadcastProcessFunction`].
pub struct BroadcastProcessOperator<A, B, U, F> {
    f: F,
    states: BroadcastStates,
    time: Rc<ProcessingTimeService>,
    watermark: i64,
    o: Emitter<U>,
    _inputs: PhantomData<fn(A, B)>,
}

impl<A: 'static, B: 'static, U: 'static, F: BroadcastProcessFunction<A, B, U>> BroadcastProcessOperator<A, B, U, F> {
    /// An operator with the broadcast states `states`; `f` must be opened.
    pub fn new(f: F, states: BroadcastStates, time: Rc<ProcessingTimeService>, out: BoxOutput<U>, sides: SideOutputs) -> Self {
        let o = Emitter::new(out, sides);
        BroadcastProcessOperator { f, states, time, watermark: MIN_WATERMARK, o, _inputs: PhantomData }
    }

    fn state_into(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        let broadcast = Some(self.states.snapshot()?);
        snapshot.add(self.states.operator_id(), crate::checkpoint::OperatorState { broadcast, ..Default::default() });
        Ok(())
    }

    fn notify_state(&mut self, _checkpoint_id: u64) {}
}

impl<A: 'static, B: 'static, U: 'static, F: BroadcastProcessFunction<A, B, U>> CoOperator for BroadcastProcessOperator<A, B, U, F> {
    type In1 = A;
    type In2 = B;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.o.out, &mut self.o.sides)
    }
    fn process_batch1(&mut self, batch: &mut Vec<Record<A>>) -> Result<()> {
        for r in batch.drain(..) {
            let o = &mut self.o;
            let mut ctx = ReadOnlyBroadcastContext {
                timestamp: r.ts,
                watermark: self.watermark,
                time: &self.time,
                states: &self.states,
                sides: &mut o.sides,
            };
            self.f.process_element(r.value, &mut ctx, &mut Collector::new(&mut o.buf, r.ts))?;
        }
        self.o.emit()
    }
    fn process_batch2(&mut self, batch: &mut Vec<Record<B>>) -> Result<()> {
        for r in batch.drain(..) {
            let o = &mut self.o;
            let mut ctx = BroadcastContext {
                timestamp: r.ts,
                watermark: self.watermark,
                time: &self.time,
                states: &mut self.states,
                sides: &mut o.sides,
            };
            self.f.process_broadcast_element(r.value, &mut ctx, &mut Collector::new(&mut o.buf, r.ts))?;
        }
        self.o.emit()
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.watermark = watermark;
        self.downstream().watermark(watermark)
    }
    fn snapshot_state(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.state_into(snapshot)
    }
    fn on_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.notify_state(checkpoint_id);
        Ok(())
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
}

/// Runs a [`KeyedBroadcastProcessFunction`] on a [`KeyedRuntime`].
pub struct KeyedBroadcastProcessOperator<K, A, B, U, S, F> {
    selector: S,
    f: F,
    states: BroadcastStates,
    keyed: KeyedRuntime<K, ()>,
    key: KeyCell<K>,
    o: Emitter<U>,
    _inputs: PhantomData<fn(A, B)>,
}

impl<K: Key, A: 'static, B: 'static, U: 'static, S: KeySelector<A, K>, F: KeyedBroadcastProcessFunction<K, A, B, U>>
    KeyedBroadcastProcessOperator<K, A, B, U, S, F>
{
    /// An operator keyed by `selector` on input 1, with the broadcast states `states`; `f`
    /// must be opened.
    pub fn new(selector: S, f: F, states: BroadcastStates, keyed: KeyedRuntime<K, ()>, out: BoxOutput<U>, sides: SideOutputs) -> Self {
        let o = Emitter::new(out, sides);
        KeyedBroadcastProcessOperator { selector, f, states, keyed, key: KeyCell::default(), o, _inputs: PhantomData }
    }

    fn state_into(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        let (keyed, increment) = self.keyed.keyed_state(&snapshot.barrier)?;
        let broadcast = Some(self.states.snapshot()?);
        snapshot.add(&self.keyed.operator_id, crate::checkpoint::OperatorState { keyed, broadcast, increment, ..Default::default() });
        Ok(())
    }

    fn notify_state(&mut self, checkpoint_id: u64) {
        self.keyed.notify_checkpoint_complete(checkpoint_id);
    }

    fn fire(&mut self, domain: TimeDomain, limit: i64) -> Result<()> {
        let (f, states) = (&mut self.f, &self.states);
        self.keyed.fire_timers(domain, limit, &mut self.o.sides, &mut self.o.buf, |t, keyed, out| {
            // The broadcast context wraps the keyed one for the duration of the call.
            let keyed = KeyedContext::new(
                keyed.timestamp,
                keyed.watermark,
                keyed.key,
                keyed.key_group,
                keyed.backend,
                keyed.timers,
                keyed.time,
                keyed.sides,
                keyed.domain,
            );
            f.on_timer(t, &mut KeyedReadOnlyBroadcastContext { keyed, states }, out)
        })?;
        self.o.emit()
    }
}

impl<K: Key, A: 'static, B: 'static, U: 'static, S: KeySelector<A, K>, F: KeyedBroadcastProcessFunction<K, A, B, U>> CoOperator
    for KeyedBroadcastProcessOperator<K, A, B, U, S, F>
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
            let key = self.key.set(self.selector.get_key(&r.value));
            let kg = self.keyed.backend.key_group_of(key, groups.next())?;
            let (k, o) = (&mut self.keyed, &mut self.o);
            let keyed = KeyedContext::new(r.ts, k.watermark, key, kg, &mut k.backend, &mut k.timers, &k.time, &mut o.sides, None);
            let mut ctx = KeyedReadOnlyBroadcastContext { keyed, states: &self.states };
            self.f.process_element(r.value, &mut ctx, &mut Collector::new(&mut o.buf, r.ts))?;
        }
        self.o.emit()
    }
    fn process_batch2(&mut self, batch: &mut Vec<Record<B>>) -> Result<()> {
        for r in batch.drain(..) {
            let (k, o) = (&self.keyed, &mut self.o);
            let mut ctx =
                BroadcastContext { timestamp: r.ts, watermark: k.watermark, time: &k.time, states: &mut self.states, sides: &mut o.sides };
            self.f.process_broadcast_element(r.value, &mut ctx, &mut Collector::new(&mut o.buf, r.ts))?;
        }
        self.o.emit()
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
        self.state_into(snapshot)
    }
    fn on_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.notify_state(checkpoint_id);
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
    use crate::operators::BroadcastStateDescriptor;
    use crate::operators::two_input_guard::tests::setup;
    use crate::output::tests::Recorder;
    use rasch_state::ValueState;

    fn rules() -> BroadcastStateDescriptor<String, i64> {
        BroadcastStateDescriptor::new("rules")
    }

    /// Broadcast side: `(name, threshold)` rules. Regular side: `(key, value)`; emits
    /// `key:rule` for every rule whose threshold the key's running sum exceeds, and the sum
    /// again on a timer.
    #[derive(Clone)]
    struct Thresholds {
        sum: ValueState<i64>,
    }

    impl KeyedBroadcastProcessFunction<String, (String, i64), (String, i64), String> for Thresholds {
        fn process_element(
            &mut self,
            v: (String, i64),
            ctx: &mut KeyedReadOnlyBroadcastContext<'_, String>,
            out: &mut Collector<'_, String>,
        ) -> Result<()> {
            let sum = self.sum.value(ctx)?.unwrap_or(0) + v.1;
            self.sum.update(ctx, sum)?;
            ctx.register_event_time_timer(50);
            let mut hits: Vec<String> =
                ctx.broadcast_state(&rules())?.iter().filter(|(_, t)| sum > **t).map(|(n, _)| format!("{}:{n}", v.0)).collect();
            hits.sort();
            hits.into_iter().for_each(|h| out.collect(h));
            Ok(())
        }
        fn process_broadcast_element(
            &mut self,
            v: (String, i64),
            ctx: &mut BroadcastContext<'_>,
            _: &mut Collector<'_, String>,
        ) -> Result<()> {
            ctx.broadcast_state(&rules())?.put(v.0, v.1);
            Ok(())
        }
        fn on_timer(&mut self, t: i64, ctx: &mut KeyedReadOnlyBroadcastContext<'_, String>, out: &mut Collector<'_, String>) -> Result<()> {
            let sum = self.sum.value(ctx)?.unwrap_or(0);
            let rules = ctx.broadcast_state(&rules())?.len();
            out.collect(format!("{t}:{}={sum} ({rules} rules)", ctx.current_key()));
            Ok(())
        }
    }

    #[test]
    fn keyed_elements_read_rules_written_by_broadcast_elements() {
        let rec = Recorder::<String>::default();
        let s = setup();
        let mut op = KeyedBroadcastProcessOperator::new(
            KeyFn(|v: &(String, i64)| v.0.clone()),
            Thresholds { sum: ValueState::new("sum") },
            BroadcastStates::new(vec!["rules".into()]),
            KeyedRuntime::new(&s).unwrap(),
            Box::new(rec.clone()),
            SideOutputs::new(),
        );
        let r = |k: &str, n: i64| Record { value: (k.to_string(), n), ts: 1 };
        op.push1(&mut vec![r("a", 5)]).unwrap();
        op.push2(&mut vec![r("low", 3), r("high", 8)]).unwrap();
        op.push1(&mut vec![r("a", 5), r("b", 4)]).unwrap();
        op.watermark(50).unwrap();
        let mut got = rec.values();
        got[3..].sort();
        assert_eq!(got, vec!["a:high", "a:low", "b:low", "50:a=10 (2 rules)", "50:b=4 (2 rules)"]);
    }

    #[derive(Clone)]
    struct Tagger;
    impl BroadcastProcessFunction<i64, (String, i64), String> for Tagger {
        fn process_element(&mut self, v: i64, ctx: &mut ReadOnlyBroadcastContext<'_>, out: &mut Collector<'_, String>) -> Result<()> {
            let state = ctx.broadcast_state(&rules())?;
            let mut names: Vec<&String> = state.iter().filter(|(_, m)| v % **m == 0).map(|(n, _)| n).collect();
            names.sort();
            out.collect(format!("{v}{names:?}"));
            Ok(())
        }
        fn process_broadcast_element(
            &mut self,
            v: (String, i64),
            ctx: &mut BroadcastContext<'_>,
            _: &mut Collector<'_, String>,
        ) -> Result<()> {
            ctx.broadcast_state(&rules())?.put(v.0, v.1);
            Ok(())
        }
    }

    #[test]
    fn non_keyed_elements_see_the_current_broadcast_state() {
        let rec = Recorder::<String>::default();
        let s = setup();
        let mut op = BroadcastProcessOperator::new(
            Tagger,
            BroadcastStates::new(vec!["rules".into()]),
            s.time.clone(),
            Box::new(rec.clone()),
            SideOutputs::new(),
        );
        op.push1(&mut vec![Record::new(6)]).unwrap();
        op.push2(&mut vec![Record::new(("even".to_string(), 2)), Record::new(("three".to_string(), 3))]).unwrap();
        op.push1(&mut vec![Record::new(6), Record::new(4)]).unwrap();
        assert_eq!(rec.values(), vec!["6[]", "6[\"even\", \"three\"]", "4[\"even\"]"]);
    }
}
