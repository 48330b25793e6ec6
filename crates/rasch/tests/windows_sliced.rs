//! The sliced fast path (`window(Tumbling/SlidingEventTimeWindows).aggregate(..)` with the
//! default trigger) against a brute-force count per key and window, at parallelism 1, 2 and 4.

use rasch::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// Counts per key; the accumulator carries the key so results are self-describing.
#[derive(Clone)]
struct CountPerKey;

impl AggregateFunction<(u32, i64), (u32, u64), (u32, u64)> for CountPerKey {
    fn create_accumulator(&self) -> (u32, u64) {
        (0, 0)
    }
    fn add(&self, v: (u32, i64), acc: (u32, u64)) -> (u32, u64) {
        (v.0, acc.1 + 1)
    }
    fn get_result(&self, acc: &(u32, u64)) -> (u32, u64) {
        *acc
    }
    fn merge(&self, a: (u32, u64), b: (u32, u64)) -> (u32, u64) {
        (a.0.max(b.0), a.1 + b.1)
    }
}

/// Out-of-order events (disorder < 300 ms); a few are too late for a 100 ms bound.
fn events() -> Vec<(u32, i64)> {
    (0..30_000i64).map(|i| ((i % 11) as u32, 5_000 + i * 3 - (i * 7919) % 300)).collect()
}

/// Every window [start, start + size) with start ≡ 0 (mod slide) that contains the event.
fn brute_force(events: &[(u32, i64)], size: i64, slide: i64) -> BTreeMap<(u32, i64), u64> {
    let mut m = BTreeMap::new();
    for &(k, ts) in events {
        let mut start = ts - ts.rem_euclid(slide);
        while start > ts - size {
            *m.entry((k, start + size)).or_default() += 1;
            start -= slide;
        }
    }
    m
}

fn run(p: usize, size: i64, slide: i64) -> BTreeMap<(u32, i64), u64> {
    let env = StreamEnv::local();
    env.set_parallelism(p);
    let keyed = env
        .from_collection(events())
        .assign_timestamps_and_watermarks(
            WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(300)).with_timestamp_assigner(|e: &(u32, i64), _| e.1),
        )
        .set_parallelism(1)
        .key_by(|e| e.0);
    let windows = if size == slide {
        keyed.window(TumblingEventTimeWindows::of(Duration::from_millis(size as u64))).aggregate(CountPerKey)
    } else {
        keyed
            .window(SlidingEventTimeWindows::of(Duration::from_millis(size as u64), Duration::from_millis(slide as u64)))
            .aggregate(CountPerKey)
    };
    // Results carry the window's max timestamp, so the end is `ts + 1`.
    let stamped = windows.process(Stamp);
    let out = stamped.execute_and_collect().unwrap();
    let mut got = BTreeMap::new();
    for (k, end, n) in out {
        assert!(got.insert((k, end), n).is_none(), "window ({k}, {end}) fired twice");
    }
    got
}

#[derive(Clone)]
struct Stamp;

impl ProcessFunction<(u32, u64), (u32, i64, u64)> for Stamp {
    fn process_element(
        &mut self,
        v: (u32, u64),
        ctx: &mut ProcessContext<'_>,
        out: &mut Collector<'_, (u32, i64, u64)>,
    ) -> rasch::Result<()> {
        out.collect((v.0, ctx.timestamp().expect("window results are stamped") + 1, v.1));
        Ok(())
    }
}

#[test]
fn sliced_tumbling_and_sliding_counts_match_brute_force() {
    let input = events();
    for (size, slide) in [(1_000, 1_000), (2_000, 500), (1_500, 1_000)] {
        let expected = brute_force(&input, size, slide);
        for p in [1, 2, 4] {
            assert_eq!(run(p, size, slide), expected, "size {size}, slide {slide}, parallelism {p}");
        }
    }
}

#[test]
fn the_default_trigger_takes_the_sliced_path_and_a_custom_one_does_not() {
    let plan = |custom: bool| {
        let env = StreamEnv::local();
        let w = env
            .from_collection(events())
            .assign_timestamps_and_watermarks(WatermarkStrategy::for_monotonous_timestamps())
            .key_by(|e| e.0)
            .window(SlidingEventTimeWindows::of(Duration::from_secs(2), Duration::from_secs(1)));
        let w = if custom { w.trigger(EventTimeTrigger) } else { w };
        w.aggregate(CountPerKey).discard();
        let job = env.job_graph("plan").unwrap();
        rasch::runtime::graph::plan_json(&job).to_string()
    };
    assert!(plan(false).contains("SlicedWindow(SlidingEventTimeWindows, Aggregate)"));
    assert!(!plan(true).contains("SlicedWindow"));
}

