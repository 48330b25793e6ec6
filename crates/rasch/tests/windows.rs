//! End-to-end windows: real jobs at parallelism 1, 2 and 4 with event-time watermarks, compared
//! with answers computed by brute force in the test.

use rasch::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

type Ev = (String, i64, i64); // key, value, timestamp

/// `n` events over `keys` keys, timestamps increasing by ~3 ms with jitter of up to 50 ms.
fn events(n: usize, keys: u64, seed: u64) -> Vec<Ev> {
    let mut x = seed;
    let mut next = move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        x >> 33
    };
    (0..n)
        .map(|i| {
            let key = format!("k{}", next() % keys);
            let value = (next() % 100) as i64;
            let ts = 1_000 + i as i64 * 3 - (next() % 50) as i64;
            (key, value, ts)
        })
        .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn timestamped(env: &StreamEnv, data: Vec<Ev>, bound_ms: u64) -> DataStream<Ev> {
    env.from_collection(data).assign_timestamps_and_watermarks(
        WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(bound_ms)).with_timestamp_assigner(|e: &Ev, _| e.2),
    )
}

fn env(p: usize) -> StreamEnv {
    let env = StreamEnv::local();
    env.set_parallelism(p);
    env
}

fn start(ts: i64, size: i64) -> i64 {
    ts - ts.rem_euclid(size)
}

#[derive(Clone)]
struct WithWindow;
impl ProcessWindowFunction<Ev, (String, i64, i64), String, TimeWindow> for WithWindow {
    fn process(
        &mut self,
        key: &String,
        ctx: &mut WindowContext<'_, String, TimeWindow>,
        elements: &[Ev],
        out: &mut Collector<'_, (String, i64, i64)>,
    ) -> rasch::Result<()> {
        out.collect((key.clone(), ctx.window().start, elements[0].1));
        Ok(())
    }
}

#[test]
fn tumbling_reduce_matches_brute_force() {
    let data = events(20_000, 37, 1);
    let mut expected: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for (k, v, ts) in &data {
        *expected.entry((k.clone(), start(*ts, 100))).or_default() += v;
    }
    let expected: Vec<_> = expected.into_iter().map(|((k, s), v)| (k, s, v)).collect();
    for p in [1, 2, 4] {
        let out = timestamped(&env(p), data.clone(), 60)
            .key_by(|e: &Ev| e.0.clone())
            .window(TumblingEventTimeWindows::of(Duration::from_millis(100)))
            .reduce_with_process(|a: Ev, b: Ev| (a.0, a.1 + b.1, a.2), WithWindow)
            .execute_and_collect()
            .unwrap();
        assert_eq!(sorted(out), expected, "parallelism {p}");
    }
}

#[test]
fn tumbling_sum_field_matches_brute_force() {
    let data = events(5_000, 5, 2);
    let mut expected: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for (k, v, ts) in &data {
        *expected.entry((k.clone(), start(*ts, 250))).or_default() += v;
    }
    let mut expected: Vec<(String, i64)> = expected.into_iter().map(|((k, _), v)| (k, v)).collect();
    expected.sort();
    for p in [1, 2, 4] {
        let out = timestamped(&env(p), data.clone(), 60)
            .map(|e: Ev| (e.0, e.1))
            .key_by(|e: &(String, i64)| e.0.clone())
            .window(TumblingEventTimeWindows::of(Duration::from_millis(250)))
            .sum(1)
            .execute_and_collect()
            .unwrap();
        assert_eq!(sorted(out), expected, "parallelism {p}");
    }
}

