//! Completed checkpoints of a job: kept in memory (local mode without
//! `execution.checkpointing.dir`) and retained up to `num-retained`, newest last — plus the
//! shared files of incremental checkpoints, reference-counted over the retained checkpoints.

use super::{RestorePlan, TaskState, TaskStateRef};
use rasch_core::{Error, Result};
use rasch_state::ByteBuf;
use rasch_storage::CheckpointStorage;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// One completed checkpoint.
#[derive(Debug, Clone)]
pub struct CompletedCheckpoint {
    /// Its id.
    pub id: u64,
    /// Each task's part: a handle, or the state itself when kept in memory.
    pub tasks: Vec<TaskStateRef>,
}

impl CompletedCheckpoint {
    /// Names of the shared files this checkpoint's incremental state needs.
    pub fn shared_files(&self) -> impl Iterator<Item = &str> {
        self.tasks.iter().flat_map(|t| t.shared_files())
    }
}

/// A shared file: its bytes when kept in memory, and how many retained checkpoints use it.
#[derive(Debug)]
struct Shared {
    bytes: Option<Arc<ByteBuf>>,
    refs: usize,
}

/// The completed checkpoints of a job across restarts.
#[derive(Debug)]
pub struct CheckpointStore {
    retained: VecDeque<CompletedCheckpoint>,
    num_retained: usize,
    next_id: u64,
    shared: HashMap<String, Shared>,
}

impl CheckpointStore {
    /// A store keeping `num_retained` checkpoints.
    pub fn new(num_retained: usize) -> Self {
        CheckpointStore { retained: VecDeque::new(), num_retained: num_retained.max(1), next_id: 1, shared: HashMap::new() }
    }

    /// Continues the ids after `checkpoint_id`, the checkpoint or savepoint a job starts from,
    /// as Flink does: ids stay unique across runs of a job, so a resumed job never reuses the
    /// id (and directory) of an earlier checkpoint, and what sinks name by checkpoint
    /// (transactions, files) never collides with what an earlier run left.
    pub fn continue_after(&mut self, checkpoint_id: u64) {
        self.next_id = self.next_id.max(checkpoint_id.saturating_add(1));
    }

    /// The id of the next checkpoint (ids increase across restarts).
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// (Checkpoints kept in memory) Takes the new deltas of incremental state out of the
    /// acknowledged task states and keeps them as in-memory shared files.
    pub fn file_increments(&mut self, tasks: &mut [TaskStateRef]) {
        for task in tasks.iter_mut() {
            let TaskState::Inline(ops) = &mut task.state else { continue };
            for (_, state) in ops.iter_mut() {
                let Some(inc) = state.increment.as_mut() else { continue };
                let Some(delta) = inc.delta.take() else { continue };
                self.shared.entry(inc.name.clone()).or_insert(Shared { bytes: None, refs: 0 }).bytes = Some(Arc::new(delta));
            }
        }
    }

    /// Records a completed checkpoint, dropping the oldest beyond the retention. Returns the
    /// shared files no retained checkpoint references any more (the caller deletes them from
    /// durable storage; in-memory ones are dropped here).
    pub fn add(&mut self, checkpoint: CompletedCheckpoint) -> Vec<String> {
        for name in checkpoint.shared_files() {
            self.shared.entry(name.to_string()).or_insert(Shared { bytes: None, refs: 0 }).refs += 1;
        }
        self.retained.push_back(checkpoint);
        let mut unused = Vec::new();
        while self.retained.len() > self.num_retained {
            if let Some(old) = self.retained.pop_front() {
                for name in old.shared_files() {
                    if let Some(s) = self.shared.get_mut(name) {
                        s.refs = s.refs.saturating_sub(1);
                        if s.refs == 0 {
                            self.shared.remove(name);
                            unused.push(name.to_string());
                        }
                    }
                }
            }
        }
        unused
    }

    /// Names of every shared file the retained checkpoints reference.
    pub fn shared_files(&self) -> Vec<String> {
        let mut names: Vec<String> = self.shared.keys().cloned().collect();
        names.sort();
        names
    }

