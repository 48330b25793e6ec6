//! The messages between a task and the job master: checkpoint triggers and notifications in,
//! snapshots and lifecycle reports out — plus the end-of-job handshake every task performs.

use super::TaskEnv;
use crate::channel::CANCEL_POLL;
use crate::checkpoint::{Barrier, FINAL_CHECKPOINT_ID, OperatorState, Snapshot, StopMode};
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
        /// Subtask index.
        subtask: usize,
        /// Parallelism of the vertex.
        parallelism: usize,
        /// The checkpoint.
        checkpoint_id: u64,
        /// State per operator id.
        operators: Vec<(String, OperatorState)>,
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
    /// Sends the snapshot of a checkpoint to the job master — after its deferred parts are
    /// done, on a thread of their own, so that the task goes on processing meanwhile.
    pub fn ack(&self, snapshot: Snapshot) {
        let (vertex, subtask, parallelism) = (self.vertex, self.subtask, self.parallelism);
        let checkpoint_id = snapshot.barrier.id;
        let Snapshot { mut operators, deferred, alignment_ms, .. } = snapshot;
        if deferred.is_empty() {
            let _ = self.events.send(TaskEvent::Ack { vertex, subtask, parallelism, checkpoint_id, operators, alignment_ms });
            return;
        }
        let events = self.events.clone();
        let spawned = std::thread::Builder::new().name(format!("checkpoint {checkpoint_id} ({vertex}/{subtask})")).spawn(move || {
            for d in deferred {
                match (d.work)() {
                    Ok(increment) => match operators.iter_mut().find(|(id, _)| *id == d.operator_id) {
                        Some((_, state)) => state.increment = Some(increment),
                        None => operators.push((d.operator_id, OperatorState { increment: Some(increment), ..Default::default() })),
                    },
                    Err(e) => {
                        let reason = format!("subtask {subtask} of vertex {vertex}: operator {}: {e}", d.operator_id);
                        let _ = events.send(TaskEvent::Decline { checkpoint_id, reason });
                        return;
                    }
                }
            }
            let _ = events.send(TaskEvent::Ack { vertex, subtask, parallelism, checkpoint_id, operators, alignment_ms });
        });
        if let Err(e) = spawned {
            let _ = self.events.send(TaskEvent::Decline { checkpoint_id, reason: format!("spawning a snapshot thread: {e}") });
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
