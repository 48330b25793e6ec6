//! JSON model of the REST API, with Flink 1.20's field names (see
//! `/work/shared/flink-rest-samples` and Flink's REST API reference), so existing Flink tooling
//! can read it. Version fields keep Flink's names (`flink-version`) and carry Rasch's version.

pub use rasch_core::ErrorKind;
pub use rasch_runtime::checkpoint::{CheckpointStatus, StopMode};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

/// `GET /overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ClusterOverview {
    /// Registered TaskManagers.
    pub taskmanagers: usize,
    /// Slots of all TaskManagers.
    pub slots_total: usize,
    /// Free slots.
    pub slots_available: usize,
    /// Jobs not yet globally terminal.
    pub jobs_running: usize,
    /// Finished jobs.
    pub jobs_finished: usize,
    /// Cancelled jobs.
    pub jobs_cancelled: usize,
    /// Failed jobs.
    pub jobs_failed: usize,
    /// Rasch's version (Flink's field name).
    pub flink_version: String,
    /// Rasch's commit (Flink's field name).
    pub flink_commit: String,
}

/// `GET /config` (dashboard configuration); built by the router, not the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DashboardConfig {
    /// Polling interval of the dashboard in ms.
    pub refresh_interval: u64,
    /// Time zone name.
    pub timezone_name: String,
    /// Time zone offset in ms.
    pub timezone_offset: i64,
    /// Version.
    pub flink_version: String,
    /// Revision.
    pub flink_revision: String,
    /// Enabled dashboard features.
    pub features: DashboardFeatures,
}

/// `features` of [`DashboardConfig`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DashboardFeatures {
    /// `web.submit.enable`.
    pub web_submit: bool,
    /// `web.cancel.enable`.
    pub web_cancel: bool,
    /// Rescaling from the UI (not supported).
    pub web_rescale: bool,
    /// History server mode (never).
    pub web_history: bool,
}

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

/// Resources of a TaskManager (`totalResource` / `freeResource`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceProfile {
    /// CPU cores.
    pub cpu_cores: f64,
    /// Task heap in MiB.
    pub task_heap_memory: u64,
    /// Task off-heap in MiB.
    pub task_off_heap_memory: u64,
    /// Managed memory in MiB.
    pub managed_memory: u64,
    /// Network memory in MiB.
    pub network_memory: u64,
    /// Extended resources.
    pub extended_resources: BTreeMap<String, f64>,
}

/// `hardware` of a TaskManager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HardwareDescription {
    /// CPU cores.
    pub cpu_cores: usize,
    /// Physical memory in bytes.
    pub physical_memory: u64,
    /// Free memory in bytes.
    pub free_memory: u64,
    /// Managed memory in bytes.
    pub managed_memory: u64,
}

/// `memoryConfiguration` of a TaskManager (JVM fields are 0 in Rasch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryConfiguration {
    /// Framework heap.
    pub framework_heap: u64,
    /// Task heap.
    pub task_heap: u64,
    /// Framework off-heap.
    pub framework_off_heap: u64,
    /// Task off-heap.
    pub task_off_heap: u64,
    /// Network memory.
    pub network_memory: u64,
    /// Managed memory.
    pub managed_memory: u64,
    /// JVM metaspace (0).
    pub jvm_metaspace: u64,
    /// JVM overhead (0).
    pub jvm_overhead: u64,
    /// Total "Flink" memory.
    pub total_flink_memory: u64,
    /// Total process memory.
    pub total_process_memory: u64,
}

/// One entry of `GET /taskmanagers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskManagerInfo {
    /// TaskManager id.
    pub id: String,
    /// RPC address (`rasch://host:port/taskmanager_0`).
    pub path: String,
    /// Data port.
    pub data_port: u16,
    /// JMX port (-1).
    pub jmx_port: i32,
    /// Ms since the last heartbeat.
    pub time_since_last_heartbeat: u64,
    /// Slots.
    pub slots_number: usize,
    /// Free slots.
    pub free_slots: usize,
    /// Total resources.
    pub total_resource: ResourceProfile,
    /// Free resources.
    pub free_resource: ResourceProfile,
    /// Hardware.
    pub hardware: HardwareDescription,
    /// Memory configuration.
    pub memory_configuration: MemoryConfiguration,
}

/// `GET /taskmanagers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskManagersInfo {
    /// All TaskManagers.
    pub taskmanagers: Vec<TaskManagerInfo>,
}

/// One allocated slot in [`TaskManagerDetails`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocatedSlot {
    /// Job using the slot.
    pub job_id: String,
    /// Resources of the slot.
    pub resource: ResourceProfile,
}

/// `GET /taskmanagers/:tmid`: the info plus slots and metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskManagerDetails {
    /// The same fields as in the list.
    #[serde(flatten)]
    pub info: TaskManagerInfo,
    /// Allocated slots.
    pub allocated_slots: Vec<AllocatedSlot>,
    /// Metrics (`heapUsed`, …; free-form map, Flink's JVM names are 0 in Rasch).
    pub metrics: serde_json::Value,
}

/// `GET /jobmanager/config` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigEntry {
    /// Key.
    pub key: String,
    /// Value (secrets masked as `******`).
    pub value: String,
}

/// `GET /jars` entry's `entry` list item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarEntryInfo {
    /// Entry point name (`main`).
    pub name: String,
    /// Description.
    pub description: Option<String>,
}

