//! The job options — `parallelism.*`, `pipeline.*`, `execution.*`, `state.*`,
//! `restart-strategy.*` — and [`ALL`], the registry of every option Rasch understands.
//! A key exists exactly when it is declared here or in [`super::cluster_options`].

use super::cluster_options::*;
use super::option::{AnyOption, ConfigOption, Scope::Job};
use super::types::*;
use std::time::Duration;

/// `parallelism.default`: parallelism of operators that do not set their own.
pub const PARALLELISM_DEFAULT: ConfigOption<usize> = ConfigOption::new(
    "parallelism.default",
    POSITIVE,
    Job,
    "Parallelism of operators that set none. Unset in local mode: the number of CPU cores.",
)
.with_default("1");
/// `pipeline.max-parallelism`: upper bound for rescaling; also the number of key groups.
pub const MAX_PARALLELISM: ConfigOption<usize> = ConfigOption::new(
    "pipeline.max-parallelism",
    POSITIVE,
    Job,
    "Upper bound for rescaling and number of key groups. Unset: min(max(next_pow2(p + p/2), 128), 32768).",
);
/// `execution.runtime-mode`: `STREAMING` (default) or `BATCH`.
pub const RUNTIME_MODE: ConfigOption<RuntimeMode> = ConfigOption::new(
    "execution.runtime-mode",
    RUNTIME_MODE_TYPE,
    Job,
    "STREAMING updates results continuously; BATCH emits final results only.",
)
.with_default("STREAMING");
/// `execution.buffer-timeout`: maximum time a partly filled batch waits before it is sent.
pub const BUFFER_TIMEOUT: ConfigOption<Duration> = ConfigOption::new(
    "execution.buffer-timeout",
    DURATION,
    Job,
    "Longest wait of a partly filled batch (Rasch sends partial batches as soon as a task is idle).",
);
/// `pipeline.operator-chaining.enabled`: whether forward edges are fused into one task.
pub const OPERATOR_CHAINING: ConfigOption<bool> =
    ConfigOption::new("pipeline.operator-chaining.enabled", BOOL, Job, "Fuse operators joined by forward edges into one task.")
        .with_default("true");
/// `pipeline.auto-watermark-interval`: how often sources emit periodic watermarks.
pub const AUTO_WATERMARK_INTERVAL: ConfigOption<Duration> =
    ConfigOption::new("pipeline.auto-watermark-interval", DURATION, Job, "How often periodic watermarks are emitted.")
        .with_default("200 ms");
/// `taskmanager.network.batch-size` (Rasch): records per exchanged batch.
pub const BATCH_SIZE: ConfigOption<usize> =
    ConfigOption::new("taskmanager.network.batch-size", POSITIVE, Job, "Records per batch exchanged between tasks (Rasch).")
        .with_default("1024");

/// `execution.checkpointing.interval`: checkpoint every this long (unset: no checkpoints).
pub const CHECKPOINTING_INTERVAL: ConfigOption<Duration> = ConfigOption::new(
    "execution.checkpointing.interval",
    DURATION,
    Job,
    "Checkpoint every this long; unset or 0: no periodic checkpoints.",
);
/// `execution.checkpointing.mode`: `EXACTLY_ONCE` (aligned barriers) or `AT_LEAST_ONCE`.
pub const CHECKPOINTING_MODE: ConfigOption<CheckpointingMode> = ConfigOption::new(
    "execution.checkpointing.mode",
    CHECKPOINTING_MODE_TYPE,
    Job,
    "Aligned barriers (EXACTLY_ONCE) or not (AT_LEAST_ONCE).",
)
.with_default("EXACTLY_ONCE");
/// `execution.checkpointing.timeout`: a checkpoint not completed within this is aborted.
pub const CHECKPOINTING_TIMEOUT: ConfigOption<Duration> =
    ConfigOption::new("execution.checkpointing.timeout", DURATION, Job, "A checkpoint not completed within this is aborted.")
        .with_default("10 min");
