//! Job-master state that lives across attempts: checkpoint settings, completed checkpoints (in
//! memory and, with a checkpoint directory, durable `_metadata`), and the monitor clients read.

use crate::checkpoint::{CheckpointConfig, CheckpointStore, CompletedCheckpoint, CompletedSnapshot, SnapshotKind};
use crate::checkpoint::{write_checkpoint, write_savepoint};
use crate::executor::JobMonitor;
use crate::graph::JobGraph;
use rasch_core::Result;
use rasch_storage::CheckpointStorage;
use std::collections::VecDeque;

/// What the job master needs to know about a job: names for messages, operator ids for
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

/// Checkpoint state of a job across its attempts.
pub struct Supervisor {
    pub(crate) cp: CheckpointConfig,
    pub(crate) store: CheckpointStore,
    pub(crate) storage: Option<CheckpointStorage>,
    /// Checkpoint ids written to storage, oldest first (for retention).
    pub(crate) written: VecDeque<u64>,
    /// Checkpoint ids that were aborted after tasks may have written files.
    pub(crate) aborted: Vec<u64>,
    pub(crate) job_id: String,
    pub(crate) monitor: JobMonitor,
}

impl Supervisor {
    /// The job's checkpoint storage (`execution.checkpointing.dir`), if any.
    pub fn checkpoint_storage(&self) -> Option<&CheckpointStorage> {
        self.storage.as_ref()
    }

    /// The checkpoint settings of the job.
    pub fn checkpoint_config(&self) -> &CheckpointConfig {
        &self.cp
    }

    /// Deletes what tasks wrote for a checkpoint that was aborted (state files of tasks still
    /// writing may land later; the job's checkpoint directory is cleaned when it ends).
    pub(crate) fn discard_aborted(&mut self, id: u64) {
        if let Some(storage) = &self.storage {
            let _ = storage.discard(id);
            self.aborted.push(id);
        }
    }

    /// Completes a checkpoint every task acknowledged: the tasks wrote their state, the job
    /// master writes only `_metadata` (or keeps the checkpoint in memory), applies retention
    /// and deletes shared files no retained checkpoint needs. A checkpoint that cannot be
    /// persisted does not count as completed (the error fails the job).
    pub(crate) fn complete_checkpoint(&mut self, job_name: &str, mut done: CompletedSnapshot) -> Result<()> {
        let id = done.barrier.id;
        debug_assert_eq!(done.barrier.kind, SnapshotKind::Checkpoint);
        self.store.file_increments(&mut done.tasks);
        if let Some(storage) = self.storage.as_ref() {
            write_checkpoint(storage, job_name, id, &done.tasks)?;
            self.written.push_back(id);
            while self.written.len() > self.cp.num_retained {
                if let Some(old) = self.written.pop_front() {
                    let _ = storage.discard(old);
                }
            }
        }
        let unused = self.store.add(CompletedCheckpoint { id, tasks: done.tasks });
        if let Some(storage) = self.storage.as_ref() {
            unused.iter().for_each(|name| drop(storage.discard_shared(name)));
        }
        Ok(())
    }

    /// Completes a savepoint every task acknowledged by writing its `_metadata` into `path`.
    pub(crate) fn complete_savepoint(&self, job_name: &str, path: &str, done: &CompletedSnapshot) -> Result<String> {
        write_savepoint(path, job_name, done.barrier.id, &done.tasks)
    }

    /// Deletes the job's checkpoints (it ended and none is retained).
    pub(crate) fn discard_checkpoints(&self) {
        if let Some(storage) = &self.storage {
            self.written.iter().chain(&self.aborted).for_each(|id| drop(storage.discard(*id)));
            let _ = storage.discard_all_shared();
        }
    }
}
