//! Restoring operator state from a completed checkpoint or savepoint, at any parallelism:
//! keyed state goes to the owner of each key group, list state is split evenly, union state
//! goes to everyone, broadcast state is copied.

use super::OperatorState;
use rasch_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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

/// Every operator's state of one checkpoint, as written by the old job's subtasks, ready to be
/// redistributed over the new job's subtasks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RestorePlan {
    /// The checkpoint (or savepoint) id.
    pub checkpoint_id: u64,
    /// Operator id → (old subtask, old parallelism, state) of its old subtasks.
    pub operators: HashMap<String, Vec<(u32, u32, OperatorState)>>,
}

impl RestorePlan {
    /// Collects the task state files of one checkpoint.
    pub fn from_files(checkpoint_id: u64, files: Vec<TaskStateFile>) -> Self {
        let mut operators: HashMap<String, Vec<(u32, u32, OperatorState)>> = HashMap::new();
        for file in files {
            for (id, state) in file.operators {
                operators.entry(id).or_default().push((file.subtask, file.parallelism, state));
            }
        }
        for states in operators.values_mut() {
            states.sort_by_key(|(subtask, _, _)| *subtask);
        }
        RestorePlan { checkpoint_id, operators }
    }

    /// Replays incremental keyed state (a chain of shared delta files plus the checkpoint's own
    /// delta; `load` reads a shared file by name) into full key-group snapshots, so that the
    /// plan redistributes it like any other — at any parallelism, into either backend.
    pub fn materialize(&mut self, mut load: impl FnMut(&str) -> Result<Vec<u8>>) -> Result<()> {
        for (id, states) in self.operators.iter_mut() {
            for (subtask, _, state) in states.iter_mut() {
                let Some(inc) = state.increment.take() else { continue };
                let mut deltas = Vec::with_capacity(inc.chain.len() + 1);
                for name in inc.chain.iter().chain(std::iter::once(&inc.name)) {
                    let bytes = match (&inc.delta, name == &inc.name) {
                        (Some(own), true) => own.to_vec(),
                        _ => load(name)?,
                    };
                    let delta: rasch_state::KeyedDelta = postcard::from_bytes(&bytes)
                        .map_err(|e| Error::Checkpoint(format!("shared state file '{name}' of operator {id}: unreadable: {e}")))?;
                    deltas.push(delta);
                }
                let tables = rasch_state::materialize(&deltas)
                    .map_err(|e| Error::Checkpoint(format!("incremental state of operator {id} subtask {subtask}: {e}")))?;
                let mut groups: std::collections::BTreeMap<u32, rasch_state::KeyGroupSnapshot> =
                    std::mem::take(&mut state.keyed).into_iter().map(|g| (g.key_group, g)).collect();
                for (kg, t) in tables {
                    groups.entry(kg).or_insert_with(|| rasch_state::KeyGroupSnapshot { key_group: kg, ..Default::default() }).tables = t;
                }
                state.keyed = groups.into_values().collect();
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
        let mut missing: Vec<&String> = self.operators.keys().filter(|id| !known_ids.contains(id)).collect();
        missing.sort();
        match missing.first() {
            None => Ok(()),
            Some(id) => Err(Error::InvalidJob(format!(
                "the snapshot holds state of operator {id} ({} operators in total), which the job does not contain; \
                 give operators stable uid()s, or allow non-restored state to drop it",
                missing.len()
            ))),
        }
    }

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
        let parts: Vec<OperatorState> = (0..3).map(|j| plan.state_for("op", j, 3, 128).unwrap()).collect();
        let lists: Vec<usize> = parts.iter().map(|p| p.list.len()).collect();
        assert_eq!(lists, vec![2, 2, 1]);
        let mut all: Vec<Vec<u8>> = parts.iter().flat_map(|p| p.list.clone()).collect();
        all.sort();
        assert_eq!(all, ["a", "b", "c", "d", "e"].iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>());
        assert!(parts.iter().all(|p| p.union.len() == 2 && p.broadcast == Some(vec![1])));
        assert_eq!(parts.iter().map(|p| p.keyed.len()).sum::<usize>(), 2, "each key group goes to exactly one subtask");
        assert!(plan.state_for("other", 0, 1, 128).is_none());
        // At the old parallelism every subtask gets exactly its own entries back.
        assert_eq!(plan.state_for("op", 1, 2, 128).unwrap().list, vec![b"d".to_vec(), b"e".to_vec()]);
    }

    #[test]
    fn unknown_operators_are_rejected_unless_allowed() {
        let plan = RestorePlan::from_files(1, vec![file(&["a"], 1)]);
        let err = plan.check_all_mapped(&["x".to_string()], false).unwrap_err().to_string();
        assert!(err.contains("operator op"), "{err}");
        plan.check_all_mapped(&["x".to_string()], true).unwrap();
        plan.check_all_mapped(&["op".to_string()], false).unwrap();
    }
}
