//! Vertices (tasks) of a job: I/O metrics, subtasks, back-pressure and watermarks.

use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

/// Serializes NaN like Flink (the string `"NaN"`), other values as numbers.
fn nan_as_string<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() { s.serialize_f64(*v) } else { s.serialize_str("NaN") }
}

fn f64_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        F(f64),
        #[allow(dead_code)]
        S(String),
    }
    Ok(match N::deserialize(d)? {
        N::F(f) => f,
        N::S(_) => f64::NAN,
    })
}

/// I/O metrics of a vertex or subtask (Flink's `IOMetricsInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct IoMetrics {
    /// Bytes read.
    pub read_bytes: u64,
    /// Whether `read-bytes` is complete.
    pub read_bytes_complete: bool,
    /// Bytes written.
    pub write_bytes: u64,
    /// Whether `write-bytes` is complete.
    pub write_bytes_complete: bool,
    /// Records read.
    pub read_records: u64,
    /// Whether `read-records` is complete.
    pub read_records_complete: bool,
    /// Records written.
    pub write_records: u64,
    /// Whether `write-records` is complete.
    pub write_records_complete: bool,
    /// Time back-pressured in ms.
    pub accumulated_backpressured_time: u64,
    /// Time idle in ms.
    pub accumulated_idle_time: u64,
    /// Time busy in ms (NaN when unknown, serialized as `"NaN"` like Flink).
    #[serde(serialize_with = "nan_as_string", deserialize_with = "f64_or_nan")]
    pub accumulated_busy_time: f64,
}

/// One vertex in `GET /jobs/:jobid` (Flink's `JobVertexDetailsInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobVertexSummary {
    /// Vertex id (32 hex characters).
    pub id: String,
    /// Slot sharing group id.
    #[serde(rename = "slotSharingGroupId")]
    pub slot_sharing_group_id: String,
    /// Name (chained operators).
    pub name: String,
    /// Max parallelism.
    #[serde(rename = "maxParallelism")]
    pub max_parallelism: i64,
    /// Parallelism.
    pub parallelism: usize,
    /// Execution state of the vertex.
    pub status: String,
    /// Start time, ms since the epoch (-1 if not started).
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// End time (-1 if not ended).
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Duration in ms.
    pub duration: i64,
    /// Subtask counts per execution state (upper-case keys).
    pub tasks: BTreeMap<String, u32>,
    /// Aggregated I/O metrics.
    pub metrics: IoMetrics,
}

/// One subtask of a vertex (Flink's `SubtaskExecutionAttemptDetailsInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtaskDetails {
    /// Subtask index.
    pub subtask: usize,
    /// Execution state.
    pub status: String,
    /// Attempt number.
    pub attempt: u32,
    /// `host:port` of the TaskManager.
    pub endpoint: String,
    /// Start time.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// End time or -1.
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Duration.
    pub duration: i64,
    /// I/O metrics.
    pub metrics: IoMetrics,
    /// TaskManager id.
    #[serde(rename = "taskmanager-id")]
    pub taskmanager_id: String,
}

/// `GET /jobs/:jobid/vertices/:vertexid`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VertexDetails {
    /// Vertex id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Max parallelism.
    #[serde(rename = "maxParallelism")]
    pub max_parallelism: i64,
    /// Parallelism.
    pub parallelism: usize,
    /// Server time.
    pub now: i64,
    /// Subtasks.
    pub subtasks: Vec<SubtaskDetails>,
}

/// One subtask in [`VertexBackPressure`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtaskBackPressure {
    /// Subtask index.
    pub subtask: usize,
    /// Attempt number.
    #[serde(rename = "attempt-number")]
    pub attempt_number: u32,
    /// `ok`, `low` or `high`.
    #[serde(rename = "backpressure-level")]
    pub backpressure_level: String,
    /// Back-pressured time ratio (0..1).
    pub ratio: f64,
    /// Idle time ratio.
    #[serde(rename = "idleRatio")]
    pub idle_ratio: f64,
    /// Busy time ratio.
    #[serde(rename = "busyRatio")]
    pub busy_ratio: f64,
}

/// `GET /jobs/:jobid/vertices/:vertexid/backpressure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VertexBackPressure {
    /// `ok` (or `deprecated` when no data yet).
    pub status: String,
    /// Worst level: `ok`, `low`, `high`.
    #[serde(rename = "backpressure-level")]
    pub backpressure_level: String,
    /// When the sample was taken.
    #[serde(rename = "end-timestamp")]
    pub end_timestamp: i64,
    /// Per subtask.
    pub subtasks: Vec<SubtaskBackPressure>,
}

/// One metric of `GET /jobs/:jobid/vertices/:vertexid/watermarks`
/// (`{"id": "0.currentInputWatermark", "value": "1700000000000"}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatermarkMetric {
    /// `<subtask>.currentInputWatermark`.
    pub id: String,
    /// The watermark as a string (Flink's metric format).
    pub value: String,
}
