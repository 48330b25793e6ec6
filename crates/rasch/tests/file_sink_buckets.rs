//! The exactly-once `FileSink` with buckets, JSON lines and gzip under injected failures: the
//! committed files, read back with an independent gzip/JSON reader, hold exactly the records
//! of a failure-free run, each in the hourly bucket computed here from its event time.

use rasch::connectors::file_sink::{BucketTime, Compression, DateTimeBucketAssigner};
use rasch::connectors::formats::{JsonLines, OnMalformed};
use rasch::connectors::{FileSink, RollingPolicy};
use rasch::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const N: u64 = 12_000;
/// 2024-01-01T00:00:00Z in epoch milliseconds.
const JAN_1: i64 = 1_704_067_200_000;
/// Record `i` happens at `JAN_1 + i * STEP_MS`: 12 000 records span 50 hours.
const STEP_MS: i64 = 15_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Event {
    id: u64,
    square: u64,
}

/// The bucket of record `i`, computed without the assigner: `dt=2024-01-DD/HH`.
fn expected_bucket(i: u64) -> String {
    let hour = (i as i64 * STEP_MS) / 3_600_000;
    format!("dt=2024-01-{:02}/{:02}", 1 + hour / 24, hour % 24)
}

/// Every file under `dir` (relative paths), hidden ones included.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { dirs.push(p) } else { out.push(p.strip_prefix(dir).unwrap().to_path_buf()) }
        }
    }
    out.sort();
    out
}

fn run(failures: u32, dir: &Path) -> (u32, u64) {
    let injected = Arc::new(AtomicU32::new(0));
    let env = StreamEnv::local();
    env.set_parallelism(2);
    env.enable_checkpointing(Duration::from_millis(20));
    env.set_config("restart-strategy.type", "fixed-delay");
    env.set_config("restart-strategy.fixed-delay.attempts", "1000");
    env.set_config("restart-strategy.fixed-delay.delay", "1 ms");
    let events = env
        .datagen(Some(N), Some(30_000.0), |i| i)
        .set_parallelism(1)
        .map(move |i: u64| {
            let h = (i ^ u64::from(injected.load(Ordering::SeqCst)).wrapping_mul(0x9E37_79B9)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 40;
            if h.is_multiple_of(500) && injected.fetch_add(1, Ordering::SeqCst) < failures {
                panic!("injected failure at record {i}");
            }
            i
        })
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(
            WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|i: &u64, _| JAN_1 + *i as i64 * STEP_MS),
        )
        .set_parallelism(1)
        .rebalance()
        .map(|i: u64| Event { id: i, square: i * i });
    let buckets = DateTimeBucketAssigner::new("'dt='yyyy-MM-dd/HH").unwrap().with_time(BucketTime::EventTime);
    let sink = FileSink::for_row_format(dir)
        .with_encoder(JsonLines::<Event>::new(OnMalformed::Fail))
        .with_compression(Compression::Gzip)
        .with_bucket_assigner(buckets)
        .with_rolling_policy(RollingPolicy::on_checkpoint().with_max_part_size(4_096));
    events.sink_to(sink);
    let result = env.execute("file sink with buckets").unwrap();
    (result.restarts(), result.completed_checkpoints())
}

#[test]
fn injected_failures_leave_exactly_the_failure_free_records_in_their_buckets() {
    let dir = std::env::temp_dir().join(format!("rasch-file-sink-buckets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (restarts, checkpoints) = run(6, &dir);
    assert!(restarts >= 6, "only {restarts} restarts");
    assert!(checkpoints > 0);
    let all = files(&dir);
    let hidden: Vec<_> = all.iter().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.')).collect();
    assert!(hidden.is_empty(), "uncommitted leftovers after a successful end: {hidden:?}");
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for file in &all {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("part-") && name.ends_with(".jsonl.gz"), "{name}");
        let bucket = file.parent().unwrap().to_string_lossy().into_owned();
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(dir.join(file)).unwrap()).read_to_string(&mut text).unwrap();
        for line in text.lines() {
            let e: Event = serde_json::from_str(line).unwrap();
            assert_eq!(e.square, e.id * e.id);
            assert_eq!(bucket, expected_bucket(e.id), "record {} in the wrong bucket", e.id);
            *seen.entry(e.id).or_default() += 1;
        }
    }
    let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(duplicates.is_empty(), "duplicated records: {duplicates:?}");
    let missing: Vec<_> = (0..N).filter(|i| !seen.contains_key(i)).take(5).collect();
    assert!(missing.is_empty() && seen.len() == N as usize, "missing records, e.g. {missing:?}");
    let buckets: std::collections::BTreeSet<_> = all.iter().map(|f| f.parent().unwrap().to_path_buf()).collect();
    assert_eq!(buckets.len(), 50, "one bucket per hour: {buckets:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
