//! The checkpoint coordinator: decides when to trigger, collects every task's acknowledgement,
//! completes or aborts checkpoints (timeout, tolerable failures) and keeps their statistics.

use super::config::CheckpointConfig;
use super::{Barrier, CheckpointStatus, SnapshotKind, TaskStateRef};
use rasch_core::{Error, Result};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Outcome of one checkpoint, kept for monitoring (REST `/jobs/:id/checkpoints`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointStats {
    /// Checkpoint id.
    pub id: u64,
    /// Completed, failed or in progress.
    pub status: CheckpointStatus,
    /// Checkpoint or savepoint.
    pub kind: SnapshotKind,
    /// Trigger time, epoch ms.
    pub trigger_timestamp: i64,
    /// Trigger to last acknowledgement.
    pub duration_ms: u64,
    /// Serialized state size in bytes.
    pub state_size: u64,
    /// Per task (vertex, subtask): ms from trigger to its acknowledgement.
    pub ack_ms: Vec<((usize, usize), u64)>,
    /// Per task (vertex, subtask): ms it spent aligning the barrier across its inputs.
    pub alignment_ms: Vec<((usize, usize), u64)>,
    /// Per task (vertex, subtask) and operator id: bytes of the operator's state this snapshot
    /// wrote (with its new incremental deltas).
    pub operator_bytes: Vec<((usize, usize), String, u64)>,
    /// Why it failed.
    pub failure: Option<String>,
}

/// One task's acknowledgement: its state reference, ms from trigger to ack, alignment ms.
type Ack = (TaskStateRef, u64, u64);

struct Pending {
    barrier: Barrier,
    started: Instant,
    trigger_timestamp: i64,
    acks: HashMap<(usize, usize), Ack>,
}

/// One task's acknowledgement of a checkpoint.
#[derive(Debug)]
pub struct TaskAck {
    /// Vertex index.
    pub vertex: usize,
    /// The checkpoint.
    pub checkpoint_id: u64,
    /// The task's state: the handle of the file it wrote (or, without storage, the state).
    pub state: TaskStateRef,
    /// Barrier alignment time, ms.
    pub alignment_ms: u64,
}

/// A checkpoint every task acknowledged.
pub struct CompletedSnapshot {
    /// The barrier.
    pub barrier: Barrier,
    /// Every task's state reference, by (vertex, subtask).
    pub tasks: Vec<TaskStateRef>,
}

/// Triggers and tracks checkpoints of one job attempt.
pub struct Coordinator {
    config: CheckpointConfig,
    tasks: usize,
    pending: Option<Pending>,
    last_end: Instant,
    consecutive_failures: u64,
    /// History, newest last.
    pub stats: Vec<CheckpointStats>,
}

impl Coordinator {
    /// A coordinator for `tasks` tasks.
    pub fn new(config: CheckpointConfig, tasks: usize) -> Self {
        Coordinator { config, tasks, pending: None, last_end: Instant::now(), consecutive_failures: 0, stats: Vec::new() }
    }

    /// Whether a periodic checkpoint should start now.
    pub fn due(&self, now: Instant) -> bool {
        match self.config.interval_ms {
            Some(interval) if self.pending.is_none() => {
                now.duration_since(self.last_end) >= Duration::from_millis(interval.max(self.config.min_pause_ms))
            }
            _ => false,
        }
    }

    /// How long the job master may sleep before something is due.
    pub fn wait(&self, now: Instant) -> Duration {
        let idle = Duration::from_millis(100);
        match (&self.pending, self.config.interval_ms) {
            (Some(p), _) => (p.started + Duration::from_millis(self.config.timeout_ms)).saturating_duration_since(now).min(idle),
            (None, Some(i)) => {
                (self.last_end + Duration::from_millis(i.max(self.config.min_pause_ms))).saturating_duration_since(now).min(idle)
            }
            (None, None) => idle,
        }
    }

    /// Whether a checkpoint is in flight.
    pub fn in_progress(&self) -> Option<Barrier> {
        self.pending.as_ref().map(|p| p.barrier.clone())
    }

    /// Starts checkpoint `id`; the caller sends the barrier to every source task.
    pub fn trigger(&mut self, id: u64, kind: SnapshotKind, target: Option<std::sync::Arc<str>>, now: Instant) -> Barrier {
        let barrier = Barrier { id, kind, target };
        let trigger_timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        self.pending = Some(Pending { barrier: barrier.clone(), started: now, trigger_timestamp, acks: HashMap::new() });
        barrier
    }

    /// A task acknowledged a checkpoint; returns the checkpoint once every task did.
    pub fn ack(&mut self, ack: TaskAck, now: Instant) -> Option<CompletedSnapshot> {
        let TaskAck { vertex, checkpoint_id: id, state, alignment_ms } = ack;
        let pending = self.pending.as_mut().filter(|p| p.barrier.id == id)?;
        let ms = now.duration_since(pending.started).as_millis() as u64;
        pending.acks.insert((vertex, state.subtask as usize), (state, ms, alignment_ms));
        if pending.acks.len() < self.tasks {
            return None;
        }
        let p = self.pending.take().expect("pending");
        let mut ack_ms: Vec<((usize, usize), u64)> = p.acks.iter().map(|(k, (_, ms, _))| (*k, *ms)).collect();
        ack_ms.sort();
        let mut alignment_ms: Vec<((usize, usize), u64)> = p.acks.iter().map(|(k, (_, _, a))| (*k, *a)).collect();
        alignment_ms.sort();
        let mut operator_bytes: Vec<((usize, usize), String, u64)> = p
            .acks
            .iter()
            .flat_map(|(k, (r, _, _))| r.operator_sizes().into_iter().map(move |(op, bytes)| (*k, op.to_string(), bytes)))
            .collect();
        operator_bytes.sort();
        let mut keys: Vec<(usize, usize)> = p.acks.keys().copied().collect();
        keys.sort();
        let mut acks = p.acks;
        let tasks: Vec<TaskStateRef> = keys.into_iter().filter_map(|k| acks.remove(&k).map(|(f, _, _)| f)).collect();
        let state_size = tasks.iter().map(TaskStateRef::size).sum();
        self.stats.push(CheckpointStats {
            id,
            status: CheckpointStatus::Completed,
            kind: p.barrier.kind,
            trigger_timestamp: p.trigger_timestamp,
            duration_ms: now.duration_since(p.started).as_millis() as u64,
            state_size,
            ack_ms,
            alignment_ms,
            operator_bytes,
            failure: None,
        });
        self.last_end = now;
        self.consecutive_failures = 0;
        Some(CompletedSnapshot { barrier: p.barrier, tasks })
    }

    /// Aborts the checkpoint in flight, if any, recording why.
    pub fn abort(&mut self, reason: &str, now: Instant) -> Option<Barrier> {
        let p = self.pending.take()?;
        self.stats.push(CheckpointStats {
            id: p.barrier.id,
            status: CheckpointStatus::Failed,
            kind: p.barrier.kind,
            trigger_timestamp: p.trigger_timestamp,
            duration_ms: now.duration_since(p.started).as_millis() as u64,
            state_size: 0,
            ack_ms: Vec::new(),
            alignment_ms: Vec::new(),
            operator_bytes: Vec::new(),
            failure: Some(reason.to_string()),
        });
        self.last_end = now;
        Some(p.barrier)
    }

    /// Aborts a checkpoint that exceeded the timeout; fails once more consecutive checkpoints
    /// failed than `tolerable-failed-checkpoints` allows.
    pub fn check_timeout(&mut self, now: Instant) -> Result<Option<Barrier>> {
        let expired = self.pending.as_ref().is_some_and(|p| now.duration_since(p.started) >= Duration::from_millis(self.config.timeout_ms));
        if !expired {
            return Ok(None);
        }
        let barrier = self.abort("expired before completing", now);
        self.consecutive_failures += 1;
        if self.consecutive_failures > self.config.tolerable_failures {
            return Err(Error::Checkpoint(format!(
                "{} expired before completing ({} ms timeout); exceeded the tolerable failed checkpoints ({})",
                barrier.map(|b| b.id).unwrap_or(0),
                self.config.timeout_ms,
                self.config.tolerable_failures
            )));
        }
        Ok(barrier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(timeout_ms: u64, tolerable: u64) -> CheckpointConfig {
        CheckpointConfig {
            interval_ms: Some(10),
            exactly_once: true,
            timeout_ms,
            min_pause_ms: 0,
            max_concurrent: 1,
            tolerable_failures: tolerable,
            num_retained: 1,
            retain_on_cancellation: false,
            dir: None,
        }
    }

    #[test]
    fn completes_when_every_task_acked() {
        let start = Instant::now();
        let mut c = Coordinator::new(config(1_000, 0), 2);
        assert!(!c.due(start));
        let later = start + Duration::from_millis(20);
        assert!(c.due(later));
        let b = c.trigger(1, SnapshotKind::Checkpoint, None, later);
        assert!(!c.due(later), "one at a time");
        let state = |ops| TaskStateRef { subtask: 0, parallelism: 1, state: crate::checkpoint::TaskState::Inline(ops) };
        assert!(c.ack(TaskAck { vertex: 0, checkpoint_id: b.id, state: state(vec![]), alignment_ms: 0 }, later).is_none());
        assert!(
            c.ack(TaskAck { vertex: 0, checkpoint_id: 99, state: state(vec![]), alignment_ms: 0 }, later).is_none(),
            "acks of other checkpoints are ignored"
        );
        let ops = vec![("op".into(), crate::checkpoint::OperatorState::default())];
        let done = c.ack(TaskAck { vertex: 1, checkpoint_id: b.id, state: state(ops), alignment_ms: 3 }, later).unwrap();
        assert_eq!(done.tasks.len(), 2);
        assert_eq!(c.stats.last().unwrap().status, CheckpointStatus::Completed);
    }

    #[test]
    fn timeouts_abort_and_fail_beyond_the_tolerance() {
        let start = Instant::now();
        let mut c = Coordinator::new(config(5, 1), 1);
        c.trigger(1, SnapshotKind::Checkpoint, None, start);
        assert_eq!(c.check_timeout(start + Duration::from_millis(10)).unwrap().map(|b| b.id), Some(1));
        c.trigger(2, SnapshotKind::Checkpoint, None, start);
        let err = c.check_timeout(start + Duration::from_millis(10)).unwrap_err().to_string();
        assert!(err.contains("checkpoint failed: 2 expired"), "{err}");
    }
}
