//! The session fast path against the generic window operator: the same random, out-of-order
//! input (with late elements, allowed lateness, and a late-data side output or none), fed in
//! the same batches and watermarks, must give the same windows, the same late elements and
//! the same dropped count after every watermark.

use super::window::{WindowOperator, WindowSpec};
use super::window_session::SessionWindowOperator;
use crate::collector::{OutputTag, SideOutputs};
use crate::functions::{KeyRefFn, ReduceFn};
use crate::keyed::KeyedRuntime;
use crate::output::Output;
use crate::output::tests::Recorder;
use crate::time::ProcessingTimeService;
use crate::windows::{AggregateContents, EventTimeSessionWindows, PassThrough, ReduceContents, TimeWindow, WindowAssigner, WindowContents};
use rasch_core::keygroup::compute_key_group_range_for_operator_index;
use rasch_core::{MIN_WATERMARK, ManualClock, Record};
use rasch_state::{AggregateFn, KeyedStateBackend, TimerService};
use std::sync::Arc;
use std::time::Duration;

type In = (String, i64);
type Sel = KeyRefFn<for<'a> fn(&'a In) -> &'a String>;

fn key_of(t: &In) -> &String {
    &t.0
}

fn sel() -> Sel {
    KeyRefFn(key_of as for<'a> fn(&'a In) -> &'a String)
}

/// Everything an operator emitted so far: windows (sorted within each watermark step, since
/// the order of windows firing at one watermark is not specified) and late elements.
#[derive(Debug, PartialEq)]
struct Seen<O> {
    steps: Vec<Step<O>>,
}

/// What one watermark step emitted: fired windows as (key, timestamp, value), late elements.
type Step<O> = (Vec<(String, i64, O)>, Vec<In>);

/// The generic window operator on session windows.
type Generic<C> = WindowOperator<String, In, Sel, EventTimeSessionWindows<In>, C>;

/// An operator with its main and late-data recorders.
type Rig<O, Op> = (Recorder<O>, Recorder<In>, Op);

struct Run<O> {
    main: Recorder<O>,
    late: Recorder<In>,
    op: Box<dyn Output<In>>,
}

fn recorder<T>() -> Recorder<T> {
    Recorder { records: Default::default(), watermarks: Default::default(), ended: Default::default() }
}

fn handle<T>(r: &Recorder<T>) -> Recorder<T> {
    Recorder { records: r.records.clone(), watermarks: r.watermarks.clone(), ended: r.ended.clone() }
}

fn sides(late: &Recorder<In>) -> SideOutputs {
    let mut sides = SideOutputs::new();
    sides.add::<In>("late", Box::new(handle(late)));
    sides
}

fn backend(clock: &ManualClock) -> KeyedStateBackend<String> {
    KeyedStateBackend::new(compute_key_group_range_for_operator_index(128, 1, 0), 128, Arc::new(clock.clone()))
}

fn generic<C>(gap: i64, lateness: i64, tag: bool, contents: C) -> Rig<C::Out, Generic<C>>
where
    C: WindowContents<In, String, TimeWindow>,
{
    let clock = ManualClock::new(0);
    let time = ProcessingTimeService::new(Arc::new(clock.clone()));
    let keyed = KeyedRuntime {
        operator_id: "generic".into(),
        backend: backend(&clock),
        timers: TimerService::default(),
        time,
        watermark: MIN_WATERMARK,
    };
    let assigner = EventTimeSessionWindows::with_gap(Duration::from_millis(gap as u64));
    let trigger = assigner.default_trigger();
    let spec = WindowSpec { assigner, trigger, allowed_lateness: lateness, late_tag: tag.then(|| OutputTag::new("late")) };
    let (main, late) = (recorder(), recorder());
    let op = WindowOperator::new(sel(), spec, contents, keyed, Box::new(handle(&main)), sides(&late), 7);
    (main, late, op)
}

fn fast<C>(gap: i64, lateness: i64, tag: bool, contents: C) -> Rig<C::Out, SessionWindowOperator<String, In, Sel, C>>
where
    C: WindowContents<In, String, TimeWindow>,
{
    let clock = ManualClock::new(0);
    let time = ProcessingTimeService::new(Arc::new(clock.clone()));
    let (main, late) = (recorder(), recorder());
    let tag = tag.then(|| OutputTag::new("late"));
    let op =
        SessionWindowOperator::new(sel(), gap, lateness, tag, contents, backend(&clock), time, Box::new(handle(&main)), sides(&late), 7);
    (main, late, op)
}

/// A small xorshift generator, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Batches of out-of-order elements over a few keys, each followed by a watermark that trails
/// the data (sometimes jumping ahead, so later elements are late), then the final watermark.
fn script(seed: u64) -> Vec<(Vec<Record<In>>, i64)> {
    let mut rng = Rng(seed | 1);
    let mut now = 0i64;
    let mut steps = Vec::new();
    for _ in 0..60 {
        let batch: Vec<Record<In>> = (0..rng.next(12))
            .map(|_| {
                now += rng.next(25) as i64;
                let ts = now - rng.next(120) as i64;
                let key = format!("k{}", rng.next(4));
                Record::with_timestamp((key, ts), ts)
            })
            .collect();
        let watermark = now - 60 + rng.next(80) as i64 - if rng.next(5) == 0 { 0 } else { 40 };
        steps.push((batch, watermark));
    }
    steps.push((Vec::new(), i64::MAX));
    steps
}