/// A plain count: the key and the window come from `aggregate_with_window`, not the accumulator.
#[derive(Clone)]
struct Count;

impl AggregateFunction<(u32, i64), u64, u64> for Count {
    fn create_accumulator(&self) -> u64 {
        0
    }
    fn add(&self, _: (u32, i64), acc: u64) -> u64 {
        acc + 1
    }
    fn get_result(&self, acc: &u64) -> u64 {
        *acc
    }
    fn merge(&self, a: u64, b: u64) -> u64 {
        a + b
    }
}

/// `aggregate_with_window` hands the key and the window to a closure on the sliced fast path
/// (the plan shows it), with the same results as the brute force; with a custom trigger it
/// takes the general path and still agrees.
#[test]
fn aggregate_with_window_labels_results_with_key_and_window_on_the_fast_path() {
    let input = events();
    for (size, slide) in [(1_000, 1_000), (2_000, 500)] {
        let expected = brute_force(&input, size, slide);
        for custom in [false, true] {
            let build = || {
                let env = StreamEnv::local();
                env.set_parallelism(2);
                let keyed = env
                    .from_collection(input.clone())
                    .assign_timestamps_and_watermarks(
                        WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(300))
                            .with_timestamp_assigner(|e: &(u32, i64), _| e.1),
                    )
                    .set_parallelism(1)
                    .key_by(|e| e.0);
                let w = keyed.window(SlidingEventTimeWindows::of(Duration::from_millis(size as u64), Duration::from_millis(slide as u64)));
                let w = if custom { w.trigger(EventTimeTrigger) } else { w };
                (env.clone(), w.aggregate_with_window(Count, |key, window, n| (*key, window.end, window.end - window.start, n)))
            };
            let (env, _) = build();
            let plan = rasch::runtime::graph::plan_json(&env.job_graph("plan").unwrap()).to_string();
            assert_eq!(plan.contains("SlicedWindow(SlidingEventTimeWindows, Aggregate)"), !custom, "custom trigger {custom}");
            let (_, labelled) = build();
            let mut got = BTreeMap::new();
            for (k, end, length, n) in labelled.execute_and_collect().unwrap() {
                assert_eq!(length, size, "the window handed over is the whole window");
                assert!(got.insert((k, end), n).is_none(), "window ({k}, {end}) fired twice");
            }
            assert_eq!(got, expected, "size {size}, slide {slide}, custom trigger {custom}");
        }
    }
}

/// A process function reading the whole window context: the key, the window, the watermark
/// that fired it, per-window state (fresh for every window) and per-key state across windows.
#[derive(Clone)]
struct WindowStats {
    fires: ValueState<u64>,
    windows_of_key: ValueState<u64>,
}

impl ProcessWindowFunction<u64, (u32, i64, u64, u64, u64), u32, TimeWindow> for WindowStats {
    fn process(
        &mut self,
        key: &u32,
        ctx: &mut WindowContext<'_, u32, TimeWindow>,
        counts: &[u64],
        out: &mut Collector<'_, (u32, i64, u64, u64, u64)>,
    ) -> rasch::Result<()> {
        let window = *ctx.window();
        if ctx.current_watermark() < window.end - 1 {
            return Err(rasch::Error::user(format!("window {window:?} fired at watermark {}", ctx.current_watermark())));
        }
        let fires = self.fires.value(&mut ctx.window_state())?.unwrap_or(0) + 1;
        self.fires.update(&mut ctx.window_state(), fires)?;
        let seen = self.windows_of_key.value(&mut ctx.global_state())?.unwrap_or(0) + 1;
        self.windows_of_key.update(&mut ctx.global_state(), seen)?;
        out.collect((*key, window.end, counts[0], fires, seen));
        Ok(())
    }
    fn clear(&mut self, ctx: &mut WindowContext<'_, u32, TimeWindow>) -> rasch::Result<()> {
        self.fires.clear(&mut ctx.window_state())
    }
}

type Stats = (u32, i64, u64, u64, u64);
type Sum = (u32, i64, i64);

