//! Typed access to Flink-style configuration keys (`parallelism.default`, …).
//!
//! A [`Configuration`] is a flat map from Flink key names to string values. Known keys are
//! declared once in [`KNOWN_KEYS`]; setting an unknown key is an error that names the nearest
//! known one, so typos never pass silently.

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// `parallelism.default`: parallelism of operators that do not set their own.
pub const PARALLELISM_DEFAULT: &str = "parallelism.default";
/// `pipeline.max-parallelism`: upper bound for rescaling; also the number of key groups.
pub const MAX_PARALLELISM: &str = "pipeline.max-parallelism";
/// `execution.runtime-mode`: `STREAMING` (default) or `BATCH`.
pub const RUNTIME_MODE: &str = "execution.runtime-mode";
/// `execution.buffer-timeout`: maximum time a partly filled batch waits before it is sent.
pub const BUFFER_TIMEOUT: &str = "execution.buffer-timeout";
/// `pipeline.operator-chaining.enabled`: whether forward edges are fused into one task.
pub const OPERATOR_CHAINING: &str = "pipeline.operator-chaining.enabled";
/// `pipeline.auto-watermark-interval`: how often sources emit periodic watermarks.
pub const AUTO_WATERMARK_INTERVAL: &str = "pipeline.auto-watermark-interval";
/// `taskmanager.network.batch-size` (Rasch): records per exchanged batch.
pub const BATCH_SIZE: &str = "taskmanager.network.batch-size";

/// `execution.checkpointing.interval`: checkpoint every this long (unset: no checkpoints).
pub const CHECKPOINTING_INTERVAL: &str = "execution.checkpointing.interval";
/// `execution.checkpointing.mode`: `EXACTLY_ONCE` (aligned barriers) or `AT_LEAST_ONCE`.
pub const CHECKPOINTING_MODE: &str = "execution.checkpointing.mode";
/// `execution.checkpointing.timeout`: a checkpoint not completed within this is aborted.
pub const CHECKPOINTING_TIMEOUT: &str = "execution.checkpointing.timeout";
/// `execution.checkpointing.min-pause`: minimum time between the end of one checkpoint and the next.
pub const CHECKPOINTING_MIN_PAUSE: &str = "execution.checkpointing.min-pause";
/// `execution.checkpointing.max-concurrent-checkpoints`.
pub const CHECKPOINTING_MAX_CONCURRENT: &str = "execution.checkpointing.max-concurrent-checkpoints";
/// `execution.checkpointing.tolerable-failed-checkpoints`: consecutive failures before the job fails.
pub const CHECKPOINTING_TOLERABLE_FAILURES: &str = "execution.checkpointing.tolerable-failed-checkpoints";
/// `execution.checkpointing.num-retained`: completed checkpoints kept.
pub const CHECKPOINTING_NUM_RETAINED: &str = "execution.checkpointing.num-retained";
/// `execution.checkpointing.externalized-checkpoint-retention`: `DELETE_ON_CANCELLATION` or `RETAIN_ON_CANCELLATION`.
pub const CHECKPOINTING_RETENTION: &str = "execution.checkpointing.externalized-checkpoint-retention";
/// `execution.checkpointing.dir`: where checkpoints are written (path, `file://`, `s3://`).
pub const CHECKPOINTING_DIR: &str = "execution.checkpointing.dir";
/// `execution.checkpointing.savepoint-dir`: default target of savepoints.
pub const SAVEPOINT_DIR: &str = "execution.checkpointing.savepoint-dir";
/// `execution.savepoint.path`: restore the job from this savepoint or checkpoint.
pub const SAVEPOINT_PATH: &str = "execution.savepoint.path";
/// `execution.savepoint.ignore-unclaimed-state`: allow state of operators the job lacks.
pub const SAVEPOINT_IGNORE_UNCLAIMED: &str = "execution.savepoint.ignore-unclaimed-state";
/// `state.backend.type`: `hashmap` (default) or `lsm` (aliases `rocksdb`, `forst`).
pub const STATE_BACKEND: &str = "state.backend.type";
/// `state.backend.incremental`: incremental checkpoints (lsm backend only; default false).
pub const STATE_BACKEND_INCREMENTAL: &str = "state.backend.incremental";
/// `state.backend.lsm.memory-budget`: memory of the lsm backend per keyed operator instance
/// (cache of deserialized entries + engine memtables and block cache), e.g. `64mb`.
pub const STATE_BACKEND_LSM_MEMORY: &str = "state.backend.lsm.memory-budget";
/// `state.backend.lsm.local-dir`: where the lsm backend keeps its files (default: the temp dir).
pub const STATE_BACKEND_LSM_LOCAL_DIR: &str = "state.backend.lsm.local-dir";
/// `restart-strategy.type`: `none`, `fixed-delay`, `exponential-delay`, `failure-rate`.
pub const RESTART_STRATEGY: &str = "restart-strategy.type";

