//! Restoring operator state from a completed checkpoint or savepoint, at any parallelism.
//!
//! A [`RestorePlan`] holds no state bytes: per old task it has a [`TaskStateRef`] — the state
//! itself only when the job master keeps checkpoints in memory, otherwise the handle of the file
//! the task wrote. Each new task [`load`](RestorePlan::load)s the files its chain needs (those of
//! its operators whose key groups overlap its own, plus list, union and broadcast state) and
//! then redistributes: keyed state goes to the owner of each key group, list state is split
//! evenly, union state goes to everyone, broadcast state is copied.

use super::OperatorState;
use rasch_core::{Error, Result};
use rasch_storage::{CheckpointStorage, SavepointStorage, StateHandle, StorageOptions};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The contents of one task's state file: the states of the operators in its chain.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TaskStateFile {
    /// The subtask that wrote it.
    pub subtask: u32,
    /// Parallelism of its vertex when it was written.
    pub parallelism: u32,
    /// State per operator id.
    pub operators: Vec<(String, OperatorState)>,
}

/// What one operator's part of a stored task file holds — enough to decide, without reading
/// the file, whether a restoring task needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorSummary {
    /// The operator id.
    pub id: String,
    /// First and last key group with keyed state or timers (None: no keyed state).
    pub key_groups: Option<(u32, u32)>,
    /// Whether it has list, union or broadcast state.
    pub list: bool,
    /// Union list state.
    pub union: bool,
    /// Broadcast state.
    pub broadcast: bool,
    /// Shared files (incremental keyed state) it references, base first, its own last.
    pub shared: Vec<String>,
    /// Serialized size in bytes.
    pub size: u64,
}

impl OperatorSummary {
    /// The summary of `state`.
    pub fn of(id: &str, state: &OperatorState) -> Self {
        let first = state.keyed.iter().map(|g| g.key_group).min();
        let last = state.keyed.iter().map(|g| g.key_group).max();
        let mut key_groups = first.zip(last);
        let shared = match &state.increment {
            Some(inc) => {
                // An increment may hold any key group of the instance: widen to "all".
                key_groups = Some((0, u32::MAX));
                inc.chain.iter().cloned().chain(std::iter::once(inc.name.clone())).collect()
            }
            None => Vec::new(),
        };
        OperatorSummary {
            id: id.to_string(),
            key_groups,
            list: !state.list.is_empty(),
            union: !state.union.is_empty(),
            broadcast: state.broadcast.is_some(),
            shared,
            size: state.size(),
        }
    }
}

/// A task file written by the task itself to checkpoint or savepoint storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTaskState {
    /// Where it is (absolute in checkpoints, relative to the savepoint directory in savepoints)
    /// and its size.
    pub file: StateHandle,
    /// CRC32 of its payload.
    pub checksum: u32,
    /// What each operator stored in it.
    pub operators: Vec<OperatorSummary>,
}

/// Where one task's state of a snapshot is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TaskState {
    /// Held by the job master (no checkpoint storage: Flink's `JobManagerCheckpointStorage`).
    Inline(Vec<(String, OperatorState)>),
    /// In a file the task wrote; the job master holds only this handle.
    Stored(StoredTaskState),
}

/// One task's part of a completed snapshot: what an acknowledgement carries and `_metadata`
/// lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskStateRef {
    /// The subtask that took it.
    pub subtask: u32,
    /// Parallelism of its vertex.
    pub parallelism: u32,
    /// The state or its file.
    pub state: TaskState,
}

impl TaskStateRef {
    /// Ids of the operators with state in it.
    pub fn operator_ids(&self) -> Vec<&str> {
        match &self.state {
            TaskState::Inline(ops) => ops.iter().map(|(id, _)| id.as_str()).collect(),
            TaskState::Stored(s) => s.operators.iter().map(|o| o.id.as_str()).collect(),
        }
    }

    /// Names of the shared files its incremental state references.
    pub fn shared_files(&self) -> Vec<&str> {
        match &self.state {
            TaskState::Inline(ops) => ops
                .iter()
                .filter_map(|(_, s)| s.increment.as_ref())
                .flat_map(|i| i.chain.iter().map(String::as_str).chain(std::iter::once(i.name.as_str())))
                .collect(),
            TaskState::Stored(s) => s.operators.iter().flat_map(|o| o.shared.iter().map(String::as_str)).collect(),
        }
    }

    /// Bytes each operator's state took in it (with its new incremental deltas), by operator id.
    pub fn operator_sizes(&self) -> Vec<(&str, u64)> {
        match &self.state {
            TaskState::Inline(ops) => ops.iter().map(|(id, s)| (id.as_str(), s.size())).collect(),
            TaskState::Stored(s) => s.operators.iter().map(|o| (o.id.as_str(), o.size)).collect(),
        }
    }

