//! The job master's supervision of one attempt — triggers and completes checkpoints and
//! savepoints, sends notifications, runs the end-of-job handshake, and on the first failure
//! cancels every task and reports it — plus the local attempt, which spawns every task as a
//! thread of this process. The cluster's JobMaster drives the same [`Supervisor`] over tasks
//! that run in worker processes.

use super::build::spawn_task;
use super::wiring::wire;
use super::{CANCEL_GRACE, ExecutionOptions, JobCommand, JobExecutionResult, JobMonitor, OperatorStats};
use crate::channel::CancelToken;
use crate::checkpoint::{
    CheckpointConfig, CheckpointStore, CompletedCheckpoint, Coordinator, RestorePlan, SnapshotKind, StopMode, TaskAck,
};
use crate::checkpoint::{write_checkpoint, write_savepoint};
use crate::context::Accumulators;
use crate::graph::JobGraph;
use crate::metrics::OperatorMetrics;
use crate::task::{TaskControl, TaskEnv, TaskEvent};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use rasch_core::{Error, Result};
use rasch_storage::CheckpointStorage;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The job master's handle on one running task, wherever it runs.
pub struct TaskLink {
    /// Delivers a command to the task (a queue in-process, a message to a worker otherwise).
    pub control: Box<dyn Fn(TaskControl) + Send>,
    /// Whether the task's chain starts with a source (checkpoints are triggered there).
    pub is_source: bool,
}

/// What the supervisor needs to know about a job: names for messages, operator ids for
/// savepoint mapping.
#[derive(Debug, Clone, Default)]
pub struct JobInfo {
    /// The job's name.
    pub name: String,
    /// Stable operator ids, in graph order.
    pub operator_ids: Vec<String>,
    /// (name, parallelism) of every vertex, by vertex index.
    pub vertices: Vec<(String, usize)>,
}

impl JobInfo {
    /// The description of `job`.
    pub fn of(job: &JobGraph) -> Self {
        JobInfo {
            name: job.name.clone(),
            operator_ids: job.operator_ids.clone(),
            vertices: job.vertices.iter().map(|v| (v.name.clone(), v.parallelism)).collect(),
        }
    }
}

/// A savepoint requested by a client, waiting for its barrier to complete.
struct SavepointRequest {
    id: Option<u64>,
    dir: String,
    stop: Option<StopMode>,
    reply: crossbeam_channel::Sender<Result<String>>,
}

/// A checkpoint requested by a client: its id once triggered, and where to reply.
type ManualCheckpoint = (Option<u64>, crossbeam_channel::Sender<Result<u64>>);

/// Job-master state that lives across attempts: checkpoint settings, completed checkpoints
/// (in memory and, with a checkpoint directory, durable) and the monitor clients read.
pub struct Supervisor {
    pub(super) cp: CheckpointConfig,
    pub(super) store: CheckpointStore,
    pub(super) storage: Option<CheckpointStorage>,
    /// Checkpoint ids written to storage, oldest first (for retention).
    pub(super) written: VecDeque<u64>,
    pub(super) job_id: String,
    pub(super) monitor: JobMonitor,
}

impl Supervisor {
    /// The checkpoint settings of the job.
    pub fn checkpoint_config(&self) -> &CheckpointConfig {
        &self.cp
    }