#[test]
fn sliding_aggregate_with_process_matches_brute_force() {
    let data = events(8_000, 11, 3);
    let (size, slide) = (300i64, 100i64);
    let mut expected: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for (k, _, ts) in &data {
        let mut s = start(*ts, slide);
        while s > ts - size {
            *expected.entry((k.clone(), s)).or_default() += 1;
            s -= slide;
        }
    }
    let expected: Vec<_> = expected.into_iter().map(|((k, s), c)| (k, s, c)).collect();
    let count = AggregateFn { create: || 0i64, add: |_: Ev, acc: i64| acc + 1, result: |acc: &i64| *acc, merge: |a: i64, b: i64| a + b };
    for p in [1, 2, 4] {
        let out = timestamped(&env(p), data.clone(), 60)
            .key_by(|e: &Ev| e.0.clone())
            .window(SlidingEventTimeWindows::of(Duration::from_millis(size as u64), Duration::from_millis(slide as u64)))
            .aggregate_with_process(
                count.clone(),
                ProcessWindowFn(
                    |k: &String,
                     ctx: &mut WindowContext<'_, String, TimeWindow>,
                     c: &[i64],
                     out: &mut Collector<'_, (String, i64, i64)>| {
                        out.collect((k.clone(), ctx.window().start, c[0]));
                        Ok(())
                    },
                ),
            )
            .execute_and_collect()
            .unwrap();
        assert_eq!(sorted(out), expected, "parallelism {p}");
    }
}

/// Brute-force sessions: per key, sort timestamps and cut where the gap is >= `gap`... i.e.
/// windows [ts, ts + gap) that touch or overlap merge.
fn sessions(data: &[Ev], gap: i64) -> Vec<(String, i64, i64, i64)> {
    let mut by_key: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (k, v, ts) in data {
        by_key.entry(k.clone()).or_default().push((*ts, *v));
    }
    let mut out = Vec::new();
    for (k, mut evs) in by_key {
        evs.sort();
        let (mut s, mut e, mut sum) = (evs[0].0, evs[0].0 + gap, 0);
        for (ts, v) in evs {
            if ts > e {
                out.push((k.clone(), s, e, sum));
                (s, sum) = (ts, 0);
            }
            e = e.max(ts + gap);
            sum += v;
        }
        out.push((k, s, e, sum));
    }
    out.sort();
    out
}

#[test]
fn session_windows_match_brute_force() {
    // sparse keys so that sessions form and close
    let data: Vec<Ev> = events(6_000, 200, 4).into_iter().map(|(k, v, ts)| (k, v, ts * 2)).collect();
    let expected = sessions(&data, 150);
    for p in [1, 2, 4] {
        let out = timestamped(&env(p), data.clone(), 120)
            .key_by(|e: &Ev| e.0.clone())
            .window(EventTimeSessionWindows::with_gap(Duration::from_millis(150)))
            .process(ProcessWindowFn(
                |k: &String,
                 ctx: &mut WindowContext<'_, String, TimeWindow>,
                 es: &[Ev],
                 out: &mut Collector<'_, (String, i64, i64, i64)>| {
                    out.collect((k.clone(), ctx.window().start, ctx.window().end, es.iter().map(|e| e.1).sum()));
                    Ok(())
                },
            ))
            .execute_and_collect()
            .unwrap();
        assert_eq!(sorted(out), expected, "parallelism {p}");
    }
}

#[test]
fn window_all_and_count_windows() {
    let data = events(3_000, 7, 5);
    let mut per_window: BTreeMap<i64, i64> = BTreeMap::new();
    for (_, _, ts) in &data {
        *per_window.entry(start(*ts, 500)).or_default() += 1;
    }
    let mut per_key: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (k, v, _) in &data {
        per_key.entry(k.clone()).or_default().push(*v);
    }
    let expected_counts: Vec<i64> =
        sorted(per_key.values().flat_map(|vs| vs.chunks_exact(3).map(|c| c.iter().sum::<i64>()).collect::<Vec<_>>()).collect());
    for p in [1, 2, 4] {
        let e = env(p);
        let all = timestamped(&e, data.clone(), 60)
            .map(|e: Ev| (e.2, 1i64))
            .window_all(TumblingEventTimeWindows::of(Duration::from_millis(500)))
            .apply(|_, w, es, out| out.collect((w.start, es.len() as i64)))
            .execute_and_collect()
            .unwrap();
        assert_eq!(sorted(all), per_window.clone().into_iter().collect::<Vec<_>>(), "parallelism {p}");

        let counted = timestamped(&env(p), data.clone(), 60)
            .set_parallelism(1) // one channel per window subtask: per-key order is kept
            .key_by(|e: &Ev| e.0.clone())
            .count_window(3)
            .reduce(|a: Ev, b: Ev| (a.0, a.1 + b.1, a.2))
            .map(|e: Ev| e.1)
            .execute_and_collect()
            .unwrap();
        assert_eq!(sorted(counted), expected_counts, "parallelism {p}");
    }
}

