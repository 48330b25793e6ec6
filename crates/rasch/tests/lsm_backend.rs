//! The embedded LSM state backend (`state.backend.type: lsm`) in real jobs: state many times
//! larger than its memory budget gives exactly the independently computed output while the
//! entry cache stays within the budget; incremental checkpoints recover exactly-once after
//! injected failures (with either backend) and are a small fraction of a full checkpoint when few keys change;
//! savepoints restore across backends (hashmap ⇄ lsm) at another parallelism.
//!
//! Every job here uses the same 1 MiB budget, so the process-wide cache peak can be checked.

use rasch::prelude::*;
use rasch::state::ByteBuf;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BUDGET: &str = "1mb";
const BUDGET_BYTES: usize = 1 << 20;

/// Counts records per key in a `ValueState` holding the count and a 100-byte payload, and
/// emits `"key count"` for every record.
#[derive(Clone)]
struct Count {
    state: ValueState<(u64, ByteBuf)>,
}

impl KeyedProcessFunction<u64, u64, String> for Count {
    fn process_element(&mut self, _: u64, ctx: &mut KeyedContext<'_, u64>, out: &mut Collector<'_, String>) -> rasch::Result<()> {
        let (n, pad) = self.state.value(ctx)?.unwrap_or_else(|| (0, ByteBuf::from(vec![7u8; 100])));
        self.state.update(ctx, (n + 1, pad))?;
        out.collect(format!("{} {}", ctx.current_key(), n + 1));
        Ok(())
    }
}

fn expected(n: u64, keys: u64) -> HashMap<String, usize> {
    let mut counts = vec![0u64; keys as usize];
    let mut out = HashMap::new();
    for i in 0..n {
        let c = &mut counts[(i % keys) as usize];
        *c += 1;
        *out.entry(format!("{} {c}", i % keys)).or_insert(0) += 1;
    }
    out
}

fn counts(lines: impl IntoIterator<Item = String>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    lines.into_iter().for_each(|l| *m.entry(l).or_insert(0) += 1);
    m
}

fn diff(got: &HashMap<String, usize>, expected: &HashMap<String, usize>) -> String {
    let wrong: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(3).map(|(k, v)| (k, v, got.get(k))).collect();
    format!(
        "{} of {} lines differ ({} got), e.g. {wrong:?}",
        expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).count(),
        expected.len(),
        got.len()
    )
}

fn lsm_env(parallelism: usize, incremental: bool) -> StreamEnv {
    let env = StreamEnv::local();
    env.set_parallelism(parallelism);
    env.set_config("state.backend.type", "lsm");
    env.set_config("state.backend.incremental", if incremental { "true" } else { "false" });
    env.set_config("state.backend.lsm.memory-budget", BUDGET);
    env
}

