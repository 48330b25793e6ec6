//! Per-subtask views of a vertex: `subtasktimes`, `taskmanagers` and the flame graph.

use super::vertex::IoMetrics;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One subtask of [`SubtaskTimes`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtaskTimestamps {
    /// Subtask index.
    pub subtask: usize,
    /// Host of its TaskManager.
    pub host: String,
    /// `host:port` of its TaskManager.
    pub endpoint: String,
    /// Ms since it was created.
    pub duration: i64,
    /// When it entered each execution state (ms since the epoch).
    pub timestamps: BTreeMap<String, i64>,
}

/// `GET /jobs/:jobid/vertices/:vertexid/subtasktimes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtaskTimes {
    /// Vertex id.
    pub id: String,
    /// Vertex name.
    pub name: String,
    /// Server time.
    pub now: i64,
    /// Subtasks.
    pub subtasks: Vec<SubtaskTimestamps>,
}

/// `aggregated` of [`VertexTaskManager`]: per-metric min/max/avg/sum over its subtasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregatedTaskDetails {
    /// Metric name → `{"min", "max", "avg", "sum", "median", "p25", "p75", "p95"}`.
    pub metrics: BTreeMap<String, BTreeMap<String, f64>>,
    /// Execution state → `{"min", "max", …}` of the time spent in it.
    #[serde(rename = "status-duration")]
    pub status_duration: BTreeMap<String, BTreeMap<String, f64>>,
}

/// One TaskManager of [`VertexTaskManagers`]: the subtasks of the vertex it runs, combined.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VertexTaskManager {
    /// `host:port`.
    pub endpoint: String,
    /// Combined execution state.
    pub status: String,
    /// Start time.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// End time or -1.
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Duration in ms.
    pub duration: i64,
    /// Summed I/O metrics.
    pub metrics: IoMetrics,
    /// Subtask counts per execution state.
    #[serde(rename = "status-counts")]
    pub status_counts: BTreeMap<String, u32>,
    /// TaskManager id.
    #[serde(rename = "taskmanager-id")]
    pub taskmanager_id: String,
    /// Aggregated subtask metrics.
    pub aggregated: AggregatedTaskDetails,
}

/// `GET /jobs/:jobid/vertices/:vertexid/taskmanagers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VertexTaskManagers {
    /// Vertex id.
    pub id: String,
    /// Vertex name.
    pub name: String,
    /// Server time.
    pub now: i64,
    /// TaskManagers running subtasks of the vertex.
    pub taskmanagers: Vec<VertexTaskManager>,
}

/// `GET /jobs/:jobid/vertices/:vertexid/flamegraph`: Rasch does not sample stacks, so it
/// answers like a Flink cluster with `rest.flamegraph.enabled: false` (`endTimestamp` -2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VertexFlameGraph {
    /// -2: the feature is disabled.
    #[serde(rename = "endTimestamp")]
    pub end_timestamp: i64,
    /// No samples.
    pub data: Option<serde_json::Value>,
}

impl VertexFlameGraph {
    /// Flink's `VertexFlameGraph.disabled()`.
    pub fn disabled() -> Self {
        VertexFlameGraph { end_timestamp: -2, data: None }
    }
}
