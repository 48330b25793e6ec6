//! One checkpoint of one vertex, per subtask (`/jobs/:jobid/checkpoints/details/:id/subtasks/:vid`,
//! Flink's `TaskCheckpointStatisticsWithSubtaskDetails`). Rasch reports when each subtask
//! acknowledged, how long it aligned barriers and how many bytes of state it wrote; the
//! sync/async split and in-flight data are not measured, so those fields are left out rather
//! than filled with zeros.

use super::checkpoint::{CheckpointStatus, StatsSummary};
use serde::{Deserialize, Serialize};

/// `alignment` of a subtask: how long it waited for barriers on all inputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtaskAlignment {
    /// Alignment in ms.
    pub duration: u64,
}

/// One subtask of [`TaskCheckpointDetails`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtaskCheckpointStatistics {
    /// Subtask index.
    pub index: usize,
    /// `completed` once acknowledged, else `pending_or_failed` (Flink's values).
    pub status: String,
    /// When it acknowledged (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_timestamp: Option<i64>,
    /// Trigger to acknowledgement in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_to_end_duration: Option<u64>,
    /// Bytes of state it wrote (with new incremental deltas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_size: Option<u64>,
    /// Barrier alignment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alignment: Option<SubtaskAlignment>,
}

/// `summary.alignment` of [`TaskCheckpointDetails`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlignmentSummary {
    /// Alignment durations over the acknowledged subtasks.
    pub duration: StatsSummary,
}

/// `summary` of [`TaskCheckpointDetails`] over the acknowledged subtasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskCheckpointSummary {
    /// Trigger to acknowledgement.
    pub end_to_end_duration: StatsSummary,
    /// Bytes of state per subtask.
    pub state_size: StatsSummary,
    /// Barrier alignment.
    pub alignment: AlignmentSummary,
}

/// `GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskCheckpointDetails {
    /// Checkpoint id.
    pub id: u64,
    /// Status of the checkpoint.
    pub status: CheckpointStatus,
    /// Latest acknowledgement of the vertex's subtasks.
    pub latest_ack_timestamp: i64,
    /// Trigger to the vertex's last acknowledgement in ms.
    pub end_to_end_duration: u64,
    /// Bytes of state the vertex's subtasks wrote.
    pub state_size: u64,
    /// Subtasks of the vertex.
    pub num_subtasks: usize,
    /// Subtasks that acknowledged.
    pub num_acknowledged_subtasks: usize,
    /// Summary over acknowledged subtasks.
    pub summary: TaskCheckpointSummary,
    /// Per subtask, by index.
    pub subtasks: Vec<SubtaskCheckpointStatistics>,
}
