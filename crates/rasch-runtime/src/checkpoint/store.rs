//! Completed checkpoints of a job: kept in memory (local mode without
//! `execution.checkpointing.dir`) and retained up to `num-retained`, newest last.

use super::{RestorePlan, TaskStateFile};
use std::collections::VecDeque;

/// One completed checkpoint.
#[derive(Debug, Clone)]
pub struct CompletedCheckpoint {
    /// Its id.
    pub id: u64,
    /// One state file per task.
    pub files: Vec<TaskStateFile>,
}

/// The completed checkpoints of a job across restarts.
#[derive(Debug)]
pub struct CheckpointStore {
    retained: VecDeque<CompletedCheckpoint>,
    num_retained: usize,
    next_id: u64,
}

impl CheckpointStore {
    /// A store keeping `num_retained` checkpoints.
    pub fn new(num_retained: usize) -> Self {
        CheckpointStore { retained: VecDeque::new(), num_retained: num_retained.max(1), next_id: 1 }
    }

    /// The id of the next checkpoint (ids increase across restarts).
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Records a completed checkpoint, dropping the oldest beyond the retention.
    pub fn add(&mut self, checkpoint: CompletedCheckpoint) {
        self.retained.push_back(checkpoint);
        while self.retained.len() > self.num_retained {
            self.retained.pop_front();
        }
    }

    /// The newest completed checkpoint.
    pub fn latest(&self) -> Option<&CompletedCheckpoint> {
        self.retained.back()
    }

    /// The restore plan of the newest completed checkpoint.
    pub fn latest_plan(&self) -> Option<RestorePlan> {
        self.latest().map(|c| RestorePlan::from_files(c.id, c.files.clone()))
    }
}
