//! Fault tolerance in local mode: a keyed, windowed job with failures injected at random
//! points (at least 20 per run, some while checkpoints are in flight) commits exactly the
//! output of a failure-free run, computed independently; at-least-once loses nothing.

use rasch::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const N: u64 = 24_000;
const KEYS: u64 = 37;

/// A transactional test sink: records become visible only when their checkpoint completes.
#[derive(Clone, Default)]
struct TxSink {
    committed: Arc<Mutex<Vec<String>>>,
    fail_first_commit: Arc<AtomicU32>,
    transactional: bool,
}

struct TxWriter {
    sink: TxSink,
    pending: Vec<String>,
}

impl Sink<String> for TxSink {
    fn create_writer(&self, _: &RuntimeContext) -> rasch::Result<Box<dyn SinkWriter<String>>> {
        Ok(Box::new(TxWriter { sink: self.clone(), pending: Vec::new() }))
    }
}

impl SinkWriter<String> for TxWriter {
    fn write(&mut self, batch: &mut Vec<Record<String>>) -> rasch::Result<()> {
        let values = batch.drain(..).map(|r| r.value);
        if self.sink.transactional {
            self.pending.extend(values);
        } else {
            self.sink.committed.lock().unwrap().extend(values);
        }
        Ok(())
    }
    fn prepare_commit(&mut self, _: u64) -> rasch::Result<Vec<Vec<u8>>> {
        let batch = std::mem::take(&mut self.pending);
        Ok(if batch.is_empty() { Vec::new() } else { vec![serde_json::to_vec(&batch).unwrap()] })
    }
    fn commit(&mut self, committables: Vec<Vec<u8>>) -> rasch::Result<()> {
        if self.sink.fail_first_commit.fetch_sub(1, Ordering::SeqCst) == 1 {
            return Err(rasch::Error::user("injected commit failure"));
        }
        // Idempotent: a committable is identified by its content (records are unique here).
        let mut out = self.sink.committed.lock().unwrap();
        for c in committables {
            let batch: Vec<String> = serde_json::from_slice(&c).unwrap();
            if !batch.first().is_some_and(|first| out.contains(first)) {
                out.extend(batch);
            }
        }
        Ok(())
    }
}

fn expected() -> HashMap<String, usize> {
    let mut sums = HashMap::new();
    let mut windows: HashMap<(u64, u64), u64> = HashMap::new();
    let mut out = HashMap::new();
    for i in 0..N {
        let k = i % KEYS;
        let s = sums.entry(k).or_insert(0u64);
        *s += i;
        *out.entry(format!("sum {k} {s}")).or_insert(0) += 1;
        *windows.entry((k, i / 1_000)).or_default() += 1;
    }
    for ((k, w), n) in windows {
        *out.entry(format!("window {k} {w} {n}")).or_insert(0) += 1;
    }
    out
}

fn run(failures: u32, exactly_once: bool, fail_commit: bool) -> (HashMap<String, usize>, u32, u64) {
    let injected = Arc::new(AtomicU32::new(0));
    let env = StreamEnv::local();
    env.set_parallelism(2);
    env.enable_checkpointing(Duration::from_millis(15));
    env.set_config("execution.checkpointing.mode", if exactly_once { "EXACTLY_ONCE" } else { "AT_LEAST_ONCE" });
    env.set_config("restart-strategy.type", "fixed-delay");
    env.set_config("restart-strategy.fixed-delay.attempts", "1000");
    env.set_config("restart-strategy.fixed-delay.delay", "1 ms");
    let sink =
        TxSink { transactional: exactly_once, fail_first_commit: Arc::new(AtomicU32::new(u32::from(fail_commit))), ..Default::default() };
    let values = env
        .datagen(Some(N), Some(40_000.0), |i| i)
        .set_parallelism(1)
        .map(move |i: u64| {
            // A deterministic pseudo-random failure roughly every 700 records, `failures` times.
            let h = (i ^ u64::from(injected.load(Ordering::SeqCst)).wrapping_mul(0x9E37_79B9)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 40;
            if h.is_multiple_of(700) && injected.fetch_add(1, Ordering::SeqCst) < failures {
                panic!("injected failure at record {i}");
            }
            i
        })
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|i: &u64, _| *i as i64))
        .set_parallelism(1);
    let keyed = values.key_by(|i| i % KEYS);
    // Parallelism 1 up to the keyed exchange keeps each key's records in source order, so the
    // rolling sums are deterministic.
    let sums =
        values.map(|i: u64| (i % KEYS, i)).set_parallelism(1).key_by(|t| t.0).sum(1).map(|(k, s): (u64, u64)| format!("sum {k} {s}"));
    let windows = keyed
        .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
        .aggregate(AggregateFn {
            create: || (0u64, 0u64, 0u64),
            add: |i: u64, (_, _, n): (u64, u64, u64)| (i % KEYS, i / 1_000, n + 1),
            result: |a: &(u64, u64, u64)| *a,
            merge: |a: (u64, u64, u64), b: (u64, u64, u64)| (a.0, a.1, a.2 + b.2),
        })
        .map(|(k, w, n): (u64, u64, u64)| format!("window {k} {w} {n}"));
    sums.union(&[windows]).sink_to(sink.clone());
    let result = env.execute("exactly-once chaos").unwrap();
    let mut got = HashMap::new();
    for line in sink.committed.lock().unwrap().iter() {
        *got.entry(line.clone()).or_insert(0) += 1;
    }
    (got, result.restarts(), result.completed_checkpoints())
}

