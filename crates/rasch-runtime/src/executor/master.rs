//! One attempt of a job: spawns every task, then acts as its job master — triggers and
//! completes checkpoints, sends notifications, runs the end-of-job handshake, and on the first
//! failure cancels every task and reports the failure.

use super::build::build_task;
use super::wiring::wire;
use super::{CANCEL_GRACE, ExecutionOptions, JobExecutionResult, JobMonitor, OperatorStats};
use crate::channel::CancelToken;
use crate::checkpoint::{CheckpointConfig, CheckpointStore, CompletedCheckpoint, Coordinator, RestorePlan, SnapshotKind};
use crate::context::Accumulators;
use crate::graph::JobGraph;
use crate::metrics::OperatorMetrics;
use crate::output::panic_message;
use crate::task::{TaskControl, TaskEnv, TaskEvent};
use crossbeam_channel::{RecvTimeoutError, Sender};
use rasch_core::{Error, Result};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

struct Task {
    control: Sender<TaskControl>,
    is_source: bool,
}

/// Runs one attempt of `job`, restored from `restored` if given.
pub(super) fn run_attempt(
    job: &Arc<JobGraph>,
    opts: &ExecutionOptions,
    cp: &CheckpointConfig,
    attempt: u32,
    restored: Option<&RestorePlan>,
    store: &mut CheckpointStore,
    monitor: &JobMonitor,
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
    while finished < total {
        let now = Instant::now();
        if opts.cancel.is_cancelled() && cancel_deadline.is_none() {
            cancel.cancel();
            cancel_deadline = Some(now + CANCEL_GRACE);
        }
        if cancel_deadline.is_none() && at_end == 0 {
            if coordinator.due(now) {
                let barrier = coordinator.trigger(store.next_id(), SnapshotKind::Checkpoint, now);
                for t in tasks.iter().filter(|t| t.is_source) {
                    let _ = t.control.send(TaskControl::Trigger(barrier));
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
                    store.add(CompletedCheckpoint { id: done.barrier.id, files: done.files });
                    monitor.record(coordinator.stats.last().map(std::slice::from_ref).unwrap_or(&[]));
                    for t in &tasks {
                        let _ = t.control.send(TaskControl::Complete(done.barrier.id));
                    }
                }
            }
            TaskEvent::EndOfInput { .. } => {
                at_end += 1;
                if at_end == 1 {
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
