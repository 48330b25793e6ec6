//! The value types of configuration options ([`ValueType`]s) and the enums some options take,
//! with Flink's spellings and aliases; plus Flink's duration and memory-size syntax.

use super::option::ValueType;
use std::time::Duration;

/// Any text without NUL characters.
pub const TEXT: ValueType<String> =
    ValueType { expected: "text without NUL characters", parse: |v| (!v.contains('\0')).then(|| v.to_string()) };

/// `true` or `false`, case-insensitive.
pub const BOOL: ValueType<bool> = ValueType {
    expected: "true or false",
    parse: |v| match v.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    },
};

/// A TCP port, `0` meaning any free port.
pub const PORT: ValueType<u16> = ValueType { expected: "a port number (0-65535)", parse: |v| v.parse().ok() };

/// An integer of at least 1.
pub const POSITIVE: ValueType<usize> = ValueType { expected: "a positive integer", parse: |v| v.parse().ok().filter(|n| *n > 0) };

/// An integer of at least 0.
pub const COUNT: ValueType<u64> = ValueType { expected: "a non-negative integer", parse: |v| v.parse().ok() };

/// A finite number.
pub const FLOAT: ValueType<f64> = ValueType { expected: "a number", parse: |v| v.parse().ok().filter(|f: &f64| f.is_finite()) };

/// A duration in Flink's syntax: `100`, `100 ms`, `5 s`, `1 min`, `1 h`.
pub const DURATION: ValueType<Duration> = ValueType {
    expected: "a duration like '10000', '500 ms', '10 s' or '1 min'",
    parse: |v| parse_duration_ms(v).map(Duration::from_millis),
};

/// A memory size in bytes, in Flink's syntax: `1048576`, `512 kb`, `64mb`, `1 MiB`, `2g`.
pub const MEMORY_SIZE: ValueType<u64> =
    ValueType { expected: "a memory size like '1728m', '1 gb' or '1073741824b'", parse: parse_memory_size };

/// How a job runs: continuously (`STREAMING`) or with only final results (`BATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum RuntimeMode {
    /// Results are updated continuously as records arrive (Flink's default).
    #[default]
    Streaming,
    /// Bounded input only; keyed aggregations emit only their final result per key.
    Batch,
}

/// `STREAMING` or `BATCH`, case-insensitive.
pub const RUNTIME_MODE_TYPE: ValueType<RuntimeMode> = ValueType {
    expected: "STREAMING or BATCH",
    parse: |v| match v.to_ascii_uppercase().as_str() {
        "STREAMING" => Some(RuntimeMode::Streaming),
        "BATCH" => Some(RuntimeMode::Batch),
        _ => None,
    },
};

/// Barrier handling of checkpoints (`execution.checkpointing.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointingMode {
    /// Aligned barriers: every record is in exactly one checkpoint.
    ExactlyOnce,
    /// Unaligned: records may be replayed after a restore.
    AtLeastOnce,
}

/// `EXACTLY_ONCE` or `AT_LEAST_ONCE`, case-insensitive.
pub const CHECKPOINTING_MODE_TYPE: ValueType<CheckpointingMode> = ValueType {
    expected: "EXACTLY_ONCE or AT_LEAST_ONCE",
    parse: |v| match v.to_ascii_uppercase().as_str() {
        "EXACTLY_ONCE" => Some(CheckpointingMode::ExactlyOnce),
        "AT_LEAST_ONCE" => Some(CheckpointingMode::AtLeastOnce),
        _ => None,
    },
};

/// What happens to the checkpoints of a cancelled job
/// (`execution.checkpointing.externalized-checkpoint-retention`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointRetention {
    /// Deleted when the job is cancelled.
    DeleteOnCancellation,
    /// Kept when the job is cancelled.
    RetainOnCancellation,
    /// Flink's "not externalized": treated like deletion.
    NoExternalizedCheckpoints,
}

/// `DELETE_ON_CANCELLATION`, `RETAIN_ON_CANCELLATION` or `NO_EXTERNALIZED_CHECKPOINTS`.
pub const RETENTION_TYPE: ValueType<CheckpointRetention> = ValueType {
    expected: "DELETE_ON_CANCELLATION or RETAIN_ON_CANCELLATION",
    parse: |v| match v.to_ascii_uppercase().as_str() {
        "DELETE_ON_CANCELLATION" => Some(CheckpointRetention::DeleteOnCancellation),
        "RETAIN_ON_CANCELLATION" => Some(CheckpointRetention::RetainOnCancellation),
        "NO_EXTERNALIZED_CHECKPOINTS" => Some(CheckpointRetention::NoExternalizedCheckpoints),
        _ => None,
    },
};