/// Every key Rasch understands in this version.
pub const KNOWN_KEYS: &[&str] = &[
    PARALLELISM_DEFAULT,
    MAX_PARALLELISM,
    RUNTIME_MODE,
    BUFFER_TIMEOUT,
    OPERATOR_CHAINING,
    AUTO_WATERMARK_INTERVAL,
    BATCH_SIZE,
    CHECKPOINTING_INTERVAL,
    CHECKPOINTING_MODE,
    CHECKPOINTING_TIMEOUT,
    CHECKPOINTING_MIN_PAUSE,
    CHECKPOINTING_MAX_CONCURRENT,
    CHECKPOINTING_TOLERABLE_FAILURES,
    CHECKPOINTING_NUM_RETAINED,
    CHECKPOINTING_RETENTION,
    CHECKPOINTING_DIR,
    SAVEPOINT_DIR,
    SAVEPOINT_PATH,
    SAVEPOINT_IGNORE_UNCLAIMED,
    STATE_BACKEND,
    STATE_BACKEND_INCREMENTAL,
    STATE_BACKEND_LSM_MEMORY,
    STATE_BACKEND_LSM_LOCAL_DIR,
    RESTART_STRATEGY,
    "restart-strategy.fixed-delay.attempts",
    "restart-strategy.fixed-delay.delay",
    "restart-strategy.exponential-delay.initial-backoff",
    "restart-strategy.exponential-delay.max-backoff",
    "restart-strategy.exponential-delay.backoff-multiplier",
    "restart-strategy.exponential-delay.reset-backoff-threshold",
    "restart-strategy.exponential-delay.jitter-factor",
    "restart-strategy.exponential-delay.attempts-before-reset-backoff",
    "restart-strategy.failure-rate.max-failures-per-interval",
    "restart-strategy.failure-rate.failure-rate-interval",
    "restart-strategy.failure-rate.delay",
    // ---- cluster keys (JobManager, TaskManager, REST, blob store, logs) ----
    "jobmanager.rpc.address",
    "jobmanager.rpc.port",
    "jobmanager.bind-host",
    "jobmanager.memory.process.size",
    "jobmanager.execution.failover-strategy",
    "taskmanager.numberOfTaskSlots",
    "taskmanager.host",
    "taskmanager.bind-host",
    "taskmanager.rpc.port",
    "taskmanager.data.port",
    "taskmanager.memory.process.size",
    "rest.address",
    "rest.port",
    "rest.bind-address",
    "rest.server.max-content-length",
    "rest.client.max-content-length",
    "web.submit.enable",
    "web.cancel.enable",
    "web.upload.dir",
    "web.refresh-interval",
    "heartbeat.interval",
    "heartbeat.timeout",
    "blob.storage.directory",
    "env.log.dir",
    "env.pid.dir",
    "security.cluster.secret",
    "cluster.registration.initial-timeout",
    "cluster.registration.max-timeout",
    "cluster.registration.refused-registration-delay",
    "cluster.startup.timeout",
];

/// How a job runs: continuously (`STREAMING`) or with only final results (`BATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum RuntimeMode {
    /// Results are updated continuously as records arrive (Flink's default).
    #[default]
    Streaming,
    /// Bounded input only; keyed aggregations emit only their final result per key.
    Batch,
}

/// A flat key → value configuration using Flink's key names.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Configuration {
    values: BTreeMap<String, String>,
}

