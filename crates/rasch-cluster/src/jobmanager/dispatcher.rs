//! The dispatcher's face: the REST API's view of the cluster ([`RestBackend`]) rendered from
//! the JobManager's state, and the REST server's thread.

use super::Cluster;
use super::state::{JobEntry, JobStatus, Operation, now_ms};
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
    let backend: Arc<dyn RestBackend> = Arc::new(Backend(cluster));
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
                        if let Err(e) = crate::rest::serve(listener, backend, blobs, opts).await {
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

struct Backend(Arc<Cluster>);

fn rest_error(e: Error) -> RestError {
    match e {
        Error::NotFound(m) => RestError::not_found(m),
        Error::Config(m) | Error::InvalidJob(m) => RestError::bad_request(m),
        other => RestError::internal(other.to_string()),
    }
}

fn duration(start: i64, end: Option<i64>) -> i64 {
    end.unwrap_or_else(now_ms) - start
}

/// Status of every subtask of a job in a given job status.
fn subtask_status(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Initializing | JobStatus::Created => "CREATED",
        JobStatus::Running => "RUNNING",
        JobStatus::Failing | JobStatus::Restarting | JobStatus::Cancelling => "CANCELING",
        JobStatus::Canceled | JobStatus::Suspended => "CANCELED",
        JobStatus::Finished => "FINISHED",
        JobStatus::Failed => "FAILED",
    }
}

fn task_counts(status: JobStatus, n: usize) -> BTreeMap<String, u32> {
    let mut m: BTreeMap<String, u32> =
        ["CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED", "CANCELING", "CANCELED", "FAILED", "RECONCILING", "INITIALIZING"]
            .into_iter()
            .map(|s| (s.to_string(), 0))
            .collect();
    *m.entry(subtask_status(status).into()).or_default() += n as u32;
    m
}

fn io_metrics(read: u64, write: u64) -> IoMetrics {
    IoMetrics {
        read_records: read,
        read_records_complete: true,
        write_records: write,
        write_records_complete: true,
        read_bytes_complete: false,
        write_bytes_complete: false,
        accumulated_busy_time: f64::NAN,
        ..Default::default()
    }
}

/// Per-vertex figures of a checkpoint: acknowledgements, end-to-end and alignment durations.
fn checkpoint_tasks(s: &CheckpointStats, vertices: &[super::state::VertexView]) -> BTreeMap<String, serde_json::Value> {
    vertices
        .iter()
        .enumerate()
        .map(|(vi, v)| {
            let acks: Vec<u64> = s.ack_ms.iter().filter(|((x, _), _)| *x == vi).map(|(_, ms)| *ms).collect();
            let aligned = s.alignment_ms.iter().filter(|((x, _), _)| *x == vi).map(|(_, ms)| *ms).max().unwrap_or(0);
            let slowest = acks.iter().copied().max().unwrap_or(0);
            let value = serde_json::json!({
                "id": s.id,
                "status": s.status,
                "latest_ack_timestamp": s.trigger_timestamp + slowest as i64,
                "end_to_end_duration": slowest,
                "alignment_duration": aligned,
                "num_subtasks": v.parallelism,
                "num_acknowledged_subtasks": acks.len(),
            });
            (v.id.clone(), value)
        })
        .collect()
}

fn checkpoint_stats(s: &CheckpointStats, vertices: &[super::state::VertexView], external: Option<String>) -> CheckpointStatistics {
    let n: usize = vertices.iter().map(|v| v.parallelism).sum();
    let savepoint = s.kind == SnapshotKind::Savepoint;
    CheckpointStatistics {
        class_name: match s.status {
            CheckpointStatus::Completed => ".CompletedCheckpointStatistics",
            CheckpointStatus::Failed => ".FailedCheckpointStatistics",
            CheckpointStatus::InProgress => ".PendingCheckpointStatistics",
        }
        .into(),
        id: s.id,
        status: s.status,
        is_savepoint: savepoint,
        checkpoint_type: if savepoint { "SAVEPOINT" } else { "CHECKPOINT" }.into(),
        trigger_timestamp: s.trigger_timestamp,
        latest_ack_timestamp: s.trigger_timestamp + s.duration_ms as i64,
        checkpointed_size: s.state_size,
        state_size: s.state_size,
        end_to_end_duration: s.duration_ms as i64,
        num_subtasks: n,
        num_acknowledged_subtasks: if s.status.is_completed() { n } else { s.ack_ms.len() },
        tasks: checkpoint_tasks(s, vertices),
        external_path: external,
        discarded: Some(false),
        failure_timestamp: s.failure.as_ref().map(|_| s.trigger_timestamp + s.duration_ms as i64),
        failure_message: s.failure.clone(),
        ..Default::default()
    }
}