    /// Serialized state size in bytes this checkpoint wrote (with its new incremental deltas).
    pub fn size(&self) -> u64 {
        match &self.state {
            TaskState::Inline(ops) => ops.iter().map(|(_, s)| s.size()).sum(),
            TaskState::Stored(s) => s.operators.iter().map(|o| o.size).sum(),
        }
    }
}

/// Every task's part of one checkpoint, ready to be redistributed over a new job's subtasks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RestorePlan {
    /// The checkpoint (or savepoint) id.
    pub checkpoint_id: u64,
    /// One entry per old task.
    pub tasks: Vec<TaskStateRef>,
    /// The savepoint directory relative handles resolve against.
    pub base: Option<String>,
    /// The job checkpoint directory (`<dir>/<job-id>`) holding the shared files of incremental
    /// state.
    pub shared_dir: Option<String>,
}

impl RestorePlan {
    /// A plan over in-memory task states (tests, the in-memory checkpoint store).
    pub fn from_files(checkpoint_id: u64, files: Vec<TaskStateFile>) -> Self {
        let tasks = files
            .into_iter()
            .map(|f| TaskStateRef { subtask: f.subtask, parallelism: f.parallelism, state: TaskState::Inline(f.operators) })
            .collect();
        RestorePlan { checkpoint_id, tasks, base: None, shared_dir: None }
    }

    /// Ids of every operator with state in the plan.
    pub fn operator_ids(&self) -> BTreeSet<&str> {
        self.tasks.iter().flat_map(|t| t.operator_ids()).collect()
    }

    /// Replays incremental keyed state held in memory (`load` reads a shared file by name) into
    /// full key groups, so that the plan redistributes it like any other.
    pub fn materialize_inline(&mut self, mut load: impl FnMut(&str) -> Result<Vec<u8>>) -> Result<()> {
        for task in &mut self.tasks {
            if let TaskState::Inline(ops) = &mut task.state {
                for (id, state) in ops.iter_mut() {
                    materialize(id, task.subtask, state, &mut load)?;
                }
            }
        }
        Ok(())
    }

    /// Checks that every stored operator exists in the new job (`known_ids`), unless the user
    /// allows dropping state of removed operators.
    pub fn check_all_mapped(&self, known_ids: &[String], allow_non_restored_state: bool) -> Result<()> {
        if allow_non_restored_state {
            return Ok(());
        }
        let missing: Vec<&str> = self.operator_ids().into_iter().filter(|id| !known_ids.iter().any(|k| k == id)).collect();
        match missing.first() {
            None => Ok(()),
            Some(id) => Err(Error::InvalidJob(format!(
                "the snapshot holds state of operator {id} ({} operators in total), which the job does not contain; \
                 give operators stable uid()s, or allow non-restored state to drop it",
                missing.len()
            ))),
        }
    }

    /// Reads what subtask `subtask` of a chain needs: `chain` lists each operator's id,
    /// parallelism and max parallelism. Only files holding state of these operators that the
    /// subtask restores are read; incremental state is replayed from the shared files.
    pub fn load(&self, chain: &[(&str, usize, usize)], subtask: usize) -> Result<LoadedState> {
        let options = StorageOptions::new();
        let mut operators: HashMap<String, Vec<(u32, u32, OperatorState)>> = HashMap::new();
        for task in &self.tasks {
            let wanted = |id: &str| chain.iter().find(|(op, _, _)| *op == id).copied();
            let ops = match &task.state {
                TaskState::Inline(ops) => ops.iter().filter(|(id, _)| wanted(id).is_some()).cloned().collect(),
                TaskState::Stored(stored) => {
                    let needed = stored.operators.iter().any(|o| {
                        wanted(&o.id)
                            .is_some_and(|(_, p, maxp)| needs(o, task.subtask as usize, task.parallelism as usize, subtask, p, maxp))
                    });
                    if !needed {
                        continue;
                    }
                    let file = self.read_task_file(stored, &options)?;
                    let mut ops: Vec<(String, OperatorState)> = file.operators.into_iter().filter(|(id, _)| wanted(id).is_some()).collect();
                    for (id, state) in &mut ops {
                        materialize(id, task.subtask, state, &mut |name| self.read_shared(name, &options))?;
                    }
                    ops
                }
            };
            for (id, state) in ops {
                operators.entry(id).or_default().push((task.subtask, task.parallelism, state));
            }
        }
        for states in operators.values_mut() {
            states.sort_by_key(|(subtask, _, _)| *subtask);
        }
        Ok(LoadedState { operators })
    }

