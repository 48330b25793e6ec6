//! Snapshot and restore of operators that keep keyed state in their own hash map (rolling
//! reduce, sliced windows): entries are grouped by the key group of their key, so they
//! redistribute like backend state.

use crate::checkpoint::{OperatorState, Snapshot};
use crate::operators::OperatorSetup;
use rasch_core::keygroup::{KeyGroupRange, compute_key_group_range_for_operator_index, key_group_for_key};
use rasch_core::{Error, Key, Result};
use rasch_state::KeyGroupSnapshot;
use serde::{Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where an operator's own keyed map is filed: operator id, key groups, table name.
#[derive(Debug, Clone)]
pub struct KeyedMapState {
    operator_id: Arc<str>,
    max_parallelism: usize,
    range: KeyGroupRange,
    table: &'static str,
}

impl KeyedMapState {
    /// The location of table `table` of the operator described by `setup`.
    pub fn new(setup: &OperatorSetup, table: &'static str) -> Self {
        let ctx = &setup.ctx;
        KeyedMapState {
            operator_id: setup.operator_id.clone(),
            max_parallelism: ctx.max_parallelism,
            range: compute_key_group_range_for_operator_index(ctx.max_parallelism, ctx.parallelism, ctx.subtask_index),
            table,
        }
    }

    /// Adds `entries` (key, value) to `snapshot`, grouped by key group; `union` is extra
    /// operator-wide state every instance receives on restore.
    pub fn snapshot<'a, K: Key, V: Serialize>(
        &self,
        snapshot: &mut Snapshot,
        entries: impl Iterator<Item = (&'a K, V)>,
        union: Vec<Vec<u8>>,
    ) -> Result<()> {
        let mut groups: BTreeMap<usize, Vec<(&K, V)>> = BTreeMap::new();
        let mut scratch = Vec::new();
        for (k, v) in entries {
            groups.entry(key_group_for_key(k, self.max_parallelism, &mut scratch)?).or_default().push((k, v));
        }
        let mut keyed = Vec::with_capacity(groups.len());
        for (kg, list) in groups {
            keyed.push(KeyGroupSnapshot {
                key_group: kg as u32,
                tables: vec![(self.table.to_string(), rasch_state::ByteBuf::from(postcard::to_allocvec(&list)?))],
                ..Default::default()
            });
        }
        snapshot.add(&self.operator_id, OperatorState { keyed, union, ..Default::default() });
        Ok(())
    }

    /// The restored entries of the key groups this instance owns.
    pub fn restore<K: Key, V: DeserializeOwned>(&self, restored: Option<&OperatorState>) -> Result<Vec<(K, V)>> {
        let mut out = Vec::new();
        for g in restored.map(|s| s.keyed.as_slice()).unwrap_or(&[]) {
            if !self.range.contains(g.key_group as usize) {
                continue;
            }
            for (name, bytes) in &g.tables {
                if name == self.table {
                    let list: Vec<(K, V)> = postcard::from_bytes(bytes)
                        .map_err(|e| Error::Serialization(format!("restoring '{}' of operator {}: {e}", self.table, self.operator_id)))?;
                    out.extend(list);
                }
            }
        }
        Ok(out)
    }
}