fn summary(values: &[i64]) -> StatsSummary {
    if values.is_empty() {
        return StatsSummary::default();
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let pct = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)] as f64;
    StatsSummary {
        min: v[0],
        max: v[v.len() - 1],
        avg: v.iter().sum::<i64>() / v.len() as i64,
        p50: pct(0.5),
        p90: pct(0.9),
        p95: pct(0.95),
        p99: pct(0.99),
        p999: pct(0.999),
    }
}

impl Backend {
    fn jobs(&self) -> Vec<Arc<JobEntry>> {
        self.0.state.lock().map(|s| s.jobs.values().cloned().collect()).unwrap_or_default()
    }
    fn overview_of(&self, job: &JobEntry) -> JobOverview {
        let d = job.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n: usize = d.vertices.iter().map(|v| v.parallelism).sum();
        let counts = task_counts(d.status, n);
        let c = |k: &str| counts.get(k).copied().unwrap_or(0);
        JobOverview {
            jid: job.id.clone(),
            name: d.name.clone(),
            state: d.status.name().into(),
            start_time: d.start_ms,
            end_time: d.end_ms.unwrap_or(-1),
            duration: duration(d.start_ms, d.end_ms),
            last_modification: d.timestamps.values().copied().max().unwrap_or(d.start_ms),
            tasks: TaskCounts {
                total: n as u32,
                created: c("CREATED"),
                running: c("RUNNING"),
                finished: c("FINISHED"),
                canceling: c("CANCELING"),
                canceled: c("CANCELED"),
                failed: c("FAILED"),
                ..Default::default()
            },
        }
    }
    fn checkpoint_config_of(&self, job: &JobEntry) -> Option<CheckpointConfig> {
        let d = job.data.lock().ok()?;
        let mut config = rasch_core::Configuration::new();
        for (k, v) in &d.config {
            let _ = config.set(k, v.clone());
        }
        CheckpointConfig::from_config(&config).ok()
    }
}

impl RestBackend for Backend {
    fn overview(&self) -> ClusterOverview {
        let s = self.0.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = |st: JobStatus| s.jobs.values().filter(|j| j.status() == st).count();
        ClusterOverview {
            taskmanagers: s.taskmanagers.len(),
            slots_total: s.total_slots(),
            slots_available: s.free_slots(),
            jobs_running: s.jobs.values().filter(|j| !j.status().is_terminal()).count(),
            jobs_finished: count(JobStatus::Finished),
            jobs_cancelled: count(JobStatus::Canceled),
            jobs_failed: count(JobStatus::Failed),
            flink_version: env!("CARGO_PKG_VERSION").into(),
            flink_commit: "rasch".into(),
        }
    }

    fn job_overviews(&self) -> Vec<JobOverview> {
        self.jobs().iter().map(|j| self.overview_of(j)).collect()
    }