/// Emits a watermark after every event: `max timestamp - 1`.
#[derive(Clone, Default)]
struct Punctuated {
    max: i64,
}
impl WatermarkGenerator<Ev> for Punctuated {
    fn on_event(&mut self, _: &Ev, ts: i64, out: &mut WatermarkOutput) {
        self.max = self.max.max(ts);
        out.emit_watermark(self.max - 1);
    }
    fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
}

#[test]
fn late_data_goes_to_the_side_output_or_refires_within_allowed_lateness() {
    // on-time events, a jump far ahead (then > 1 batch of filler so the watermark is emitted
    // before the stragglers arrive), then stragglers for the early windows
    let mut data: Vec<Ev> = (0..100).map(|i| (format!("k{}", i % 3), i, i * 10)).collect();
    data.extend((0..3_000).map(|i| ("filler".to_string(), 1, 1_000_000 + i)));
    let late: Vec<Ev> = (0..30).map(|i| (format!("k{}", i % 3), 1_000 + i, (i * 37) % 1_000)).collect();
    data.extend(late.iter().cloned());
    for p in [1, 2, 4] {
        let tag = OutputTag::<Ev>::new("late");
        let windows = env(p)
            .from_collection(data.clone())
            .assign_timestamps_and_watermarks(
                WatermarkStrategy::for_generator(Punctuated::default()).with_timestamp_assigner(|e: &Ev, _| e.2),
            )
            .set_parallelism(1)
            .key_by(|e: &Ev| e.0.clone())
            .window(TumblingEventTimeWindows::of(Duration::from_millis(100)))
            .side_output_late_data(&tag)
            .reduce(|a: Ev, b: Ev| (a.0, a.1 + b.1, a.2));
        let late_out = windows.get_side_output(&tag).execute_and_collect().unwrap();
        assert_eq!(sorted(late_out), sorted(late.clone()), "parallelism {p}");

        // with allowed lateness every straggler re-fires its window with the accumulated sum
        let refired = env(p)
            .from_collection(data.clone())
            .assign_timestamps_and_watermarks(
                WatermarkStrategy::for_generator(Punctuated::default()).with_timestamp_assigner(|e: &Ev, _| e.2),
            )
            .set_parallelism(1)
            .filter(|e: &Ev| e.0 != "filler" || e.2 == 1_000_000)
            .set_parallelism(1)
            .key_by(|e: &Ev| e.0.clone())
            .window(TumblingEventTimeWindows::of(Duration::from_millis(100)))
            .allowed_lateness(Duration::from_secs(10_000))
            .reduce(|a: Ev, b: Ev| (a.0, a.1 + b.1, a.2))
            .map(|e: Ev| (e.0, e.1))
            .execute_and_collect()
            .unwrap();
        let mut sums: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for (k, v, ts) in data.iter().take(100) {
            *sums.entry((k.clone(), start(*ts, 100))).or_default() += v;
        }
        let mut expected: Vec<(String, i64)> = sums.iter().map(|((k, _), v)| (k.clone(), *v)).collect();
        expected.push(("filler".to_string(), 1));
        for (k, v, ts) in &late {
            let s = sums.get_mut(&(k.clone(), start(*ts, 100))).unwrap();
            *s += v;
            expected.push((k.clone(), *s));
        }
        assert_eq!(sorted(refired), sorted(expected), "parallelism {p}");
    }
}
