//! One attempt of a job: spawns every task, then acts as its job master — triggers and
//! completes checkpoints, sends notifications, runs the end-of-job handshake, and on the first
//! failure cancels every task and reports the failure.

use super::build::build_task;
use super::wiring::wire;
use super::{CANCEL_GRACE, ExecutionOptions, JobCommand, JobExecutionResult, JobMonitor, OperatorStats};
use crate::channel::CancelToken;
use crate::checkpoint::{CheckpointConfig, CheckpointStore, CompletedCheckpoint, Coordinator, RestorePlan, SnapshotKind};
use crate::checkpoint::{write_checkpoint, write_savepoint};
use crate::context::Accumulators;
use crate::graph::JobGraph;
use crate::metrics::OperatorMetrics;
use crate::output::panic_message;
use crate::task::{TaskControl, TaskEnv, TaskEvent};
use crossbeam_channel::{RecvTimeoutError, Sender};
use rasch_core::{Error, Result};
use rasch_storage::CheckpointStorage;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

struct Task {
    control: Sender<TaskControl>,
    is_source: bool,
}

/// Where completed checkpoints go besides memory, and the job's identity.
pub(super) struct Durable<'a> {
    pub(super) job_id: &'a str,
    pub(super) storage: Option<&'a CheckpointStorage>,
    /// Checkpoint ids written to storage, oldest first (for retention).
    pub(super) written: &'a mut std::collections::VecDeque<u64>,
}

/// A savepoint requested by a client, waiting for its barrier to complete.
struct SavepointRequest {
    id: Option<u64>,
    dir: String,
    stop: Option<bool>,
    reply: crossbeam_channel::Sender<Result<String>>,
}

