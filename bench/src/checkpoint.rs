//! Checkpoint benchmark: a keyed job holding `--keys K` values of `--value-bytes` (100) bytes in
//! a `ValueState<ByteBuf>`, fed by a generated stream that first writes every key once (so the
//! state holds K values) and then overwrites uniformly random keys.
//!
//! Three runs of the same job:
//! 1. without checkpointing, before and after run 2 (the faster counts) → `records_per_sec_no_checkpoint`;
//! 2. with a checkpoint every `--interval-ms` (in memory, or to `--dir PATH` via
//!    `execution.checkpointing.dir`) → `records_per_sec_checkpoint`, `checkpoint_p50_ms`,
//!    `checkpoint_p99_ms` and `checkpoint_bytes` (state size of the last completed checkpoint);
//! 3. with a gated source: after the K first writes a checkpoint completes (full size); then
//!    K/100 updates (~1 % of the keys) and the next checkpoint's size is
//!    `incremental_checkpoint_bytes` — a full checkpoint without `--incremental`; with it, only
//!    the changed entries (`--backend lsm`: the "full" checkpoint is then the first *base*
//!    completed after the K writes) or the changed entries plus the sixteenth of the key groups the
//!    hashmap backend re-bases per checkpoint; then the keyed function panics once (attempt 0) and
//!    `recovery_ms` is the time from the panic to the first record processed by attempt 1
//!    (restart strategy fixed-delay with 0 ms delay, so it measures the restore).

use crate::report::{finish, percentile};
use rasch::JobClient;
use rasch::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A record: `(key, sequence number)`.
type Update = (u64, u64);

struct Args {
    keys: u64,
    records: u64,
    parallelism: usize,
    interval_ms: u64,
    value_bytes: usize,
    dir: Option<String>,
    /// `state.backend.type`.
    backend: String,
    /// `state.backend.incremental`.
    incremental: bool,
    /// `state.backend.lsm.memory-budget`.
    memory_budget: Option<String>,
}

/// Record `seq` writes key `seq` while `seq < keys`, then a uniformly random key.
fn key_of(seq: u64, keys: u64) -> u64 {
    if seq < keys {
        return seq;
    }
    let mut z = seq.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % keys
}

/// How far the source may go (`limit`) and how far it went (`emitted`), shared with `main`.
struct Gate {
    limit: AtomicU64,
    emitted: AtomicU64,
}

impl Gate {
    fn new(limit: u64) -> Arc<Self> {
        Arc::new(Gate { limit: AtomicU64::new(limit), emitted: AtomicU64::new(0) })
    }
}

/// The unread part of the sequence; checkpointed, so a restored job resumes exactly there.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Range {
    next: u64,
    end: u64,
}

/// A single-reader source of `records` updates that stops at the gate's limit.
struct UpdateSource {
    keys: u64,
    records: u64,
    gate: Arc<Gate>,
}

impl Source<Update> for UpdateSource {
    type Split = Range;
    fn boundedness(&self) -> Boundedness {
        Boundedness::Bounded
    }
    fn max_parallelism(&self) -> Option<usize> {
        Some(1)
    }
    fn create_splits(&self, _: usize) -> rasch::Result<Vec<Range>> {
        Ok(vec![Range { next: 0, end: self.records }])
    }
    fn create_reader(&self, _: &RuntimeContext) -> rasch::Result<Box<dyn SourceReader<Update, Range>>> {
        Ok(Box::new(UpdateReader { keys: self.keys, gate: self.gate.clone(), range: None }))
    }
}

struct UpdateReader {
    keys: u64,
    gate: Arc<Gate>,
    range: Option<Range>,
}