    fn job(&self, id: &str) -> Option<JobDetails> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let now = now_ms();
        let vertices = d
            .vertices
            .iter()
            .map(|v| {
                let head = v.nodes.first().copied().unwrap_or(0);
                let tail = v.nodes.last().copied().unwrap_or(0);
                let sum = |node: usize, out: bool| -> u64 {
                    (0..v.parallelism).map(|j| d.counters.get(&(node, j)).map(|c| if out { c.1 } else { c.0 }).unwrap_or(0)).sum()
                };
                JobVertexSummary {
                    id: v.id.clone(),
                    slot_sharing_group_id: "default".into(),
                    name: v.name.clone(),
                    max_parallelism: v.max_parallelism as i64,
                    parallelism: v.parallelism,
                    status: subtask_status(d.status).into(),
                    start_time: d.start_ms,
                    end_time: d.end_ms.unwrap_or(-1),
                    duration: duration(d.start_ms, d.end_ms),
                    tasks: task_counts(d.status, v.parallelism),
                    metrics: io_metrics(if v.is_source { 0 } else { sum(head, false) }, sum(tail, true)),
                }
            })
            .collect();
        let status_counts = task_counts(d.status, d.vertices.len());
        Some(JobDetails {
            jid: job.id.clone(),
            name: d.name.clone(),
            is_stoppable: false,
            state: d.status.name().into(),
            job_type: "STREAMING".into(),
            start_time: d.start_ms,
            end_time: d.end_ms.unwrap_or(-1),
            duration: duration(d.start_ms, d.end_ms),
            max_parallelism: -1,
            now,
            timestamps: JobStatus::all().iter().map(|s| (s.name().to_string(), d.timestamps.get(s.name()).copied().unwrap_or(0))).collect(),
            vertices,
            status_counts,
            plan: d.plan.clone(),
        })
    }

    fn job_plan(&self, id: &str) -> Option<serde_json::Value> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        Some(serde_json::json!({ "plan": { "jid": job.id, "name": d.name, "type": "STREAMING", "nodes": d.plan["nodes"].clone() } }))
    }

    fn job_exceptions(&self, id: &str) -> Option<JobExceptions> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let mut entries: Vec<ExceptionEntry> =
            d.exceptions.iter().map(|(ts, report)| super::exceptions::exception_entry(*ts, report)).collect();
        entries.reverse();
        if let Some(why) = &d.waiting {
            entries.insert(
                0,
                ExceptionEntry {
                    exception_name: "NoResourceAvailableException".into(),
                    stacktrace: why.clone(),
                    timestamp: now_ms(),
                    ..Default::default()
                },
            );
        }
        Some(JobExceptions { exception_history: ExceptionHistory { entries, truncated: false } })
    }

    fn job_config(&self, id: &str) -> Option<JobConfigInfo> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        Some(JobConfigInfo {
            jid: job.id.clone(),
            name: d.name.clone(),
            execution_config: ExecutionConfigInfo {
                execution_mode: "PIPELINED".into(),
                restart_strategy: d.config.get(rasch_core::config::RESTART_STRATEGY.key).cloned().unwrap_or_else(|| "default".into()),
                job_parallelism: d.vertices.iter().map(|v| v.parallelism as i64).max().unwrap_or(1),
                object_reuse_mode: false,
                user_config: d.config.clone(),
            },
        })
    }

    fn vertex(&self, id: &str, vertex: &str) -> Option<VertexDetails> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == vertex)?;
        let (head, tail) = (v.nodes.first().copied().unwrap_or(0), v.nodes.last().copied().unwrap_or(0));
        let hosts: BTreeMap<String, String> =
            self.0.state.lock().map(|s| s.taskmanagers.values().map(|t| (t.id.clone(), t.host.clone())).collect()).unwrap_or_default();
        let subtasks = (0..v.parallelism)
            .map(|j| {
                let tm = d.placement.get(vi).and_then(|p| p.get(j)).cloned().unwrap_or_default();
                let read = if v.is_source { 0 } else { d.counters.get(&(head, j)).map(|c| c.0).unwrap_or(0) };
                let write = d.counters.get(&(tail, j)).map(|c| c.1).unwrap_or(0);
                SubtaskDetails {
                    subtask: j,
                    status: subtask_status(d.status).into(),
                    attempt: job.monitor.restarts(),
                    endpoint: hosts.get(&tm).cloned().unwrap_or_default(),
                    start_time: d.start_ms,
                    end_time: d.end_ms.unwrap_or(-1),
                    duration: duration(d.start_ms, d.end_ms),
                    metrics: io_metrics(read, write),
                    taskmanager_id: tm,
                }
            })
            .collect();
        Some(VertexDetails {
            id: v.id.clone(),
            name: v.name.clone(),
            max_parallelism: v.max_parallelism as i64,
            parallelism: v.parallelism,
            now: now_ms(),
            subtasks,
        })
    }

    fn vertex_backpressure(&self, id: &str, vertex: &str) -> Option<VertexBackPressure> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == vertex)?;
        // Flink's levels: ok ≤ 10 % of the time back-pressured, low ≤ 50 %, high above.
        let level = |ratio: f64| {
            if ratio <= 0.1 {
                "ok"
            } else if ratio <= 0.5 {
                "low"
            } else {
                "high"
            }
        };
        let subtasks: Vec<SubtaskBackPressure> = (0..v.parallelism)
            .map(|j| {
                let r = d.rates(vi, j).unwrap_or_default();
                let ratio = r.backpressured / 1000.0;
                SubtaskBackPressure {
                    subtask: j,
                    attempt_number: job.monitor.restarts(),
                    backpressure_level: level(ratio).into(),
                    ratio,
                    idle_ratio: r.idle / 1000.0,
                    busy_ratio: r.busy / 1000.0,
                }
            })
            .collect();
        let worst = subtasks.iter().map(|s| s.ratio).fold(0.0, f64::max);
        Some(VertexBackPressure { status: "ok".into(), backpressure_level: level(worst).into(), end_timestamp: now_ms(), subtasks })
    }

    fn vertex_watermarks(&self, id: &str, vertex: &str) -> Option<Vec<WatermarkMetric>> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == vertex)?;
        Some(
            (0..v.parallelism)
                .map(|j| WatermarkMetric {
                    id: format!("{j}.currentInputWatermark"),
                    value: d.rates(vi, j).map_or(i64::MIN, |r| r.watermark).to_string(),
                })
                .collect(),
        )
    }

    fn checkpoints(&self, id: &str) -> Option<CheckpointingStatistics> {
        let job = self.0.job(id)?;
        let vertices = job.data.lock().ok()?.vertices.clone();
        let n = &vertices[..];
        let stats = job.monitor.checkpoints();
        let history: Vec<CheckpointStatistics> = stats.iter().rev().map(|s| checkpoint_stats(s, n, None)).collect();
        let completed: Vec<&CheckpointStats> = stats.iter().filter(|s| s.status.is_completed()).collect();
        let counts = CheckpointCounts {
            restored: u64::from(job.monitor.restarts()),
            total: stats.len() as u64,
            in_progress: 0,
            completed: completed.len() as u64,
            failed: stats.iter().filter(|s| s.status == CheckpointStatus::Failed).count() as u64,
        };
        let sizes: Vec<i64> = completed.iter().map(|s| s.state_size as i64).collect();
        let durations: Vec<i64> = completed.iter().map(|s| s.duration_ms as i64).collect();
        let latest = LatestCheckpoints {
            completed: completed.iter().rev().find(|s| s.kind == SnapshotKind::Checkpoint).map(|s| checkpoint_stats(s, n, None)),
            savepoint: completed.iter().rev().find(|s| s.kind == SnapshotKind::Savepoint).map(|s| checkpoint_stats(s, n, None)),
            failed: stats.iter().rev().find(|s| s.status == CheckpointStatus::Failed).map(|s| checkpoint_stats(s, n, None)),
            restored: None,
        };
        Some(CheckpointingStatistics {
            counts,
            summary: CheckpointSummary {
                checkpointed_size: summary(&sizes),
                state_size: summary(&sizes),
                end_to_end_duration: summary(&durations),
                ..Default::default()
            },
            latest,
            history,
        })
    }

    fn checkpoint_config(&self, id: &str) -> Option<CheckpointConfigInfo> {
        let job = self.0.job(id)?;
        let cp = self.checkpoint_config_of(&job)?;
        let d = job.data.lock().ok()?;
        Some(CheckpointConfigInfo {
            mode: if cp.exactly_once { "exactly_once" } else { "at_least_once" }.into(),
            interval: cp.interval_ms.unwrap_or(i64::MAX as u64),
            timeout: cp.timeout_ms,
            min_pause: cp.min_pause_ms,
            max_concurrent: 1,
            externalization: ExternalizationInfo { enabled: cp.dir.is_some(), delete_on_cancellation: !cp.retain_on_cancellation },
            state_backend: d.config.get(STATE_BACKEND.key).map(String::as_str).or(STATE_BACKEND.default).unwrap_or_default().to_string(),
            checkpoint_storage: if cp.dir.is_some() { "FileSystemCheckpointStorage" } else { "JobManagerCheckpointStorage" }.into(),
            unaligned_checkpoints: false,
            tolerable_failed_checkpoints: cp.tolerable_failures,
            aligned_checkpoint_timeout: 0,
            checkpoints_after_tasks_finish: false,
            state_changelog_enabled: false,
        })
    }

    fn checkpoint_details(&self, id: &str, checkpoint: u64) -> Option<CheckpointDetails> {
        let job = self.0.job(id)?;
        let vertices = job.data.lock().ok()?.vertices.clone();
        job.monitor.checkpoints().iter().rev().find(|s| s.id == checkpoint).map(|s| checkpoint_stats(s, &vertices, None))
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
                    ..Default::default()
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
        let mut out = String::new();
        let s = self.0.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# TYPE rasch_jobmanager_numRegisteredTaskManagers gauge\n");
        out.push_str(&format!("rasch_jobmanager_numRegisteredTaskManagers {}\n", s.taskmanagers.len()));
        out.push_str("# TYPE rasch_jobmanager_taskSlotsTotal gauge\n");
        out.push_str(&format!("rasch_jobmanager_taskSlotsTotal {}\n", s.total_slots()));
        out.push_str("# TYPE rasch_jobmanager_taskSlotsAvailable gauge\n");
        out.push_str(&format!("rasch_jobmanager_taskSlotsAvailable {}\n", s.free_slots()));
        out.push_str("# TYPE rasch_jobmanager_numRunningJobs gauge\n");
        out.push_str(&format!("rasch_jobmanager_numRunningJobs {}\n", s.jobs.values().filter(|j| !j.status().is_terminal()).count()));
        let jobs: Vec<Arc<JobEntry>> = s.jobs.values().cloned().collect();
        drop(s);
        let mut records = String::new();
        let mut checkpoints = String::new();
        let mut tasks = String::new();
        for job in jobs {
            let Ok(d) = job.data.lock() else { continue };
            let name = d.name.replace(['"', '\\', '\n'], "_");
            for v in &d.vertices {
                for &node in &v.nodes {
                    for j in 0..v.parallelism {
                        let (i, o) = d.counters.get(&(node, j)).copied().unwrap_or_default();
                        let labels = format!(
                            "job_id=\"{}\",job_name=\"{name}\",task_id=\"{}\",operator_index=\"{node}\",subtask_index=\"{j}\"",
                            job.id, v.id
                        );
                        records.push_str(&format!("rasch_taskmanager_job_task_operator_numRecordsIn{{{labels}}} {i}\n"));
                        records.push_str(&format!("rasch_taskmanager_job_task_operator_numRecordsOut{{{labels}}} {o}\n"));
                    }
                }
            }
            for (vi, v) in d.vertices.iter().enumerate() {
                for j in 0..v.parallelism {
                    let Some(r) = d.rates(vi, j) else { continue };
                    let labels = format!("job_id=\"{}\",job_name=\"{name}\",task_id=\"{}\",subtask_index=\"{j}\"", job.id, v.id);
                    tasks.push_str(&format!("rasch_taskmanager_job_task_busyTimeMsPerSecond{{{labels}}} {:.0}\n", r.busy));
                    tasks
                        .push_str(&format!("rasch_taskmanager_job_task_backPressuredTimeMsPerSecond{{{labels}}} {:.0}\n", r.backpressured));
                    tasks.push_str(&format!("rasch_taskmanager_job_task_idleTimeMsPerSecond{{{labels}}} {:.0}\n", r.idle));
                    tasks.push_str(&format!("rasch_taskmanager_job_task_currentInputWatermark{{{labels}}} {}\n", r.watermark));
                }
            }
            let stats = job.monitor.checkpoints();
            let labels = format!("job_id=\"{}\",job_name=\"{name}\"", job.id);
            let completed = stats.iter().filter(|s| s.status.is_completed()).count();
            let failed = stats.iter().filter(|s| s.status == CheckpointStatus::Failed).count();
            checkpoints.push_str(&format!("rasch_jobmanager_job_numberOfCompletedCheckpoints{{{labels}}} {completed}\n"));
            checkpoints.push_str(&format!("rasch_jobmanager_job_numberOfFailedCheckpoints{{{labels}}} {failed}\n"));
            checkpoints.push_str(&format!(
                "rasch_jobmanager_job_lastCheckpointDuration{{{labels}}} {}\n",
                stats.iter().rev().find(|s| s.status.is_completed()).map_or(0, |s| s.duration_ms)
            ));
            checkpoints.push_str(&format!("rasch_jobmanager_job_numRestarts{{{labels}}} {}\n", job.monitor.restarts()));
        }
        out.push_str("# TYPE rasch_taskmanager_job_task_operator_numRecordsIn counter\n# TYPE rasch_taskmanager_job_task_operator_numRecordsOut counter\n");
        out.push_str(&records);
        for name in ["busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond", "currentInputWatermark"] {
            out.push_str(&format!("# TYPE rasch_taskmanager_job_task_{name} gauge\n"));
        }
        out.push_str(&tasks);
        out.push_str("# TYPE rasch_jobmanager_job_numberOfCompletedCheckpoints counter\n# TYPE rasch_jobmanager_job_numberOfFailedCheckpoints counter\n");
        out.push_str("# TYPE rasch_jobmanager_job_lastCheckpointDuration gauge\n# TYPE rasch_jobmanager_job_numRestarts counter\n");
        out.push_str(&checkpoints);
        out
    }
}
