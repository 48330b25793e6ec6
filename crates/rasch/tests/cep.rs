//! A CEP job under failures and across a savepoint: with checkpoints and injected failures it
//! emits exactly the matches of a failure-free run, and stopped with a savepoint at parallelism
//! 2 and resumed at 3 it emits exactly the uninterrupted run's matches. Both are compared with
//! matches computed independently in the test.

use rasch::cep::{AfterMatchSkipStrategy, CEP, Pattern};
use rasch::connectors::CollectSink;
use rasch::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const N: u64 = 20_000;
const KEYS: u64 = 13;
const WINDOW: u64 = 60;

/// Event `i`: its key, its kind (a, b, c or x, pseudo-random) and its time `i`.
fn event(i: u64) -> (u64, char, u64) {
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60;
    (i % KEYS, ['a', 'b', 'c', 'x'][(h % 4) as usize], i)
}

/// `a`, then the next `b`, then the next `c`, all within 60 ms; after a match, matching
/// resumes past its last event.
fn pattern() -> Pattern<(u64, char, u64)> {
    Pattern::begin_with_skip("a", AfterMatchSkipStrategy::skip_past_last_event())
        .where_(|e: &(u64, char, u64)| e.1 == 'a')
        .followed_by("b")
        .where_(|e: &(u64, char, u64)| e.1 == 'b')
        .followed_by("c")
        .where_(|e: &(u64, char, u64)| e.1 == 'c')
        .within(Duration::from_millis(WINDOW))
}

/// The same matches, computed directly: per key, each `a` with the first `b` after it and the
/// first `c` after that, if the `c` is less than 60 ms after the `a`; matches are taken in
/// order of their `a`, skipping those that start before the previous match ended.
fn expected() -> HashMap<String, usize> {
    let mut per_key: BTreeMap<u64, Vec<(char, u64)>> = BTreeMap::new();
    for i in 0..N {
        let (k, kind, t) = event(i);
        per_key.entry(k).or_default().push((kind, t));
    }
    let mut out = HashMap::new();
    for (k, evs) in per_key {
        let mut resume_after = None;
        for (pos, &(kind, ta)) in evs.iter().enumerate() {
            if kind != 'a' || resume_after.is_some_and(|r| ta <= r) {
                continue;
            }
            let Some(b) = evs[pos + 1..].iter().find(|e| e.0 == 'b') else { continue };
            let Some(c) = evs.iter().find(|e| e.1 > b.1 && e.0 == 'c') else { continue };
            if c.1 - ta < WINDOW {
                resume_after = Some(c.1);
                *out.entry(format!("{k}: a{ta} b{} c{}", b.1, c.1)).or_insert(0) += 1;
            }
        }
    }
    out
}

fn render(m: &rasch::cep::Match<(u64, char, u64)>) -> String {
    let t = |name: &str| m.events(name)[0].2;
    format!("{}: a{} b{} c{}", m.events("a")[0].0, t("a"), t("b"), t("c"))
}

/// A transactional sink: records become visible only when their checkpoint completes.
#[derive(Clone, Default)]
struct TxSink {
    committed: Arc<Mutex<Vec<String>>>,
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
        self.pending.extend(batch.drain(..).map(|r| r.value));
        Ok(())
    }
    fn prepare_commit(&mut self, _: u64) -> rasch::Result<Vec<Vec<u8>>> {
        let batch = std::mem::take(&mut self.pending);
        Ok(if batch.is_empty() { Vec::new() } else { vec![serde_json::to_vec(&batch).unwrap()] })
    }
    fn commit(&mut self, committables: Vec<Vec<u8>>) -> rasch::Result<()> {
        // Idempotent: a committable is identified by its first (unique) record.
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

fn counts(lines: impl IntoIterator<Item = String>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    lines.into_iter().for_each(|l| *m.entry(l).or_insert(0) += 1);
    m
}

fn diff(got: &HashMap<String, usize>, expected: &HashMap<String, usize>) -> String {
    let wrong: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(3).collect();
    let extra = got.keys().filter(|k| !expected.contains_key(*k)).count();
    format!(
        "{} of {} lines differ, {extra} extra, e.g. {wrong:?}",
        expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).count(),
        expected.len()
    )
}

