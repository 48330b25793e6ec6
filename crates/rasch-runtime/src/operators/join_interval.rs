//! The interval join of two keyed streams (Flink's `IntervalJoinOperator`): a left element at
//! `t` joins every right element of the same key with `t + lower <= t_right <= t + upper`.
//! Both sides are buffered in keyed state by timestamp and dropped by event-time timers once the
//! watermark makes further matches impossible; late elements are dropped (or side-output).

#[cfg(test)]
use super::TwoInputOperator;
use super::co_contract::CoOperator;
use super::contract::Downstream;
use super::emitter::Emitter;
use crate::collector::{Collector, OutputTag, SideOutputs};
use crate::context::RuntimeContext;
use crate::functions::KeySelector;
use crate::keyed::{KeyCell, KeyedRuntime};
use crate::output::BoxOutput;
use rasch_core::{Error, Key, MIN_WATERMARK, NO_TIMESTAMP, Record, Result};
use rasch_state::KeyedStateBackend;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::OnceLock;

/// Processes each joined pair of an interval join (Flink's `ProcessJoinFunction<IN1, IN2, OUT>`).
/// The elements are passed by reference: one element usually joins several of the other side.
pub trait ProcessJoinFunction<A, B, U>: Clone + Send + 'static {
    /// Called for every pair whose timestamps lie within the interval.
    fn process_element(&mut self, left: &A, right: &B, ctx: &mut JoinContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    /// Called once per parallel instance before the first record.
    fn open(&mut self, _ctx: &RuntimeContext) -> Result<()> {
        Ok(())
    }
    /// Called once after the last record (or when the job stops).
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// The context of a joined pair: both timestamps and side outputs. Results are stamped with
/// the larger timestamp.
pub struct JoinContext<'a> {
    left_ts: i64,
    right_ts: i64,
    sides: &'a mut SideOutputs,
}

impl JoinContext<'_> {
    /// The left element's timestamp.
    pub fn left_timestamp(&self) -> i64 {
        self.left_ts
    }
    /// The right element's timestamp.
    pub fn right_timestamp(&self) -> i64 {
        self.right_ts
    }
    /// The timestamp of the results: the larger of both.
    pub fn timestamp(&self) -> i64 {
        self.left_ts.max(self.right_ts)
    }
    /// Emits to a side output.
    pub fn output<X: 'static>(&mut self, tag: &OutputTag<X>, value: X) -> Result<()> {
        self.sides.emit(tag, value, self.timestamp())
    }
}

/// Adapts a closure `FnMut(&A, &B) -> U` to [`ProcessJoinFunction`].
#[derive(Clone)]
pub struct JoinFn<F>(pub F);
impl<A, B, U, F: FnMut(&A, &B) -> U + Clone + Send + 'static> ProcessJoinFunction<A, B, U> for JoinFn<F> {
    fn process_element(&mut self, left: &A, right: &B, _: &mut JoinContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        out.collect((self.0)(left, right));
        Ok(())
    }
}

/// The bounds (inclusive, in ms, exclusivity already applied) and late-data outputs of an
/// interval join.
pub struct IntervalJoinSpec<A, B> {
    /// Smallest `t_right - t_left` that joins.
    pub lower: i64,
    /// Largest `t_right - t_left` that joins.
    pub upper: i64,
    /// Where late left elements go (dropped when `None`).
    pub late_left: Option<OutputTag<A>>,
    /// Where late right elements go (dropped when `None`).
    pub late_right: Option<OutputTag<B>>,
}

/// The namespace of cleanup timers: which buffer they clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
enum Side {
    Left,
    Right,
}

type Buffer<T> = BTreeMap<i64, Vec<T>>;
const LEFT: &str = "interval-join-left-buffer";
const RIGHT: &str = "interval-join-right-buffer";

/// Runs an interval join with a [`ProcessJoinFunction`].
pub struct IntervalJoinOperator<K, A, B, U, S1, S2, F> {
    key1: S1,
    key2: S2,
    f: F,
    spec: IntervalJoinSpec<A, B>,
    keyed: KeyedRuntime<K, Side>,
    key: KeyCell<K>,
    slots: [OnceLock<usize>; 2],
    o: Emitter<U>,
    _types: PhantomData<fn(A, B)>,
}

/// Buffers `value` (our side) and calls `on_match` for every buffered element of the other side
/// with a timestamp in `ts + lower ..= ts + upper`.
#[allow(clippy::too_many_arguments)]
fn join_one<K: Key, T: rasch_core::Data, O: rasch_core::Data>(
    backend: &mut KeyedStateBackend<K>,
    (ours, theirs): (&str, &str),
    (our_slot, their_slot): (&OnceLock<usize>, &OnceLock<usize>),
    key: &K,
    kg: usize,
    value: T,
    ts: i64,
    (lower, upper): (i64, i64),
    mut on_match: impl FnMut(&T, &O, i64) -> Result<()>,
) -> Result<()> {
    let other = backend.table::<(), Buffer<O>>(theirs, their_slot, None)?;
    if let Some(buffer) = other.get(kg, key, &(), 0)? {
        for (&t, bucket) in buffer.range(ts.saturating_add(lower)..=ts.saturating_add(upper)) {
            for o in bucket {
                on_match(&value, o, t)?;
            }
        }
    }
    let own = backend.table::<(), Buffer<T>>(ours, our_slot, None)?;
    own.get_mut_or_insert_with(kg, key, &(), 0, BTreeMap::new)?.entry(ts).or_default().push(value);
    Ok(())
}