/// The keyed state backend (`state.backend.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateBackendType {
    /// Every entry deserialized in memory (hash maps per key group).
    #[default]
    HashMap,
    /// An embedded LSM tree on local disk, with a bounded cache of deserialized entries.
    Lsm,
}

/// `hashmap` or `lsm`; Flink's embedded backends `rocksdb` and `forst` map to `lsm`.
pub const STATE_BACKEND_TYPE: ValueType<StateBackendType> = ValueType {
    expected: "hashmap or lsm (aliases: rocksdb, forst)",
    parse: |v| match v.to_ascii_lowercase().as_str() {
        "hashmap" => Some(StateBackendType::HashMap),
        "lsm" | "rocksdb" | "forst" => Some(StateBackendType::Lsm),
        _ => None,
    },
};

/// The restart strategy (`restart-strategy.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartStrategyType {
    /// Never restart.
    None,
    /// Restart a number of times with a fixed delay.
    FixedDelay,
    /// Restart with a growing delay.
    ExponentialDelay,
    /// Restart unless failures come too often.
    FailureRate,
}

/// Flink's names and aliases: `none`/`off`/`disable`, `fixed-delay`/`fixeddelay`,
/// `exponential-delay`/`exponentialdelay`, `failure-rate`/`failurerate`.
pub const RESTART_STRATEGY_TYPE: ValueType<RestartStrategyType> = ValueType {
    expected: "none, fixed-delay, exponential-delay or failure-rate",
    parse: |v| match v.to_ascii_lowercase().as_str() {
        "none" | "off" | "disable" => Some(RestartStrategyType::None),
        "fixed-delay" | "fixeddelay" => Some(RestartStrategyType::FixedDelay),
        "exponential-delay" | "exponentialdelay" => Some(RestartStrategyType::ExponentialDelay),
        "failure-rate" | "failurerate" => Some(RestartStrategyType::FailureRate),
        _ => None,
    },
};

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

/// Where the JobManager's leadership and recovery metadata live (`high-availability.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HighAvailabilityType {
    /// One JobManager, no standby (Flink's `NONE`).
    #[default]
    None,
    /// Leader election and metadata in etcd (`high-availability.etcd.endpoints`).
    Etcd,
}

/// `none` or `etcd`, case-insensitive (Flink's `NONE` spelling too).
pub const HIGH_AVAILABILITY_TYPE: ValueType<HighAvailabilityType> = ValueType {
    expected: "none or etcd",
    parse: |v| match v.to_ascii_lowercase().as_str() {
        "none" => Some(HighAvailabilityType::None),
        "etcd" => Some(HighAvailabilityType::Etcd),
        _ => None,
    },
};

/// A comma-separated list of `http://host:port` URLs (etcd endpoints).
pub const URL_LIST: ValueType<Vec<String>> = ValueType {
    expected: "comma-separated http:// or https:// URLs like 'http://127.0.0.1:2379'",
    parse: |v| {
        let urls: Vec<String> = v.split([',', ';']).map(str::trim).filter(|u| !u.is_empty()).map(str::to_string).collect();
        let valid = |u: &String| {
            let rest = u.strip_prefix("http://").or_else(|| u.strip_prefix("https://"));
            rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
        };
        (!urls.is_empty() && urls.iter().all(valid)).then_some(urls)
    },
};

/// An inclusive range of TCP ports (`high-availability.jobmanager.port`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortRange {
    /// The first port tried (`0`: any free port).
    pub first: u16,
    /// The last port tried.
    pub last: u16,
}

impl PortRange {
    /// Every port of the range, in order.
    pub fn ports(&self) -> impl Iterator<Item = u16> {
        self.first..=self.last
    }
}

/// A port (`50010`) or an inclusive range (`50010-50020`); `0` means any free port.
pub const PORT_RANGE: ValueType<PortRange> = ValueType {
    expected: "a port (50010), a range of ports (50010-50020) or 0",
    parse: |v| {
        let (a, b) = v.split_once('-').unwrap_or((v, v));
        let (first, last): (u16, u16) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        (first <= last && (first != 0 || last == 0)).then_some(PortRange { first, last })
    },
};
