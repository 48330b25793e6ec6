//! The messages between a task and the job master: checkpoint triggers and notifications in,
//! snapshots and lifecycle reports out — plus the end-of-job handshake every task performs.

use super::TaskEnv;
use crate::channel::CANCEL_POLL;
use crate::checkpoint::{
    Barrier, FINAL_CHECKPOINT_ID, Snapshot, SnapshotKind, StateTarget, StopMode, TaskState, TaskStateRef, store_task_state,
};
use crossbeam_channel::RecvTimeoutError;
use rasch_core::{Error, Result};

/// A command from the job master to a task.
#[derive(Debug, Clone)]
pub enum TaskControl {
    /// (Sources only) take a snapshot and emit this barrier; with a [`StopMode`], end the input
    /// right after it (stop-with-savepoint), emitting the final watermark first when draining.
    Trigger(Barrier, Option<StopMode>),
    /// Checkpoint `id` completed everywhere: commit.
    Complete(u64),
    /// Every task reached the end of its input: commit the final output and exit.
    JobFinished,
}

/// A report from a task to the job master.
#[derive(Debug)]
pub enum TaskEvent {
    /// The task's chain snapshotted its state for a checkpoint.
    Ack {
        /// Vertex index.
        vertex: usize,
        /// The checkpoint.
        checkpoint_id: u64,
        /// The handle of the task's state file (or, without storage, its state).
        state: TaskStateRef,
        /// How long the task aligned the barrier across its inputs (ms).
        alignment_ms: u64,
    },
    /// The task could not complete its snapshot of a checkpoint (the checkpoint is aborted).
    Decline {
        /// The checkpoint.
        checkpoint_id: u64,
        /// Why.
        reason: String,
    },
    /// The task processed all of its input and waits for the job to finish.
    EndOfInput {
        /// Vertex index.
        vertex: usize,
        /// Subtask index.
        subtask: usize,
    },
    /// The task thread ended.
    Finished {
        /// Vertex index.
        vertex: usize,
        /// Subtask index.
        subtask: usize,
        /// Ok, or why it failed.
        result: Result<()>,
    },
}

impl TaskEnv {
    /// Completes a snapshot and acknowledges it to the job master. On a thread of its own, so
    /// that the task goes on processing meanwhile: runs the deferred parts (serializing frozen
    /// state, building increments), then stores the task's state — its own file in checkpoint
    /// or savepoint storage — and sends only the handle. A failure declines the checkpoint.
    pub fn ack(&self, snapshot: Snapshot) {
        let (vertex, subtask, parallelism) = (self.vertex, self.subtask, self.parallelism);
        let Snapshot { barrier, mut operators, deferred, alignment_ms } = snapshot;
        let checkpoint_id = barrier.id;
        let target = match (&barrier.target, &self.storage) {
            (Some(path), _) => StateTarget::Savepoint(path.to_string()),
            (None, Some(storage)) if barrier.kind == SnapshotKind::Checkpoint => StateTarget::Checkpoint(storage.clone()),
            _ => StateTarget::Inline,
        };
        if deferred.is_empty() && matches!(target, StateTarget::Inline) {
            let state = TaskStateRef { subtask: subtask as u32, parallelism: parallelism as u32, state: TaskState::Inline(operators) };
            let _ = self.events.send(TaskEvent::Ack { vertex, checkpoint_id, state, alignment_ms });
            return;
        }
        let events = self.events.clone();
        let complete = move || -> Result<TaskStateRef> {
            for d in deferred {
                let part = (d.work)().map_err(|e| Error::Checkpoint(format!("operator {}: {e}", d.operator_id)))?;
                match operators.iter_mut().find(|(id, _)| *id == d.operator_id) {
                    Some((_, state)) => state.merge(part),
                    None if !part.is_empty() => operators.push((d.operator_id, part)),
                    None => {}
                }
            }
            store_task_state(&target, checkpoint_id, vertex, subtask, parallelism, operators)
        };
        let job = Box::new(move || {
            let event = match complete() {
                Ok(state) => TaskEvent::Ack { vertex, checkpoint_id, state, alignment_ms },
                Err(e) => TaskEvent::Decline { checkpoint_id, reason: format!("subtask {subtask} of vertex {vertex}: {e}") },
            };
            let _ = events.send(event);
        });
        if let Err(e) = self.snapshots.submit(&format!("snapshots ({vertex}/{subtask})"), job) {
            let _ = self.events.send(TaskEvent::Decline { checkpoint_id, reason: format!("starting the snapshot thread: {e}") });
        }
    }

    /// The end-of-job handshake: reports end of input, keeps applying checkpoint
    /// notifications, and on `JobFinished` runs `notify(FINAL_CHECKPOINT_ID)` (the final commit).
    pub fn finish(&self, mut notify: impl FnMut(u64) -> Result<()>) -> Result<()> {
        let _ = self.events.send(TaskEvent::EndOfInput { vertex: self.vertex, subtask: self.subtask });
        loop {
            if self.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            match self.control.recv_timeout(CANCEL_POLL) {
                Ok(TaskControl::Complete(id)) => notify(id)?,
                Ok(TaskControl::JobFinished) => return notify(FINAL_CHECKPOINT_ID),
                Ok(TaskControl::Trigger(..)) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(Error::Cancelled),
            }
        }
    }
}