/// Runs one attempt of `job`, restored from `restored` if given.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_attempt(
    job: &Arc<JobGraph>,
    opts: &ExecutionOptions,
    cp: &CheckpointConfig,
    attempt: u32,
    restored: Option<&RestorePlan>,
    store: &mut CheckpointStore,
    monitor: &JobMonitor,
    durable: &mut Durable<'_>,
) -> Result<JobExecutionResult> {
    let sg = job.stream.clone();
    let metrics: Vec<Vec<Arc<OperatorMetrics>>> =
        (0..sg.nodes.len()).map(|i| (0..job.node_parallelism[i]).map(|_| Arc::default()).collect()).collect();
    let specs = wire(job)?;
    let cancel = CancelToken::default();
    let mut attempt_opts = opts.clone();
    attempt_opts.cancel = cancel.clone();
    let restored = restored.map(|r| Arc::new(r.clone()));

    let (events_tx, events_rx) = crossbeam_channel::unbounded::<TaskEvent>();
    let mut tasks: Vec<Task> = Vec::new();
    let mut accumulators: Vec<Arc<Accumulators>> = Vec::new();
    for spec in specs.into_iter().flatten() {
        let vx = &job.vertices[spec.vertex];
        let (control_tx, control_rx) = crossbeam_channel::unbounded();
        let is_source = sg.in_edges(vx.nodes[0]).next().is_none();
        tasks.push(Task { control: control_tx, is_source });
        let accs = Arc::new(Accumulators::default());
        accumulators.push(accs.clone());
        let env = TaskEnv {
            cancel: cancel.clone(),
            control: control_rx,
            events: events_tx.clone(),
            vertex: spec.vertex,
            subtask: spec.subtask,
            parallelism: vx.parallelism,
            exactly_once: cp.exactly_once,
        };
        let thread_name = format!("{} ({}/{})", vx.name, spec.subtask + 1, vx.parallelism);
        let (job, metrics, opts, restored) = (job.clone(), metrics.clone(), attempt_opts.clone(), restored.clone());
        std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let (vertex, subtask) = (spec.vertex, spec.subtask);
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    build_task(&job, spec, &metrics, &accs, &opts, attempt, restored.as_deref()).and_then(|body| body.run(&env))
                }))
                .unwrap_or_else(|p| Err(Error::Internal(format!("task panicked: {}", panic_message(&p)))));
                let _ = env.events.send(TaskEvent::Finished { vertex, subtask, result: outcome });
            })
            .map_err(|e| Error::io("spawning a task thread", e))?;
    }
    drop(events_tx);

    let total = tasks.len();
    let mut coordinator = Coordinator::new(cp.clone(), total);
    let (mut finished, mut at_end) = (0, 0);
    let mut failure: Option<Error> = None;
    let mut cancel_deadline: Option<Instant> = None;
    let mut savepoint: Option<SavepointRequest> = None;
    while finished < total {
        let now = Instant::now();
        if savepoint.is_none()
            && let Some(JobCommand::Savepoint { dir, stop, reply }) = opts.commands.as_ref().and_then(|c| c.try_recv().ok())
        {
            if at_end > 0 || cancel_deadline.is_some() {
                let _ = reply.send(Err(Error::Checkpoint("the job is finishing; no savepoint can be taken".into())));
            } else {
                savepoint = Some(SavepointRequest { id: None, dir, stop, reply });
            }
        }
        // A requested savepoint starts as soon as no checkpoint is in flight.
        if let Some(req) = savepoint.as_mut().filter(|r| r.id.is_none() && coordinator.in_progress().is_none() && cancel_deadline.is_none())
        {
            let barrier = coordinator.trigger(store.next_id(), SnapshotKind::Savepoint, now);
            req.id = Some(barrier.id);
            for t in tasks.iter().filter(|t| t.is_source) {
                let _ = t.control.send(TaskControl::Trigger(barrier, req.stop));
            }
        }
        if opts.cancel.is_cancelled() && cancel_deadline.is_none() {
            cancel.cancel();
            cancel_deadline = Some(now + CANCEL_GRACE);
        }
        if cancel_deadline.is_none() && at_end == 0 {
            if savepoint.is_none() && coordinator.due(now) {
                let barrier = coordinator.trigger(store.next_id(), SnapshotKind::Checkpoint, now);
                for t in tasks.iter().filter(|t| t.is_source) {
                    let _ = t.control.send(TaskControl::Trigger(barrier, None));
                }
            }
            if let Err(e) = coordinator.check_timeout(now) {
                failure.get_or_insert(e);
                cancel.cancel();
                cancel_deadline = Some(now + CANCEL_GRACE);
            }
        }
        let wait = match cancel_deadline {
            Some(d) => d.saturating_duration_since(now),
            None => coordinator.wait(now).max(Duration::from_millis(1)),
        };
        let event = match events_rx.recv_timeout(wait) {
            Ok(e) => e,
            Err(RecvTimeoutError::Timeout) if cancel_deadline.is_some_and(|d| Instant::now() >= d) => break,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Err(Error::Internal("task threads vanished".into())),
        };
        match event {
            TaskEvent::Ack { vertex, subtask, parallelism, checkpoint_id, operators } => {
                if cancel_deadline.is_some() {
                    continue;
                }
                if let Some(done) = coordinator.ack(vertex, subtask, parallelism, checkpoint_id, operators, Instant::now()) {
                    monitor.record(coordinator.stats.last().map(std::slice::from_ref).unwrap_or(&[]));
                    let id = done.barrier.id;
                    let mut done = done;
                    if done.barrier.kind == SnapshotKind::Savepoint {
                        if let Some(req) = savepoint.take() {
                            let written = write_savepoint(&req.dir, durable.job_id, &job.name, id, &done.files);
                            let _ = req.reply.send(written);
                        }
                    } else {
                        // New incremental deltas become shared files (durable, or in memory).
                        let filed = store.file_increments(&mut done.files, durable.storage);
                        if let Some(storage) = durable.storage {
                            // A checkpoint that cannot be persisted does not count as completed.
                            let written = filed.and_then(|shared| {
                                write_checkpoint(storage, &job.name, id, &done.files).inspect_err(|_| {
                                    shared.iter().for_each(|name| drop(storage.discard_shared(name)));
                                })
                            });
                            if let Err(e) = written {
                                failure.get_or_insert(e);
                                cancel.cancel();
                                cancel_deadline = Some(Instant::now() + CANCEL_GRACE);
                                continue;
                            }
                            durable.written.push_back(id);
                            while durable.written.len() > cp.num_retained {
                                if let Some(old) = durable.written.pop_front() {
                                    let _ = storage.discard(old);
                                }
                            }
                        }
                        let unused = store.add(CompletedCheckpoint { id, files: done.files });
                        if let Some(storage) = durable.storage {
                            unused.iter().for_each(|name| drop(storage.discard_shared(name)));
                        }
                    }
                    for t in &tasks {
                        let _ = t.control.send(TaskControl::Complete(id));
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
                        let _ = t.control.send(TaskControl::JobFinished);
                    }
                }
            }
            TaskEvent::Finished { vertex, subtask, result } => {
                finished += 1;
                if let Err(e) = result {
                    if failure.is_none() && !matches!(e, Error::Cancelled) {
                        let vx = &job.vertices[vertex];
                        failure = Some(Error::Task { task: vx.name.clone(), subtask, parallelism: vx.parallelism, source: Box::new(e) });
                    }
                    if cancel_deadline.is_none() {
                        cancel.cancel();
                        cancel_deadline = Some(Instant::now() + CANCEL_GRACE);
                    }
                }
            }
        }
    }
    if let Some(req) = savepoint.take() {
        let _ = req.reply.send(Err(Error::Checkpoint("the job ended before the savepoint completed".into())));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if cancel_deadline.is_some() {
        return Err(Error::Cancelled);
    }

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
