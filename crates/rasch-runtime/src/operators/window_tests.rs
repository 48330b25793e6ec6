//! Window operator harness tests: the operator driven directly with batches, watermarks and a
//! `ManualClock`-backed processing-time service.

use super::window::{WindowOperator, WindowSpec};
use crate::collector::{OutputTag, SideOutputs};
use crate::functions::{KeyRefFn, ReduceFn};
use crate::keyed::KeyedRuntime;
use crate::output::Output;
use crate::output::tests::Recorder;
use crate::time::ProcessingTimeService;
use crate::windows::*;
use rasch_core::keygroup::compute_key_group_range_for_operator_index;
use rasch_core::{MAX_WATERMARK, MIN_WATERMARK, ManualClock, Record, Result};
use rasch_state::{AggregateFn, KeyedStateBackend, TimerService, ValueState};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

pub type In = (String, i64);
pub type Sel = KeyRefFn<for<'a> fn(&'a In) -> &'a String>;

fn key_of(t: &In) -> &String {
    &t.0
}

pub struct Harness<A: WindowAssigner<In>, C: WindowContents<In, String, A::W>> {
    pub op: WindowOperator<String, In, Sel, A, C>,
    pub main: Recorder<C::Out>,
    pub late: Recorder<In>,
    pub clock: ManualClock,
    pub time: Rc<ProcessingTimeService>,
}

pub const LATE: &str = "late";

pub fn harness<A, C>(assigner: A, trigger: Option<Arc<dyn Trigger<In, A::W>>>, lateness: i64, contents: C) -> Harness<A, C>
where
    A: WindowAssigner<In>,
    C: WindowContents<In, String, A::W>,
    C::Out: Clone,
{
    harness_with(assigner, trigger, lateness, contents, true, |_| {})
}

fn recorder<T>() -> Recorder<T> {
    Recorder { records: Default::default(), watermarks: Default::default(), ended: Default::default() }
}

/// A harness; `late_tag` routes too-late elements to `h.late`, `extra` adds side outputs.
pub fn harness_with<A, C>(
    assigner: A,
    trigger: Option<Arc<dyn Trigger<In, A::W>>>,
    lateness: i64,
    contents: C,
    late_tag: bool,
    extra: impl FnOnce(&mut SideOutputs),
) -> Harness<A, C>
where
    A: WindowAssigner<In>,
    C: WindowContents<In, String, A::W>,
    C::Out: Clone,
{
    let clock = ManualClock::new(0);
    let time = ProcessingTimeService::new(Arc::new(clock.clone()));
    let keyed = KeyedRuntime {
        operator_id: "test-window".into(),
        backend: KeyedStateBackend::new(compute_key_group_range_for_operator_index(128, 1, 0), 128, Arc::new(clock.clone())),
        timers: TimerService::default(),
        time: time.clone(),
        watermark: MIN_WATERMARK,
    };
    let main = recorder();
    let late = recorder();
    let mut sides = SideOutputs::new();
    sides.add::<In>(LATE, Box::new(late.clone()));
    extra(&mut sides);
    let trigger = trigger.unwrap_or_else(|| assigner.default_trigger());
    let late_tag = late_tag.then(|| OutputTag::new(LATE));
    let spec = WindowSpec { assigner, trigger, allowed_lateness: lateness, late_tag };
    let sel: Sel = KeyRefFn(key_of as for<'a> fn(&'a In) -> &'a String);
    let op = WindowOperator::new(sel, spec, contents, keyed, Box::new(main.clone()), sides, 4);
    Harness { op, main, late, clock, time }
}

impl<A: WindowAssigner<In>, C: WindowContents<In, String, A::W>> Harness<A, C>
where
    C::Out: Clone,
{
    pub fn push(&mut self, key: &str, v: i64, ts: i64) {
        self.op.push(&mut vec![Record { value: (key.to_string(), v), ts }]).unwrap();
    }
    pub fn wm(&mut self, w: i64) {
        self.op.watermark(w).unwrap();
    }
    pub fn take(&mut self) -> Vec<(C::Out, i64)> {
        self.main.records.borrow_mut().drain(..).map(|r| (r.value, r.ts)).collect()
    }
    pub fn take_late(&mut self) -> Vec<In> {
        self.late.records.borrow_mut().drain(..).map(|r| r.value).collect()
    }
}