fn run_with_failures(failures: u32, lsm: bool) -> (HashMap<String, usize>, u32, u64) {
    let injected = Arc::new(AtomicU32::new(0));
    let env = StreamEnv::local();
    if lsm {
        // The embedded LSM backend with incremental checkpoints and a small cache, so that NFA
        // states and queues are written to and read back from the engine.
        env.set_config("state.backend.type", "lsm");
        env.set_config("state.backend.incremental", "true");
        env.set_config("state.backend.lsm.memory-budget", "64kb");
    }
    env.set_parallelism(2);
    env.enable_checkpointing(Duration::from_millis(15));
    env.set_config("restart-strategy.type", "fixed-delay");
    env.set_config("restart-strategy.fixed-delay.attempts", "1000");
    env.set_config("restart-strategy.fixed-delay.delay", "1 ms");
    let sink = TxSink::default();
    let events = env
        .datagen(Some(N), Some(40_000.0), |i| i)
        .set_parallelism(1)
        .map(move |i: u64| {
            let h = (i ^ u64::from(injected.load(Ordering::SeqCst)).wrapping_mul(0x9E37_79B9)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 40;
            if h.is_multiple_of(600) && injected.fetch_add(1, Ordering::SeqCst) < failures {
                panic!("injected failure at record {i}");
            }
            event(i)
        })
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(
            WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|e: &(u64, char, u64), _| e.2 as i64),
        )
        .set_parallelism(1);
    CEP::pattern(&events.key_by(|e: &(u64, char, u64)| e.0), pattern()).unwrap().select(render).sink_to(sink.clone());
    let result = env.execute("cep under failures").unwrap();
    let got = counts(sink.committed.lock().unwrap().iter().cloned());
    (got, result.restarts(), result.completed_checkpoints())
}

#[test]
fn a_cep_job_without_failures_emits_the_independently_computed_matches() {
    let expected = expected();
    assert!(expected.len() > 100, "the input has matches: {}", expected.len());
    let (got, _, _) = run_with_failures(0, false);
    assert!(got == expected, "{}", diff(&got, &expected));
}

#[test]
fn a_cep_job_with_injected_failures_emits_exactly_the_failure_free_matches() {
    let (got, restarts, checkpoints) = run_with_failures(10, false);
    assert!(restarts >= 10, "only {restarts} restarts");
    assert!(checkpoints >= 3, "only {checkpoints} checkpoints completed");
    let expected = expected();
    assert!(got == expected, "{}", diff(&got, &expected));
}

#[test]
fn on_the_lsm_backend_with_incremental_checkpoints_failures_leave_the_same_matches() {
    let (got, restarts, checkpoints) = run_with_failures(5, true);
    assert!(restarts >= 5, "only {restarts} restarts");
    assert!(checkpoints >= 3, "only {checkpoints} checkpoints completed");
    let expected = expected();
    assert!(got == expected, "{}", diff(&got, &expected));
}

fn build(env: &StreamEnv, parallelism: usize) -> rasch::connectors::CollectHandle<String> {
    env.set_parallelism(parallelism);
    let events = env
        .datagen(Some(N), Some(50_000.0), event)
        .set_parallelism(1)
        .uid("source")
        .assign_timestamps_and_watermarks(
            WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|e: &(u64, char, u64), _| e.2 as i64),
        )
        .set_parallelism(1)
        .uid("timestamps");
    let (sink, handle) = CollectSink::new();
    CEP::pattern(&events.key_by(|e: &(u64, char, u64)| e.0), pattern()).unwrap().select(render).uid("cep").sink_to(sink).uid("sink");
    handle
}

fn temp_dir(tag: &str) -> String {
    let d = std::env::temp_dir().join(format!("rasch-cep-{tag}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d.to_string_lossy().into_owned()
}

#[test]
fn a_savepoint_at_parallelism_2_resumed_at_3_gives_the_uninterrupted_matches() {
    let expected = expected();
    let dir = temp_dir("savepoint");
    let env = StreamEnv::local();
    let first = build(&env, 2);
    let client = env.execute_async("before").unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let savepoint = client.stop_with_savepoint(&dir, rasch::StopMode::Stop).unwrap();
    client.wait().unwrap();
    let mut got = counts(first.take());
    assert!(got.len() < expected.len(), "the job was stopped before it finished");

    let env = StreamEnv::local();
    env.set_config("execution.savepoint.path", savepoint.as_str());
    let second = build(&env, 3);
    env.execute("after").unwrap();
    for (line, n) in counts(second.take()) {
        *got.entry(line).or_insert(0) += n;
    }
    assert!(got == expected, "{}", diff(&got, &expected));
    std::fs::remove_dir_all(&dir).ok();
}