/// Sliding windows evaluated with `aggregate_with_process` and `reduce_with_process`; with
/// `custom` an explicit default trigger, which takes the general window operator.
fn process_on_windows(env: &StreamEnv, custom: bool, size: i64, slide: i64) -> (DataStream<Stats>, DataStream<Sum>) {
    let w = env
        .from_collection(events())
        .assign_timestamps_and_watermarks(
            WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(300)).with_timestamp_assigner(|e: &(u32, i64), _| e.1),
        )
        .set_parallelism(1)
        .key_by(|e| e.0)
        .window(SlidingEventTimeWindows::of(Duration::from_millis(size as u64), Duration::from_millis(slide as u64)));
    let w = if custom { w.trigger(EventTimeTrigger) } else { w };
    let stats = w.aggregate_with_process(Count, WindowStats { fires: ValueState::new("fires"), windows_of_key: ValueState::new("seen") });
    // Each element's value is its timestamp: the reduction sums a window's timestamps.
    let sums = w.reduce_with_process(
        |a: (u32, i64), b: (u32, i64)| (a.0, a.1 + b.1),
        ProcessWindowFn(|key: &u32, ctx: &mut WindowContext<'_, u32, TimeWindow>, sum: &[(u32, i64)], out: &mut Collector<'_, Sum>| {
            out.collect((*key, ctx.window().end, sum[0].1));
            Ok(())
        }),
    );
    (stats, sums)
}

/// Flink's idiom — `aggregate(agg, ProcessWindowFunction)` and `reduce(f, ProcessWindowFunction)`
/// — keeps the sliced fast path (the plan shows it) and gives the general operator's results:
/// the brute-force counts and sums, each window fired once at a watermark past its end, and
/// per-key state that numbers a key's windows in order.
#[test]
fn aggregate_and_reduce_with_a_process_function_keep_the_sliced_path() {
    let input = events();
    let (size, slide) = (2_000, 500);
    // (count, fires, the window's number among its key's windows by end)
    let mut want_stats = BTreeMap::new();
    let mut per_key: BTreeMap<u32, u64> = BTreeMap::new();
    for (&(k, end), &n) in &brute_force(&input, size, slide) {
        let seen = per_key.entry(k).or_default();
        *seen += 1;
        want_stats.insert((k, end), (n, 1u64, *seen));
    }
    let mut want_sums: BTreeMap<(u32, i64), i64> = BTreeMap::new();
    for &(k, ts) in &input {
        let mut start = ts - ts.rem_euclid(slide);
        while start > ts - size {
            *want_sums.entry((k, start + size)).or_default() += ts;
            start -= slide;
        }
    }
    for custom in [false, true] {
        let env = StreamEnv::local();
        let (stats, sums) = process_on_windows(&env, custom, size, slide);
        stats.discard();
        sums.discard();
        let plan = rasch::runtime::graph::plan_json(&env.job_graph("plan").unwrap()).to_string();
        assert_eq!(plan.contains("SlicedWindowProcess(Aggregate)"), !custom, "custom trigger {custom}");
        assert_eq!(plan.contains("SlicedWindowProcess(Reduce)"), !custom, "custom trigger {custom}");
        for p in [1, 3] {
            let env = StreamEnv::local();
            env.set_parallelism(p);
            let (stats, sums) = process_on_windows(&env, custom, size, slide);
            let (stats_sink, stats_out) = rasch::connectors::CollectSink::new();
            let (sums_sink, sums_out) = rasch::connectors::CollectSink::new();
            stats.sink_to(stats_sink);
            sums.sink_to(sums_sink);
            env.execute("process on slices").unwrap();
            let mut got = BTreeMap::new();
            for (k, end, n, fires, seen) in stats_out.take() {
                assert!(got.insert((k, end), (n, fires, seen)).is_none(), "window ({k}, {end}) fired twice");
            }
            assert_eq!(got, want_stats, "aggregate_with_process, custom trigger {custom}, parallelism {p}");
            let got_sums: BTreeMap<(u32, i64), i64> = sums_out.take().into_iter().map(|(k, end, s)| ((k, end), s)).collect();
            assert_eq!(got_sums, want_sums, "reduce_with_process, custom trigger {custom}, parallelism {p}");
        }
    }
}

/// Parallelism and uid set on the result apply to both halves of the sliced operator, which
/// stay chained by a forward edge.
#[test]
fn parallelism_and_uid_of_a_sliced_process_window_reach_both_halves() {
    let env = StreamEnv::local();
    let (stats, _) = process_on_windows(&env, false, 2_000, 500);
    stats.set_parallelism(3).uid("stats").discard();
    let plan = rasch::runtime::graph::plan_json(&env.job_graph("plan").unwrap());
    let text = plan.to_string();
    assert!(text.contains("\"uid\":\"stats\"") && text.contains("\"uid\":\"stats/slices\""), "{text}");
    // Both halves run in one chained vertex at parallelism 3.
    let vertex = plan["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["description"] == "SlicedWindow(SlidingEventTimeWindows, Aggregate) -> SlicedWindowProcess(Aggregate)")
        .unwrap_or_else(|| panic!("the halves are not chained: {text}"));
    assert_eq!(vertex["parallelism"], 3, "{text}");
    assert!(vertex["operators"].as_array().unwrap().iter().all(|o| o["parallelism"] == 3), "{text}");
}
