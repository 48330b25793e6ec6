//! One running attempt as the job master sees it: its tasks and their reports, and the
//! checkpoints, savepoints and end-of-job handshake it coordinates while `RUNNING`.

use super::deployer::{DeployedAttempt, TaskLink};
use super::supervisor::{JobInfo, Supervisor};
use crate::checkpoint::{Barrier, CheckpointConfig, Coordinator, SnapshotKind, StopMode, TaskAck, create_savepoint};
use crate::executor::{CANCEL_GRACE, ExecutionOptions, JobCommand};
use crate::task::{TaskControl, TaskEvent};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use rasch_core::{Error, Result};
use std::time::{Duration, Instant};

/// A savepoint requested by a client, waiting for its barrier to complete.
struct SavepointRequest {
    id: Option<u64>,
    dir: String,
    /// The savepoint directory created for it, once triggered.
    path: Option<String>,
    stop: Option<StopMode>,
    reply: crossbeam_channel::Sender<Result<String>>,
}

/// A checkpoint requested by a client: its id once triggered, and where to reply.
type ManualCheckpoint = (Option<u64>, crossbeam_channel::Sender<Result<u64>>);

/// How the running phase of an attempt ended.
pub(crate) enum Outcome {
    /// Every task finished.
    Finished,
    /// A task or a checkpoint failed.
    Failed(Error),
    /// The client cancelled the job.
    Cancel,
    /// The job master was asked to suspend the job.
    Suspend,
}

/// A deployed attempt under supervision.
pub(crate) struct RunningAttempt {
    tasks: Vec<TaskLink>,
    events: Receiver<TaskEvent>,
    cancel: Box<dyn Fn() + Send>,
    total: usize,
    finished: usize,
    at_end: usize,
    coordinator: Coordinator,
    savepoint: Option<SavepointRequest>,
    manual: Option<ManualCheckpoint>,
}

impl RunningAttempt {
    /// Supervision of `deployed` with the job's checkpoint settings.
    pub(crate) fn new(deployed: DeployedAttempt, cp: &CheckpointConfig) -> Self {
        let total = deployed.tasks.len();
        RunningAttempt {
            tasks: deployed.tasks,
            events: deployed.events,
            cancel: deployed.cancel,
            total,
            finished: 0,
            at_end: 0,
            coordinator: Coordinator::new(cp.clone(), total),
            savepoint: None,
            manual: None,
        }
    }

    /// Supervises the attempt until every task finished, a task or checkpoint failed, or the
    /// client cancels or suspends the job.
    pub(crate) fn run(&mut self, sup: &mut Supervisor, job: &JobInfo, opts: &ExecutionOptions) -> Outcome {
        while self.finished < self.total {
            let now = Instant::now();
            if self.take_command(opts) {
                return Outcome::Suspend;
            }
            self.start_requested(sup, now);
            if opts.cancel.is_cancelled() {
                return Outcome::Cancel;
            }
            if self.at_end == 0 {
                if self.savepoint.is_none() && self.manual.is_none() && self.coordinator.due(now) {
                    self.trigger(sup, SnapshotKind::Checkpoint, None, None, now);
                }
                match self.coordinator.check_timeout(now) {
                    Ok(Some(expired)) => sup.discard_aborted(expired.id),
                    Ok(None) => {}
                    Err(e) => return Outcome::Failed(e),
                }
            }
            let event = match self.events.recv_timeout(self.coordinator.wait(now).max(Duration::from_millis(1))) {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Outcome::Failed(Error::Internal("task threads vanished".into())),
            };
            if let Err(e) = self.on_event(event, sup, job) {
                return Outcome::Failed(e);
            }
        }
        self.fail_requests();
        Outcome::Finished
    }

