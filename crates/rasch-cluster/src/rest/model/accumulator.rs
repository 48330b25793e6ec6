//! Accumulators: `/jobs/:jobid/accumulators` and `/jobs/:jobid/vertices/:vertexid/accumulators`.
//! Rasch's user counters are job-wide (summed over workers), so a vertex lists none of its own.

use serde::{Deserialize, Serialize};

/// One user accumulator (`{"name", "type", "value"}`; the value is a string like Flink's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserAccumulator {
    /// Name.
    pub name: String,
    /// Type name (`LongCounter`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Value.
    pub value: String,
}

/// `GET /jobs/:jobid/accumulators`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobAccumulators {
    /// Job-level accumulators (Flink's field; always empty).
    #[serde(rename = "job-accumulators")]
    pub job_accumulators: Vec<UserAccumulator>,
    /// User accumulators, summed over all tasks.
    #[serde(rename = "user-task-accumulators")]
    pub user_task_accumulators: Vec<UserAccumulator>,
    /// Serialized accumulators (only with `includeSerializedValue=true`; empty).
    #[serde(rename = "serialized-user-task-accumulators")]
    pub serialized_user_task_accumulators: serde_json::Map<String, serde_json::Value>,
}

/// `GET /jobs/:jobid/vertices/:vertexid/accumulators`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VertexAccumulators {
    /// Vertex id.
    pub id: String,
    /// Accumulators of this vertex.
    #[serde(rename = "user-accumulators")]
    pub user_accumulators: Vec<UserAccumulator>,
}

/// One subtask of [`SubtasksAccumulators`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtaskAccumulators {
    /// Subtask index.
    pub subtask: usize,
    /// Attempt number.
    pub attempt: u32,
    /// `host:port` of its TaskManager.
    pub endpoint: String,
    /// Its accumulators.
    #[serde(rename = "user-accumulators")]
    pub user_accumulators: Vec<UserAccumulator>,
}

/// `GET /jobs/:jobid/vertices/:vertexid/subtasks/accumulators`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubtasksAccumulators {
    /// Vertex id.
    pub id: String,
    /// Parallelism.
    pub parallelism: usize,
    /// Per subtask.
    pub subtasks: Vec<SubtaskAccumulators>,
}
