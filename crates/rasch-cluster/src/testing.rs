//! [`InMemoryBackend`]: a [`RestBackend`] without a runtime, for tests of the REST API and the
//! CLI. Jobs are records in a map; triggered operations complete on their second poll.

use crate::clock::now_ms;
use crate::rest::model::*;
use crate::rest::{RestBackend, RestError, SubmitJob};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

/// A job held by the fake.
#[derive(Debug, Clone)]
pub struct FakeJob {
    /// Job id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Status.
    pub state: String,
    /// Start time.
    pub start: i64,
    /// End time or -1.
    pub end: i64,
    /// Detail polls left before the job reaches `final_state`.
    pub polls_left: u32,
    /// State reached after `polls_left` detail polls (`None`: stays as is).
    pub final_state: Option<String>,
}

#[derive(Debug)]
struct Op {
    polls_left: u32,
    result: OperationStatus,
}

#[derive(Default)]
struct Inner {
    counter: u64,
    jobs: Vec<FakeJob>,
    ops: HashMap<String, (String, Op)>,
    disposals: HashMap<String, Op>,
    submissions: Vec<SubmitJob>,
    complete_with: Option<String>,
    taskmanagers: usize,
    slots: usize,
    config: Vec<(String, String)>,
    log: Option<PathBuf>,
}

/// An in-memory [`RestBackend`].
#[derive(Default)]
pub struct InMemoryBackend {
    inner: Mutex<Inner>,
}

const TERMINAL: &[&str] = &["FINISHED", "FAILED", "CANCELED", "SUSPENDED"];

