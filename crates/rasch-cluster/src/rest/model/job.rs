//! Jobs: `/jobs`, `/jobs/overview`, `/jobs/:jobid`, its exceptions and configuration.

use super::vertex::JobVertexSummary;
pub use rasch_core::ErrorKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per-state task counts of a job in `/jobs/overview` (Flink's lower-case keys plus `total`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskCounts {
    /// All tasks.
    pub total: u32,
    /// Created.
    pub created: u32,
    /// Scheduled.
    pub scheduled: u32,
    /// Deploying.
    pub deploying: u32,
    /// Running.
    pub running: u32,
    /// Finished.
    pub finished: u32,
    /// Canceling.
    pub canceling: u32,
    /// Canceled.
    pub canceled: u32,
    /// Failed.
    pub failed: u32,
    /// Reconciling.
    pub reconciling: u32,
    /// Initializing.
    pub initializing: u32,
}

/// One entry of `GET /jobs/overview` (Flink's `JobDetails`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct JobOverview {
    /// Job id (32 hex characters).
    pub jid: String,
    /// Job name.
    pub name: String,
    /// Job status: `INITIALIZING`, `CREATED`, `RUNNING`, `FAILING`, `FAILED`, `CANCELLING`,
    /// `CANCELED`, `FINISHED`, `RESTARTING`, `SUSPENDED`, `RECONCILING`.
    pub state: String,
    /// Start time, ms since the epoch.
    pub start_time: i64,
    /// End time, or -1 while running.
    pub end_time: i64,
    /// Duration in ms.
    pub duration: i64,
    /// Last status change, ms since the epoch.
    pub last_modification: i64,
    /// Task counts per state.
    pub tasks: TaskCounts,
}

/// `GET /jobs/overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobsOverview {
    /// All jobs.
    pub jobs: Vec<JobOverview>,
}

/// One entry of `GET /jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobIdWithStatus {
    /// Job id.
    pub id: String,
    /// Job status.
    pub status: String,
}

/// `GET /jobs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobIdsWithStatus {
    /// All jobs.
    pub jobs: Vec<JobIdWithStatus>,
}

/// `GET /jobs/:jobid` (Flink's `JobDetailsInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobDetails {
    /// Job id.
    pub jid: String,
    /// Name.
    pub name: String,
    /// Whether `stop` (with savepoint) is possible.
    #[serde(rename = "isStoppable")]
    pub is_stoppable: bool,
    /// Job status.
    pub state: String,
    /// `STREAMING` or `BATCH`.
    #[serde(rename = "job-type")]
    pub job_type: String,
    /// Start time.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// End time or -1.
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Duration in ms.
    pub duration: i64,
    /// Max parallelism (-1 when not set).
    #[serde(rename = "maxParallelism")]
    pub max_parallelism: i64,
    /// Server time of this answer.
    pub now: i64,
    /// Time of entering each job status (0 = never).
    pub timestamps: BTreeMap<String, i64>,
    /// Vertices.
    pub vertices: Vec<JobVertexSummary>,
    /// Vertex counts per execution state.
    #[serde(rename = "status-counts")]
    pub status_counts: BTreeMap<String, u32>,
    /// The plan (`{jid, name, type, nodes: [...]}`), as in `/jobs/:jobid/plan`'s `plan`.
    pub plan: serde_json::Value,
}

/// One entry of the exception history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExceptionEntry {
    /// Error type name.
    #[serde(rename = "exceptionName")]
    pub exception_name: String,
    /// Full message with causes.
    pub stacktrace: String,
    /// When it happened (ms since the epoch).
    pub timestamp: i64,
    /// Failing task, if known.
    #[serde(rename = "taskName", skip_serializing_if = "Option::is_none")]
    pub task_name: Option<String>,
    /// `host:port` of the failing TaskManager, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Id of the failing TaskManager, if known.
    #[serde(rename = "taskManagerId", skip_serializing_if = "Option::is_none")]
    pub task_manager_id: Option<String>,
    /// Where it failed, in words (e.g. `worker 0 on TaskManager tm-1`; Flink's older field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Failure labels.
    #[serde(rename = "failureLabels", default)]
    pub failure_labels: BTreeMap<String, String>,
    /// Failures that happened together with this one (same restart).
    #[serde(rename = "concurrentExceptions", default)]
    pub concurrent_exceptions: Vec<ExceptionEntry>,
    /// Rasch: user, external (retryable) or internal — also in `failureLabels` as `type`.
    #[serde(rename = "errorKind", default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// Rasch: the cause chain, outermost first, each level in its own words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
}

/// `exceptionHistory` of [`JobExceptions`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExceptionHistory {
    /// Newest first.
    pub entries: Vec<ExceptionEntry>,
    /// Whether older entries were dropped.
    pub truncated: bool,
}

/// `GET /jobs/:jobid/exceptions` (Flink 1.20's `JobExceptionsInfoWithHistory`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobExceptions {
    /// The failure history, newest first.
    #[serde(rename = "exceptionHistory")]
    pub exception_history: ExceptionHistory,
}

/// `execution-config` of [`JobConfigInfo`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExecutionConfigInfo {
    /// `PIPELINED` / `BATCH`.
    pub execution_mode: String,
    /// Human-readable restart strategy.
    pub restart_strategy: String,
    /// Job parallelism.
    pub job_parallelism: i64,
    /// Object reuse.
    pub object_reuse_mode: bool,
    /// The job's configuration / parameters.
    pub user_config: BTreeMap<String, String>,
}

/// `GET /jobs/:jobid/config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct JobConfigInfo {
    /// Job id.
    pub jid: String,
    /// Name.
    pub name: String,
    /// Execution configuration.
    pub execution_config: ExecutionConfigInfo,
}
