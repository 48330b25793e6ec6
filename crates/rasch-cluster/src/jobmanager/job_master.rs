//! The JobMaster of one job: gets the plan, then runs attempts under the restart strategy —
//! each attempt waits for slots, has the TaskManagers start one worker per TaskManager,
//! deploys the subtasks, and supervises them with the same [`Supervisor`] the local executor
//! uses (checkpoints, savepoints, end-of-job handshake) over the workers' connections.
//!
//! States (Flink's names): INITIALIZING (plan) → CREATED (waiting for slots / workers) →
//! RUNNING → RESTARTING → … → FINISHED | FAILED | CANCELED; CANCELLING while a cancel is
//! under way.

use super::Cluster;
use super::plan::{Plan, run_plan};
use super::state::{JobEntry, JobStatus, Operation, WorkerConnection, now_ms};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use rasch_core::error::ErrorReport;
use rasch_core::{Configuration, Error, Result, RuntimeMode};
use rasch_runtime::checkpoint::RestorePlan;
use rasch_runtime::executor::{ExecutionOptions, JobExecutionResult, JobInfo, OperatorStats, Supervisor, TaskLink};
use rasch_runtime::jobmaster::{DeployedAttempt, Deployer, JobState};
use rasch_runtime::remote::protocol::{Deployment, FromWorker, StartWorker, ToTaskManager, ToWorker, WireControl};
use rasch_runtime::remote::{MAX_FRAME, read_message, write_message};
use rasch_runtime::task::{TaskControl, TaskEvent};
use std::collections::{BTreeMap, HashSet};
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long workers may take to start and report after their TaskManager was asked.
const WORKER_START_TIMEOUT: Duration = Duration::from_secs(60);

/// What was submitted.
pub(crate) struct Submission {
    pub(crate) binary: PathBuf,
    pub(crate) binary_sha256: String,
    pub(crate) args: Vec<String>,
    /// The configuration the program starts from (cluster config, `-p`, `-s`).
    pub(crate) start_config: BTreeMap<String, String>,
}

/// Runs the job to its end; called on the job's own thread.
pub(crate) fn run(
    cluster: Arc<Cluster>,
    job: Arc<JobEntry>,
    submission: Submission,
    commands: Receiver<rasch_runtime::executor::JobCommand>,
) {
    let outcome = run_job(&cluster, &job, &submission, commands);
    let status = match &outcome {
        Ok(_) => JobStatus::Finished,
        Err(Error::Cancelled) => JobStatus::Canceled,
        Err(Error::Suspended) => JobStatus::Suspended,
        Err(_) => JobStatus::Failed,
    };
    if let Err(e) = &outcome
        && !matches!(e, Error::Cancelled | Error::Suspended)
    {
        cluster.log(&format!("job {} failed: {e}", job.id));
        if let Ok(mut d) = job.data.lock() {
            let report = e.report();
            let already = d.exceptions.last().is_some_and(|(_, r)| *r == report);
            if !already {
                d.exceptions.push((now_ms(), report));
            }
        }
    }
    if let Ok(mut s) = cluster.state.lock() {
        s.release(&job.id);
    }
    if status != JobStatus::Suspended {
        super::leadership::forget_job(&cluster, &job.id);
    }
    job.set_status(status);
    cluster.log(&format!("job {} ({}) reached {}", job.id, job.data.lock().map(|d| d.name.clone()).unwrap_or_default(), status.name()));
}