impl InMemoryBackend {
    /// An empty cluster with one TaskManager of two slots.
    pub fn new() -> Self {
        let b = InMemoryBackend::default();
        {
            let mut i = b.lock();
            i.taskmanagers = 1;
            i.slots = 2;
        }
        b
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_id(i: &mut Inner) -> String {
        i.counter += 1;
        format!("{:016x}{:016x}", 0x5a5a_0000_u64 + i.counter, i.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// Sets the TaskManager count and slots per TaskManager.
    pub fn set_taskmanagers(&self, count: usize, slots: usize) {
        let mut i = self.lock();
        i.taskmanagers = count;
        i.slots = slots;
    }

    /// Makes submitted jobs reach `state` (e.g. `FINISHED`, `FAILED`) on their second detail poll.
    pub fn complete_submitted_jobs_with(&self, state: Option<&str>) {
        self.lock().complete_with = state.map(str::to_string);
    }

    /// Adds a job in `state`; returns its id.
    pub fn add_job(&self, name: &str, state: &str) -> String {
        let mut i = self.lock();
        let id = Self::next_id(&mut i);
        let terminal = TERMINAL.contains(&state);
        let start = now_ms() - 5_000;
        i.jobs.push(FakeJob {
            id: id.clone(),
            name: name.into(),
            state: state.into(),
            start,
            end: if terminal { start + 1_000 } else { -1 },
            polls_left: 0,
            final_state: None,
        });
        id
    }

    /// Submissions received so far.
    pub fn submissions(&self) -> Vec<SubmitJob> {
        self.lock().submissions.clone()
    }

    /// The current state of a job.
    pub fn job_state(&self, job: &str) -> Option<String> {
        self.lock().jobs.iter().find(|j| j.id == job).map(|j| j.state.clone())
    }

    /// Sets what `/jobmanager/config` shows.
    pub fn set_config(&self, config: Vec<(String, String)>) {
        self.lock().config = config;
    }

    /// Sets the file served as JobManager and TaskManager log.
    pub fn set_log(&self, path: PathBuf) {
        self.lock().log = Some(path);
    }

    fn with_job<T>(&self, job: &str, f: impl FnOnce(&FakeJob) -> T) -> Option<T> {
        self.lock().jobs.iter().find(|j| j.id == job).map(f)
    }

    fn overview_of(j: &FakeJob) -> JobOverview {
        let now = now_ms();
        let mut tasks = TaskCounts { total: 1, ..TaskCounts::default() };
        match j.state.as_str() {
            "RUNNING" => tasks.running = 1,
            "FINISHED" => tasks.finished = 1,
            "CANCELED" => tasks.canceled = 1,
            "FAILED" => tasks.failed = 1,
            _ => tasks.created = 1,
        }
        JobOverview {
            jid: j.id.clone(),
            name: j.name.clone(),
            state: j.state.clone(),
            start_time: j.start,
            end_time: j.end,
            duration: if j.end >= 0 { j.end - j.start } else { now - j.start },
            last_modification: if j.end >= 0 { j.end } else { j.start },
            tasks,
        }
    }

    fn tm_info(n: usize, slots: usize) -> TaskManagerInfo {
        TaskManagerInfo {
            id: format!("127.0.0.1:4000{n}-fake{n}"),
            path: format!("rasch://127.0.0.1:4000{n}/taskmanager_{n}"),
            data_port: 40100,
            jmx_port: -1,
            time_since_last_heartbeat: 0,
            slots_number: slots,
            free_slots: slots,
            ..TaskManagerInfo::default()
        }
    }
}

impl RestBackend for InMemoryBackend {
    fn overview(&self) -> ClusterOverview {
        let i = self.lock();
        let count = |s: &str| i.jobs.iter().filter(|j| j.state == s).count();
        ClusterOverview {
            taskmanagers: i.taskmanagers,
            slots_total: i.taskmanagers * i.slots,
            slots_available: i.taskmanagers * i.slots,
            jobs_running: i.jobs.iter().filter(|j| !TERMINAL.contains(&j.state.as_str())).count(),
            jobs_finished: count("FINISHED"),
            jobs_cancelled: count("CANCELED"),
            jobs_failed: count("FAILED"),
            flink_version: crate::rest::VERSION.into(),
            flink_commit: "fake".into(),
        }
    }

    fn job_overviews(&self) -> Vec<JobOverview> {
        self.lock().jobs.iter().map(Self::overview_of).collect()
    }

    fn job(&self, job: &str) -> Option<JobDetails> {
        let mut i = self.lock();
        let j = i.jobs.iter_mut().find(|j| j.id == job)?;
        if let Some(fin) = j.final_state.clone() {
            if j.polls_left == 0 {
                j.state = fin;
                j.end = now_ms();
                j.final_state = None;
            } else {
                j.polls_left -= 1;
            }
        }
        let o = Self::overview_of(j);
        let mut timestamps = BTreeMap::new();
        for s in ["INITIALIZING", "CREATED", "RUNNING", "FAILING", "FAILED", "CANCELLING", "CANCELED", "FINISHED"] {
            timestamps.insert(s.to_string(), if s == o.state { o.last_modification } else { 0 });
        }
        Some(JobDetails {
            jid: o.jid.clone(),
            name: o.name.clone(),
            is_stoppable: false,
            state: o.state.clone(),
            job_type: "STREAMING".into(),
            start_time: o.start_time,
            end_time: o.end_time,
            duration: o.duration,
            max_parallelism: -1,
            now: now_ms(),
            timestamps,
            vertices: Vec::new(),
            status_counts: BTreeMap::new(),
            plan: serde_json::json!({"jid": o.jid, "name": o.name, "type": "STREAMING", "nodes": []}),
        })
    }

    fn job_plan(&self, job: &str) -> Option<serde_json::Value> {
        self.with_job(job, |j| serde_json::json!({"jid": j.id, "name": j.name, "type": "STREAMING", "nodes": []}))
    }

    fn job_exceptions(&self, job: &str) -> Option<JobExceptions> {
        self.with_job(job, |j| {
            let mut ex = JobExceptions::default();
            if j.state == "FAILED" {
                ex.exception_history.entries.push(ExceptionEntry {
                    exception_name: "rasch_core::Error::User".into(),
                    stacktrace: "operator 'Map' failed: boom".into(),
                    timestamp: j.end,
                    ..ExceptionEntry::default()
                });
            }
            ex
        })
    }

    fn job_config(&self, job: &str) -> Option<JobConfigInfo> {
        self.with_job(job, |j| JobConfigInfo {
            jid: j.id.clone(),
            name: j.name.clone(),
            execution_config: ExecutionConfigInfo {
                execution_mode: "PIPELINED".into(),
                restart_strategy: "Restart deactivated.".into(),
                job_parallelism: 1,
                object_reuse_mode: false,
                user_config: BTreeMap::new(),
            },
        })
    }

    fn vertex(&self, _job: &str, _vertex: &str) -> Option<VertexDetails> {
        None
    }

    fn vertex_backpressure(&self, _job: &str, _vertex: &str) -> Option<VertexBackPressure> {
        None
    }

    fn vertex_watermarks(&self, _job: &str, _vertex: &str) -> Option<Vec<WatermarkMetric>> {
        None
    }

    fn vertex_subtask_times(&self, _job: &str, _vertex: &str) -> Option<SubtaskTimes> {
        None
    }

    fn vertex_taskmanagers(&self, _job: &str, _vertex: &str) -> Option<VertexTaskManagers> {
        None
    }

    fn job_accumulators(&self, job: &str) -> Option<JobAccumulators> {
        self.with_job(job, |_| JobAccumulators::default())
    }

    fn metrics_of(&self, scope: &MetricScope) -> Option<Vec<MetricValues>> {
        let o = self.overview();
        let values = |pairs: &[(&str, f64)]| pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect::<MetricValues>();
        match scope {
            MetricScope::JobManager => Some(vec![values(&[
                ("numRegisteredTaskManagers", o.taskmanagers as f64),
                ("numRunningJobs", o.jobs_running as f64),
                ("taskSlotsTotal", o.slots_total as f64),
            ])]),
            MetricScope::TaskManager(id) => self.taskmanager(id).map(|t| vec![values(&[("taskSlotsTotal", t.info.slots_number as f64)])]),
            MetricScope::Job(id) => self.with_job(id, |_| vec![values(&[("numRestarts", 0.0)])]),
            MetricScope::Vertex { .. } => None,
        }
    }

    fn checkpoints(&self, job: &str) -> Option<CheckpointingStatistics> {
        self.with_job(job, |_| CheckpointingStatistics::default())
    }

    fn checkpoint_config(&self, job: &str) -> Option<CheckpointConfigInfo> {
        self.with_job(job, |_| CheckpointConfigInfo {
            mode: "exactly_once".into(),
            state_backend: "HashMapStateBackend".into(),
            checkpoint_storage: "FileSystemCheckpointStorage".into(),
            ..CheckpointConfigInfo::default()
        })
    }

    fn checkpoint_details(&self, _job: &str, _id: u64) -> Option<CheckpointDetails> {
        None
    }

    fn checkpoint_subtasks(&self, _job: &str, _id: u64, _vertex: &str) -> Option<TaskCheckpointDetails> {
        None
    }

    fn taskmanagers(&self) -> Vec<TaskManagerInfo> {
        let i = self.lock();
        (0..i.taskmanagers).map(|n| Self::tm_info(n, i.slots)).collect()
    }

    fn taskmanager(&self, id: &str) -> Option<TaskManagerDetails> {
        let i = self.lock();
        (0..i.taskmanagers).map(|n| Self::tm_info(n, i.slots)).find(|t| t.id == id).map(|info| TaskManagerDetails {
            info,
            allocated_slots: Vec::new(),
            metrics: serde_json::json!({"heapUsed": 0}),
        })
    }

    fn taskmanager_log(&self, _id: &str) -> Option<PathBuf> {
        self.lock().log.clone()
    }

    /// The simulated TaskManagers run in this process: their dump is this process's.
    fn taskmanager_thread_dump(&self, id: &str) -> Option<ThreadDumpInfo> {
        self.taskmanager(id).map(|_| ThreadDumpInfo::of(&crate::threads::threads_of(std::process::id()), |_| "TaskManager"))
    }

    fn jobmanager_log(&self) -> Option<PathBuf> {
        self.lock().log.clone()
    }

    fn cluster_config(&self) -> Vec<(String, String)> {
        self.lock().config.clone()
    }

    fn submit(&self, req: SubmitJob) -> Result<String, RestError> {
        let mut i = self.lock();
        let id = Self::next_id(&mut i);
        let name = req.binary.file_name().and_then(|n| n.to_str()).unwrap_or("job").to_string();
        let complete_with = i.complete_with.clone();
        i.jobs.push(FakeJob {
            id: id.clone(),
            name,
            state: "RUNNING".into(),
            start: now_ms(),
            end: -1,
            polls_left: 1,
            final_state: complete_with,
        });
        i.submissions.push(req);
        Ok(id)
    }

    fn cancel(&self, job: &str) -> Result<(), RestError> {
        let mut i = self.lock();
        let j = i.jobs.iter_mut().find(|j| j.id == job).ok_or_else(|| RestError::not_found(format!("Job {job} not found")))?;
        if TERMINAL.contains(&j.state.as_str()) {
            return Err(RestError::conflict(format!("Job {job} is already {}", j.state)));
        }
        j.state = "CANCELED".into();
        j.end = now_ms();
        j.final_state = None;
        Ok(())
    }

    fn trigger_savepoint(
        &self,
        job: &str,
        target_dir: Option<String>,
        stop: Option<StopMode>,
        cancel_job: bool,
    ) -> Result<String, RestError> {
        let mut i = self.lock();
        let n = i.counter + 1;
        let j = i.jobs.iter_mut().find(|j| j.id == job).ok_or_else(|| RestError::not_found(format!("Job {job} not found")))?;
        if TERMINAL.contains(&j.state.as_str()) {
            return Err(RestError::conflict(format!("Job {job} is not running (state {})", j.state)));
        }
        let dir = target_dir.unwrap_or_else(|| "/tmp/rasch-savepoints".into());
        let location = format!("{}/savepoint-{}-{n:012x}", dir.trim_end_matches('/'), &job[..6]);
        if stop.is_some() {
            j.state = "FINISHED".into();
            j.end = now_ms();
        } else if cancel_job {
            j.state = "CANCELED".into();
            j.end = now_ms();
        }
        let trigger = Self::next_id(&mut i);
        let op = Op { polls_left: 1, result: OperationStatus::Completed { location: Some(location), checkpoint_id: None } };
        i.ops.insert(trigger.clone(), (job.to_string(), op));
        Ok(trigger)
    }

    fn trigger_checkpoint(&self, job: &str) -> Result<String, RestError> {
        let mut i = self.lock();
        if !i.jobs.iter().any(|j| j.id == job) {
            return Err(RestError::not_found(format!("Job {job} not found")));
        }
        let trigger = Self::next_id(&mut i);
        let cid = i.counter;
        let op = Op { polls_left: 1, result: OperationStatus::Completed { location: None, checkpoint_id: Some(cid) } };
        i.ops.insert(trigger.clone(), (job.to_string(), op));
        Ok(trigger)
    }

    fn operation_status(&self, job: &str, trigger: &str) -> Option<OperationStatus> {
        let mut i = self.lock();
        let (owner, op) = i.ops.get_mut(trigger)?;
        if owner != job {
            return None;
        }
        if op.polls_left > 0 {
            op.polls_left -= 1;
            return Some(OperationStatus::InProgress);
        }
        Some(op.result.clone())
    }

    fn dispose_savepoint(&self, path: &str) -> Result<String, RestError> {
        let mut i = self.lock();
        let trigger = Self::next_id(&mut i);
        let result = if path.contains("missing") {
            OperationStatus::Failed { cause: format!("savepoint {path} does not exist") }
        } else {
            OperationStatus::Completed { location: None, checkpoint_id: None }
        };
        i.disposals.insert(trigger.clone(), Op { polls_left: 1, result });
        Ok(trigger)
    }

    fn disposal_status(&self, trigger: &str) -> Option<OperationStatus> {
        let mut i = self.lock();
        let op = i.disposals.get_mut(trigger)?;
        if op.polls_left > 0 {
            op.polls_left -= 1;
            return Some(OperationStatus::InProgress);
        }
        Some(op.result.clone())
    }

    fn metrics(&self) -> String {
        let o = self.overview();
        format!(
            "# HELP rasch_jobmanager_numRegisteredTaskManagers Registered TaskManagers.\n# TYPE rasch_jobmanager_numRegisteredTaskManagers gauge\nrasch_jobmanager_numRegisteredTaskManagers {}\n# HELP rasch_jobmanager_numRunningJobs Running jobs.\n# TYPE rasch_jobmanager_numRunningJobs gauge\nrasch_jobmanager_numRunningJobs {}\n",
            o.taskmanagers, o.jobs_running
        )
    }
}