fn run<O: Clone + std::fmt::Debug + 'static>(
    mut r: Run<O>,
    script: &[(Vec<Record<In>>, i64)],
    window: impl Fn(&Record<O>) -> (String, i64, O),
) -> Seen<O> {
    let mut seen = Seen { steps: Vec::new() };
    let mut last = MIN_WATERMARK;
    for (batch, watermark) in script {
        r.op.push(&mut batch.clone()).unwrap();
        // watermarks only advance
        let w = (*watermark).max(last);
        last = w;
        r.op.watermark(w).unwrap();
        let mut fired: Vec<(String, i64, O)> = r.main.records.borrow_mut().drain(..).map(|rec| window(&rec)).collect();
        fired.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)).then_with(|| format!("{:?}", a.2).cmp(&format!("{:?}", b.2))));
        let mut late: Vec<In> = r.late.records.borrow_mut().drain(..).map(|rec| rec.value).collect();
        late.sort();
        seen.steps.push((fired, late));
    }
    seen
}

#[test]
fn session_fast_path_equals_the_generic_operator_on_random_input() {
    let count = || {
        AggregateContents::<In, (String, u64, i64), (String, u64, i64), (String, u64, i64), _, _>::new(
            AggregateFn {
                create: || (String::new(), 0u64, 0i64),
                add: |v: In, a: (String, u64, i64)| (v.0, a.1 + 1, a.2 + v.1),
                result: |a: &(String, u64, i64)| a.clone(),
                merge: |a: (String, u64, i64), b: (String, u64, i64)| (a.0.max(b.0), a.1 + b.1, a.2 + b.2),
            },
            PassThrough,
        )
    };
    // An order-sensitive reduce, so a wrong merge order shows.
    let reduce =
        || ReduceContents::<In, In, _, _>::new(ReduceFn(|a: In, b: In| (a.0, a.1.wrapping_mul(31).wrapping_add(b.1))), PassThrough);
    let (mut windows, mut late) = (0, 0);
    for seed in 1..=40u64 {
        let script = script(seed * 7919);
        for (gap, lateness, tag) in [(30, 0, true), (30, 0, false), (50, 40, true), (10, 100, false), (80, 15, true)] {
            let (gm, gl, gop) = generic(gap, lateness, tag, count());
            let (fm, fl, fop) = fast(gap, lateness, tag, count());
            let stamp = |r: &Record<(String, u64, i64)>| (r.value.0.clone(), r.ts, r.value.clone());
            let g = run(Run { main: gm, late: gl, op: Box::new(gop) }, &script, stamp);
            let f = run(Run { main: fm, late: fl, op: Box::new(fop) }, &script, stamp);
            assert_eq!(g, f, "aggregate, seed {seed}, gap {gap}, lateness {lateness}, tag {tag}");
            windows += g.steps.iter().map(|s| s.0.len()).sum::<usize>();
            late += g.steps.iter().map(|s| s.1.len()).sum::<usize>();

            let (gm, gl, gop) = generic(gap, lateness, tag, reduce());
            let (fm, fl, fop) = fast(gap, lateness, tag, reduce());
            let stamp = |r: &Record<In>| (r.value.0.clone(), r.ts, r.value.clone());
            let g = run(Run { main: gm, late: gl, op: Box::new(gop) }, &script, stamp);
            let f = run(Run { main: fm, late: fl, op: Box::new(fop) }, &script, stamp);
            assert_eq!(g, f, "reduce, seed {seed}, gap {gap}, lateness {lateness}, tag {tag}");
        }
    }
    assert!(windows > 1_000 && late > 100, "the script must fire many windows ({windows}) and have late elements ({late})");
}

#[test]
fn late_elements_are_counted_alike_without_a_tag() {
    let count = || {
        AggregateContents::<In, u64, u64, u64, _, _>::new(
            AggregateFn { create: || 0u64, add: |_: In, n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b },
            PassThrough,
        )
    };
    let (_, _, mut g) = generic(20, 5, false, count());
    let (_, _, mut f) = fast(20, 5, false, count());
    for op in [&mut g as &mut dyn Output<In>, &mut f] {
        op.push(&mut vec![Record::with_timestamp(("a".into(), 100), 100)]).unwrap();
        op.watermark(200).unwrap();
        op.push(&mut vec![Record::with_timestamp(("a".into(), 10), 10), Record::with_timestamp(("b".into(), 150), 150)]).unwrap();
    }
    assert_eq!(g.num_late_records_dropped(), 2);
    assert_eq!(f.num_late_records_dropped(), 2);
}

#[test]
fn elements_without_timestamps_fail_alike() {
    let count = || {
        AggregateContents::<In, u64, u64, u64, _, _>::new(
            AggregateFn { create: || 0u64, add: |_: In, n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b },
            PassThrough,
        )
    };
    let (_, _, mut g) = generic(20, 0, false, count());
    let (_, _, mut f) = fast(20, 0, false, count());
    let ge = g.push(&mut vec![Record::new(("a".into(), 1))]).unwrap_err().to_string();
    let fe = f.push(&mut vec![Record::new(("a".into(), 1))]).unwrap_err().to_string();
    assert_eq!(ge, fe);
}