    /// The state operator `operator_id` restores in subtask `subtask` of `parallelism` (reads
    /// what it needs; see [`load`](Self::load)).
    pub fn state_for(
        &self,
        operator_id: &str,
        subtask: usize,
        parallelism: usize,
        max_parallelism: usize,
    ) -> Result<Option<OperatorState>> {
        Ok(self.load(&[(operator_id, parallelism, max_parallelism)], subtask)?.state_for(
            operator_id,
            subtask,
            parallelism,
            max_parallelism,
        ))
    }

    /// The payload of a stored task file, checked against the size and checksum its handle
    /// recorded (relative handles resolve against the savepoint directory `base`).
    pub(crate) fn read_verified(&self, stored: &StoredTaskState, options: &StorageOptions) -> Result<Vec<u8>> {
        // Absolute handles are read from where they point; "/" only satisfies the signature.
        let bytes = SavepointStorage::read_state_at(self.base.as_deref().unwrap_or("/"), &stored.file, options)?;
        if rasch_storage::format::checksum(&bytes) != stored.checksum {
            return Err(Error::MalformedInput {
                location: stored.file.location.clone(),
                message: "state file does not match the checksum its checkpoint recorded".into(),
            });
        }
        Ok(bytes)
    }

    fn read_task_file(&self, stored: &StoredTaskState, options: &StorageOptions) -> Result<TaskStateFile> {
        let bytes = self.read_verified(stored, options)?;
        postcard::from_bytes(&bytes).map_err(|e| Error::Checkpoint(format!("{}: unreadable task state: {e}", stored.file.location)))
    }

    fn read_shared(&self, name: &str, options: &StorageOptions) -> Result<Vec<u8>> {
        let dir = self.shared_dir.as_deref().ok_or_else(|| {
            Error::Checkpoint(format!("shared state file '{name}' is referenced but the snapshot names no shared directory"))
        })?;
        CheckpointStorage::open_job_dir(dir, options)?.read_shared(name)
    }
}

/// Whether a new subtask `subtask` of `parallelism` (max parallelism `max_parallelism`) needs the
/// part `o` of old subtask `old_subtask` of `old_parallelism`.
fn needs(
    o: &OperatorSummary,
    old_subtask: usize,
    old_parallelism: usize,
    subtask: usize,
    parallelism: usize,
    max_parallelism: usize,
) -> bool {
    let range = rasch_core::keygroup::compute_key_group_range_for_operator_index(max_parallelism, parallelism, subtask);
    let keyed = o.key_groups.is_some_and(|(first, last)| (first as usize) <= range.end_inclusive && (last as usize) >= range.start);
    let list = o.list && (old_parallelism != parallelism || old_subtask == subtask);
    keyed || list || o.union || o.broadcast
}

/// Replays an increment (a chain of shared delta files; `load` reads one by name) into full
/// key-group snapshots.
fn materialize(id: &str, subtask: u32, state: &mut OperatorState, load: &mut dyn FnMut(&str) -> Result<Vec<u8>>) -> Result<()> {
    let Some(inc) = state.increment.take() else { return Ok(()) };
    let mut replay = rasch_state::Materializer::default();
    let context = |e: String| Error::Checkpoint(format!("incremental state of operator {id} subtask {subtask}: {e}"));
    for name in inc.chain.iter().chain(std::iter::once(&inc.name)) {
        let bytes = match (&inc.delta, name == &inc.name) {
            (Some(own), true) => own.to_vec(),
            _ => load(name)?,
        };
        let delta: rasch_state::KeyedDelta = postcard::from_bytes(&bytes)
            .map_err(|e| Error::Checkpoint(format!("shared state file '{name}' of operator {id}: unreadable: {e}")))?;
        drop(bytes);
        replay.apply(delta).map_err(context)?;
    }
    let tables = replay.finish().map_err(context)?;
    let mut groups: std::collections::BTreeMap<u32, rasch_state::KeyGroupSnapshot> =
        std::mem::take(&mut state.keyed).into_iter().map(|g| (g.key_group, g)).collect();
    for (kg, t) in tables {
        groups.entry(kg).or_insert_with(|| rasch_state::KeyGroupSnapshot { key_group: kg, ..Default::default() }).tables = t;
    }
    state.keyed = groups.into_values().collect();
    Ok(())
}

/// The old states one new task's chain restores from, by operator id.
#[derive(Debug, Clone, Default)]
pub struct LoadedState {
    /// Operator id → (old subtask, old parallelism, state) of its old subtasks that were read.
    pub operators: HashMap<String, Vec<(u32, u32, OperatorState)>>,
}