/// `execution.checkpointing.min-pause`: minimum time between the end of one checkpoint and the next.
pub const CHECKPOINTING_MIN_PAUSE: ConfigOption<Duration> =
    ConfigOption::new("execution.checkpointing.min-pause", DURATION, Job, "Minimum pause between the end of a checkpoint and the next.")
        .with_default("0 ms");
/// `execution.checkpointing.max-concurrent-checkpoints`.
pub const CHECKPOINTING_MAX_CONCURRENT: ConfigOption<usize> = ConfigOption::new(
    "execution.checkpointing.max-concurrent-checkpoints",
    POSITIVE,
    Job,
    "Checkpoints in flight at once (Rasch runs one at a time; larger values are accepted).",
)
.with_default("1");
/// `execution.checkpointing.tolerable-failed-checkpoints`: consecutive failures before the job fails.
pub const CHECKPOINTING_TOLERABLE_FAILURES: ConfigOption<u64> = ConfigOption::new(
    "execution.checkpointing.tolerable-failed-checkpoints",
    COUNT,
    Job,
    "Consecutive failed checkpoints tolerated before the job fails.",
)
.with_default("0");
/// `execution.checkpointing.num-retained`: completed checkpoints kept.
pub const CHECKPOINTING_NUM_RETAINED: ConfigOption<u64> =
    ConfigOption::new("execution.checkpointing.num-retained", COUNT, Job, "Completed checkpoints kept (at least 1).").with_default("1");
/// `execution.checkpointing.externalized-checkpoint-retention`: `DELETE_ON_CANCELLATION` or `RETAIN_ON_CANCELLATION`.
pub const CHECKPOINTING_RETENTION: ConfigOption<CheckpointRetention> = ConfigOption::new(
    "execution.checkpointing.externalized-checkpoint-retention",
    RETENTION_TYPE,
    Job,
    "Whether a cancelled job's checkpoints are kept.",
)
.with_default("DELETE_ON_CANCELLATION");
/// `execution.checkpointing.dir`: where checkpoints are written (path, `file://`, `s3://`).
pub const CHECKPOINTING_DIR: ConfigOption<String> = ConfigOption::new(
    "execution.checkpointing.dir",
    TEXT,
    Job,
    "Where checkpoints are written: a path, file:// or s3://. Unset: in memory (local mode only).",
);
/// `execution.checkpointing.savepoint-dir`: default target of savepoints.
pub const SAVEPOINT_DIR: ConfigOption<String> =
    ConfigOption::new("execution.checkpointing.savepoint-dir", TEXT, Job, "Default target directory of savepoints.");
/// `execution.savepoint.path`: restore the job from this savepoint or checkpoint.
pub const SAVEPOINT_PATH: ConfigOption<String> =
    ConfigOption::new("execution.savepoint.path", TEXT, Job, "Restore the job from this savepoint or checkpoint.");
/// `execution.savepoint.ignore-unclaimed-state`: allow state of operators the job lacks.
pub const SAVEPOINT_IGNORE_UNCLAIMED: ConfigOption<bool> =
    ConfigOption::new("execution.savepoint.ignore-unclaimed-state", BOOL, Job, "Allow savepoint state of operators the job no longer has.")
        .with_default("false");
/// `state.backend.type`: `hashmap` (default) or `lsm` (aliases `rocksdb`, `forst`).
pub const STATE_BACKEND: ConfigOption<StateBackendType> =
    ConfigOption::new("state.backend.type", STATE_BACKEND_TYPE, Job, "Keyed state backend: hashmap (in memory) or lsm (on local disk).")
        .with_default("hashmap");
/// `state.backend.incremental`: incremental checkpoints (both backends; default false).
pub const STATE_BACKEND_INCREMENTAL: ConfigOption<bool> = ConfigOption::new(
    "state.backend.incremental",
    BOOL,
    Job,
    "Incremental checkpoints: only the changes since the last completed checkpoint.",
)
.with_default("false");
/// `state.backend.lsm.memory-budget`: memory of the lsm backend per keyed operator instance
/// (cache of deserialized entries + engine memtables and block cache), e.g. `64mb`.
pub const STATE_BACKEND_LSM_MEMORY: ConfigOption<u64> = ConfigOption::new(
    "state.backend.lsm.memory-budget",
    MEMORY_SIZE,
    Job,
    "Memory of the lsm backend per keyed operator instance (at least 64kb).",
)
.with_default("64mb");
/// `state.backend.lsm.local-dir`: where the lsm backend keeps its files (default: the temp dir).
pub const STATE_BACKEND_LSM_LOCAL_DIR: ConfigOption<String> =
    ConfigOption::new("state.backend.lsm.local-dir", TEXT, Job, "Where the lsm backend keeps its files. Unset: the system temp dir.");