pub type Sum = ReduceContents<In, In, ReduceFn<fn(In, In) -> In>, PassThrough>;

pub fn sum() -> Sum {
    fn add(a: In, b: In) -> In {
        (a.0, a.1 + b.1)
    }
    ReduceContents::new(ReduceFn(add as fn(In, In) -> In), PassThrough)
}

/// Process function emitting (key, window start, window end, sorted values).
#[derive(Clone)]
pub struct Describe;
impl<W: Window + std::fmt::Debug> ProcessWindowFunction<In, String, String, W> for Describe {
    fn process(
        &mut self,
        key: &String,
        ctx: &mut WindowContext<'_, String, W>,
        elements: &[In],
        out: &mut crate::collector::Collector<'_, String>,
    ) -> Result<()> {
        let mut v: Vec<i64> = elements.iter().map(|e| e.1).collect();
        v.sort();
        out.collect(format!("{key} {:?} {v:?}", ctx.window()));
        Ok(())
    }
}

fn s(v: &str, n: i64) -> In {
    (v.to_string(), n)
}

#[test]
fn tumbling_reduce_fires_on_watermark_with_max_timestamp() {
    let mut h = harness(TumblingEventTimeWindows::of(Duration::from_millis(10)), None, 0, sum());
    h.push("a", 1, 3);
    h.push("b", 5, 12);
    h.push("a", 2, 9);
    h.push("a", 4, 15);
    h.push("a", 8, 1); // out of order, same window
    h.wm(8);
    assert!(h.take().is_empty());
    h.wm(9);
    assert_eq!(h.take(), vec![(s("a", 11), 9)]);
    h.push("a", 100, 2); // late: window [0,10) is gone
    assert_eq!(h.take_late(), vec![s("a", 100)]);
    h.wm(MAX_WATERMARK);
    let mut got = h.take();
    got.sort();
    assert_eq!(got, vec![(s("a", 4), 19), (s("b", 5), 19)]);
    assert_eq!(*h.main.watermarks.borrow(), vec![8, 9, MAX_WATERMARK]);
}

#[test]
fn allowed_lateness_refires_then_cleans_up() {
    let mut h = harness(TumblingEventTimeWindows::of(Duration::from_millis(10)), None, 5, sum());
    h.push("a", 1, 1);
    h.wm(10);
    assert_eq!(h.take(), vec![(s("a", 1), 9)]);
    h.push("a", 2, 5); // late but allowed: fires at once with the whole contents
    assert_eq!(h.take(), vec![(s("a", 3), 9)]);
    h.wm(13);
    h.push("a", 4, 0);
    assert_eq!(h.take(), vec![(s("a", 7), 9)]);
    assert!(h.take_late().is_empty());
    h.wm(14); // cleanup at 9 + 5
    h.push("a", 8, 9);
    assert!(h.take().is_empty());
    assert_eq!(h.take_late(), vec![s("a", 8)]);
    assert!(h.op.num_late_records_dropped() == 0);
}

#[test]
fn sliding_process_sees_every_window() {
    let c = ListContents::<In, String, _>::new(Describe);
    let mut h = harness(SlidingEventTimeWindows::of(Duration::from_millis(10), Duration::from_millis(5)), None, 0, c);
    h.push("k", 1, 7);
    h.push("k", 2, 3);
    h.push("k", 3, 12);
    h.wm(MAX_WATERMARK);
    let got: Vec<_> = h.take();
    assert_eq!(
        got,
        vec![
            ("k TimeWindow { start: -5, end: 5 } [2]".to_string(), 4),
            ("k TimeWindow { start: 0, end: 10 } [1, 2]".to_string(), 9),
            ("k TimeWindow { start: 5, end: 15 } [1, 3]".to_string(), 14),
            ("k TimeWindow { start: 10, end: 20 } [3]".to_string(), 19),
        ],
        "timers fire in time order"
    );
}