impl LoadedState {
    /// The state operator `operator_id` restores in subtask `subtask` of `parallelism`, whose
    /// max parallelism is `max_parallelism`.
    pub fn state_for(&self, operator_id: &str, subtask: usize, parallelism: usize, max_parallelism: usize) -> Option<OperatorState> {
        let old = self.operators.get(operator_id)?;
        let mut state = OperatorState::default();
        // Keyed: only the key groups this subtask owns.
        let range = rasch_core::keygroup::compute_key_group_range_for_operator_index(max_parallelism, parallelism, subtask);
        for (_, _, s) in old {
            state.keyed.extend(s.keyed.iter().filter(|g| range.contains(g.key_group as usize)).cloned());
        }
        // List: at the same parallelism each subtask gets its own entries back (sink
        // committables, source splits stay where they were); after rescaling, the entries of
        // all old subtasks are dealt round-robin over the new ones.
        let same_parallelism = old.iter().all(|(_, p, _)| *p as usize == parallelism);
        state.list = if same_parallelism {
            old.iter().filter(|(s, _, _)| *s as usize == subtask).flat_map(|(_, _, st)| st.list.iter().cloned()).collect()
        } else {
            let all: Vec<&Vec<u8>> = old.iter().flat_map(|(_, _, s)| s.list.iter()).collect();
            all.iter().enumerate().filter(|(i, _)| i % parallelism == subtask).map(|(_, e)| (*e).clone()).collect()
        };
        // Union: everything, to everyone.
        state.union = old.iter().flat_map(|(_, _, s)| s.union.iter().cloned()).collect();
        state.broadcast = old.iter().find_map(|(_, _, s)| s.broadcast.clone());
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasch_state::KeyGroupSnapshot;

    fn file(list: &[&str], kg: u32) -> TaskStateFile {
        TaskStateFile {
            subtask: kg - 1,
            parallelism: 2,
            operators: vec![(
                "op".into(),
                OperatorState {
                    keyed: vec![KeyGroupSnapshot { key_group: kg, ..Default::default() }],
                    list: list.iter().map(|s| s.as_bytes().to_vec()).collect(),
                    union: vec![vec![kg as u8]],
                    broadcast: Some(vec![1]),
                    increment: None,
                },
            )],
        }
    }

    #[test]
    fn list_state_is_split_evenly_and_union_goes_to_everyone() {
        let plan = RestorePlan::from_files(7, vec![file(&["a", "b", "c"], 1), file(&["d", "e"], 2)]);
        let parts: Vec<OperatorState> = (0..3).map(|j| plan.state_for("op", j, 3, 128).unwrap().unwrap()).collect();
        let lists: Vec<usize> = parts.iter().map(|p| p.list.len()).collect();
        assert_eq!(lists, vec![2, 2, 1]);
        let mut all: Vec<Vec<u8>> = parts.iter().flat_map(|p| p.list.clone()).collect();
        all.sort();
        assert_eq!(all, ["a", "b", "c", "d", "e"].iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>());
        assert!(parts.iter().all(|p| p.union.len() == 2 && p.broadcast == Some(vec![1])));
        assert_eq!(parts.iter().map(|p| p.keyed.len()).sum::<usize>(), 2, "each key group goes to exactly one subtask");
        assert!(plan.state_for("other", 0, 1, 128).unwrap().is_none());
        // At the old parallelism every subtask gets exactly its own entries back.
        assert_eq!(plan.state_for("op", 1, 2, 128).unwrap().unwrap().list, vec![b"d".to_vec(), b"e".to_vec()]);
    }

    #[test]
    fn unknown_operators_are_rejected_unless_allowed() {
        let plan = RestorePlan::from_files(1, vec![file(&["a"], 1)]);
        let err = plan.check_all_mapped(&["x".to_string()], false).unwrap_err().to_string();
        assert!(err.contains("operator op"), "{err}");
        plan.check_all_mapped(&["x".to_string()], true).unwrap();
        plan.check_all_mapped(&["op".to_string()], false).unwrap();
    }

    #[test]
    fn a_subtask_reads_only_the_files_it_needs() {
        let summary = |kgs: Option<(u32, u32)>, list: bool| OperatorSummary {
            id: "op".into(),
            key_groups: kgs,
            list,
            union: false,
            broadcast: false,
            shared: vec![],
            size: 1,
        };
        // Key groups 0..63 belong to subtask 0 of 2 (max parallelism 128), 64..127 to subtask 1.
        assert!(needs(&summary(Some((0, 10)), false), 0, 2, 0, 2, 128));
        assert!(!needs(&summary(Some((0, 10)), false), 0, 2, 1, 2, 128));
        assert!(needs(&summary(Some((60, 70)), false), 0, 1, 1, 2, 128), "overlapping ranges are read");
        // List state: own entries at the same parallelism, everyone's after rescaling.
        assert!(!needs(&summary(None, true), 0, 2, 1, 2, 128));
        assert!(needs(&summary(None, true), 0, 2, 1, 3, 128));
    }
}