/// `restart-strategy.type`: `none`, `fixed-delay`, `exponential-delay`, `failure-rate`.
pub const RESTART_STRATEGY: ConfigOption<RestartStrategyType> = ConfigOption::new(
    "restart-strategy.type",
    RESTART_STRATEGY_TYPE,
    Job,
    "Unset: fixed-delay with unlimited attempts when checkpointing is enabled, else none.",
);
/// `restart-strategy.fixed-delay.attempts`.
pub const FIXED_DELAY_ATTEMPTS: ConfigOption<u64> =
    ConfigOption::new("restart-strategy.fixed-delay.attempts", COUNT, Job, "Restarts allowed by fixed-delay.").with_default("1");
/// `restart-strategy.fixed-delay.delay`.
pub const FIXED_DELAY_DELAY: ConfigOption<Duration> =
    ConfigOption::new("restart-strategy.fixed-delay.delay", DURATION, Job, "Wait before each fixed-delay restart.").with_default("1 s");
/// `restart-strategy.exponential-delay.initial-backoff`.
pub const EXPONENTIAL_INITIAL_BACKOFF: ConfigOption<Duration> =
    ConfigOption::new("restart-strategy.exponential-delay.initial-backoff", DURATION, Job, "First backoff.").with_default("1 s");
/// `restart-strategy.exponential-delay.max-backoff`.
pub const EXPONENTIAL_MAX_BACKOFF: ConfigOption<Duration> =
    ConfigOption::new("restart-strategy.exponential-delay.max-backoff", DURATION, Job, "Largest backoff.").with_default("1 min");
/// `restart-strategy.exponential-delay.backoff-multiplier`.
pub const EXPONENTIAL_MULTIPLIER: ConfigOption<f64> = ConfigOption::new(
    "restart-strategy.exponential-delay.backoff-multiplier",
    FLOAT,
    Job,
    "Growth of the backoff per restart (at least 1).",
)
.with_default("1.5");
/// `restart-strategy.exponential-delay.reset-backoff-threshold`.
pub const EXPONENTIAL_RESET_THRESHOLD: ConfigOption<Duration> = ConfigOption::new(
    "restart-strategy.exponential-delay.reset-backoff-threshold",
    DURATION,
    Job,
    "Failure-free time that resets the backoff.",
)
.with_default("1 h");
/// `restart-strategy.exponential-delay.jitter-factor` (accepted; Rasch adds no jitter).
pub const EXPONENTIAL_JITTER: ConfigOption<f64> = ConfigOption::new(
    "restart-strategy.exponential-delay.jitter-factor",
    FLOAT,
    Job,
    "Accepted for Flink compatibility; no jitter is added.",
);
/// `restart-strategy.exponential-delay.attempts-before-reset-backoff` (accepted; unlimited).
pub const EXPONENTIAL_ATTEMPTS: ConfigOption<u64> =
    ConfigOption::new("restart-strategy.exponential-delay.attempts-before-reset-backoff", COUNT, Job, "Accepted for Flink compatibility.");
/// `restart-strategy.failure-rate.max-failures-per-interval`.
pub const FAILURE_RATE_MAX_FAILURES: ConfigOption<u64> =
    ConfigOption::new("restart-strategy.failure-rate.max-failures-per-interval", COUNT, Job, "Failures allowed per interval.")
        .with_default("1");
/// `restart-strategy.failure-rate.failure-rate-interval`.
pub const FAILURE_RATE_INTERVAL: ConfigOption<Duration> =
    ConfigOption::new("restart-strategy.failure-rate.failure-rate-interval", DURATION, Job, "The interval failures are counted in.")
        .with_default("1 min");