impl Configuration {
    /// An empty configuration (every key at its default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a key after checking that it is known; the error names the nearest known key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> Result<()> {
        if !KNOWN_KEYS.contains(&key) {
            return Err(Error::Config(unknown_key_message(key)));
        }
        self.values.insert(key.to_string(), value.into());
        Ok(())
    }

    /// The raw value of a key, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// All keys that are set, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A positive integer value, or `None` when unset; errors name the key and value.
    pub fn get_positive(&self, key: &str) -> Result<Option<usize>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(Error::Config(format!("'{key}': expected a positive integer, got '{v}'"))),
            },
        }
    }

    /// A non-negative integer value, or `None` when unset.
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                v.trim().parse::<u64>().map(Some).map_err(|_| Error::Config(format!("'{key}': expected a non-negative integer, got '{v}'")))
            }
        }
    }

    /// A floating-point value, or `None` when unset.
    pub fn get_f64(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<f64>().map(Some).map_err(|_| Error::Config(format!("'{key}': expected a number, got '{v}'"))),
        }
    }

    /// A boolean value (`true`/`false`), or `default` when unset.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v == "true" => Ok(true),
            Some(v) if v == "false" => Ok(false),
            Some(v) => Err(Error::Config(format!("'{key}': expected true or false, got '{v}'"))),
        }
    }

    /// A duration in milliseconds; accepts Flink's forms `100`, `100 ms`, `5 s`, `1 min`.
    pub fn get_duration_ms(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_duration_ms(v)
                .map(Some)
                .ok_or_else(|| Error::Config(format!("'{key}': expected a duration like '100 ms' or '5 s', got '{v}'"))),
        }
    }

    /// A memory size in bytes; accepts `1048576`, `512 kb`, `64mb`, `1 MiB`, `2g`.
    pub fn get_memory_size(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_memory_size(v)
                .map(Some)
                .ok_or_else(|| Error::Config(format!("'{key}': expected a memory size like '64mb' or '1 gb', got '{v}'"))),
        }
    }

    /// `execution.runtime-mode`, default `STREAMING`.
    pub fn runtime_mode(&self) -> Result<RuntimeMode> {
        match self.get(RUNTIME_MODE).map(|v| v.trim().to_ascii_uppercase()) {
            None => Ok(RuntimeMode::Streaming),
            Some(v) if v == "STREAMING" => Ok(RuntimeMode::Streaming),
            Some(v) if v == "BATCH" => Ok(RuntimeMode::Batch),
            Some(v) => Err(Error::Config(format!("'{RUNTIME_MODE}': expected STREAMING or BATCH, got '{v}'"))),
        }
    }
}

/// Parses Flink memory sizes: a number with an optional unit (b, k/kb/kib, m/mb/mib, g/gb/gib,
/// t/tb/tib; powers of 1024 like Flink's `MemorySize`), case-insensitive.
pub fn parse_memory_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let shift = match unit.trim() {
        "" | "b" | "bytes" => 0,
        "k" | "kb" | "kib" | "kibibytes" => 10,
        "m" | "mb" | "mib" | "mebibytes" => 20,
        "g" | "gb" | "gib" | "gibibytes" => 30,
        "t" | "tb" | "tib" | "tebibytes" => 40,
        _ => return None,
    };
    n.checked_mul(1u64 << shift)
}

/// Parses Flink duration strings: a number with an optional unit (ms, s, min, h, d).
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" | "milli" | "millis" | "milliseconds" => 1,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
        "min" | "m" | "minute" | "minutes" => 60_000,
        "h" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// "unknown configuration key 'x'; did you mean 'y'?"
pub fn unknown_key_message(key: &str) -> String {
    match nearest(key, KNOWN_KEYS) {
        Some(near) => format!("unknown configuration key '{key}'; did you mean '{near}'?"),
        None => format!("unknown configuration key '{key}'"),
    }
}

/// The candidate with the smallest edit distance to `word`, if reasonably close.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates.iter().map(|c| (edit_distance(word, c), *c)).min().filter(|(d, _)| *d <= word.len().max(4) / 2).map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_use_flink_units() {
        assert_eq!(parse_memory_size("64mb"), Some(64 << 20));
        assert_eq!(parse_memory_size(" 1 MiB "), Some(1 << 20));
        assert_eq!(parse_memory_size("512"), Some(512));
        assert_eq!(parse_memory_size("2g"), Some(2 << 30));
        assert_eq!(parse_memory_size("lots"), None);
        assert_eq!(parse_memory_size("5 parsecs"), None);
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let mut c = Configuration::new();
        let err = c.set("parallelism.defualt", "2").unwrap_err().to_string();
        assert!(err.contains("did you mean 'parallelism.default'"), "{err}");
        c.set(PARALLELISM_DEFAULT, "3").unwrap();
        assert_eq!(c.get_positive(PARALLELISM_DEFAULT).unwrap(), Some(3));
    }

    #[test]
    fn typed_values_are_checked() {
        let mut c = Configuration::new();
        c.set(PARALLELISM_DEFAULT, "zero").unwrap();
        assert!(c.get_positive(PARALLELISM_DEFAULT).unwrap_err().to_string().contains("'zero'"));
        c.set(RUNTIME_MODE, "batch").unwrap();
        assert_eq!(c.runtime_mode().unwrap(), RuntimeMode::Batch);
        c.set(BUFFER_TIMEOUT, "5 s").unwrap();
        assert_eq!(c.get_duration_ms(BUFFER_TIMEOUT).unwrap(), Some(5000));
        assert_eq!(parse_duration_ms("100ms"), Some(100));
        assert_eq!(parse_duration_ms("1 min"), Some(60_000));
        assert_eq!(parse_duration_ms("fast"), None);
    }
}
