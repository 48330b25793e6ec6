//! The CEP benchmark (issue 13): a 3-step pattern `a → b → c` with relaxed contiguity
//! (`followed_by`) and `within`, over generated events of `--keys` keys (10 000 by default).
//!
//! Event `i` has key `hash(i) % keys`, kind a/b/c/x from another hash bits and event time
//! `i / 10` ms (10 events per ms), read with monotonous watermarks. Matches are counted; with
//! `--output FILE` they are written as `key,a_ts,b_ts,c_ts` lines so that they can be compared
//! with Flink's MATCH_RECOGNIZE on the same events (`bench/flink/cep.py`).

use crate::report::finish;
use rasch::cep::{CEP, Pattern};
use rasch::prelude::*;
use serde_json::Map;
use std::time::{Duration, Instant};

/// Event `i`: (key, kind, event time in ms).
pub fn event(i: u64, keys: u64) -> (u32, u8, i64) {
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((h >> 32) as u32 % keys as u32, b"abcx"[(h >> 60) as usize % 4], (i / 10) as i64)
}

/// Runs the CEP benchmark.
pub fn run(params: &Params) -> Result<(), String> {
    let records: u64 = params.get_or("records", 5_000_000u64).map_err(|e| e.to_string())?;
    let keys: u64 = params.get_or("keys", 10_000u64).map_err(|e| e.to_string())?;
    let within_ms: u64 = params.get_or("within-ms", 10_000u64).map_err(|e| e.to_string())?;
    let parallelism: usize = params.get_or("parallelism", 1usize).map_err(|e| e.to_string())?;
    let env = StreamEnv::local();
    env.set_parallelism(parallelism);
    if let Some(ms) = params.get("watermark-interval-ms") {
        env.set_config("pipeline.auto-watermark-interval", format!("{ms} ms"));
    }
    let events = env.datagen(Some(records), None, move |i| event(i, keys)).assign_timestamps_and_watermarks(
        WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|e: &(u32, u8, i64), _| e.2),
    );
    let pattern = Pattern::<(u32, u8, i64)>::begin("a")
        .where_(|e| e.1 == b'a')
        .followed_by("b")
        .where_(|e| e.1 == b'b')
        .followed_by("c")
        .where_(|e| e.1 == b'c')
        .within(Duration::from_millis(within_ms));
    let matches = CEP::pattern(&events.key_by(|e: &(u32, u8, i64)| e.0), pattern)
        .map_err(|e| e.to_string())?
        .select(|m| (m.events("a")[0].0, m.events("a")[0].2, m.events("b")[0].2, m.events("c")[0].2))
        .name("Matches");
    match params.get("output") {
        Some(path) => {
            matches
                .map(|(k, a, b, c): (u32, i64, i64, i64)| format!("{k},{a},{b},{c}"))
                .write_as_text_with_mode(path, WriteMode::Overwrite)
                .set_parallelism(1);
        }
        None => {
            matches.discard();
        }
    }
    let t0 = Instant::now();
    let result = env.execute("cep").map_err(|e| e.to_string())?;
    let seconds = t0.elapsed().as_secs_f64();
    let mut extra = Map::new();
    extra.insert("keys".into(), keys.into());
    extra.insert("within_ms".into(), within_ms.into());
    extra.insert("matches".into(), result.operator("Matches").map(|o| o.records_out).unwrap_or(0).into());
    finish("cep", parallelism, records, seconds, extra);
    Ok(())
}