fn run_job(
    cluster: &Arc<Cluster>,
    job: &Arc<JobEntry>,
    submission: &Submission,
    commands: Receiver<rasch_runtime::executor::JobCommand>,
) -> Result<JobExecutionResult> {
    let plan = run_plan(&submission.binary, &submission.args, &submission.start_config, &cluster.work_dir)?;
    if let Ok(mut d) = job.data.lock() {
        d.name = plan.name.clone();
        d.plan = plan.json.clone();
        d.config = plan.config.clone();
        d.vertices = plan.vertices.clone();
        d.node_names = plan.node_names.clone();
        d.node_ids = plan.operator_ids.clone();
    }
    job.set_status(JobStatus::Created);
    cluster.log(&format!("job {} ({}) created: {} vertices", job.id, plan.name, plan.vertices.len()));
    let mut config = Configuration::new();
    for (k, v) in &plan.config {
        config.set(k, v.clone())?;
    }
    let info = JobInfo {
        name: plan.name.clone(),
        operator_ids: plan.operator_ids.clone(),
        vertices: plan.vertices.iter().map(|v| (v.name.clone(), v.parallelism)).collect(),
    };
    let opts = ExecutionOptions {
        batch_size: 1024,
        runtime_mode: config.runtime_mode().unwrap_or(RuntimeMode::Streaming),
        config: Arc::new(config),
        cancel: job.cancel.clone(),
        clock: rasch_core::time::system_clock(),
        commands: Some(commands),
    };
    let monitor = job.monitor.clone();
    let mut deployer = Attempt { cluster, job, plan: &plan, submission, attempt: 0, watching: None };
    rasch_runtime::jobmaster::run_job(&info, &opts, None, &monitor, &mut deployer)
}

/// The cluster's deployer: runs each attempt in one worker process per TaskManager that got
/// slots, and mirrors the job's states on REST.
struct Attempt<'a> {
    cluster: &'a Arc<Cluster>,
    job: &'a Arc<JobEntry>,
    plan: &'a Plan,
    submission: &'a Submission,
    attempt: u32,
    /// Stops the TaskManager watch of the running attempt.
    watching: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl Deployer for Attempt<'_> {
    fn deploy(&mut self, attempt: u32, restored: Option<&RestorePlan>, supervisor: &Supervisor) -> Result<DeployedAttempt> {
        self.attempt = attempt;
        self.start(restored, supervisor)
    }

    fn finish(&mut self, failed: bool) -> JobExecutionResult {
        if let Some(done) = self.watching.take() {
            done.store(true, std::sync::atomic::Ordering::Release);
        }
        // Workers of a finished attempt exit by themselves; the others are stopped.
        self.clean_up(failed);
        self.result()
    }

    fn on_state(&mut self, state: JobState) {
        let status = match state {
            JobState::Created | JobState::Scheduling => JobStatus::Created,
            JobState::Running => JobStatus::Running,
            JobState::Failing => JobStatus::Failing,
            JobState::Restarting => JobStatus::Restarting,
            JobState::Cancelling => JobStatus::Cancelling,
            // Terminal statuses are set once the job's slots are released (`run`).
            JobState::Finished | JobState::Failed | JobState::Canceled | JobState::Suspended => return,
        };
        if state == JobState::Restarting
            && let Some(e) = self.job.monitor.exceptions().last()
            && let Ok(mut d) = self.job.data.lock()
        {
            d.exceptions.push(e.clone());
        }
        self.job.set_status(status);
    }
}

/// The JobMaster's side of one worker's connection.
struct WorkerLink {
    taskmanager: String,
    tx: Sender<ToWorker>,
    /// The connection, to cut it when the worker's TaskManager is lost.
    stream: std::net::TcpStream,
}