/// `restart-strategy.failure-rate.delay`.
pub const FAILURE_RATE_DELAY: ConfigOption<Duration> =
    ConfigOption::new("restart-strategy.failure-rate.delay", DURATION, Job, "Wait before each failure-rate restart.").with_default("1 s");

/// Every option Rasch understands in this version: job options, then cluster options.
pub static ALL: &[&dyn AnyOption] = &[
    &PARALLELISM_DEFAULT,
    &MAX_PARALLELISM,
    &RUNTIME_MODE,
    &BUFFER_TIMEOUT,
    &OPERATOR_CHAINING,
    &AUTO_WATERMARK_INTERVAL,
    &BATCH_SIZE,
    &CHECKPOINTING_INTERVAL,
    &CHECKPOINTING_MODE,
    &CHECKPOINTING_TIMEOUT,
    &CHECKPOINTING_MIN_PAUSE,
    &CHECKPOINTING_MAX_CONCURRENT,
    &CHECKPOINTING_TOLERABLE_FAILURES,
    &CHECKPOINTING_NUM_RETAINED,
    &CHECKPOINTING_RETENTION,
    &CHECKPOINTING_DIR,
    &SAVEPOINT_DIR,
    &SAVEPOINT_PATH,
    &SAVEPOINT_IGNORE_UNCLAIMED,
    &STATE_BACKEND,
    &STATE_BACKEND_INCREMENTAL,
    &STATE_BACKEND_LSM_MEMORY,
    &STATE_BACKEND_LSM_LOCAL_DIR,
    &RESTART_STRATEGY,
    &FIXED_DELAY_ATTEMPTS,
    &FIXED_DELAY_DELAY,
    &EXPONENTIAL_INITIAL_BACKOFF,
    &EXPONENTIAL_MAX_BACKOFF,
    &EXPONENTIAL_MULTIPLIER,
    &EXPONENTIAL_RESET_THRESHOLD,
    &EXPONENTIAL_JITTER,
    &EXPONENTIAL_ATTEMPTS,
    &FAILURE_RATE_MAX_FAILURES,
    &FAILURE_RATE_INTERVAL,
    &FAILURE_RATE_DELAY,
    &JOBMANAGER_RPC_ADDRESS,
    &JOBMANAGER_RPC_PORT,
    &JOBMANAGER_BIND_HOST,
    &JOBMANAGER_MEMORY_PROCESS_SIZE,
    &JOBMANAGER_FAILOVER_STRATEGY,
    &TASKMANAGER_SLOTS,
    &TASKMANAGER_HOST,
    &TASKMANAGER_BIND_HOST,
    &TASKMANAGER_RPC_PORT,
    &TASKMANAGER_DATA_PORT,
    &TASKMANAGER_MEMORY_PROCESS_SIZE,
    &REST_ADDRESS,
    &REST_PORT,
    &REST_BIND_ADDRESS,
    &REST_SERVER_MAX_CONTENT_LENGTH,
    &REST_CLIENT_MAX_CONTENT_LENGTH,
    &WEB_SUBMIT_ENABLE,
    &WEB_CANCEL_ENABLE,
    &WEB_UPLOAD_DIR,
    &WEB_REFRESH_INTERVAL,
    &HEARTBEAT_INTERVAL,
    &HEARTBEAT_TIMEOUT,
    &BLOB_STORAGE_DIRECTORY,
    &ENV_LOG_DIR,
    &ENV_PID_DIR,
    &SECURITY_CLUSTER_SECRET,
    &REGISTRATION_INITIAL_TIMEOUT,
    &REGISTRATION_MAX_TIMEOUT,
    &REGISTRATION_REFUSED_DELAY,
    &CLUSTER_STARTUP_TIMEOUT,
    &HIGH_AVAILABILITY,
    &HIGH_AVAILABILITY_ETCD_ENDPOINTS,
    &HIGH_AVAILABILITY_ETCD_LEASE_TTL,
    &HIGH_AVAILABILITY_STORAGE_DIR,
    &HIGH_AVAILABILITY_CLUSTER_ID,
    &HIGH_AVAILABILITY_JOBMANAGER_PORT,
];