#[test]
fn sessions_merge_and_a_late_element_bridges_two_sessions() {
    let c = ListContents::<In, String, _>::new(Describe);
    let mut h = harness(EventTimeSessionWindows::with_gap(Duration::from_millis(10)), None, 100, c);
    h.push("k", 1, 0);
    h.push("k", 2, 5); // merges: [0, 15)
    h.push("k", 3, 22); // [22, 32)
    h.push("j", 9, 31);
    h.wm(50);
    assert_eq!(
        h.take(),
        vec![
            ("k TimeWindow { start: 0, end: 15 } [1, 2]".to_string(), 14),
            ("k TimeWindow { start: 22, end: 32 } [3]".to_string(), 31),
            ("j TimeWindow { start: 31, end: 41 } [9]".to_string(), 40),
        ],
        "timers fire in time order"
    );
    h.push("k", 4, 14); // [14, 24) bridges [0, 15) and [22, 32): late but allowed, fires at once
    assert_eq!(h.take(), vec![("k TimeWindow { start: 0, end: 32 } [1, 2, 3, 4]".to_string(), 31)]);
    h.wm(130);
    h.push("k", 6, 25);
    assert_eq!(h.take(), vec![("k TimeWindow { start: 0, end: 35 } [1, 2, 3, 4, 6]".to_string(), 34)]);
    h.wm(134); // cleanup of [0, 35) at 34 + 100
    h.push("k", 5, 20);
    assert!(h.take().is_empty());
    assert_eq!(h.take_late(), vec![s("k", 5)]);
}

#[test]
fn session_reduce_merges_accumulators_and_trigger_timers() {
    let mut h = harness(EventTimeSessionWindows::with_gap(Duration::from_millis(10)), None, 0, sum());
    h.push("k", 1, 0);
    h.push("k", 2, 20);
    h.push("k", 4, 10); // touches both: [0, 30)
    h.wm(25);
    assert!(h.take().is_empty(), "the merged window's timer replaced the old ones");
    h.wm(29);
    assert_eq!(h.take(), vec![(s("k", 7), 29)]);
    h.wm(MAX_WATERMARK);
    assert!(h.take().is_empty());
}

#[test]
fn processing_time_windows_fire_on_the_clock_not_at_end_of_input() {
    let mut h = harness(TumblingProcessingTimeWindows::of(Duration::from_millis(100)), None, 0, sum());
    h.clock.set(1_050);
    h.push("a", 1, 0);
    h.push("a", 2, 0);
    assert_eq!(h.time.next(), 1_099);
    h.clock.set(1_120);
    h.push("a", 5, 0);
    assert!(h.time.take_due(1_120), "the task wakes the chain");
    h.op.on_processing_time(1_120).unwrap();
    assert_eq!(h.take(), vec![(s("a", 3), 1_099)]);
    assert_eq!(h.time.next(), 1_199, "the operator re-requested its next timer");
    h.op.watermark(MAX_WATERMARK).unwrap();
    h.op.end_input().unwrap();
    assert!(h.take().is_empty(), "processing-time windows do not fire at end of input");
    assert!(*h.main.ended.borrow());
}

#[test]
fn processing_time_sessions_merge() {
    let c = ListContents::<In, String, _>::new(Describe);
    let mut h = harness(ProcessingTimeSessionWindows::with_gap(Duration::from_millis(10)), None, 0, c);
    h.clock.set(100);
    h.push("k", 1, 0);
    h.clock.set(105);
    h.push("k", 2, 0);
    h.op.on_processing_time(110).unwrap();
    assert!(h.take().is_empty());
    h.op.on_processing_time(114).unwrap();
    assert_eq!(h.take(), vec![("k TimeWindow { start: 100, end: 115 } [1, 2]".to_string(), 114)]);
}

#[test]
fn count_windows_tumbling_and_sliding() {
    let purging: Arc<dyn Trigger<In, GlobalWindow>> = Arc::new(PurgingTrigger::of(CountTrigger::of(2)));
    let mut h = harness(GlobalWindows::create(), Some(purging), 0, sum());
    for v in 1..=5 {
        h.push("a", v, 0);
    }
    h.wm(MAX_WATERMARK);
    assert_eq!(h.take(), vec![(s("a", 3), i64::MAX), (s("a", 7), i64::MAX)]);

    let evicting = EvictingContents::new(Arc::new(CountEvictor::of(3)), sum());
    let count: Arc<dyn Trigger<In, GlobalWindow>> = Arc::new(CountTrigger::of(2));
    let mut h = harness(GlobalWindows::create(), Some(count), 0, evicting);
    for v in 1..=6 {
        h.push("a", v, 0);
    }
    let got: Vec<i64> = h.take().into_iter().map(|(v, _)| v.1).collect();
    assert_eq!(got, vec![1 + 2, 2 + 3 + 4, 4 + 5 + 6]);
}