impl<K, A, B, U, S1, S2, F> IntervalJoinOperator<K, A, B, U, S1, S2, F>
where
    K: Key,
    A: rasch_core::Data,
    B: rasch_core::Data,
    U: 'static,
    S1: KeySelector<A, K>,
    S2: KeySelector<B, K>,
    F: ProcessJoinFunction<A, B, U>,
{
    /// An interval join keyed by `key1`/`key2` with the bounds of `spec`; `f` must be opened.
    pub fn new(
        key1: S1,
        key2: S2,
        f: F,
        spec: IntervalJoinSpec<A, B>,
        setup: &super::OperatorSetup,
        out: BoxOutput<U>,
        sides: SideOutputs,
    ) -> Result<Self> {
        let keyed = KeyedRuntime::new(setup)?;
        Ok(IntervalJoinOperator {
            key1,
            key2,
            f,
            spec,
            keyed,
            key: KeyCell::default(),
            slots: Default::default(),
            o: Emitter::new(out, sides),
            _types: PhantomData,
        })
    }

    /// Checks the timestamp; `Ok(false)` for a late element.
    fn admit(&self, ts: i64) -> Result<bool> {
        if ts == NO_TIMESTAMP {
            return Err(Error::user(
                "interval join got an element without a timestamp; assign event timestamps with assign_timestamps_and_watermarks()",
            ));
        }
        Ok(self.keyed.watermark == MIN_WATERMARK || ts >= self.keyed.watermark)
    }

    fn emit(&mut self) -> Result<()> {
        self.o.emit()
    }

    fn clean_up(&mut self, watermark: i64) -> Result<()> {
        let (lower, upper) = (self.spec.lower, self.spec.upper);
        while let Some(timer) = self.keyed.timers.event.pop_due(watermark) {
            let kg = self.keyed.backend.key_group(&timer.key)?;
            let backend = &mut self.keyed.backend;
            match timer.namespace {
                Side::Left => {
                    let ts = if upper <= 0 { timer.time } else { timer.time - upper };
                    let t = backend.table::<(), Buffer<A>>(LEFT, &self.slots[0], None)?;
                    if t.get_mut(kg, &timer.key, &(), 0)?.is_some_and(|b| b.remove(&ts).is_some() && b.is_empty()) {
                        t.remove(kg, &timer.key, &(), 0)?;
                    }
                }
                Side::Right => {
                    let ts = if lower <= 0 { timer.time + lower } else { timer.time };
                    let t = backend.table::<(), Buffer<B>>(RIGHT, &self.slots[1], None)?;
                    if t.get_mut(kg, &timer.key, &(), 0)?.is_some_and(|b| b.remove(&ts).is_some() && b.is_empty()) {
                        t.remove(kg, &timer.key, &(), 0)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl<K, A, B, U, S1, S2, F> CoOperator for IntervalJoinOperator<K, A, B, U, S1, S2, F>
where
    K: Key,
    A: rasch_core::Data,
    B: rasch_core::Data,
    U: 'static,
    S1: KeySelector<A, K>,
    S2: KeySelector<B, K>,
    F: ProcessJoinFunction<A, B, U>,
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
        let (lower, upper) = (self.spec.lower, self.spec.upper);
        let mut groups = key_groups.drain(..);
        for r in batch.drain(..) {
            let group = groups.next();
            if !self.admit(r.ts)? {
                if let Some(tag) = &self.spec.late_left {
                    self.o.sides.emit(tag, r.value, r.ts)?;
                }
                continue;
            }
            let key = self.key.set(self.key1.get_key(&r.value));
            let kg = self.keyed.backend.key_group_of(key, group)?;
            let (f, sides, buf, ts) = (&mut self.f, &mut self.o.sides, &mut self.o.buf, r.ts);
            join_one(&mut self.keyed.backend, (LEFT, RIGHT), (&self.slots[0], &self.slots[1]), key, kg, r.value, ts, (lower, upper), {
                |l: &A, rt: &B, t_b: i64| {
                    let mut ctx = JoinContext { left_ts: ts, right_ts: t_b, sides: &mut *sides };
                    f.process_element(l, rt, &mut ctx, &mut Collector::new(buf, ts.max(t_b)))
                }
            })?;
            let cleanup = if upper > 0 { ts.saturating_add(upper) } else { ts };
            self.keyed.timers.event.register(key, &Side::Left, cleanup);
        }
        self.emit()
    }
    fn process_batch2(&mut self, batch: &mut Vec<Record<B>>) -> Result<()> {
        self.process_keyed_batch2(batch, &mut Vec::new())
    }
    fn process_keyed_batch2(&mut self, batch: &mut Vec<Record<B>>, key_groups: &mut Vec<u16>) -> Result<()> {
        let (lower, upper) = (self.spec.lower, self.spec.upper);
        let mut groups = key_groups.drain(..);
        for r in batch.drain(..) {
            let group = groups.next();
            if !self.admit(r.ts)? {
                if let Some(tag) = &self.spec.late_right {
                    self.o.sides.emit(tag, r.value, r.ts)?;
                }
                continue;
            }
            let key = self.key.set(self.key2.get_key(&r.value));
            let kg = self.keyed.backend.key_group_of(key, group)?;
            let (f, sides, buf, ts) = (&mut self.f, &mut self.o.sides, &mut self.o.buf, r.ts);
            let bounds = (upper.saturating_neg(), lower.saturating_neg());
            join_one(&mut self.keyed.backend, (RIGHT, LEFT), (&self.slots[1], &self.slots[0]), key, kg, r.value, ts, bounds, {
                |rt: &B, l: &A, t_a: i64| {
                    let mut ctx = JoinContext { left_ts: t_a, right_ts: ts, sides: &mut *sides };
                    f.process_element(l, rt, &mut ctx, &mut Collector::new(buf, ts.max(t_a)))
                }
            })?;
            let cleanup = if lower < 0 { ts.saturating_sub(lower) } else { ts };
            self.keyed.timers.event.register(key, &Side::Right, cleanup);
        }
        self.emit()
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.keyed.watermark = watermark;
        self.clean_up(watermark)?;
        self.downstream().watermark(watermark)
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

    type Ev = (u8, i64);
    type KeyF = KeyFn<fn(&Ev) -> u8>;
    type PairF = fn(&Ev, &Ev) -> (i64, i64);
    type Op = IntervalJoinOperator<u8, Ev, Ev, (i64, i64), KeyF, KeyF, JoinFn<PairF>>;

    fn op(lower: i64, upper: i64, rec: &Recorder<(i64, i64)>, late: &Recorder<(u8, i64)>) -> Op {
        let mut sides = SideOutputs::new();
        sides.add::<(u8, i64)>("late", Box::new(late.clone()));
        let spec = IntervalJoinSpec { lower, upper, late_left: Some(OutputTag::new("late")), late_right: None };
        let key: fn(&Ev) -> u8 = |v| v.0;
        let join: PairF = |l, r| (l.1, r.1);
        IntervalJoinOperator::new(KeyFn(key), KeyFn(key), JoinFn(join), spec, &setup(), Box::new(rec.clone()), sides).unwrap()
    }

    fn rec(k: u8, ts: i64) -> Record<(u8, i64)> {
        Record { value: (k, ts), ts }
    }

    #[test]
    fn joins_within_inclusive_bounds_per_key_with_the_larger_timestamp() {
        let (out, late) = (Recorder::default(), Recorder::default());
        let mut j = op(-2, 1, &out, &late);
        j.push2(&mut vec![rec(1, 7), rec(1, 8), rec(1, 11), rec(2, 10)]).unwrap();
        j.push1(&mut vec![rec(1, 10)]).unwrap();
        j.push2(&mut vec![rec(1, 9), rec(1, 12)]).unwrap();
        let mut got: Vec<((i64, i64), i64)> = out.records.borrow().iter().map(|r| (r.value, r.ts)).collect();
        got.sort();
        assert_eq!(got, vec![((10, 8), 10), ((10, 9), 10), ((10, 11), 11)]);
    }

    #[test]
    fn buffers_are_cleaned_by_the_watermark_and_late_elements_dropped() {
        let (out, late) = (Recorder::default(), Recorder::default());
        let mut j = op(0, 5, &out, &late);
        j.push1(&mut vec![rec(1, 10)]).unwrap();
        assert_eq!(j.keyed.timers.event.len(), 1);
        j.watermark(14).unwrap();
        j.push2(&mut vec![rec(1, 15)]).unwrap();
        assert_eq!(out.values(), vec![(10, 15)]);
        j.watermark(20).unwrap();
        assert!(j.keyed.timers.event.is_empty(), "left cleaned at 15, right at 15");
        let left = j.keyed.backend.table::<(), Buffer<(u8, i64)>>(LEFT, &j.slots[0], None).unwrap();
        assert!(left.is_empty());
        j.push1(&mut vec![rec(1, 19), rec(1, 20)]).unwrap();
        j.push2(&mut vec![rec(1, 3)]).unwrap();
        assert_eq!(late.values(), vec![(1, 19)], "late left goes to the side output, late right is dropped");
        assert_eq!(out.values(), vec![(10, 15)]);
        assert!(j.push1(&mut vec![Record::new((1, 0))]).is_err(), "elements need timestamps");
    }
}
