//! The dispatcher's face: the REST API's view of the cluster ([`RestBackend`]) rendered from
//! the JobManager's state, and the REST server's thread.

mod checkpoints;
mod jobs;
mod metrics;
mod vertices;

use super::Cluster;
use super::state::{JobData, JobEntry, JobStatus, Operation, now_ms};
use crate::blob::BlobStore;
use crate::rest::model::*;
use crate::rest::{RestBackend, RestError, SubmitJob};
use rasch_core::config::STATE_BACKEND;
use rasch_core::{Error, Result};
use rasch_runtime::checkpoint::{CheckpointConfig, CheckpointStats, CheckpointStatus, SnapshotKind, StopMode};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Starts the REST server on its own thread; returns its address once it listens.
pub(super) fn start_rest(cluster: Arc<Cluster>, blobs: Arc<BlobStore>) -> Result<std::net::SocketAddr> {
    let addr = format!("{}:{}", cluster.config.rest_bind_address(), cluster.config.rest_port());
    let std_listener = std::net::TcpListener::bind(&addr).map_err(|e| Error::io(format!("binding the REST port {addr}"), e))?;
    std_listener.set_nonblocking(true).map_err(|e| Error::io("configuring the REST listener", e))?;
    let local = std_listener.local_addr().map_err(|e| Error::io("reading the REST address", e))?;
    let opts = cluster.config.rest_options();
    let backend: Arc<dyn RestBackend> = Arc::new(Backend(cluster.clone()));
    let router = crate::rest::router(backend, blobs, opts);
    // A standby answers every request with a redirect to the leader (307: the method and
    // body are kept), or 503 while no leader is known.
    let router = if cluster.ha.is_some() {
        router.layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let cluster = cluster.clone();
            async move { super::leadership::redirect_unless_leader(&cluster, req, next).await }
        }))
    } else {
        router
    };
    std::thread::Builder::new()
        .name("rest".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("REST server: cannot start its runtime: {e}");
                    return;
                }
            };
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(std_listener) {
                    Ok(listener) => {
                        if let Err(e) = axum::serve(listener, router).await {
                            eprintln!("REST server stopped: {e}");
                        }
                    }
                    Err(e) => eprintln!("REST server: {e}"),
                }
            });
        })
        .map_err(|e| Error::io("starting the REST server", e))?;
    Ok(local)
}

pub(super) struct Backend(pub(super) Arc<Cluster>);

fn rest_error(e: Error) -> RestError {
    match e {
        Error::NotFound(m) => RestError::not_found(m),
        Error::Config(m) | Error::InvalidJob(m) => RestError::bad_request(m),
        other => RestError::internal(other.to_string()),
    }
}

pub(super) fn duration(start: i64, end: Option<i64>) -> i64 {
    end.unwrap_or_else(now_ms) - start
}

/// Status of every subtask of a job in a given job status.
pub(super) fn subtask_status(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Initializing | JobStatus::Created => "CREATED",
        JobStatus::Running => "RUNNING",
        JobStatus::Failing | JobStatus::Restarting | JobStatus::Cancelling => "CANCELING",
        JobStatus::Canceled | JobStatus::Suspended => "CANCELED",
        JobStatus::Finished => "FINISHED",
        JobStatus::Failed => "FAILED",
    }
}

pub(super) fn task_counts(status: JobStatus, n: usize) -> BTreeMap<String, u32> {
    let mut m: BTreeMap<String, u32> =
        ["CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED", "CANCELING", "CANCELED", "FAILED", "RECONCILING", "INITIALIZING"]
            .into_iter()
            .map(|s| (s.to_string(), 0))
            .collect();
    *m.entry(subtask_status(status).into()).or_default() += n as u32;
    m
}

/// Flink's I/O summary of a task or a group of tasks: records read and written, and the bytes
/// received and sent over the network (`bytes` = (in, out)).
pub(super) fn io_metrics(read: u64, write: u64, bytes: (u64, u64)) -> IoMetrics {
    IoMetrics {
        read_records: read,
        read_records_complete: true,
        write_records: write,
        write_records_complete: true,
        read_bytes: bytes.0,
        read_bytes_complete: true,
        write_bytes: bytes.1,
        write_bytes_complete: true,
        accumulated_busy_time: f64::NAN,
        ..Default::default()
    }
}

