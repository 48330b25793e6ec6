//! How a task stores its part of a snapshot (Flink's `CheckpointStorage` / `StateHandle`
//! split): off the task thread, it writes its own state file — and the new deltas of
//! incremental state as shared files — to checkpoint or savepoint storage, and acknowledges with
//! a small [`TaskStateRef`]. Only without any storage does the state itself travel to the job
//! master, which then keeps checkpoints in memory.

use super::{OperatorState, OperatorSummary, StoredTaskState, TaskState, TaskStateFile, TaskStateRef};
use rasch_core::Result;
use rasch_storage::{CheckpointStorage, SavepointStorage, StorageOptions};

/// Where a task puts its state for one barrier.
#[derive(Debug, Clone)]
pub enum StateTarget {
    /// Into the acknowledgement (no checkpoint storage configured).
    Inline,
    /// Into the job's checkpoint directory, `<dir>/<job-id>/chk-<n>/`.
    Checkpoint(CheckpointStorage),
    /// Into the savepoint directory the job master created (the barrier names it).
    Savepoint(String),
}

/// Stores the state `operators` of subtask `subtask` (of `parallelism`) of vertex `vertex` for
/// checkpoint `checkpoint_id` and returns what the acknowledgement carries.
pub fn store_task_state(
    target: &StateTarget,
    checkpoint_id: u64,
    vertex: usize,
    subtask: usize,
    parallelism: usize,
    mut operators: Vec<(String, OperatorState)>,
) -> Result<TaskStateRef> {
    let (subtask, parallelism) = (subtask as u32, parallelism as u32);
    let name = format!("task-{vertex}-{subtask}");
    if let StateTarget::Inline = target {
        return Ok(TaskStateRef { subtask, parallelism, state: TaskState::Inline(operators) });
    }
    // Summaries first: their sizes count the new deltas, which then become shared files.
    let summaries = operators.iter().map(|(id, s)| OperatorSummary::of(id, s)).collect();
    if let StateTarget::Checkpoint(storage) = target {
        for (_, state) in &mut operators {
            if let Some(inc) = state.increment.as_mut()
                && let Some(delta) = inc.delta.take()
            {
                storage.write_shared(&inc.name, &delta)?;
            }
        }
    }
    let payload = postcard::to_allocvec(&TaskStateFile { subtask, parallelism, operators })?;
    let checksum = rasch_storage::format::checksum(&payload);
    let file = match target {
        StateTarget::Checkpoint(storage) => storage.write_state(checkpoint_id, &name, &payload)?,
        StateTarget::Savepoint(path) => SavepointStorage::writer_at(path, &StorageOptions::new())?.write_state(&name, &payload)?,
        StateTarget::Inline => unreachable!("returned above"),
    };
    let state = TaskState::Stored(StoredTaskState { file, checksum, operators: summaries });
    Ok(TaskStateRef { subtask, parallelism, state })
}