impl Attempt<'_> {
    /// Waits until enough slots are free and takes them: the TaskManager of every slot.
    fn acquire_slots(&self) -> Result<Vec<String>> {
        let needed = self.plan.vertices.iter().map(|v| v.parallelism).max().unwrap_or(1);
        let mut said = false;
        loop {
            if self.job.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let (slots, total, free) = match self.cluster.state.lock() {
                Ok(mut s) => (s.allocate(&self.job.id, needed), s.total_slots(), s.free_slots()),
                Err(_) => return Err(Error::Internal("cluster state poisoned".into())),
            };
            if let Some(slots) = slots {
                if let Ok(mut d) = self.job.data.lock() {
                    d.waiting = None;
                }
                return Ok(slots);
            }
            let why = format!("waiting for {needed} task slots; {free} of {total} are free");
            if !said {
                self.cluster.log(&format!("job {}: {why}", self.job.id));
                said = true;
            }
            if let Ok(mut d) = self.job.data.lock() {
                d.waiting = Some(why);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Acquires slots, starts the workers and deploys every subtask to them.
    fn start(&mut self, restored: Option<&RestorePlan>, supervisor: &Supervisor) -> Result<DeployedAttempt> {
        let slots = self.acquire_slots()?;
        // One worker per TaskManager that got slots; subtask j of every vertex goes to slot j.
        let mut taskmanagers: Vec<String> = Vec::new();
        for tm in &slots {
            if !taskmanagers.contains(tm) {
                taskmanagers.push(tm.clone());
            }
        }
        let worker_of = |tm: &String| taskmanagers.iter().position(|t| t == tm).unwrap_or(0) as u32;
        let placement: Vec<Vec<u32>> =
            self.plan.vertices.iter().map(|v| (0..v.parallelism).map(|j| worker_of(&slots[j])).collect()).collect();
        if let Ok(mut d) = self.job.data.lock() {
            d.placement = self.plan.vertices.iter().map(|v| (0..v.parallelism).map(|j| slots[j].clone()).collect()).collect();
        }

        let (hello_tx, hello_rx) = crossbeam_channel::unbounded::<WorkerConnection>();
        let key = (self.job.id.clone(), self.attempt);
        if let Ok(mut s) = self.cluster.state.lock() {
            s.expected_workers.insert(key.clone(), hello_tx);
            s.worker_exits.remove(&key);
        }
        let config_json = serde_json::to_string(&self.submission.start_config).map_err(|e| Error::Internal(e.to_string()))?;
        for (w, tm) in taskmanagers.iter().enumerate() {
            let start = StartWorker {
                job_id: self.job.id.clone(),
                attempt: self.attempt,
                worker: w as u32,
                binary_sha256: self.submission.binary_sha256.clone(),
                args: self.submission.args.clone(),
                config_json: config_json.clone(),
            };
            self.send_to_taskmanager(tm, ToTaskManager::StartWorker(start))?;
        }
        let connections = self.await_workers(&hello_rx, taskmanagers.len())?;
        if let Ok(mut s) = self.cluster.state.lock() {
            s.expected_workers.remove(&key);
        }

        // Data connections carry the token; it grows with the attempt, so a data server never
        // accepts a connection left over from an earlier attempt.
        let token = (u64::from(self.attempt) << 32) | u64::from_str_radix(&super::random_hex(8), 16).unwrap_or(7);
        let mut data_addrs = vec![String::new(); taskmanagers.len()];
        for c in &connections {
            data_addrs[c.worker as usize] = c.data_addr.clone();
        }
        let deployment = Deployment {
            attempt: self.attempt,
            token,
            fingerprint: self.plan.fingerprint.clone(),
            placement: placement.clone(),
            data_addrs,
            exactly_once: supervisor.checkpoint_config().exactly_once,
            restore: restored.cloned(),
            checkpoint_dir: supervisor.checkpoint_storage().map(|s| s.job_dir()),
        };
        let (events_tx, events_rx) = crossbeam_channel::unbounded::<TaskEvent>();
        let mut links: Vec<Option<WorkerLink>> = (0..taskmanagers.len()).map(|_| None).collect();
        for conn in connections {
            let w = conn.worker as usize;
            let tasks: Vec<(usize, usize)> = placement
                .iter()
                .enumerate()
                .flat_map(|(v, p)| p.iter().enumerate().filter(|(_, x)| **x as usize == w).map(move |(j, _)| (v, j)))
                .collect();
            let (tx, stream) = self.start_link(conn, &deployment, tasks, events_tx.clone(), &taskmanagers[w])?;
            links[w] = Some(WorkerLink { taskmanager: taskmanagers[w].clone(), tx, stream });
        }
        drop(events_tx);
        let links: Vec<WorkerLink> =
            links.into_iter().map(|l| l.ok_or_else(|| Error::Internal("a worker is missing".into()))).collect::<Result<_>>()?;

        let mut tasks = Vec::new();
        for (v, vertex) in self.plan.vertices.iter().enumerate() {
            for (j, &w) in placement[v].iter().enumerate() {
                let tx = links[w as usize].tx.clone();
                let (vertex_u, subtask) = (v as u32, j as u32);
                tasks.push(TaskLink {
                    control: Box::new(move |c| {
                        let control = match c {
                            TaskControl::Trigger(b, stop) => WireControl::Trigger(b, stop),
                            TaskControl::Complete(id) => WireControl::Complete(id),
                            TaskControl::JobFinished => WireControl::JobFinished,
                        };
                        let _ = tx.send(ToWorker::Control { vertex: vertex_u, subtask, control });
                    }),
                    is_source: vertex.is_source,
                });
            }
        }
        let senders: Vec<Sender<ToWorker>> = links.iter().map(|l| l.tx.clone()).collect();
        let cancel_all = move || {
            for tx in &senders {
                let _ = tx.send(ToWorker::Cancel);
            }
        };
        self.cluster.log(&format!(
            "job {} attempt {} running on {} worker(s): {}",
            self.job.id,
            self.attempt,
            links.len(),
            links.iter().map(|l| l.taskmanager.as_str()).collect::<Vec<_>>().join(", ")
        ));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        self.watch_taskmanagers(&links, done.clone())?;
        self.watching = Some(done);
        Ok(DeployedAttempt { tasks, events: events_rx, cancel: Box::new(cancel_all) })
    }

    /// A TaskManager that is lost (closed connection, missed heartbeats) takes its workers'
    /// tasks with it: their connections are cut, so their readers fail those tasks and the
    /// attempt fails over — even if a worker process of a hung TaskManager is still running.
    fn watch_taskmanagers(&self, links: &[WorkerLink], done: Arc<std::sync::atomic::AtomicBool>) -> Result<()> {
        let watched: Vec<(String, std::net::TcpStream)> = links
            .iter()
            .map(|l| l.stream.try_clone().map(|s| (l.taskmanager.clone(), s)))
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io("cloning a worker connection", e))?;
        let cluster = self.cluster.clone();
        std::thread::Builder::new()
            .name("taskmanager watch".into())
            .spawn(move || {
                while !done.load(std::sync::atomic::Ordering::Acquire) {
                    let alive: HashSet<String> = cluster.state.lock().map(|s| s.taskmanagers.keys().cloned().collect()).unwrap_or_default();
                    for (tm, stream) in &watched {
                        if !alive.contains(tm) {
                            let _ = stream.shutdown(std::net::Shutdown::Both);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
            .map_err(|e| Error::io("starting the TaskManager watch", e))?;
        Ok(())
    }

    fn send_to_taskmanager(&self, tm: &str, msg: ToTaskManager) -> Result<()> {
        let tx = self.cluster.state.lock().ok().and_then(|s| s.taskmanagers.get(tm).map(|t| t.tx.clone()));
        match tx {
            Some(tx) => tx.send(msg).map_err(|_| Error::Internal(format!("TaskManager {tm} is gone"))),
            None => Err(Error::Internal(format!("TaskManager {tm} is gone"))),
        }
    }

    /// Collects the hello of every worker, failing when one cannot start.
    fn await_workers(&self, hellos: &Receiver<WorkerConnection>, n: usize) -> Result<Vec<WorkerConnection>> {
        let deadline = Instant::now() + WORKER_START_TIMEOUT;
        let mut got: Vec<WorkerConnection> = Vec::new();
        while got.len() < n {
            if self.job.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let exit = self.cluster.state.lock().ok().and_then(|s| s.worker_exits.get(&(self.job.id.clone(), self.attempt)).cloned());
            if let Some(why) = exit {
                return Err(Error::Internal(why));
            }
            if Instant::now() >= deadline {
                return Err(Error::Internal(format!(
                    "only {} of {n} workers reported within {} s",
                    got.len(),
                    WORKER_START_TIMEOUT.as_secs()
                )));
            }
            match hellos.recv_timeout(Duration::from_millis(50)) {
                Ok(mut c) => {
                    if c.fingerprint != self.plan.fingerprint {
                        let why = format!(
                            "worker {} built a JobGraph with fingerprint {} but the plan has {}; job construction must be deterministic",
                            c.worker, c.fingerprint, self.plan.fingerprint
                        );
                        let _ = write_message(&mut c.stream, &ToWorker::Refused(why.clone()));
                        return Err(Error::InvalidJob(why));
                    }
                    if (c.worker as usize) < n && !got.iter().any(|g| g.worker == c.worker) {
                        got.push(c);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(Error::Internal("worker registration closed".into())),
            }
        }
        Ok(got)
    }

    /// Deploys a worker and starts the threads that talk to it: a writer fed by the returned
    /// sender, and a reader that turns its reports into task events. When the worker is lost
    /// before all its tasks reported, its remaining tasks fail with the reason.
    fn start_link(
        &self,
        conn: WorkerConnection,
        deployment: &Deployment,
        tasks: Vec<(usize, usize)>,
        events: Sender<TaskEvent>,
        taskmanager: &str,
    ) -> Result<(Sender<ToWorker>, std::net::TcpStream)> {
        let mut writer = conn.stream;
        let handle = writer.try_clone().map_err(|e| Error::io("cloning a worker connection", e))?;
        write_message(&mut writer, &ToWorker::Deploy(Box::new(deployment.clone())))?;
        let reader = writer.try_clone().map_err(|e| Error::io("cloning a worker connection", e))?;
        let (tx, rx) = crossbeam_channel::unbounded::<ToWorker>();
        std::thread::Builder::new()
            .name(format!("to worker {}", conn.worker))
            .spawn(move || {
                for msg in rx {
                    if write_message(&mut writer, &msg).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Error::io("starting a worker writer", e))?;
        let job = self.job.clone();
        let where_ = format!("worker {} on TaskManager {taskmanager}", conn.worker);
        std::thread::Builder::new()
            .name(format!("from worker {}", conn.worker))
            .spawn(move || read_worker(reader, &job, &where_, tasks, &events))
            .map_err(|e| Error::io("starting a worker reader", e))?;
        Ok((tx, handle))
    }

    /// Stops what is left of the attempt's workers and gives the slots back.
    fn clean_up(&self, stop_workers: bool) {
        let tms: HashSet<String> = self.job.data.lock().map(|d| d.placement.iter().flatten().cloned().collect()).unwrap_or_default();
        for tm in tms.into_iter().filter(|_| stop_workers) {
            let _ = self.send_to_taskmanager(&tm, ToTaskManager::StopWorker { job_id: self.job.id.clone(), attempt: self.attempt });
        }
        if let Ok(mut s) = self.cluster.state.lock() {
            s.release(&self.job.id);
            s.expected_workers.remove(&(self.job.id.clone(), self.attempt));
        }
    }

    fn result(&self) -> JobExecutionResult {
        let mut accumulators = BTreeMap::new();
        let counters = match self.job.data.lock() {
            Ok(d) => {
                d.accumulators.iter().for_each(|((_, k), v)| *accumulators.entry(k.clone()).or_insert(0) += v);
                d.counters.clone()
            }
            Err(_) => Default::default(),
        };
        let mut operators = Vec::new();
        for v in &self.plan.vertices {
            for &node in &v.nodes {
                let (mut records_in, mut records_out) = (0, 0);
                for j in 0..v.parallelism {
                    let (i, o) = counters.get(&(node, j)).copied().unwrap_or_default();
                    records_in += i;
                    records_out += o;
                }
                operators.push(OperatorStats {
                    id: self.plan.operator_ids.get(node).cloned().unwrap_or_default(),
                    name: self.plan.node_names.get(node).cloned().unwrap_or_default(),
                    parallelism: v.parallelism,
                    records_in,
                    records_out,
                });
            }
        }
        JobExecutionResult {
            job_name: self.plan.name.clone(),
            net_runtime: Duration::ZERO,
            operators,
            accumulators,
            restarts: 0,
            completed_checkpoints: 0,
        }
    }
}

fn read_worker(stream: std::net::TcpStream, job: &JobEntry, where_: &str, tasks: Vec<(usize, usize)>, events: &Sender<TaskEvent>) {
    let mut open: HashSet<(usize, usize)> = tasks.into_iter().collect();
    let mut reader = BufReader::new(stream);
    let mut failure: Option<ErrorReport> = None;
    let lost = loop {
        let msg = match read_message::<_, FromWorker>(&mut reader, MAX_FRAME) {
            Ok(Some(m)) => m,
            Ok(None) => break format!("{where_} was lost (its connection closed; is its TaskManager gone?)"),
            Err(e) => break format!("{where_} was lost: {e}"),
        };
        let event = match msg {
            FromWorker::Ack { vertex, checkpoint_id, state, alignment_ms } => {
                TaskEvent::Ack { alignment_ms, vertex: vertex as usize, checkpoint_id, state }
            }
            FromWorker::Decline { checkpoint_id, reason } => TaskEvent::Decline { checkpoint_id, reason: format!("{reason} ({where_})") },
            FromWorker::EndOfInput { vertex, subtask } => TaskEvent::EndOfInput { vertex: vertex as usize, subtask: subtask as usize },
            FromWorker::Finished { vertex, subtask, error, cancelled } => {
                let (vertex, subtask) = (vertex as usize, subtask as usize);
                open.remove(&(vertex, subtask));
                // A task the worker cancelled because of its own failure fails with that cause.
                let result = match (error, cancelled, &failure) {
                    (Some(e), _, _) => Err(Error::Remote(e.at(where_))),
                    (None, true, Some(f)) => Err(Error::Remote(f.clone())),
                    (None, true, None) => Err(Error::Cancelled),
                    (None, false, _) => Ok(()),
                };
                TaskEvent::Finished { vertex, subtask, result }
            }
            FromWorker::Metrics { counters, accumulators, tasks } => {
                if let Ok(mut d) = job.data.lock() {
                    for t in tasks {
                        let key = (t.vertex as usize, t.subtask as usize);
                        let prev = d.task_times.get(&key).map(|p| p.1).unwrap_or_default();
                        d.task_times.insert(key, (prev, t));
                    }
                    for c in counters {
                        d.record_counts((c.node as usize, c.subtask as usize), (c.records_in, c.records_out), std::time::Instant::now());
                    }
                    for (k, v) in accumulators {
                        d.accumulators.insert((where_.to_string(), k), v);
                    }
                }
                continue;
            }
            FromWorker::Failed(why) => {
                failure = Some(why.at(where_));
                continue;
            }
        };
        if events.send(event).is_err() {
            return;
        }
        if open.is_empty() {
            return;
        }
    };
    let why = failure.map_or(Error::Unavailable(lost), Error::Remote).report();
    for (vertex, subtask) in open {
        let _ = events.send(TaskEvent::Finished { vertex, subtask, result: Err(Error::Remote(why.clone())) });
    }
}

/// Records a finished asynchronous operation of `job`.
pub(crate) fn finish_operation(job: &JobEntry, trigger: &str, outcome: std::result::Result<String, String>) {
    if let Ok(mut d) = job.data.lock() {
        d.operations.insert(
            trigger.to_string(),
            match outcome {
                Ok(location) => Operation::Completed(location),
                Err(why) => Operation::Failed(why),
            },
        );
    }
}