fn report(got: &HashMap<String, usize>, expected: &HashMap<String, usize>) -> String {
    let missing = expected.iter().filter(|(k, v)| got.get(*k).copied().unwrap_or(0) < **v).count();
    let extra = got.iter().filter(|(k, v)| expected.get(*k).copied().unwrap_or(0) < **v).count();
    let sample: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(3).collect();
    format!("{missing} lines missing, {extra} extra, e.g. {sample:?}")
}

#[test]
fn one_failure_restores_exactly() {
    let (got, restarts, _) = run(1, true, false);
    assert!(restarts >= 1);
    let expected = expected();
    assert!(got == expected, "{}", report(&got, &expected));
}

#[test]
fn injected_failures_leave_exactly_the_failure_free_output() {
    let (got, restarts, checkpoints) = run(20, true, false);
    assert!(restarts >= 20, "only {restarts} restarts");
    assert!(checkpoints >= 5, "restores must come from completed checkpoints, only {checkpoints} completed");
    let expected = expected();
    let missing: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(5).collect();
    assert!(
        missing.is_empty() && got.len() == expected.len(),
        "differences (line, expected count): {missing:?}; got {} distinct, expected {}",
        got.len(),
        expected.len()
    );
}

#[test]
fn a_commit_that_fails_once_is_retried_after_recovery() {
    let (got, restarts, _) = run(0, true, true);
    assert!(restarts >= 1);
    let expected = expected();
    let diff: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(5).collect();
    assert!(diff.is_empty() && got.len() == expected.len(), "differences: {diff:?}");
}

#[test]
fn at_least_once_may_duplicate_but_never_loses() {
    let (got, _, _) = run(8, false, false);
    for (line, n) in expected() {
        assert!(got.get(&line).copied().unwrap_or(0) >= n, "lost {line}");
    }
}

#[test]
fn no_failure_matches_the_model() {
    let (got, _, _) = run(0, true, false);
    let expected = expected();
    assert!(got == expected, "{}", report(&got, &expected));
}

/// A sink whose pre-commit takes far longer than the checkpoint timeout.
#[derive(Clone)]
struct SlowPrepare;

struct SlowPrepareWriter;

impl Sink<u64> for SlowPrepare {
    fn create_writer(&self, _: &RuntimeContext) -> rasch::Result<Box<dyn SinkWriter<u64>>> {
        Ok(Box::new(SlowPrepareWriter))
    }
}

impl SinkWriter<u64> for SlowPrepareWriter {
    fn write(&mut self, batch: &mut Vec<Record<u64>>) -> rasch::Result<()> {
        batch.clear();
        Ok(())
    }
    fn prepare_commit(&mut self, checkpoint_id: u64) -> rasch::Result<Vec<Vec<u8>>> {
        if checkpoint_id != u64::MAX {
            std::thread::sleep(Duration::from_millis(400));
        }
        Ok(Vec::new())
    }
}

#[test]
fn checkpoints_that_time_out_fail_the_job_beyond_the_tolerance() {
    let env = StreamEnv::local();
    env.set_parallelism(1);
    env.enable_checkpointing(Duration::from_millis(20));
    env.set_config("execution.checkpointing.timeout", "100 ms");
    env.set_config("execution.checkpointing.tolerable-failed-checkpoints", "0");
    env.set_config("restart-strategy.type", "none");
    env.datagen(None, Some(1_000.0), |i| i).rebalance().sink_to(SlowPrepare);
    let err = env.execute("timeouts").unwrap_err().to_string();
    assert!(err.contains("expired before completing"), "{err}");
}