/// `GET /jars` file entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarFileInfo {
    /// Jar id (SHA-256 hex).
    pub id: String,
    /// Original file name.
    pub name: String,
    /// Upload time, ms since the epoch.
    pub uploaded: u64,
    /// Entry points.
    pub entry: Vec<JarEntryInfo>,
}

/// `GET /jars`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarListInfo {
    /// `http://host:port` of the REST endpoint.
    pub address: String,
    /// Uploaded binaries.
    pub files: Vec<JarFileInfo>,
}

/// `POST /jars/upload` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarUploadResponse {
    /// The stored name; its last path segment is the jar id (SHA-256 hex).
    pub filename: String,
    /// `success`.
    pub status: String,
}

/// `POST /jars/:jarid/run` body (Flink's `JarRunRequestBody`; query parameters with the same
/// meaning are also accepted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JarRunRequest {
    /// Ignored (Rust binaries have one entry point).
    pub entry_class: Option<String>,
    /// Arguments as one string, split on whitespace (prefer `programArgsList`).
    pub program_args: Option<String>,
    /// Arguments.
    pub program_args_list: Option<Vec<String>>,
    /// Parallelism.
    pub parallelism: Option<usize>,
    /// Requested job id (not supported; must be absent).
    pub job_id: Option<String>,
    /// Allow savepoint state that maps to no operator.
    pub allow_non_restored_state: Option<bool>,
    /// Savepoint to restore from.
    pub savepoint_path: Option<String>,
    /// Restore mode (`NO_CLAIM`, `CLAIM`); accepted, informational.
    pub restore_mode: Option<String>,
    /// Extra configuration for the job.
    pub flink_configuration: Option<BTreeMap<String, String>>,
}

/// `POST /jars/:jarid/run` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarRunResponse {
    /// The new job's id.
    pub jobid: String,
}

/// `POST /jobs/:jobid/savepoints` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavepointTriggerRequest {
    /// Target directory (default `execution.checkpointing.savepoint-dir`).
    #[serde(rename = "target-directory")]
    pub target_directory: Option<String>,
    /// Cancel the job after the savepoint.
    #[serde(rename = "cancel-job", default)]
    pub cancel_job: bool,
    /// `CANONICAL` or `NATIVE`; informational.
    #[serde(rename = "formatType")]
    pub format_type: Option<String>,
    /// Client-chosen trigger id (not supported; ignored).
    #[serde(rename = "triggerId")]
    pub trigger_id: Option<String>,
}

/// `POST /jobs/:jobid/stop` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopWithSavepointRequest {
    /// Target directory.
    #[serde(rename = "targetDirectory")]
    pub target_directory: Option<String>,
    /// Emit MAX_WATERMARK and flush windows before stopping.
    #[serde(default)]
    pub drain: bool,
    /// `CANONICAL` or `NATIVE`; informational.
    #[serde(rename = "formatType")]
    pub format_type: Option<String>,
    /// Client-chosen trigger id (ignored).
    #[serde(rename = "triggerId")]
    pub trigger_id: Option<String>,
}

/// `POST /jobs/:jobid/checkpoints` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointTriggerRequest {
    /// `CONFIGURED`, `FULL` or `INCREMENTAL`.
    #[serde(rename = "checkpointType")]
    pub checkpoint_type: Option<String>,
    /// Client-chosen trigger id (ignored).
    #[serde(rename = "triggerId")]
    pub trigger_id: Option<String>,
}

/// `POST /savepoint-disposal` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavepointDisposalRequest {
    /// Savepoint to delete.
    #[serde(rename = "savepoint-path")]
    pub savepoint_path: Option<String>,
}

/// Answer of every trigger: `{"request-id": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerResponse {
    /// Id to poll the operation's status with.
    #[serde(rename = "request-id")]
    pub request_id: String,
}

/// The state of an asynchronous operation (savepoint, checkpoint, disposal), serialized like
/// Flink: `{"status":{"id":"IN_PROGRESS"}}` or `{"status":{"id":"COMPLETED"},"operation":{…}}`
/// where the operation holds `location` (savepoints), `checkpointId` (checkpoints) or
/// `failure-cause` (`{"class", "stack-trace"}`) when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationStatus {
    /// Still running.
    InProgress,
    /// Completed successfully; `location` for savepoints, `checkpoint_id` for checkpoints.
    Completed {
        /// Savepoint path.
        location: Option<String>,
        /// Checkpoint id.
        checkpoint_id: Option<u64>,
    },
    /// Completed with an error.
    Failed {
        /// The error message.
        cause: String,
    },
}

impl Serialize for OperationStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = match self {
            OperationStatus::InProgress => serde_json::json!({"status": {"id": "IN_PROGRESS"}}),
            OperationStatus::Completed { location, checkpoint_id } => {
                let mut op = serde_json::Map::new();
                if let Some(l) = location {
                    op.insert("location".into(), l.clone().into());
                }
                if let Some(c) = checkpoint_id {
                    op.insert("checkpointId".into(), (*c).into());
                }
                serde_json::json!({"status": {"id": "COMPLETED"}, "operation": op})
            }
            OperationStatus::Failed { cause } => serde_json::json!({
                "status": {"id": "COMPLETED"},
                "operation": {"failure-cause": {"class": "org.rasch.RaschException", "stack-trace": cause, "serialized-throwable": null}}
            }),
        };
        v.serialize(s)
    }
}

/// The `{"errors": [...]}` body of every 4xx/5xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub errors: Vec<String>,
}