    /// Supervises one attempt until every task finished (Ok), a task failed or a checkpoint
    /// failure exceeded the tolerance (Err, after `cancel` was called and the tasks stopped or
    /// the grace period ran out), or the job was cancelled (`Err(Cancelled)`).
    pub fn supervise(
        &mut self,
        job: &JobInfo,
        tasks: Vec<TaskLink>,
        events: &Receiver<TaskEvent>,
        cancel: &dyn Fn(),
        opts: &ExecutionOptions,
    ) -> Result<()> {
        let total = tasks.len();
        let mut coordinator = Coordinator::new(self.cp.clone(), total);
        let (mut finished, mut at_end) = (0, 0);
        let mut failure: Option<Error> = None;
        let mut cancel_deadline: Option<Instant> = None;
        let mut savepoint: Option<SavepointRequest> = None;
        let mut manual: Option<ManualCheckpoint> = None;
        while finished < total {
            let now = Instant::now();
            if savepoint.is_none()
                && manual.is_none()
                && let Some(cmd) = opts.commands.as_ref().and_then(|c| c.try_recv().ok())
            {
                let finishing = at_end > 0 || cancel_deadline.is_some();
                match cmd {
                    JobCommand::Savepoint { reply, .. } if finishing => {
                        let _ = reply.send(Err(Error::Checkpoint("the job is finishing; no savepoint can be taken".into())));
                    }
                    JobCommand::Savepoint { dir, stop, reply } => savepoint = Some(SavepointRequest { id: None, dir, stop, reply }),
                    JobCommand::Checkpoint { reply } if finishing => {
                        let _ = reply.send(Err(Error::Checkpoint("the job is finishing; no checkpoint can be taken".into())));
                    }
                    JobCommand::Checkpoint { reply } => manual = Some((None, reply)),
                }
            }
            // A requested checkpoint starts as soon as no other one is in flight; once it is no
            // longer in flight without having completed, it failed.
            if let Some(m) = manual.as_mut().filter(|m| m.0.is_none() && coordinator.in_progress().is_none() && cancel_deadline.is_none()) {
                let barrier = coordinator.trigger(self.store.next_id(), SnapshotKind::Checkpoint, now);
                m.0 = Some(barrier.id);
                for t in tasks.iter().filter(|t| t.is_source) {
                    (t.control)(TaskControl::Trigger(barrier, None));
                }
            }
            let in_flight = coordinator.in_progress().map(|b| b.id);
            if let Some((Some(id), reply)) = manual.take_if(|m| m.0.is_some() && m.0 != in_flight) {
                let why = coordinator.stats.iter().rev().find(|s| s.id == id).and_then(|s| s.failure.clone());
                let _ = reply.send(Err(Error::Checkpoint(format!("checkpoint {id} failed: {}", why.unwrap_or_else(|| "aborted".into())))));
            }
            // A requested savepoint starts as soon as no checkpoint is in flight.
            if let Some(req) =
                savepoint.as_mut().filter(|r| r.id.is_none() && coordinator.in_progress().is_none() && cancel_deadline.is_none())
            {
                let barrier = coordinator.trigger(self.store.next_id(), SnapshotKind::Savepoint, now);
                req.id = Some(barrier.id);
                for t in tasks.iter().filter(|t| t.is_source) {
                    (t.control)(TaskControl::Trigger(barrier, req.stop));
                }
            }
            if opts.cancel.is_cancelled() && cancel_deadline.is_none() {
                cancel();
                cancel_deadline = Some(now + CANCEL_GRACE);
            }
            if cancel_deadline.is_none() && at_end == 0 {
                if savepoint.is_none() && manual.is_none() && coordinator.due(now) {
                    let barrier = coordinator.trigger(self.store.next_id(), SnapshotKind::Checkpoint, now);
                    for t in tasks.iter().filter(|t| t.is_source) {
                        (t.control)(TaskControl::Trigger(barrier, None));
                    }
                }
                if let Err(e) = coordinator.check_timeout(now) {
                    failure.get_or_insert(e);
                    cancel();
                    cancel_deadline = Some(now + CANCEL_GRACE);
                }
            }
            let wait = match cancel_deadline {
                Some(d) => d.saturating_duration_since(now),
                None => coordinator.wait(now).max(Duration::from_millis(1)),
            };
            let event = match events.recv_timeout(wait) {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) if cancel_deadline.is_some_and(|d| Instant::now() >= d) => break,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Err(Error::Internal("task threads vanished".into())),
            };
            match event {
                TaskEvent::Ack { vertex, subtask, parallelism, checkpoint_id, operators, alignment_ms } => {
                    if cancel_deadline.is_some() {
                        continue;
                    }
                    if let Some(done) =
                        coordinator.ack(TaskAck { vertex, subtask, parallelism, checkpoint_id, operators, alignment_ms }, Instant::now())
                    {
                        self.monitor.record(coordinator.stats.last().map(std::slice::from_ref).unwrap_or(&[]));
                        let id = done.barrier.id;
                        let mut done = done;
                        if done.barrier.kind == SnapshotKind::Savepoint {
                            if let Some(req) = savepoint.take() {
                                let written = write_savepoint(&req.dir, &self.job_id, &job.name, id, &done.files);
                                let _ = req.reply.send(written);
                            }
                        } else {
                            // New incremental deltas become shared files (durable, or in memory).
                            let filed = self.store.file_increments(&mut done.files, self.storage.as_ref());
                            if let Some(storage) = self.storage.as_ref() {
                                // A checkpoint that cannot be persisted does not count as completed.
                                let written = filed.and_then(|shared| {
                                    write_checkpoint(storage, &job.name, id, &done.files).inspect_err(|_| {
                                        shared.iter().for_each(|name| drop(storage.discard_shared(name)));
                                    })
                                });
                                if let Err(e) = written {
                                    failure.get_or_insert(e);
                                    cancel();
                                    cancel_deadline = Some(Instant::now() + CANCEL_GRACE);
                                    continue;
                                }
                                self.written.push_back(id);
                                while self.written.len() > self.cp.num_retained {
                                    if let Some(old) = self.written.pop_front() {
                                        let _ = storage.discard(old);
                                    }
                                }
                            }
                            let unused = self.store.add(CompletedCheckpoint { id, files: done.files });
                            if let Some(storage) = self.storage.as_ref() {
                                unused.iter().for_each(|name| drop(storage.discard_shared(name)));
                            }
                            if let Some((_, reply)) = manual.take_if(|m| m.0 == Some(id)) {
                                let _ = reply.send(Ok(id));
                            }
                        }
                        for t in &tasks {
                            (t.control)(TaskControl::Complete(id));
                        }
                    }
                }
                TaskEvent::Decline { checkpoint_id, reason } => {
                    if coordinator.in_progress().is_some_and(|b| b.id == checkpoint_id) {
                        coordinator.abort(&format!("declined: {reason}"), Instant::now());
                        if let Some(req) = savepoint.take_if(|r| r.id == Some(checkpoint_id)) {
                            let _ = req.reply.send(Err(rasch_core::Error::Checkpoint(reason)));
                        }
                    }
                }
                TaskEvent::EndOfInput { .. } => {
                    at_end += 1;
                    if at_end == 1 && coordinator.in_progress().is_some_and(|b| b.kind == SnapshotKind::Checkpoint) {
                        coordinator.abort("a task finished; no further checkpoints", Instant::now());
                    }
                    if at_end == total {
                        for t in &tasks {
                            (t.control)(TaskControl::JobFinished);
                        }
                    }
                }
                TaskEvent::Finished { vertex, subtask, result } => {
                    finished += 1;
                    if let Err(e) = result {
                        if failure.is_none() && !matches!(e, Error::Cancelled) {
                            let (name, parallelism) = job.vertices.get(vertex).cloned().unwrap_or_default();
                            failure = Some(Error::Task { task: name, subtask, parallelism, source: Box::new(e) });
                        }
                        if cancel_deadline.is_none() {
                            cancel();
                            cancel_deadline = Some(Instant::now() + CANCEL_GRACE);
                        }
                    }
                }
            }
        }
        if let Some(req) = savepoint.take() {
            let _ = req.reply.send(Err(Error::Checkpoint("the job ended before the savepoint completed".into())));
        }
        if let Some((_, reply)) = manual.take() {
            let _ = reply.send(Err(Error::Checkpoint("the job ended before the checkpoint completed".into())));
        }
        // A cancel the client asked for wins over the failures it causes on the way down
        // (e.g. a network channel closed by a producer that stopped first).
        if opts.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if let Some(e) = failure {
            return Err(e);
        }
        if cancel_deadline.is_some() {
            return Err(Error::Cancelled);
        }
        Ok(())
    }
}