fn temp_dir(tag: &str) -> String {
    let d = std::env::temp_dir().join(format!("rasch-lsm-test-{tag}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d.to_string_lossy().into_owned()
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
        // Idempotent: a committable is identified by its first record (records are unique).
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

#[test]
fn state_far_larger_than_the_memory_budget_gives_the_exact_output_within_the_budget() {
    // 200 000 keys × (100-byte payload + count + key) ≈ 23 MB of state against a 1 MiB budget.
    const N: u64 = 400_000;
    const KEYS: u64 = 200_000;
    let env = lsm_env(2, false);
    let (sink, handle) = rasch::connectors::CollectSink::new();
    env.datagen(Some(N), None, |i| i)
        .set_parallelism(1)
        .key_by(|i: &u64| i % KEYS)
        .process(Count { state: ValueState::new("count") })
        .sink_to(sink);
    env.execute("lsm larger than memory").unwrap();
    let got = counts(handle.take());
    let expected = expected(N, KEYS);
    assert!(got == expected, "{}", diff(&got, &expected));
    let peak = rasch::state::lsm_peak_cache_bytes();
    assert!(peak > 0 && peak <= BUDGET_BYTES, "entry cache peaked at {peak} bytes, budget {BUDGET_BYTES}");
}

#[test]
fn incremental_checkpoints_recover_exactly_once_after_injected_failures() {
    // With a checkpoint directory (shared files on disk) and in memory.
    recover("lsm", true);
    recover("lsm", false);
}

/// The hashmap backend's incremental checkpoints (changed entries plus a rolling sixteenth of the
/// key groups whole) recover exactly-once the same way.
#[test]
fn hashmap_incremental_checkpoints_recover_exactly_once_after_injected_failures() {
    recover("hashmap", true);
    recover("hashmap", false);
}

fn recover(backend: &str, durable: bool) {
    const N: u64 = 40_000;
    const KEYS: u64 = 3_000;
    let dir = temp_dir(&format!("recovery-{backend}-{durable}"));
    let injected = Arc::new(AtomicU32::new(0));
    let env = lsm_env(2, true);
    env.set_config("state.backend.type", backend);
    env.enable_checkpointing(Duration::from_millis(20));
    if durable {
        env.set_config("execution.checkpointing.dir", dir.as_str());
    }
    env.set_config("execution.checkpointing.num-retained", "2");
    env.set_config("restart-strategy.type", "fixed-delay");
    env.set_config("restart-strategy.fixed-delay.attempts", "100");
    env.set_config("restart-strategy.fixed-delay.delay", "1 ms");
    let sink = TxSink::default();
    let fails = injected.clone();
    env.datagen(Some(N), Some(40_000.0), |i| i)
        .set_parallelism(1)
        .map(move |i: u64| {
            // Fail at records 8 000, 16 000, 24 000 and 32 000 (each once: the replay after the
            // restore passes the earlier ones), after some checkpoints completed.
            let k = u64::from(fails.load(Ordering::SeqCst));
            if k < 4 && i == 8_000 * (k + 1) {
                fails.fetch_add(1, Ordering::SeqCst);
                panic!("injected failure at record {i}");
            }
            i
        })
        .set_parallelism(1)
        .key_by(|i: &u64| i % KEYS)
        .process(Count { state: ValueState::new("count") })
        .sink_to(sink.clone());
    let result = env.execute("lsm incremental recovery").unwrap();
    assert!(result.restarts() >= 4, "{backend}, durable={durable}: only {} restarts", result.restarts());
    assert!(result.completed_checkpoints() >= 3, "{backend}, durable={durable}: only {} checkpoints", result.completed_checkpoints());
    let got = counts(sink.committed.lock().unwrap().clone());
    let expected = expected(N, KEYS);
    assert!(got == expected, "{backend}, durable={durable}: {}", diff(&got, &expected));
    if durable {
        let left = std::fs::read_dir(std::path::Path::new(&dir))
            .unwrap()
            .flatten()
            .flat_map(|job| std::fs::read_dir(job.path().join("shared")).into_iter().flatten())
            .count();
        assert_eq!(left, 0, "a finished job's shared files are deleted");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_incremental_checkpoint_after_one_percent_of_keys_changed_is_far_smaller_than_a_full_one() {
    const KEYS: u64 = 40_000;
    /// Updates let through per completed checkpoint: 0.75 % of the keys.
    const UPDATES_PER_CHECKPOINT: u64 = 300;
    // When the last new key went out (epoch ms): checkpoints triggered later hold only updates
    // of existing keys — except the first of them, which also carries the last new keys.
    static LOADED_AT: AtomicI64 = AtomicI64::new(i64::MAX);
    // Updates of existing keys pass only as the test grants them, one batch per completed
    // checkpoint, so every delta holds under 1 % of the keys however slow checkpoints are.
    static GRANTED: AtomicU64 = AtomicU64::new(0);
    static PASSED: AtomicU64 = AtomicU64::new(0);
    for durable in [false, true] {
        LOADED_AT.store(i64::MAX, Ordering::SeqCst);
        GRANTED.store(0, Ordering::SeqCst);
        PASSED.store(0, Ordering::SeqCst);
        let dir = temp_dir(&format!("size-{durable}"));
        let env = lsm_env(1, true);
        env.enable_checkpointing(Duration::from_millis(100));
        env.set_config("execution.checkpointing.num-retained", "1");
        // Barriers pass between batches: small batches let a checkpoint follow few updates.
        env.set_config("taskmanager.network.batch-size", "100");
        if durable {
            env.set_config("execution.checkpointing.dir", dir.as_str());
        }
        let (sink, _handle) = rasch::connectors::CollectSink::new();
        // Every key once, then a paced trickle of granted updates.
        env.datagen(None, None, |i| i)
            .set_parallelism(1)
            .filter(|i: &u64| {
                if *i < KEYS {
                    return true;
                }
                if *i == KEYS {
                    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
                    LOADED_AT.store(now, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(1));
                let granted = PASSED.load(Ordering::SeqCst) < GRANTED.load(Ordering::SeqCst);
                if granted {
                    PASSED.fetch_add(1, Ordering::SeqCst);
                }
                granted
            })
            .key_by(|i: &u64| i % KEYS)
            .process(Count { state: ValueState::new("count") })
            .sink_to(sink);
        let client = env.execute_async("lsm incremental size").unwrap();
        let shared = std::path::Path::new(&dir).join(client.job_id()).join("shared");
        let full_size = KEYS * 100;
        let (mut base, mut small) = (None, Vec::new());
        for _ in 0..600 {
            std::thread::sleep(Duration::from_millis(50));
            let done: Vec<_> = client.checkpoints().into_iter().filter(|c| c.status.is_completed()).collect();
            base = done.iter().position(|c| c.state_size > full_size);
            let loaded_at = LOADED_AT.load(Ordering::SeqCst);
            let after_load: Vec<u64> = done.iter().filter(|c| c.trigger_timestamp > loaded_at).map(|c| c.state_size).collect();
            GRANTED.store(after_load.len() as u64 * UPDATES_PER_CHECKPOINT, Ordering::SeqCst);
            // Deltas after loading (a new full base, due after 8 deltas, is not a delta).
            small = after_load.into_iter().skip(1).filter(|s| *s <= full_size).collect();
            if durable && let Ok(files) = std::fs::read_dir(&shared) {
                // One base plus at most 8 deltas are referenced, plus one being written.
                let n = files.count();
                assert!(n <= 11, "{n} shared files: unreferenced ones must be deleted");
            }
            if base.is_some() && small.len() >= 4 {
                break;
            }
        }
        client.cancel();
        let _ = client.wait();
        assert!(base.is_some(), "durable={durable}: no full base checkpoint completed");
        let full = full_size;
        assert!(small.len() >= 4, "durable={durable}: fewer than 4 incremental checkpoints after loading ({small:?})");
        let largest = small.iter().copied().max().unwrap();
        assert!(largest * 20 < full, "durable={durable}: incremental checkpoints {small:?} vs full {full}");
        // …and they do carry the granted updates (at least a third of one grant's entries).
        assert!(largest >= UPDATES_PER_CHECKPOINT / 3 * 100, "durable={durable}: deltas {small:?} hold no updates");
        if durable {
            let left = std::fs::read_dir(&shared).map(|d| d.count()).unwrap_or(0);
            assert_eq!(left, 0, "a cancelled job's shared files are deleted with its checkpoints");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

fn savepoint_job(env: &StreamEnv, parallelism: usize, n: u64, keys: u64) -> rasch::connectors::CollectHandle<String> {
    env.set_parallelism(parallelism);
    let (sink, handle) = rasch::connectors::CollectSink::new();
    env.datagen(Some(n), Some(50_000.0), |i| i)
        .set_parallelism(1)
        .uid("source")
        .key_by(move |i: &u64| i % keys)
        .process(Count { state: ValueState::new("count") })
        .uid("counts")
        .sink_to(sink)
        .uid("sink");
    handle
}

#[test]
fn savepoints_restore_across_backends_at_another_parallelism() {
    const N: u64 = 30_000;
    const KEYS: u64 = 1_000;
    let expected = expected(N, KEYS);
    for (from, to) in [("hashmap", "lsm"), ("lsm", "hashmap")] {
        let dir = temp_dir(&format!("sp-{from}"));
        let env = lsm_env(2, true);
        env.set_config("state.backend.type", from);
        env.enable_checkpointing(Duration::from_millis(30));
        let first = savepoint_job(&env, 2, N, KEYS);
        let client = env.execute_async("before").unwrap();
        std::thread::sleep(Duration::from_millis(250));
        let savepoint = client.stop_with_savepoint(&dir, rasch::StopMode::Stop).unwrap();
        client.wait().unwrap();
        let mut got = counts(first.take());
        assert!(got.len() < expected.len(), "{from}: the job was stopped before it finished");

        let env = lsm_env(3, true);
        env.set_config("state.backend.type", to);
        env.set_config("execution.savepoint.path", savepoint.as_str());
        let second = savepoint_job(&env, 3, N, KEYS);
        env.execute("after").unwrap();
        for (line, n) in counts(second.take()) {
            *got.entry(line).or_insert(0) += n;
        }
        assert!(got == expected, "{from} → {to}: {}", diff(&got, &expected));
        std::fs::remove_dir_all(&dir).ok();
    }
}
