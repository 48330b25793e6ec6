//! Sliced event-time windows: tumbling and sliding windows with an incremental aggregate keep
//! one accumulator per key and *slice* (slice = gcd(size, slide)) instead of copying every
//! record into each of its `size / slide` windows; a window's result merges its slices when
//! the watermark passes its end. This is what keeps sliding windows within a small factor of
//! tumbling ones.

use super::contract::{Downstream, OneInputOperator};
use crate::functions::ReduceFunction;
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use crate::windows::TimeWindow;
use rasch_core::{Error, Key, Record, Result};
use rasch_state::AggregateFunction;
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;

use crate::functions::KeySelector;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Window geometry in milliseconds: `size`, `slide` (= size for tumbling) and `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceSpec {
    /// Window length.
    pub size: i64,
    /// Distance between window starts.
    pub slide: i64,
    /// Shift of window boundaries from the epoch.
    pub offset: i64,
}

impl SliceSpec {
    fn slice(&self) -> i64 {
        let (mut a, mut b) = (self.size, self.slide);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }
    fn align_down(t: i64, unit: i64, offset: i64) -> i64 {
        t - (t - offset).rem_euclid(unit)
    }
}

/// How a sliced window folds its elements into an accumulator, merges the accumulators of its
/// slices and produces its result: an [`AggregateFunction`] ([`AggregateFold`]) or a
/// [`ReduceFunction`] ([`ReduceFold`]).
pub trait SliceFold<T, ACC, R>: 'static {
    /// The accumulator of a slice's first element.
    fn first(&mut self, value: T) -> Result<ACC>;
    /// Adds `value` to `acc`.
    fn add(&mut self, acc: &mut ACC, value: T) -> Result<()>;
    /// Merges `other` into `into`.
    fn merge(&mut self, into: &mut ACC, other: ACC) -> Result<()>;
    /// The window's result from its merged accumulator.
    fn result(&mut self, acc: &ACC) -> Result<R>;
    /// Called once after the last record (a rich function's `close`).
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// An [`AggregateFunction`] as a [`SliceFold`].
#[derive(Clone)]
pub struct AggregateFold<F>(pub F);

impl<T, ACC, R, F: AggregateFunction<T, ACC, R>> SliceFold<T, ACC, R> for AggregateFold<F> {
    #[inline]
    fn first(&mut self, value: T) -> Result<ACC> {
        Ok(self.0.add(value, self.0.create_accumulator()))
    }
    #[inline]
    fn add(&mut self, acc: &mut ACC, value: T) -> Result<()> {
        let a = std::mem::replace(acc, self.0.create_accumulator());
        *acc = self.0.add(value, a);
        Ok(())
    }
    fn merge(&mut self, into: &mut ACC, other: ACC) -> Result<()> {
        let a = std::mem::replace(into, self.0.create_accumulator());
        *into = self.0.merge(a, other);
        Ok(())
    }
    fn result(&mut self, acc: &ACC) -> Result<R> {
        Ok(self.0.get_result(acc))
    }
}

/// A [`ReduceFunction`] as a [`SliceFold`]: the accumulator is the reduced value (`None` only
/// for the moment it is being replaced).
#[derive(Clone)]
pub struct ReduceFold<F>(pub F);

impl<T: Clone + 'static, F: ReduceFunction<T>> SliceFold<T, Option<T>, T> for ReduceFold<F> {
    #[inline]
    fn first(&mut self, value: T) -> Result<Option<T>> {
        Ok(Some(value))
    }
    #[inline]
    fn add(&mut self, acc: &mut Option<T>, value: T) -> Result<()> {
        *acc = Some(match acc.take() {
            Some(a) => self.0.reduce(a, value)?,
            None => value,
        });
        Ok(())
    }
    fn merge(&mut self, into: &mut Option<T>, other: Option<T>) -> Result<()> {
        *into = match (into.take(), other) {
            (Some(a), Some(b)) => Some(self.0.reduce(a, b)?),
            (a, b) => a.or(b),
        };
        Ok(())
    }
    fn result(&mut self, acc: &Option<T>) -> Result<T> {
        acc.clone().ok_or_else(|| Error::Internal("a sliced window fired without a reduced value".into()))
    }
    fn close(&mut self) -> Result<()> {
        self.0.close()
    }
}

/// Aggregates tumbling/sliding event-time windows per key by slices.
pub struct SlicingWindowOperator<K, T, ACC, OUT, U, S, F, E> {
    selector: S,
    f: F,
    spec: SliceSpec,
    slice: i64,
    slices: BTreeMap<i64, FastMap<K, ACC>>,
    /// End of the next window that may fire.
    next_end: Option<i64>,
    /// End of the last window fired; windows never fire twice.
    last_fired: i64,
    watermark: i64,
    emit: E,
    out: BoxOutput<U>,
    buf: Vec<Record<U>>,
    batch_size: usize,
    checkpoint: Option<crate::checkpoint::KeyedMapState>,
    _input: PhantomData<fn(T) -> OUT>,
}

impl<K, T, ACC, OUT, U, S, F, E> SlicingWindowOperator<K, T, ACC, OUT, U, S, F, E>
where
    K: Key,
    T: 'static,
    ACC: Clone + rasch_state::StateValue,
    OUT: 'static,
    U: 'static,
    S: KeySelector<T, K>,
    F: SliceFold<T, ACC, OUT>,
    E: Fn(K, TimeWindow, OUT) -> U + 'static,
{
    /// A sliced window aggregation emitting `emit(key, window, result)` with timestamp `end - 1`.
    pub fn new(selector: S, f: F, spec: SliceSpec, emit: E, out: BoxOutput<U>, batch_size: usize) -> Self {
        let slice = spec.slice();
        SlicingWindowOperator {
            selector,
            f,
            spec,
            slice,
            slices: BTreeMap::new(),
            emit,
            next_end: None,
            last_fired: i64::MIN,
            watermark: rasch_core::MIN_WATERMARK,
            out,
            buf: Vec::new(),
            batch_size,
            checkpoint: None,
            _input: PhantomData,
        }
    }

    /// Files the per-key slice accumulators (and the last fired window) in snapshots of the
    /// operator described by `setup`, and loads the restored ones.
    pub fn with_checkpointing(mut self, setup: &super::OperatorSetup) -> Result<Self>
    where
        ACC: serde::Serialize + serde::de::DeserializeOwned,
    {
        let cp = crate::checkpoint::KeyedMapState::new(setup, "window-slices");
        for (k, (slice, acc)) in cp.restore::<K, (i64, ACC)>(setup.restored.as_ref())? {
            self.slices.entry(slice).or_default().insert(k, acc);
        }
        // Every instance stored the end of its last fired window; none of those fire again.
        if let Some(state) = &setup.restored {
            for bytes in &state.union {
                let fired: i64 =
                    postcard::from_bytes(bytes).map_err(|e| rasch_core::Error::Serialization(format!("restoring sliced windows: {e}")))?;
                self.last_fired = self.last_fired.max(fired);
            }
        }
        if let Some(&first) = self.slices.keys().next() {
            self.next_end = Some(self.first_end_covering(first).max(self.last_fired.saturating_add(self.spec.slide)));
        }
        self.checkpoint = Some(cp);
        Ok(self)
    }

    fn first_end_covering(&self, slice_start: i64) -> i64 {
        // The earliest window containing the slice starts at the first window start after
        // `slice_start - size`.
        SliceSpec::align_down(slice_start - self.spec.size, self.spec.slide, self.spec.offset) + self.spec.slide + self.spec.size
    }

    fn fire_until(&mut self, watermark: i64) -> Result<()> {
        while let Some(end) = self.next_end {
            if end - 1 > watermark {
                break;
            }
            self.fire(end)?;
            self.last_fired = end;
            let keep_from = end - self.spec.size + self.spec.slide;
            self.slices.retain(|&s, _| s >= keep_from);
            self.next_end = match self.slices.keys().next() {
                Some(&first) => Some((end + self.spec.slide).max(self.first_end_covering(first))),
                None => None,
            };
        }
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        Ok(())
    }

    fn fire(&mut self, end: i64) -> Result<()> {
        let start = end - self.spec.size;
        let keep_from = end - self.spec.size + self.spec.slide;
        let in_window: Vec<i64> = self.slices.range(start..end).map(|(&s, _)| s).collect();
        let Some((&first, rest)) = in_window.split_first() else { return Ok(()) };
        // The oldest slice is not needed by later windows when it falls before `keep_from`:
        // move its accumulators instead of cloning them.
        let mut merged: FastMap<K, ACC> =
            if first < keep_from { self.slices.remove(&first).unwrap_or_default() } else { self.slices[&first].clone() };
        for s in rest {
            for (k, acc) in &self.slices[s] {
                match merged.get_mut(k) {
                    Some(m) => self.f.merge(m, acc.clone())?,
                    None => {
                        merged.insert(k.clone(), acc.clone());
                    }
                }
            }
        }
        for (k, acc) in merged {
            let window = TimeWindow::new(end - self.spec.size, end);
            let result = self.f.result(&acc)?;
            self.buf.push(Record::with_timestamp((self.emit)(k, window, result), end - 1));
            if self.buf.len() >= self.batch_size {
                self.out.push(&mut self.buf)?;
            }
        }
        Ok(())
    }
}

impl<K, T, ACC, OUT, U, S, F, E> OneInputOperator for SlicingWindowOperator<K, T, ACC, OUT, U, S, F, E>
where
    K: Key,
    T: 'static,
    ACC: Clone + rasch_state::StateValue,
    OUT: 'static,
    U: 'static,
    S: KeySelector<T, K>,
    F: SliceFold<T, ACC, OUT>,
    E: Fn(K, TimeWindow, OUT) -> U + 'static,
{
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::main(&mut self.out)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        let (slice, offset) = (self.slice, self.spec.offset);
        // Cache the last slice's map: records mostly arrive in time order.
        let mut last: Option<(i64, &mut FastMap<K, ACC>)> = None;
        for r in batch.drain(..) {
            if r.ts == rasch_core::NO_TIMESTAMP {
                return Err(rasch_core::Error::User(
                    "record has no timestamp: event-time windows need timestamps — did you forget assign_timestamps_and_watermarks(...)?"
                        .into(),
                ));
            }
            let s = SliceSpec::align_down(r.ts, slice, offset);
            // An element is late once every window containing it has fired: the last of them
            // starts at the slide boundary at or before it.
            let last_window_end = SliceSpec::align_down(r.ts, self.spec.slide, offset) + self.spec.size;
            if last_window_end - 1 <= self.watermark {
                continue;
            }
            let map = match &mut last {
                Some((ls, m)) if *ls == s => m,
                _ => {
                    let m = self.slices.entry(s).or_default();
                    last = Some((s, m));
                    &mut last.as_mut().expect("just set").1
                }
            };
            let key = self.selector.get_key(&r.value);
            match map.get_mut(key.as_ref()) {
                Some(acc) => self.f.add(acc, r.value)?,
                None => {
                    let key = key.into_owned();
                    let acc = self.f.first(r.value)?;
                    map.insert(key, acc);
                }
            }
        }
        if let Some(&first) = self.slices.keys().next() {
            let candidate = self.first_end_covering(first).max(self.last_fired.saturating_add(self.spec.slide));
            self.next_end = Some(self.next_end.map_or(candidate, |e| e.min(candidate)));
        }
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.watermark = watermark;
        self.fire_until(watermark)?;
        self.downstream().watermark(watermark)
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
    fn snapshot_state(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        if let Some(cp) = &self.checkpoint {
            let entries = self.slices.iter().flat_map(|(s, m)| m.iter().map(move |(k, acc)| (k, (*s, acc))));
            cp.snapshot(snapshot, entries, vec![postcard::to_allocvec(&self.last_fired)?])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::KeyFn;
    use crate::output::tests::Recorder;
    use rasch_state::AggregateFn;
    use std::collections::BTreeMap;

    fn count() -> impl AggregateFunction<(u8, i64), u64, u64> {
        AggregateFn { create: || 0u64, add: |_: (u8, i64), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b }
    }

    /// Brute force: every window [start, start+size) with start ≡ offset (mod slide).
    fn model(events: &[(u8, i64)], spec: SliceSpec, watermark: i64) -> BTreeMap<(u8, i64), u64> {
        let mut m = BTreeMap::new();
        for &(k, ts) in events {
            let mut start = SliceSpec::align_down(ts, spec.slide, spec.offset);
            while start > ts - spec.size {
                if start + spec.size - 1 <= watermark {
                    *m.entry((k, start + spec.size)).or_default() += 1;
                }
                start -= spec.slide;
            }
        }
        m
    }

    fn run(events: &[(u8, i64)], spec: SliceSpec, watermarks: &[i64]) -> BTreeMap<(u8, i64), u64> {
        let rec = Recorder::default();
        let mut op = SlicingWindowOperator::new(
            KeyFn(|e: &(u8, i64)| e.0),
            AggregateFold(count()),
            spec,
            |k, _, n| (k, n),
            Box::new(rec.clone()),
            4,
        );
        for (i, part) in events.chunks(200).enumerate() {
            op.push(&mut part.iter().map(|e| Record::with_timestamp(*e, e.1)).collect()).unwrap();
            op.watermark(watermarks[i]).unwrap();
        }
        let mut got = BTreeMap::new();
        for r in rec.records.borrow().iter() {
            assert!(got.insert((r.value.0, r.ts + 1), r.value.1).is_none(), "window fired twice");
        }
        got
    }

    #[test]
    fn sliding_and_tumbling_windows_match_brute_force() {
        let events: Vec<(u8, i64)> = (0..2_000i64).map(|i| ((i % 5) as u8, i * 7 - (i * 13) % 50)).collect();
        let max_ts = events.iter().map(|e| e.1).max().unwrap();
        // Watermarks trail the data by 60 ms (more than the disorder), ending at the maximum.
        let marks: Vec<i64> = (1..10).map(|i| events[(i * 200) - 1].1 - 60).chain([i64::MAX]).collect();
        for spec in [
            SliceSpec { size: 100, slide: 100, offset: 0 },
            SliceSpec { size: 1_000, slide: 100, offset: 0 },
            SliceSpec { size: 300, slide: 200, offset: 0 },
            SliceSpec { size: 250, slide: 250, offset: 30 },
        ] {
            let got = run(&events, spec, &marks);
            let expected = model(&events, spec, i64::MAX);
            let diff: Vec<_> = expected.iter().filter(|(k, v)| got.get(k) != Some(v)).take(5).collect();
            assert!(diff.is_empty() && got.len() == expected.len(), "{spec:?}: first differences (window, expected) {diff:?}");
            assert!(got.keys().all(|(_, end)| end - spec.size <= max_ts));
        }
    }

    #[test]
    fn late_elements_only_join_windows_that_have_not_fired() {
        let spec = SliceSpec { size: 20, slide: 10, offset: 0 };
        let rec = Recorder::default();
        let mut op = SlicingWindowOperator::new(
            KeyFn(|e: &(u8, i64)| e.0),
            AggregateFold(count()),
            spec,
            |k, _, n| (k, n),
            Box::new(rec.clone()),
            4,
        );
        op.push(&mut vec![Record::with_timestamp((1, 5), 5), Record::with_timestamp((1, 15), 15)]).unwrap();
        op.watermark(19).unwrap(); // fires [0,20): 2
        op.push(&mut vec![Record::with_timestamp((1, 12), 12), Record::with_timestamp((1, 3), 3)]).unwrap(); // 12 joins [10,30); 3 is late
        op.watermark(i64::MAX).unwrap();
        let got: Vec<(i64, u64)> = rec.records.borrow().iter().map(|r| (r.ts + 1, r.value.1)).collect();
        assert_eq!(got, vec![(10, 1), (20, 2), (30, 2)]);
    }
}