impl SourceReader<Update, Range> for UpdateReader {
    fn add_splits(&mut self, splits: Vec<Range>) -> rasch::Result<()> {
        self.range = splits.into_iter().next();
        Ok(())
    }
    fn poll_next(&mut self, output: &mut SourceOutput<'_, Update>) -> rasch::Result<PollStatus> {
        let Some(r) = self.range.as_mut().filter(|r| r.next < r.end) else { return Ok(PollStatus::EndOfInput) };
        let limit = self.gate.limit.load(Ordering::Acquire).min(r.end);
        if r.next >= limit {
            std::thread::sleep(Duration::from_millis(1));
            return Ok(PollStatus::NothingAvailable);
        }
        let n = (output.remaining() as u64).min(limit - r.next);
        (r.next..r.next + n).for_each(|seq| output.collect((key_of(seq, self.keys), seq)));
        r.next += n;
        self.gate.emitted.store(r.next, Ordering::Release);
        Ok(PollStatus::MoreAvailable)
    }
    fn snapshot_state(&mut self) -> rasch::Result<Vec<Range>> {
        Ok(self.range.clone().into_iter().collect())
    }
}

/// Failure injection and recovery timing, shared by every instance of the keyed function.
struct Probe {
    fail_at: u64,
    failed_at: OnceLock<Instant>,
    resumed_at: OnceLock<Instant>,
}

/// Overwrites the key's value with a fresh `value_bytes`-byte vector.
#[derive(Clone)]
struct Overwrite {
    // A byte string, not a Vec<u8>: serde then writes it in one piece instead of byte by byte.
    value: ValueState<rasch::state::ByteBuf>,
    value_bytes: usize,
    attempt: u32,
    probe: Option<Arc<Probe>>,
}

impl KeyedProcessFunction<u64, Update, u64> for Overwrite {
    fn open(&mut self, ctx: &RuntimeContext) -> rasch::Result<()> {
        self.attempt = ctx.attempt;
        Ok(())
    }
    fn process_element(&mut self, (_, seq): Update, ctx: &mut KeyedContext<'_, u64>, _: &mut Collector<'_, u64>) -> rasch::Result<()> {
        if let Some(p) = &self.probe {
            if self.attempt == 0 && seq == p.fail_at {
                let _ = p.failed_at.set(Instant::now());
                panic!("injected failure at record {seq} (checkpoint benchmark)");
            }
            if self.attempt > 0 {
                p.resumed_at.get_or_init(Instant::now);
            }
        }
        self.value.update(ctx, rasch::state::ByteBuf::from(vec![seq as u8; self.value_bytes]))
    }
}

/// Starts the job; `checkpoints` enables checkpointing, `probe` injects the failure.
fn start(a: &Args, checkpoints: bool, gate: &Arc<Gate>, probe: Option<Arc<Probe>>) -> Result<JobClient, String> {
    let env = StreamEnv::local();
    env.set_parallelism(a.parallelism);
    env.set_config("state.backend.type", a.backend.as_str());
    env.set_config("state.backend.incremental", if a.incremental { "true" } else { "false" });
    if let Some(m) = &a.memory_budget {
        env.set_config("state.backend.lsm.memory-budget", m.as_str());
    }
    if checkpoints {
        env.enable_checkpointing(Duration::from_millis(a.interval_ms));
        if let Some(dir) = &a.dir {
            env.set_config("execution.checkpointing.dir", dir.as_str());
        }
    }
    if probe.is_some() {
        env.set_config("restart-strategy.type", "fixed-delay");
        env.set_config("restart-strategy.fixed-delay.attempts", "1");
        env.set_config("restart-strategy.fixed-delay.delay", "0 ms");
    } else {
        env.set_config("restart-strategy.type", "none");
    }
    let records = if probe.is_some() { u64::MAX } else { a.records };
    let f = Overwrite { value: ValueState::new("value"), value_bytes: a.value_bytes, attempt: 0, probe };
    env.from_source(UpdateSource { keys: a.keys, records, gate: gate.clone() }, "Updates")
        .key_by(|u: &Update| u.0)
        .process(f)
        .name("Overwrite")
        .discard();
    env.execute_async("checkpoint-bench").map_err(|e| e.to_string())
}

fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Waits until the source emitted `n` records.
fn wait_emitted(gate: &Gate, n: u64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(1_800);
    while gate.emitted.load(Ordering::Acquire) < n {
        if Instant::now() > deadline {
            return Err(format!("the source did not reach record {n}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// Waits for a completed checkpoint of at least `min_bytes` triggered after everything emitted
/// so far: (ms, bytes).
fn next_checkpoint(client: &JobClient, gate: &Gate, n: u64, min_bytes: u64) -> Result<(u64, u64), String> {
    wait_emitted(gate, n)?;
    let after = epoch_ms();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let cps = client.checkpoints();
        if let Some(c) = cps.iter().find(|c| c.status.is_completed() && c.trigger_timestamp > after && c.state_size >= min_bytes) {
            return Ok((c.duration_ms, c.state_size));
        }
        if Instant::now() > deadline {
            return Err(format!("no checkpoint completed after record {n} within 600 s"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One ungated run: (seconds, completed checkpoint durations in ms, last completed size).
fn throughput(a: &Args, checkpoints: bool) -> Result<(f64, Vec<u64>, u64), String> {
    let gate = Gate::new(u64::MAX);
    let client = start(a, checkpoints, &gate, None)?;
    wait_emitted(&gate, a.records)?;
    // The source has emitted everything: no checkpoint starts any more, one in flight may finish.
    std::thread::sleep(Duration::from_millis(200));
    let completed: Vec<_> = client.checkpoints().into_iter().filter(|c| c.status.is_completed()).collect();
    let result = client.wait().map_err(|e| e.to_string())?;
    let processed = result.operator("Overwrite").map(|o| o.records_in).unwrap_or(0);
    if processed != a.records {
        return Err(format!("the keyed function saw {processed} records, expected {}", a.records));
    }
    let last = completed.last().map(|c| c.state_size).unwrap_or(0);
    Ok((result.net_runtime().as_secs_f64(), completed.iter().map(|c| c.duration_ms).collect(), last))
}

/// Runs the checkpoint benchmark.
pub fn run(params: &Params) -> Result<(), String> {
    let keys: u64 = params.get_or("keys", 1_000_000u64).map_err(|e| e.to_string())?;
    let a = Args {
        keys: keys.max(100),
        records: params.get_or("records", keys.max(100) + 10_000_000).map_err(|e| e.to_string())?,
        parallelism: params.get_or("parallelism", 1usize).map_err(|e| e.to_string())?,
        interval_ms: params.get_or("interval-ms", 1_000u64).map_err(|e| e.to_string())?.max(1),
        value_bytes: params.get_or("value-bytes", 100usize).map_err(|e| e.to_string())?,
        dir: params.get("dir").map(str::to_string),
        backend: params.get("backend").unwrap_or("hashmap").to_string(),
        incremental: params.has("incremental"),
        memory_budget: params.get("memory-budget").map(str::to_string),
    };
    if a.records < a.keys {
        return Err(format!("--records {} must be at least --keys {}", a.records, a.keys));
    }
    eprintln!(
        "checkpoint: keys={} records={} p={} interval={} ms value={} B storage={} backend={}{}",
        a.keys,
        a.records,
        a.parallelism,
        a.interval_ms,
        a.value_bytes,
        a.dir.as_deref().unwrap_or("memory"),
        a.backend,
        if a.incremental { " (incremental)" } else { "" }
    );

    // The run without checkpoints goes before and after the one with them, and the faster of
    // the two counts: the first run of a process also pays for growing its heap, which would
    // flatter whichever run comes second.
    let (before_s, _, _) = throughput(&a, false)?;
    let (cp_s, mut durations, cp_bytes) = throughput(&a, true)?;
    let (after_s, _, _) = throughput(&a, false)?;
    let plain_s = before_s.min(after_s);
    let plain_rate = a.records as f64 / plain_s;
    eprintln!("  without checkpoints: {plain_s:.2} s, {:.2} M records/s (best of the runs before and after)", plain_rate / 1e6);
    let cp_rate = a.records as f64 / cp_s;
    eprintln!("  throughput loss with checkpoints: {:.1} %", (1.0 - cp_rate / plain_rate) * 100.0);
    let count = durations.len();
    let (p50, p99) = (percentile(&mut durations, 0.5), percentile(&mut durations, 0.99));
    let max = durations.last().copied().unwrap_or(0);
    eprintln!(
        "  with checkpoints: {cp_s:.2} s, {:.2} M records/s; {count} completed, p50 {p50} ms, p99 {p99} ms, max {max} ms, last {:.1} MB",
        cp_rate / 1e6,
        cp_bytes as f64 / 1e6
    );

    // Gated run: full checkpoint, ~1 % changed, failure and recovery.
    let changed = (a.keys / 100).max(1);
    let fail_at = a.keys + changed;
    let gate = Gate::new(a.keys);
    let probe = Arc::new(Probe { fail_at, failed_at: OnceLock::new(), resumed_at: OnceLock::new() });
    // The injected panic prints one line, not a backtrace (symbolizing it would count as recovery).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| match info.payload().downcast_ref::<String>() {
        Some(m) if m.contains("checkpoint benchmark") => eprintln!("  {m}"),
        _ => hook(info),
    }));
    let client = start(&a, true, &gate, Some(probe.clone()))?;
    // The full state is at least keys × value bytes; the lsm backend's first incremental
    // checkpoints may be deltas of the initial writes, so wait for a base. (The hashmap backend's
    // incremental checkpoints are never full after the first: they re-base a sixteenth of the key
    // groups at a time, so its "full" figure is the first checkpoint after the writes.)
    let rolling = a.incremental && a.backend == "hashmap";
    let full_size = if rolling { 0 } else { a.keys * a.value_bytes as u64 };
    let (full_ms, full_bytes) = next_checkpoint(&client, &gate, a.keys, full_size)?;
    gate.limit.store(fail_at, Ordering::Release);
    let (inc_ms, inc_bytes) = next_checkpoint(&client, &gate, fail_at, 0)?;
    let incremental = a.incremental;
    eprintln!(
        "  full checkpoint: {full_ms} ms, {:.1} MB; after {changed} updates: {inc_ms} ms, {:.3} MB ({})",
        full_bytes as f64 / 1e6,
        inc_bytes as f64 / 1e6,
        if incremental { "incremental" } else { "not incremental" }
    );
    // Let the failing record through, then enough to see attempt 1 resume, then end.
    gate.limit.store(fail_at + 1, Ordering::Release);
    let deadline = Instant::now() + Duration::from_secs(600);
    while probe.resumed_at.get().is_none() {
        if Instant::now() > deadline {
            return Err("the job did not resume within 600 s of the injected failure".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let restarts = client.restarts();
    client.cancel();
    let _ = client.wait();
    let (failed, resumed) = (probe.failed_at.get().copied(), probe.resumed_at.get().copied());
    let recovery_ms = match (failed, resumed) {
        (Some(f), Some(r)) => r.duration_since(f).as_secs_f64() * 1e3,
        _ => return Err("the injected failure was not observed".into()),
    };
    eprintln!("  recovery: {recovery_ms:.1} ms from the panic to the first record of attempt 1 ({restarts} restart)");

    let mut extra = Map::new();
    extra.insert("keys".into(), json!(a.keys));
    extra.insert("value_bytes".into(), json!(a.value_bytes));
    extra.insert("interval_ms".into(), json!(a.interval_ms));
    extra.insert("storage".into(), json!(a.dir.as_deref().unwrap_or("memory")));
    extra.insert("records_per_sec_no_checkpoint".into(), json!(plain_rate.round()));
    extra.insert("records_per_sec_checkpoint".into(), json!(cp_rate.round()));
    extra.insert("checkpoints_completed".into(), json!(count));
    extra.insert("checkpoint_p50_ms".into(), json!(p50));
    extra.insert("checkpoint_p99_ms".into(), json!(p99));
    extra.insert("checkpoint_max_ms".into(), json!(max));
    extra.insert("checkpoint_bytes".into(), json!(cp_bytes));
    extra.insert("full_checkpoint_bytes".into(), json!(full_bytes));
    extra.insert("full_checkpoint_ms".into(), json!(full_ms));
    extra.insert("incremental_checkpoint_bytes".into(), json!(inc_bytes));
    extra.insert("incremental_checkpoint_ms".into(), json!(inc_ms));
    extra.insert("incremental".into(), json!(incremental));
    extra.insert("backend".into(), json!(a.backend));
    extra.insert("recovery_ms".into(), json!((recovery_ms * 10.0).round() / 10.0));
    finish("checkpoint", a.parallelism, a.records, cp_s, extra);
    Ok(())
}