    /// The newest completed checkpoint.
    pub fn latest(&self) -> Option<&CompletedCheckpoint> {
        self.retained.back()
    }

    /// The restore plan of the newest completed checkpoint: handles of the files the tasks
    /// wrote (shared files are read by the restoring tasks from `storage`), and state kept in
    /// memory with its incremental part replayed into full key groups.
    pub fn latest_plan(&self, storage: Option<&CheckpointStorage>) -> Result<Option<RestorePlan>> {
        let Some(c) = self.latest() else { return Ok(None) };
        let mut plan =
            RestorePlan { checkpoint_id: c.id, tasks: c.tasks.clone(), base: None, shared_dir: storage.map(CheckpointStorage::job_dir) };
        plan.materialize_inline(|name| match self.shared.get(name).and_then(|s| s.bytes.clone()) {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(Error::Checkpoint(format!("shared state file '{name}' of checkpoint {} is missing", c.id))),
        })?;
        Ok(Some(plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{OperatorState, StateTarget, store_task_state};
    use rasch_state::Increment;

    fn operators(chain: &[&str], name: &str) -> Vec<(String, OperatorState)> {
        let increment = Increment {
            chain: chain.iter().map(|s| s.to_string()).collect(),
            name: name.to_string(),
            delta: Some(ByteBuf::from(name.as_bytes().to_vec())),
        };
        vec![("op".into(), OperatorState { increment: Some(increment), ..Default::default() })]
    }

    #[test]
    fn shared_files_live_while_a_retained_checkpoint_references_them() {
        let dir = std::env::temp_dir().join(format!("rasch-shared-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let storage = CheckpointStorage::new(dir.to_str().unwrap(), "job").unwrap();
        let target = StateTarget::Checkpoint(storage.clone());
        let shared = dir.join("job/shared");
        let mut store = CheckpointStore::new(2);
        // The task writes its delta as a shared file; the store counts references to it.
        let add = |store: &mut CheckpointStore, id: u64, chain: &[&str], name: &str| {
            let task = store_task_state(&target, id, 0, 0, 1, operators(chain, name)).unwrap();
            assert!(matches!(task.state, TaskState::Stored(_)), "the task stored its state");
            assert!(shared.join(name).exists(), "the delta is a shared file");
            let unused = store.add(CompletedCheckpoint { id, tasks: vec![task] });
            unused.iter().for_each(|n| storage.discard_shared(n).unwrap());
            unused
        };
        assert!(add(&mut store, 1, &[], "b1").is_empty());
        assert!(add(&mut store, 2, &["b1"], "d2").is_empty());
        // Checkpoint 1 leaves the retention, but b1 is still the base of 2 and 3.
        assert!(add(&mut store, 3, &["b1", "d2"], "d3").is_empty());
        assert!(shared.join("b1").exists());
        // A new base: once 3 is gone too, b1, d2 and d3 are unreferenced.
        assert_eq!(add(&mut store, 4, &[], "b4"), Vec::<String>::new());
        let mut gone = add(&mut store, 5, &["b4"], "d5");
        gone.sort();
        assert_eq!(gone, vec!["b1", "d2", "d3"]);
        assert!(!shared.join("b1").exists() && shared.join("b4").exists() && shared.join("d5").exists());
        assert_eq!(store.shared_files(), vec!["b4", "d5"]);

        // In memory the bytes stay in the store and restores read them from there.
        let mut mem = CheckpointStore::new(1);
        let mut tasks = vec![store_task_state(&StateTarget::Inline, 1, 0, 0, 1, operators(&[], "m1")).unwrap()];
        mem.file_increments(&mut tasks);
        mem.add(CompletedCheckpoint { id: 1, tasks });
        assert!(mem.latest_plan(None).is_err(), "'m1' is not a KeyedDelta, so replaying it fails loudly");
        std::fs::remove_dir_all(&dir).ok();
    }
}
