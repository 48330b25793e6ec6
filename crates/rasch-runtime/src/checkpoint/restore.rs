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
    /// State per operator id.
    pub operators: Vec<(String, OperatorState)>,
}

/// Every operator's state of one checkpoint, as written by the old job's subtasks, ready to be
/// redistributed over the new job's subtasks.
#[derive(Debug, Clone, Default)]
pub struct RestorePlan {
    /// The checkpoint (or savepoint) id.
    pub checkpoint_id: u64,
    /// Operator id → states of its old subtasks (in subtask order).
    pub operators: HashMap<String, Vec<OperatorState>>,
}

impl RestorePlan {
    /// Collects the task state files of one checkpoint.
    pub fn from_files(checkpoint_id: u64, files: Vec<TaskStateFile>) -> Self {
        let mut operators: HashMap<String, Vec<OperatorState>> = HashMap::new();
        for file in files {
            for (id, state) in file.operators {
                operators.entry(id).or_default().push(state);
            }
        }
        RestorePlan { checkpoint_id, operators }
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

    /// The state operator `operator_id` restores in subtask `subtask` of `parallelism`.
    pub fn state_for(&self, operator_id: &str, subtask: usize, parallelism: usize) -> Option<OperatorState> {
        let old = self.operators.get(operator_id)?;
        let mut state = OperatorState::default();
        // Keyed: every key group once; the backend keeps only the groups it owns.
        for s in old {
            state.keyed.extend(s.keyed.iter().cloned());
        }
        // List: the entries of all old subtasks, dealt round-robin over the new ones.
        let all: Vec<&Vec<u8>> = old.iter().flat_map(|s| s.list.iter()).collect();
        state.list = all.iter().enumerate().filter(|(i, _)| i % parallelism == subtask).map(|(_, e)| (*e).clone()).collect();
        // Union: everything, to everyone.
        state.union = old.iter().flat_map(|s| s.union.iter().cloned()).collect();
        state.broadcast = old.iter().find_map(|s| s.broadcast.clone());
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasch_state::KeyGroupSnapshot;

    fn file(list: &[&str], kg: u32) -> TaskStateFile {
        TaskStateFile {
            operators: vec![(
                "op".into(),
                OperatorState {
                    keyed: vec![KeyGroupSnapshot { key_group: kg, ..Default::default() }],
                    list: list.iter().map(|s| s.as_bytes().to_vec()).collect(),
                    union: vec![vec![kg as u8]],
                    broadcast: Some(vec![1]),
                },
            )],
        }
    }

    #[test]
    fn list_state_is_split_evenly_and_union_goes_to_everyone() {
        let plan = RestorePlan::from_files(7, vec![file(&["a", "b", "c"], 1), file(&["d", "e"], 2)]);
        let parts: Vec<OperatorState> = (0..3).map(|j| plan.state_for("op", j, 3).unwrap()).collect();
        let lists: Vec<usize> = parts.iter().map(|p| p.list.len()).collect();
        assert_eq!(lists, vec![2, 2, 1]);
        let mut all: Vec<Vec<u8>> = parts.iter().flat_map(|p| p.list.clone()).collect();
        all.sort();
        assert_eq!(all, ["a", "b", "c", "d", "e"].iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>());
        assert!(parts.iter().all(|p| p.union.len() == 2 && p.keyed.len() == 2 && p.broadcast == Some(vec![1])));
        assert!(plan.state_for("other", 0, 1).is_none());
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