/// Runs one attempt of `job` in this process, restored from `restored` if given.
pub(super) fn run_attempt(
    job: &Arc<JobGraph>,
    opts: &ExecutionOptions,
    attempt: u32,
    restored: Option<&RestorePlan>,
    supervisor: &mut Supervisor,
) -> Result<JobExecutionResult> {
    let sg = job.stream.clone();
    let metrics: Vec<Vec<Arc<OperatorMetrics>>> =
        (0..sg.nodes.len()).map(|i| (0..job.node_parallelism[i]).map(|_| Arc::default()).collect()).collect();
    let specs = wire(job)?;
    let cancel = CancelToken::default();
    let mut attempt_opts = opts.clone();
    attempt_opts.cancel = cancel.clone();
    let restored = restored.map(|r| Arc::new(r.clone()));
    let exactly_once = supervisor.cp.exactly_once;

    let (events_tx, events_rx) = crossbeam_channel::unbounded::<TaskEvent>();
    let mut tasks: Vec<TaskLink> = Vec::new();
    let mut accumulators: Vec<Arc<Accumulators>> = Vec::new();
    for spec in specs {
        let vx = &job.vertices[spec.vertex];
        let (control_tx, control_rx) = crossbeam_channel::unbounded();
        let is_source = sg.in_edges(vx.nodes[0]).next().is_none();
        tasks.push(TaskLink {
            control: Box::new(move |c| {
                let _ = control_tx.send(c);
            }),
            is_source,
        });
        let accs = Arc::new(Accumulators::default());
        accumulators.push(accs.clone());
        let env = TaskEnv {
            cancel: cancel.clone(),
            control: control_rx,
            events: events_tx.clone(),
            vertex: spec.vertex,
            subtask: spec.subtask,
            parallelism: vx.parallelism,
            exactly_once,
        };
        spawn_task(job, spec, &metrics, accs, &attempt_opts, attempt, restored.clone(), env, Arc::default())?;
    }
    drop(events_tx);
    let stop = cancel.clone();
    supervisor.supervise(&JobInfo::of(job), tasks, &events_rx, &move || stop.cancel(), opts)?;

    let operators = sg
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| OperatorStats {
            id: job.operator_ids[i].clone(),
            name: n.name.clone(),
            parallelism: job.node_parallelism[i],
            records_in: metrics[i].iter().map(|m| m.records_in.load(Ordering::Relaxed)).sum(),
            records_out: metrics[i].iter().map(|m| m.records_out.load(Ordering::Relaxed)).sum(),
        })
        .collect();
    let mut totals = BTreeMap::new();
    accumulators.iter().for_each(|a| a.merge_into(&mut totals));
    Ok(JobExecutionResult {
        job_name: job.name.clone(),
        net_runtime: Duration::ZERO,
        operators,
        accumulators: totals,
        restarts: 0,
        completed_checkpoints: 0,
    })
}