    /// Tells every task to stop and waits for them to end (at most the cancel grace period);
    /// requests still pending are answered with an error. Returns the first real failure a
    /// task reported meanwhile (a task that failed may report after others were cancelled).
    pub(crate) fn stop(&mut self, job: &JobInfo) -> Option<Error> {
        (self.cancel)();
        let deadline = Instant::now() + CANCEL_GRACE;
        let mut failure = None;
        while self.finished < self.total {
            match self.events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(TaskEvent::Finished { vertex, subtask, result }) => {
                    self.finished += 1;
                    match result {
                        Err(Error::Cancelled) | Ok(()) => {}
                        Err(e) => {
                            failure.get_or_insert_with(|| task_failure(job, vertex, subtask, e));
                        }
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        self.fail_requests();
        failure
    }

    fn fail_requests(&mut self) {
        if let Some(req) = self.savepoint.take() {
            let _ = req.reply.send(Err(Error::Checkpoint("the job ended before the savepoint completed".into())));
        }
        if let Some((_, reply)) = self.manual.take() {
            let _ = reply.send(Err(Error::Checkpoint("the job ended before the checkpoint completed".into())));
        }
    }

    /// Takes one client command, if none is being served; true when it asks to suspend.
    fn take_command(&mut self, opts: &ExecutionOptions) -> bool {
        if self.savepoint.is_some() || self.manual.is_some() {
            return false;
        }
        let Some(cmd) = opts.commands.as_ref().and_then(|c| c.try_recv().ok()) else { return false };
        let finishing = self.at_end > 0;
        match cmd {
            JobCommand::Savepoint { reply, .. } if finishing => {
                let _ = reply.send(Err(Error::Checkpoint("the job is finishing; no savepoint can be taken".into())));
            }
            JobCommand::Savepoint { dir, stop, reply } => {
                self.savepoint = Some(SavepointRequest { id: None, dir, path: None, stop, reply })
            }
            JobCommand::Checkpoint { reply } if finishing => {
                let _ = reply.send(Err(Error::Checkpoint("the job is finishing; no checkpoint can be taken".into())));
            }
            JobCommand::Checkpoint { reply } => self.manual = Some((None, reply)),
            JobCommand::Suspend => return true,
        }
        false
    }

    /// Starts requested checkpoints and savepoints once no other one is in flight; reports a
    /// requested checkpoint that left flight without completing as failed.
    fn start_requested(&mut self, sup: &mut Supervisor, now: Instant) {
        if self.manual.as_ref().is_some_and(|m| m.0.is_none()) && self.coordinator.in_progress().is_none() {
            let id = self.trigger(sup, SnapshotKind::Checkpoint, None, None, now);
            if let Some(m) = self.manual.as_mut() {
                m.0 = Some(id);
            }
        }
        let in_flight = self.coordinator.in_progress().map(|b| b.id);
        if let Some((Some(id), reply)) = self.manual.take_if(|m| m.0.is_some() && m.0 != in_flight) {
            let why = self.coordinator.stats.iter().rev().find(|s| s.id == id).and_then(|s| s.failure.clone());
            let _ = reply.send(Err(Error::Checkpoint(format!("checkpoint {id} failed: {}", why.unwrap_or_else(|| "aborted".into())))));
        }
        if self.savepoint.as_ref().is_some_and(|r| r.id.is_none()) && self.coordinator.in_progress().is_none() {
            let Some(req) = self.savepoint.take() else { return };
            // Every task writes its state file into the savepoint directory the barrier names.
            match create_savepoint(&req.dir, &sup.job_id) {
                Ok(path) => {
                    let id = self.trigger(sup, SnapshotKind::Savepoint, Some(path.as_str().into()), req.stop, now);
                    self.savepoint = Some(SavepointRequest { id: Some(id), path: Some(path), ..req });
                }
                Err(e) => {
                    let _ = req.reply.send(Err(e));
                }
            }
        }
    }

    /// Starts a checkpoint or savepoint at every source task; returns its id.
    fn trigger(
        &mut self,
        sup: &mut Supervisor,
        kind: SnapshotKind,
        target: Option<std::sync::Arc<str>>,
        stop: Option<StopMode>,
        now: Instant,
    ) -> u64 {
        let barrier: Barrier = self.coordinator.trigger(sup.store.next_id(), kind, target, now);
        for t in self.tasks.iter().filter(|t| t.is_source) {
            (t.control)(TaskControl::Trigger(barrier.clone(), stop));
        }
        barrier.id
    }

    /// Handles one report of a task; an error fails the attempt.
    fn on_event(&mut self, event: TaskEvent, sup: &mut Supervisor, job: &JobInfo) -> Result<()> {
        match event {
            TaskEvent::Ack { vertex, checkpoint_id, state, alignment_ms } => {
                let Some(done) = self.coordinator.ack(TaskAck { vertex, checkpoint_id, state, alignment_ms }, Instant::now()) else {
                    return Ok(());
                };
                sup.monitor.record(self.coordinator.stats.last().map(std::slice::from_ref).unwrap_or(&[]));
                let id = done.barrier.id;
                if done.barrier.kind == SnapshotKind::Savepoint {
                    if let Some(req) = self.savepoint.take() {
                        let _ = req.reply.send(sup.complete_savepoint(&job.name, req.path.as_deref().unwrap_or_default(), &done));
                    }
                } else {
                    sup.complete_checkpoint(&job.name, done)?;
                    if let Some((_, reply)) = self.manual.take_if(|m| m.0 == Some(id)) {
                        let _ = reply.send(Ok(id));
                    }
                }
                for t in &self.tasks {
                    (t.control)(TaskControl::Complete(id));
                }
            }
            TaskEvent::Decline { checkpoint_id, reason } => {
                if self.coordinator.in_progress().is_some_and(|b| b.id == checkpoint_id) {
                    self.coordinator.abort(&format!("declined: {reason}"), Instant::now());
                    sup.discard_aborted(checkpoint_id);
                    if let Some(req) = self.savepoint.take_if(|r| r.id == Some(checkpoint_id)) {
                        let _ = req.reply.send(Err(Error::Checkpoint(reason)));
                    }
                }
            }
            TaskEvent::EndOfInput { .. } => {
                self.at_end += 1;
                if self.at_end == 1
                    && self.coordinator.in_progress().is_some_and(|b| b.kind == SnapshotKind::Checkpoint)
                    && let Some(b) = self.coordinator.abort("a task finished; no further checkpoints", Instant::now())
                {
                    sup.discard_aborted(b.id);
                }
                if self.at_end == self.total {
                    for t in &self.tasks {
                        (t.control)(TaskControl::JobFinished);
                    }
                }
            }
            TaskEvent::Finished { vertex, subtask, result } => {
                self.finished += 1;
                match result {
                    Ok(()) => {}
                    // Stopped before the failure that caused it was reported: see `stop`.
                    Err(Error::Cancelled) => return Err(Error::Cancelled),
                    Err(e) => return Err(task_failure(job, vertex, subtask, e)),
                }
            }
        }
        Ok(())
    }
}

/// A task's failure with the task named.
fn task_failure(job: &JobInfo, vertex: usize, subtask: usize, cause: Error) -> Error {
    let (task, parallelism) = job.vertices.get(vertex).cloned().unwrap_or_default();
    Error::Task { task, subtask, parallelism, source: Box::new(cause) }
}
