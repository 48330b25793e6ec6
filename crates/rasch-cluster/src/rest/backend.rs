//! The interface between the REST router and the JobManager.
//!
//! Every method is synchronous and cheap: implementations read shared state or enqueue a
//! command; triggers (savepoint, checkpoint, disposal, submission) return an id immediately and
//! their progress is polled through [`RestBackend::operation_status`] /
//! [`RestBackend::disposal_status`]. `None` means "no such job/vertex/…" and becomes a 404.

use super::model::*;
use std::path::PathBuf;

/// An error a backend returns for a request; becomes `{"errors": [message]}` with `status`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RestError {
    /// HTTP status (4xx for client errors, 5xx for server errors).
    pub status: u16,
    /// Message shown to the client.
    pub message: String,
}

impl RestError {
    /// Any status.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        RestError { status, message: message.into() }
    }
    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }
    /// 403 Forbidden.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, message)
    }
    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }
    /// 409 Conflict (e.g. cancelling a finished job).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, message)
    }
    /// 500 Internal Server Error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }
    /// 503 Service Unavailable (e.g. not enough slots yet, JobManager shutting down).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, message)
    }
}

impl From<rasch_core::Error> for RestError {
    fn from(e: rasch_core::Error) -> Self {
        match e.kind() {
            rasch_core::ErrorKind::User => RestError::bad_request(e.to_string()),
            _ => RestError::internal(e.to_string()),
        }
    }
}

/// A job submission (`POST /jars/:jarid/run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitJob {
    /// SHA-256 hex of the binary (the jar id).
    pub jar_id: String,
    /// Path of the binary in the blob store (executable).
    pub binary: PathBuf,
    /// Program arguments.
    pub args: Vec<String>,
    /// Requested parallelism (`None`: `parallelism.default` / the program's own).
    pub parallelism: Option<usize>,
    /// Savepoint to restore from.
    pub savepoint_path: Option<String>,
    /// Allow savepoint state that maps to no operator.
    pub allow_non_restored_state: bool,
}

/// What the REST API needs from the JobManager. Keep implementations non-blocking.
pub trait RestBackend: Send + Sync + 'static {
    /// `GET /overview`.
    fn overview(&self) -> ClusterOverview;
    /// `GET /jobs/overview` (and `GET /jobs`, derived from it).
    fn job_overviews(&self) -> Vec<JobOverview>;
    /// `GET /jobs/:jobid`.
    fn job(&self, job: &str) -> Option<JobDetails>;
    /// `GET /jobs/:jobid/plan` — the `plan` object (`{jid, name, type, nodes}`).
    fn job_plan(&self, job: &str) -> Option<serde_json::Value>;
    /// `GET /jobs/:jobid/exceptions`.
    fn job_exceptions(&self, job: &str) -> Option<JobExceptions>;
    /// `GET /jobs/:jobid/config`.
    fn job_config(&self, job: &str) -> Option<JobConfigInfo>;
    /// `GET /jobs/:jobid/vertices/:vertexid`.
    fn vertex(&self, job: &str, vertex: &str) -> Option<VertexDetails>;
    /// `GET /jobs/:jobid/vertices/:vertexid/backpressure`.
    fn vertex_backpressure(&self, job: &str, vertex: &str) -> Option<VertexBackPressure>;
    /// `GET /jobs/:jobid/vertices/:vertexid/watermarks`.
    fn vertex_watermarks(&self, job: &str, vertex: &str) -> Option<Vec<WatermarkMetric>>;
    /// `GET /jobs/:jobid/vertices/:vertexid/subtasktimes`.
    fn vertex_subtask_times(&self, job: &str, vertex: &str) -> Option<SubtaskTimes>;
    /// `GET /jobs/:jobid/vertices/:vertexid/taskmanagers`.
    fn vertex_taskmanagers(&self, job: &str, vertex: &str) -> Option<VertexTaskManagers>;
    /// `GET /jobs/:jobid/accumulators`.
    fn job_accumulators(&self, job: &str) -> Option<JobAccumulators>;
    /// The metrics of `scope` by Flink's names, one map per component: one for the
    /// JobManager, a TaskManager or a job, one per subtask (in index order) for a vertex.
    /// `None`: no such TaskManager, job or vertex.
    fn metrics_of(&self, scope: &MetricScope) -> Option<Vec<MetricValues>>;
    /// `GET /jobs/:jobid/checkpoints`.
    fn checkpoints(&self, job: &str) -> Option<CheckpointingStatistics>;
    /// `GET /jobs/:jobid/checkpoints/config`.
    fn checkpoint_config(&self, job: &str) -> Option<CheckpointConfigInfo>;
    /// `GET /jobs/:jobid/checkpoints/details/:checkpointid`.
    fn checkpoint_details(&self, job: &str, id: u64) -> Option<CheckpointDetails>;
    /// `GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid`.
    fn checkpoint_subtasks(&self, job: &str, id: u64, vertex: &str) -> Option<TaskCheckpointDetails>;
    /// `GET /taskmanagers`.
    fn taskmanagers(&self) -> Vec<TaskManagerInfo>;
    /// `GET /taskmanagers/:tmid`.
    fn taskmanager(&self, id: &str) -> Option<TaskManagerDetails>;
    /// `GET /taskmanagers/:tmid/log` — the log file to serve (a path the backend chose).
    fn taskmanager_log(&self, id: &str) -> Option<PathBuf>;
    /// `GET /taskmanagers/:tmid/thread-dump`: the threads of the TaskManager and its workers,
    /// as of its last heartbeat.
    fn taskmanager_thread_dump(&self, id: &str) -> Option<ThreadDumpInfo>;
    /// `GET /jobmanager/log`.
    fn jobmanager_log(&self) -> Option<PathBuf>;
    /// `GET /jobmanager/config` — effective configuration (the router masks secrets).
    fn cluster_config(&self) -> Vec<(String, String)>;
    /// `POST /jars/:jarid/run` → the new job id (32 hex characters).
    fn submit(&self, req: SubmitJob) -> Result<String, RestError>;
    /// `PATCH /jobs/:jobid?mode=cancel`.
    fn cancel(&self, job: &str) -> Result<(), RestError>;
    /// `POST /jobs/:jobid/savepoints` (`stop: None`) or `POST /jobs/:jobid/stop`
    /// (`stop: Some(mode)`) → trigger id.
    fn trigger_savepoint(
        &self,
        job: &str,
        target_dir: Option<String>,
        stop: Option<StopMode>,
        cancel_job: bool,
    ) -> Result<String, RestError>;
    /// `POST /jobs/:jobid/checkpoints` → trigger id.
    fn trigger_checkpoint(&self, job: &str) -> Result<String, RestError>;
    /// `GET /jobs/:jobid/savepoints/:triggerid` and `GET /jobs/:jobid/checkpoints/:triggerid`.
    fn operation_status(&self, job: &str, trigger: &str) -> Option<OperationStatus>;
    /// `POST /savepoint-disposal` → trigger id.
    fn dispose_savepoint(&self, path: &str) -> Result<String, RestError>;
    /// `GET /savepoint-disposal/:triggerid`.
    fn disposal_status(&self, trigger: &str) -> Option<OperationStatus>;
    /// `GET /metrics` — Prometheus text exposition format.
    fn metrics(&self) -> String;
}