impl Backend {
    /// TaskManager id → host. Taken before a job's data is locked (the cluster state's lock
    /// comes first everywhere).
    pub(super) fn hosts(&self) -> BTreeMap<String, String> {
        self.0.state.lock().map(|s| s.taskmanagers.values().map(|t| (t.id.clone(), t.host.clone())).collect()).unwrap_or_default()
    }
}

impl RestBackend for Backend {
    fn overview(&self) -> ClusterOverview {
        self.overview_view()
    }

    fn job_overviews(&self) -> Vec<JobOverview> {
        self.job_overviews_view()
    }

    fn job(&self, id: &str) -> Option<JobDetails> {
        self.job_view(id)
    }

    fn job_plan(&self, id: &str) -> Option<serde_json::Value> {
        self.job_plan_view(id)
    }

    fn job_exceptions(&self, id: &str) -> Option<JobExceptions> {
        self.job_exceptions_view(id)
    }

    fn job_config(&self, id: &str) -> Option<JobConfigInfo> {
        self.job_config_view(id)
    }

    fn vertex(&self, id: &str, vertex: &str) -> Option<VertexDetails> {
        self.vertex_view(id, vertex)
    }

    fn vertex_backpressure(&self, id: &str, vertex: &str) -> Option<VertexBackPressure> {
        self.vertex_backpressure_view(id, vertex)
    }

    fn vertex_watermarks(&self, id: &str, vertex: &str) -> Option<Vec<WatermarkMetric>> {
        self.vertex_watermarks_view(id, vertex)
    }

    fn vertex_subtask_times(&self, job: &str, vertex: &str) -> Option<SubtaskTimes> {
        self.subtask_times_view(job, vertex)
    }

    fn vertex_taskmanagers(&self, job: &str, vertex: &str) -> Option<VertexTaskManagers> {
        self.vertex_taskmanagers_view(job, vertex)
    }

    fn job_accumulators(&self, job: &str) -> Option<JobAccumulators> {
        self.job_accumulators_view(job)
    }

    fn metrics_of(&self, scope: &MetricScope) -> Option<Vec<MetricValues>> {
        self.metrics_of_view(scope)
    }

    fn checkpoints(&self, id: &str) -> Option<CheckpointingStatistics> {
        self.checkpoints_view(id)
    }

    fn checkpoint_config(&self, id: &str) -> Option<CheckpointConfigInfo> {
        self.checkpoint_config_view(id)
    }

    fn checkpoint_details(&self, id: &str, checkpoint: u64) -> Option<CheckpointDetails> {
        self.checkpoint_details_view(id, checkpoint)
    }

    fn checkpoint_subtasks(&self, job: &str, id: u64, vertex: &str) -> Option<TaskCheckpointDetails> {
        self.checkpoint_subtasks_view(job, id, vertex)
    }

    fn taskmanagers(&self) -> Vec<TaskManagerInfo> {
        let s = self.0.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.taskmanagers
            .values()
            .map(|t| TaskManagerInfo {
                id: t.id.clone(),
                path: format!("rasch://{}:{}", t.host, t.pid),
                data_port: 0,
                jmx_port: -1,
                time_since_last_heartbeat: t.last_heartbeat.elapsed().as_millis() as u64,
                slots_number: t.slots,
                free_slots: t.free_slots(),
                hardware: HardwareDescription {
                    cpu_cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                    physical_memory: t.resources.physical_memory,
                    free_memory: t.resources.available_memory,
                    managed_memory: 0,
                },
                ..Default::default()
            })
            .collect()
    }

