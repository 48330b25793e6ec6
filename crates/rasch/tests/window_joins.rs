//! End-to-end window joins and co-groups in event time at parallelism 1, 2 and 4, compared
//! with answers computed by brute force over (key, window) groups.

use rasch::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// An event: `(key, timestamp, id)`.
type Event = (u32, i64, u64);

fn events(mut seed: u64, n: u64, keys: u64) -> Vec<Event> {
    let mut next = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m) as i64
    };
    (0..n).map(|i| (next(keys) as u32, 2 * i as i64 + next(40), i)).collect()
}

fn with_event_time(env: &StreamEnv, data: Vec<Event>) -> DataStream<Event> {
    env.set_config(rasch::config::AUTO_WATERMARK_INTERVAL, "1 ms");
    env.set_config(rasch::config::BATCH_SIZE, "16");
    env.from_collection(data).rebalance().assign_timestamps_and_watermarks(
        WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(50)).with_timestamp_assigner(|e: &Event, _| e.1),
    )
}

const SIZE: i64 = 100;

/// Elements by (key, window start).
fn groups(events: &[Event]) -> BTreeMap<(u32, i64), Vec<u64>> {
    let mut g: BTreeMap<(u32, i64), Vec<u64>> = BTreeMap::new();
    for e in events {
        g.entry((e.0, e.1.div_euclid(SIZE) * SIZE)).or_default().push(e.2);
    }
    g
}

#[test]
fn window_join_emits_the_cross_product_per_key_and_window() {
    let (left, right) = (events(5, 1_200, 9), events(6, 1_000, 9));
    let (gl, gr) = (groups(&left), groups(&right));
    let mut expected = Vec::new();
    for (k, ls) in &gl {
        for l in ls {
            for r in gr.get(k).into_iter().flatten() {
                expected.push((*l, *r, k.1 + SIZE - 1));
            }
        }
    }
    expected.sort();
    assert!(expected.len() > 1_000);
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let joined = with_event_time(&env, left.clone())
            .join(&with_event_time(&env, right.clone()))
            .where_(|l: &Event| l.0)
            .equal_to(|r: &Event| r.0)
            .window(TumblingEventTimeWindows::of(Duration::from_millis(SIZE as u64)))
            .apply(|l: &Event, r: &Event| (l.2, r.2));
        let stamped = joined.process(StampWithTimestamp);
        let mut out = stamped.execute_and_collect().unwrap();
        out.sort();
        assert_eq!(out, expected, "parallelism {p}");
    }
}

/// Appends the record's timestamp.
#[derive(Clone)]
struct StampWithTimestamp;
impl ProcessFunction<(u64, u64), (u64, u64, i64)> for StampWithTimestamp {
    fn process_element(&mut self, v: (u64, u64), ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, (u64, u64, i64)>) -> Result<()> {
        out.collect((v.0, v.1, ctx.timestamp().unwrap_or(i64::MIN)));
        Ok(())
    }
}

#[test]
fn window_co_group_calls_once_per_key_and_window_with_both_sides() {
    let (left, right) = (events(8, 900, 7), events(9, 700, 7));
    let (gl, gr) = (groups(&left), groups(&right));
    let mut expected: Vec<(u32, Vec<u64>, Vec<u64>)> = Vec::new();
    let keys: std::collections::BTreeSet<&(u32, i64)> = gl.keys().chain(gr.keys()).collect();
    for k in keys {
        let mut ls = gl.get(k).cloned().unwrap_or_default();
        let mut rs = gr.get(k).cloned().unwrap_or_default();
        ls.sort();
        rs.sort();
        expected.push((k.0, ls, rs));
    }
    expected.sort();
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let out = with_event_time(&env, left.clone())
            .co_group(&with_event_time(&env, right.clone()))
            .where_(|l: &Event| l.0)
            .equal_to(|r: &Event| r.0)
            .window(TumblingEventTimeWindows::of(Duration::from_millis(SIZE as u64)))
            .apply(|key: &u32, ls: Vec<Event>, rs: Vec<Event>, out: &mut Collector<'_, (u32, Vec<u64>, Vec<u64>)>| {
                let mut l: Vec<u64> = ls.iter().map(|e| e.2).collect();
                let mut r: Vec<u64> = rs.iter().map(|e| e.2).collect();
                l.sort();
                r.sort();
                out.collect((*key, l, r));
            });
        let mut got = out.execute_and_collect().unwrap();
        got.sort();
        assert_eq!(got, expected, "parallelism {p}");
    }
}
