//! Completed checkpoints of a job: kept in memory (local mode without
//! `execution.checkpointing.dir`) and retained up to `num-retained`, newest last — plus the
//! shared files of incremental checkpoints, reference-counted over the retained checkpoints.

use super::{RestorePlan, TaskStateFile};
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
    /// One state file per task.
    pub files: Vec<TaskStateFile>,
}

impl CompletedCheckpoint {
    /// Names of the shared files this checkpoint's incremental state needs.
    pub fn shared_files(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .flat_map(|f| f.operators.iter())
            .filter_map(|(_, s)| s.increment.as_ref())
            .flat_map(|i| i.chain.iter().map(String::as_str).chain(std::iter::once(i.name.as_str())))
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

    /// The id of the next checkpoint (ids increase across restarts).
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Takes the new deltas of incremental checkpoint state out of `files` and files them as
    /// shared files: written to `storage` (`<dir>/<job>/shared/<name>`), or kept in memory.
    /// Returns the names written, so that a checkpoint that then fails to complete can
    /// delete them again.
    pub fn file_increments(&mut self, files: &mut [TaskStateFile], storage: Option<&CheckpointStorage>) -> Result<Vec<String>> {
        let mut written = Vec::new();
        for (_, state) in files.iter_mut().flat_map(|f| f.operators.iter_mut()) {
            let Some(inc) = state.increment.as_mut() else { continue };
            let Some(delta) = inc.delta.take() else { continue };
            let bytes = match storage {
                Some(storage) => {
                    storage.write_shared(&inc.name, &delta)?;
                    written.push(inc.name.clone());
                    None
                }
                None => Some(Arc::new(delta)),
            };
            self.shared.entry(inc.name.clone()).or_insert(Shared { bytes: None, refs: 0 }).bytes = bytes;
        }
        Ok(written)
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

    /// The restore plan of the newest completed checkpoint, with incremental state replayed into
    /// full key groups (shared files read from memory or from `storage`).
    pub fn latest_plan(&self, storage: Option<&CheckpointStorage>) -> Result<Option<RestorePlan>> {
        let Some(c) = self.latest() else { return Ok(None) };
        let mut plan = RestorePlan::from_files(c.id, c.files.clone());
        plan.materialize(|name| match self.shared.get(name).and_then(|s| s.bytes.clone()) {
            Some(bytes) => Ok(bytes.to_vec()),
            None => match storage {
                Some(storage) => storage.read_shared(name),
                None => Err(Error::Checkpoint(format!("shared state file '{name}' of checkpoint {} is missing", c.id))),
            },
        })?;
        Ok(Some(plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::OperatorState;
    use rasch_state::Increment;

    fn checkpoint(id: u64, chain: &[&str], name: &str) -> CompletedCheckpoint {
        let increment = Increment {
            chain: chain.iter().map(|s| s.to_string()).collect(),
            name: name.to_string(),
            delta: Some(ByteBuf::from(name.as_bytes().to_vec())),
        };
        let state = OperatorState { increment: Some(increment), ..Default::default() };
        CompletedCheckpoint { id, files: vec![TaskStateFile { subtask: 0, parallelism: 1, operators: vec![("op".into(), state)] }] }
    }

    #[test]
    fn shared_files_live_while_a_retained_checkpoint_references_them() {
        let dir = std::env::temp_dir().join(format!("rasch-shared-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let storage = CheckpointStorage::new(dir.to_str().unwrap(), "job").unwrap();
        let shared = dir.join("job/shared");
        let mut store = CheckpointStore::new(2);
        let add = |store: &mut CheckpointStore, mut c: CompletedCheckpoint| {
            store.file_increments(&mut c.files, Some(&storage)).unwrap();
            assert!(c.files[0].operators[0].1.increment.as_ref().unwrap().delta.is_none(), "the bytes moved to a shared file");
            let unused = store.add(c);
            unused.iter().for_each(|n| storage.discard_shared(n).unwrap());
            unused
        };
        assert!(add(&mut store, checkpoint(1, &[], "b1")).is_empty());
        assert!(add(&mut store, checkpoint(2, &["b1"], "d2")).is_empty());
        // Checkpoint 1 leaves the retention, but b1 is still the base of 2 and 3.
        assert!(add(&mut store, checkpoint(3, &["b1", "d2"], "d3")).is_empty());
        assert!(shared.join("b1").exists());
        // A new base: once 3 is gone too, b1, d2 and d3 are unreferenced.
        assert_eq!(add(&mut store, checkpoint(4, &[], "b4")), Vec::<String>::new());
        let mut gone = add(&mut store, checkpoint(5, &["b4"], "d5"));
        gone.sort();
        assert_eq!(gone, vec!["b1", "d2", "d3"]);
        assert!(!shared.join("b1").exists() && shared.join("b4").exists() && shared.join("d5").exists());
        assert_eq!(store.shared_files(), vec!["b4", "d5"]);

        // In memory the bytes stay in the store and restores read them from there.
        let mut mem = CheckpointStore::new(1);
        let mut c = checkpoint(1, &[], "m1");
        mem.file_increments(&mut c.files, None).unwrap();
        mem.add(c);
        assert!(mem.latest_plan(None).is_err(), "'m1' is not a KeyedDelta, so replaying it fails loudly");
        std::fs::remove_dir_all(&dir).ok();
    }
}
