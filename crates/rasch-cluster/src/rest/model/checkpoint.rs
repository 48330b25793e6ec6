//! Checkpoint statistics and configuration: `/jobs/:jobid/checkpoints[/config|/details/:id]`.

pub use rasch_runtime::checkpoint::CheckpointStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `counts` of [`CheckpointingStatistics`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointCounts {
    /// Restored checkpoints.
    pub restored: u64,
    /// All triggered.
    pub total: u64,
    /// In progress.
    pub in_progress: u64,
    /// Completed.
    pub completed: u64,
    /// Failed.
    pub failed: u64,
}

/// Min/max/avg/percentiles of one checkpoint statistic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsSummary {
    /// Minimum.
    pub min: i64,
    /// Maximum.
    pub max: i64,
    /// Average.
    pub avg: i64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
}

/// `summary` of [`CheckpointingStatistics`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointSummary {
    /// Size of the checkpoint (incremental size).
    pub checkpointed_size: StatsSummary,
    /// Full state size.
    pub state_size: StatsSummary,
    /// Trigger to last acknowledgement.
    pub end_to_end_duration: StatsSummary,
    /// Bytes buffered during alignment.
    pub alignment_buffered: StatsSummary,
    /// Processed in-flight data.
    pub processed_data: StatsSummary,
    /// Persisted in-flight data.
    pub persisted_data: StatsSummary,
}

/// Statistics of one checkpoint (Flink's `CheckpointStatistics`; also the answer of
/// `/jobs/:jobid/checkpoints/details/:checkpointid`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointStatistics {
    /// `completed`, `in_progress` or `failed` (Flink's `className` discriminator).
    #[serde(rename = "className")]
    pub class_name: String,
    /// Checkpoint id.
    pub id: u64,
    /// `IN_PROGRESS`, `COMPLETED`, `FAILED`.
    pub status: CheckpointStatus,
    /// Whether this is a savepoint.
    pub is_savepoint: bool,
    /// `CHECKPOINT`, `SAVEPOINT`, `SYNC_SAVEPOINT`, `FULL_CHECKPOINT`.
    pub checkpoint_type: String,
    /// Trigger time.
    pub trigger_timestamp: i64,
    /// Time of the latest acknowledgement.
    pub latest_ack_timestamp: i64,
    /// Incremental size in bytes.
    pub checkpointed_size: u64,
    /// Full state size in bytes.
    pub state_size: u64,
    /// Trigger to last acknowledgement in ms.
    pub end_to_end_duration: i64,
    /// Bytes buffered during alignment.
    pub alignment_buffered: u64,
    /// Processed in-flight bytes.
    pub processed_data: u64,
    /// Persisted in-flight bytes.
    pub persisted_data: u64,
    /// Subtasks taking part.
    pub num_subtasks: usize,
    /// Subtasks that acknowledged.
    pub num_acknowledged_subtasks: usize,
    /// Per-vertex statistics, keyed by vertex id (free-form).
    pub tasks: BTreeMap<String, serde_json::Value>,
    /// Where the completed checkpoint lives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_path: Option<String>,
    /// Whether a completed checkpoint was discarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discarded: Option<bool>,
    /// Failure time of a failed checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_timestamp: Option<i64>,
    /// Failure message of a failed checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_message: Option<String>,
}

/// Details of one checkpoint: the same shape as a history entry.
pub type CheckpointDetails = CheckpointStatistics;

/// The checkpoint the job restored from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoredCheckpoint {
    /// Checkpoint id.
    pub id: u64,
    /// When restored.
    pub restore_timestamp: i64,
    /// Whether it was a savepoint.
    pub is_savepoint: bool,
    /// Its path.
    pub external_path: String,
}

/// `latest` of [`CheckpointingStatistics`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatestCheckpoints {
    /// Latest completed checkpoint.
    pub completed: Option<CheckpointStatistics>,
    /// Latest savepoint.
    pub savepoint: Option<CheckpointStatistics>,
    /// Latest failed checkpoint.
    pub failed: Option<CheckpointStatistics>,
    /// What the job restored from.
    pub restored: Option<RestoredCheckpoint>,
}

/// `GET /jobs/:jobid/checkpoints`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointingStatistics {
    /// Counts.
    pub counts: CheckpointCounts,
    /// Summary over completed checkpoints.
    pub summary: CheckpointSummary,
    /// Latest ones.
    pub latest: LatestCheckpoints,
    /// Recent checkpoints, newest first.
    pub history: Vec<CheckpointStatistics>,
}

/// `externalization` of [`CheckpointConfigInfo`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalizationInfo {
    /// Whether checkpoints are retained.
    pub enabled: bool,
    /// Whether they are deleted on cancellation.
    pub delete_on_cancellation: bool,
}

/// `GET /jobs/:jobid/checkpoints/config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointConfigInfo {
    /// `exactly_once` or `at_least_once`.
    pub mode: String,
    /// Interval in ms.
    pub interval: u64,
    /// Timeout in ms.
    pub timeout: u64,
    /// Min pause in ms.
    pub min_pause: u64,
    /// Max concurrent checkpoints.
    pub max_concurrent: u64,
    /// Retention.
    pub externalization: ExternalizationInfo,
    /// State backend name.
    pub state_backend: String,
    /// Checkpoint storage name.
    pub checkpoint_storage: String,
    /// Unaligned checkpoints.
    pub unaligned_checkpoints: bool,
    /// Tolerable failed checkpoints.
    pub tolerable_failed_checkpoints: u64,
    /// Aligned checkpoint timeout in ms.
    pub aligned_checkpoint_timeout: u64,
    /// Whether checkpoints continue after some tasks finished.
    pub checkpoints_after_tasks_finish: bool,
    /// Changelog state backend.
    pub state_changelog_enabled: bool,
}
