//! Window benchmarks: count per key and event-time window, tumbling (1 s), sliding (10 s by
//! 1 s) and session (gap 500 ms), over generated rows or a CSV file of `key,timestamp_millis`.
//!
//! Generated rows carry event time `ts = id / 100` ms (100 rows per millisecond, so every
//! 1-second window of a key holds about 10 rows) and are read with a bounded out-of-orderness
//! of 1 s. With `--output FILE`, every fired window is written as
//! `key,window_start,window_end,count` so results can be checked independently.

use crate::report::finish;
use rasch::prelude::*;
use serde_json::Map;
use std::time::{Duration, Instant};

/// Which window a benchmark uses.
#[derive(Clone, Copy)]
pub enum Kind {
    Tumbling,
    Sliding,
    Session,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Tumbling => "window-count",
            Kind::Sliding => "sliding-count",
            Kind::Session => "session-count",
        }
    }
}

/// Counts rows per key in an accumulator that remembers the key, so the result is self-contained.
#[derive(Clone)]
struct KeyCount;

impl AggregateFunction<(i64, i64), (i64, u64), (i64, u64)> for KeyCount {
    fn create_accumulator(&self) -> (i64, u64) {
        (0, 0)
    }
    fn add(&self, value: (i64, i64), acc: (i64, u64)) -> (i64, u64) {
        (value.0, acc.1 + 1)
    }
    fn get_result(&self, acc: &(i64, u64)) -> (i64, u64) {
        *acc
    }
    fn merge(&self, a: (i64, u64), b: (i64, u64)) -> (i64, u64) {
        (a.0.max(b.0), a.1 + b.1)
    }
}

/// Runs one window benchmark.
pub fn run(kind: Kind, params: &Params) -> Result<(), String> {
    let records: u64 = params.get_or("records", 10_000_000u64).map_err(|e| e.to_string())?;
    let parallelism: usize = params.get_or("parallelism", 1usize).map_err(|e| e.to_string())?;
    let env = StreamEnv::local();
    env.set_parallelism(parallelism);

    let rows: DataStream<(i64, i64)> = match params.get("input") {
        Some(path) => env
            .read_text_file(path)
            .map(|line: String| {
                let (k, t) = line.split_once(',').unwrap_or(("0", "0"));
                (k.trim().parse::<i64>().unwrap_or(0), t.trim().parse::<i64>().unwrap_or(0))
            })
            .name("Parse CSV"),
        None => env.datagen(Some(records), None, |i| ((i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33) as i64 % 10_000, (i / 100) as i64)),
    };
    let keyed = rows
        .assign_timestamps_and_watermarks(
            WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_secs(1)).with_timestamp_assigner(|r: &(i64, i64), _| r.1),
        )
        .key_by(|r: &(i64, i64)| r.0);
    let counts: DataStream<(i64, u64)> = match kind {
        Kind::Tumbling => keyed.window(TumblingEventTimeWindows::of(Duration::from_secs(1))).aggregate(KeyCount),
        Kind::Sliding => keyed.window(SlidingEventTimeWindows::of(Duration::from_secs(10), Duration::from_secs(1))).aggregate(KeyCount),
        Kind::Session => keyed.window(EventTimeSessionWindows::with_gap(Duration::from_millis(500))).aggregate(KeyCount),
    };
    let counts = counts.name("Count");
    match (params.get("output"), kind) {
        (Some(path), Kind::Session) => {
            // Session bounds come from the window itself.
            let lines = keyed.window(EventTimeSessionWindows::with_gap(Duration::from_millis(500))).aggregate_with_process(
                KeyCount,
                ProcessWindowFn(
                    |key: &i64, ctx: &mut WindowContext<'_, i64, TimeWindow>, counts: &[(i64, u64)], out: &mut Collector<'_, String>| {
                        let w = ctx.window();
                        out.collect(format!("{key},{},{},{}", w.start, w.end, counts[0].1));
                        Ok(())
                    },
                ),
            );
            lines.write_as_text_with_mode(path, WriteMode::Overwrite).set_parallelism(1);
        }
        (Some(path), _) => {
            let size_ms = if matches!(kind, Kind::Tumbling) { 1_000 } else { 10_000 };
            // A fired window's records carry timestamp `end - 1`.
            counts.process(WindowLine { size_ms }).write_as_text_with_mode(path, WriteMode::Overwrite).set_parallelism(1);
        }
        (None, _) => {
            counts.discard();
        }
    }
    let t0 = Instant::now();
    let result = env.execute(kind.name()).map_err(|e| e.to_string())?;
    let seconds = t0.elapsed().as_secs_f64();
    let input = result.operators().first().map(|o| o.records_out).unwrap_or(0);
    let mut extra = Map::new();
    extra.insert("windows_fired".into(), result.operator("Count").map(|o| o.records_out).unwrap_or(0).into());
    finish(kind.name(), parallelism, input, seconds, extra);
    Ok(())
}

/// Renders `key,window_start,window_end,count` for fixed-size windows from the result's
/// timestamp (`end - 1`).
#[derive(Clone)]
struct WindowLine {
    size_ms: i64,
}

impl ProcessFunction<(i64, u64), String> for WindowLine {
    fn process_element(&mut self, v: (i64, u64), ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, String>) -> rasch::Result<()> {
        let end = ctx.timestamp().unwrap_or(0) + 1;
        out.collect(format!("{},{},{},{}", v.0, end - self.size_ms, end, v.1));
        Ok(())
    }
}