    fn taskmanager(&self, id: &str) -> Option<TaskManagerDetails> {
        let info = self.taskmanagers().into_iter().find(|t| t.id == id)?;
        let s = self.0.state.lock().ok()?;
        let tm = s.taskmanagers.get(id)?;
        let allocated_slots = tm
            .used
            .iter()
            .flat_map(|(job, n)| std::iter::repeat_n(AllocatedSlot { job_id: job.clone(), resource: Default::default() }, *n))
            .collect();
        Some(TaskManagerDetails { info, allocated_slots, metrics: serde_json::json!({}) })
    }

    fn taskmanager_log(&self, id: &str) -> Option<PathBuf> {
        let s = self.0.state.lock().ok()?;
        s.taskmanagers.get(id)?.log_file.clone().map(PathBuf::from)
    }

    fn taskmanager_thread_dump(&self, id: &str) -> Option<ThreadDumpInfo> {
        let s = self.0.state.lock().ok()?;
        let tm = s.taskmanagers.get(id)?;
        Some(ThreadDumpInfo::of(&tm.threads, |pid| if pid == tm.pid { "TaskManager" } else { "worker" }))
    }

    fn jobmanager_log(&self) -> Option<PathBuf> {
        self.0.log_file.clone()
    }

    fn cluster_config(&self) -> Vec<(String, String)> {
        let secret = rasch_core::config::SECURITY_CLUSTER_SECRET.key;
        self.0.config.iter().filter(|(k, _)| *k != secret).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn submit(&self, req: SubmitJob) -> std::result::Result<String, RestError> {
        let mut overrides = BTreeMap::new();
        if let Some(p) = req.parallelism {
            overrides.insert(rasch_core::config::PARALLELISM_DEFAULT.key.to_string(), p.to_string());
        }
        if let Some(path) = req.savepoint_path {
            overrides.insert(rasch_core::config::SAVEPOINT_PATH.key.to_string(), path);
            overrides.insert(rasch_core::config::SAVEPOINT_IGNORE_UNCLAIMED.key.to_string(), req.allow_non_restored_state.to_string());
        }
        self.0.submit(req.binary, req.jar_id, req.args, overrides).map_err(rest_error)
    }

    fn cancel(&self, job: &str) -> std::result::Result<(), RestError> {
        self.0.cancel(job).map_err(rest_error)
    }

    fn trigger_savepoint(
        &self,
        job: &str,
        target_dir: Option<String>,
        stop: Option<StopMode>,
        cancel_job: bool,
    ) -> std::result::Result<String, RestError> {
        // `cancel-job: true` is Flink's old "cancel with savepoint": a stop without draining.
        let stop = stop.or(cancel_job.then_some(StopMode::Stop));
        self.0.trigger_savepoint(job, target_dir, stop).map_err(rest_error)
    }

    fn trigger_checkpoint(&self, job: &str) -> std::result::Result<String, RestError> {
        self.0.trigger_checkpoint(job).map_err(rest_error)
    }

    fn operation_status(&self, job: &str, trigger: &str) -> Option<OperationStatus> {
        let job = self.0.job(job)?;
        let d = job.data.lock().ok()?;
        Some(match d.operations.get(trigger)? {
            Operation::InProgress => OperationStatus::InProgress,
            Operation::Completed(loc) => match loc.parse::<u64>() {
                Ok(id) => OperationStatus::Completed { location: None, checkpoint_id: Some(id) },
                Err(_) => OperationStatus::Completed { location: Some(loc.clone()), checkpoint_id: None },
            },
            Operation::Failed(cause) => OperationStatus::Failed { cause: cause.clone() },
        })
    }

    fn dispose_savepoint(&self, path: &str) -> std::result::Result<String, RestError> {
        self.0.dispose_savepoint(path).map_err(rest_error)
    }

    fn disposal_status(&self, trigger: &str) -> Option<OperationStatus> {
        let s = self.0.state.lock().ok()?;
        Some(match s.disposals.get(trigger)? {
            Operation::InProgress => OperationStatus::InProgress,
            Operation::Completed(_) => OperationStatus::Completed { location: None, checkpoint_id: None },
            Operation::Failed(cause) => OperationStatus::Failed { cause: cause.clone() },
        })
    }

    fn metrics(&self) -> String {
        self.metrics_view()
    }
}