#[test]
fn time_evictor_keeps_recent_elements() {
    let c = EvictingContents::new(Arc::new(TimeEvictor::of(Duration::from_millis(3))), ListContents::<In, String, _>::new(Describe));
    let mut h = harness(TumblingEventTimeWindows::of(Duration::from_millis(10)), None, 0, c);
    for (v, ts) in [(1, 1), (2, 8), (3, 5), (4, 6)] {
        h.push("k", v, ts);
    }
    h.wm(9);
    assert_eq!(h.take(), vec![("k TimeWindow { start: 0, end: 10 } [2, 4]".to_string(), 9)]);
}

#[derive(Clone)]
struct Counting {
    fires: ValueState<i64>,
    total: ValueState<i64>,
    tag: OutputTag<String>,
}
impl ProcessWindowFunction<(i64, i64), String, String, TimeWindow> for Counting {
    fn process(
        &mut self,
        key: &String,
        ctx: &mut WindowContext<'_, String, TimeWindow>,
        elements: &[(i64, i64)],
        out: &mut crate::collector::Collector<'_, String>,
    ) -> Result<()> {
        let fires = self.fires.value(&mut ctx.window_state())?.unwrap_or(0) + 1;
        self.fires.update(&mut ctx.window_state(), fires)?;
        let total = self.total.value(&mut ctx.global_state())?.unwrap_or(0) + 1;
        self.total.update(&mut ctx.global_state(), total)?;
        let (sum, n) = elements[0];
        ctx.output(&self.tag, format!("wm {}", ctx.current_watermark()))?;
        out.collect(format!("{key} {} sum={sum} n={n} fire={fires} total={total}", ctx.window().start));
        Ok(())
    }
    fn clear(&mut self, ctx: &mut WindowContext<'_, String, TimeWindow>) -> Result<()> {
        self.fires.clear(&mut ctx.window_state())
    }
}

#[test]
fn aggregate_with_process_state_side_outputs_and_clear() {
    let agg = AggregateFn {
        create: || (0i64, 0i64),
        add: |v: In, (s, n): (i64, i64)| (s + v.1, n + 1),
        result: |a: &(i64, i64)| *a,
        merge: |a: (i64, i64), b: (i64, i64)| (a.0 + b.0, a.1 + b.1),
    };
    let f = Counting { fires: ValueState::new("fires"), total: ValueState::new("total"), tag: OutputTag::new("info") };
    let c = AggregateContents::<In, (i64, i64), (i64, i64), String, _, _>::new(agg, f);
    let info = recorder::<String>();
    let i2 = info.clone();
    let mut h = harness_with(TumblingEventTimeWindows::of(Duration::from_millis(10)), None, 10, c, false, move |sides| {
        sides.add::<String>("info", Box::new(i2))
    });
    h.push("a", 3, 1);
    h.push("a", 4, 2);
    h.wm(9);
    h.push("a", 5, 3);
    h.push("a", 1, 12);
    h.wm(19);
    h.wm(30);
    h.push("a", 7, 25); // window [20, 30) never had elements: a fresh window, fires at once
    h.push("a", 7, 5); // too late, no tag: dropped
    assert_eq!(h.op.num_late_records_dropped(), 1);
    let got: Vec<String> = h.take().into_iter().map(|(v, _)| v).collect();
    assert_eq!(
        got,
        vec![
            "a 0 sum=7 n=2 fire=1 total=1",
            "a 0 sum=12 n=3 fire=2 total=2",
            "a 10 sum=1 n=1 fire=1 total=3",
            "a 20 sum=7 n=1 fire=1 total=4",
        ]
    );
    assert_eq!(info.values(), vec!["wm 9", "wm 9", "wm 19", "wm 30"]);
}

#[test]
fn continuous_event_time_trigger_fires_early() {
    let t: Arc<dyn Trigger<In, TimeWindow>> = Arc::new(ContinuousEventTimeTrigger::of(Duration::from_millis(4)));
    let mut h = harness(TumblingEventTimeWindows::of(Duration::from_millis(10)), Some(t), 0, sum());
    h.push("a", 1, 1);
    h.wm(4);
    h.push("a", 2, 5);
    h.wm(8);
    h.wm(9);
    let got: Vec<(i64, i64)> = h.take().into_iter().map(|(v, ts)| (v.1, ts)).collect();
    assert_eq!(got, vec![(1, 9), (3, 9), (3, 9)]);
}
