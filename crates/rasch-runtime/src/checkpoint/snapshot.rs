//! What travels with a barrier and what an operator contributes to a snapshot.

use rasch_state::{Increment, KeyGroupSnapshot};
use serde::{Deserialize, Serialize};

/// Checkpoint (periodic, owned by the runtime) or savepoint (user-triggered, self-contained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapshotKind {
    /// A periodic checkpoint.
    Checkpoint,
    /// A user-triggered savepoint.
    Savepoint,
}

/// A checkpoint barrier: flows in-band with the records of every channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Barrier {
    /// The checkpoint id (increasing).
    pub id: u64,
    /// Checkpoint or savepoint.
    pub kind: SnapshotKind,
    /// (Savepoints) the directory every task writes its state file into — like the storage
    /// location reference of Flink's `CheckpointOptions`, which its barriers carry.
    pub target: Option<std::sync::Arc<str>>,
}

impl Barrier {
    /// A checkpoint barrier without a target (tests, aligners).
    pub fn checkpoint(id: u64) -> Self {
        Barrier { id, kind: SnapshotKind::Checkpoint, target: None }
    }
}

/// The state of one operator instance at a checkpoint, in a form that can be redistributed:
/// keyed state by key group, list state split evenly, union state to everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorState {
    /// Keyed state and timers, per key group.
    pub keyed: Vec<KeyGroupSnapshot>,
    /// Operator list state (e.g. source splits, sink committables): split evenly on rescale.
    pub list: Vec<Vec<u8>>,
    /// Union list state: every instance receives all entries on restore.
    pub union: Vec<Vec<u8>>,
    /// Broadcast state: identical on every instance; restored from one copy.
    #[serde(with = "serde_bytes")]
    pub broadcast: Option<Vec<u8>>,
    /// Incremental checkpoints (lsm backend): the keyed state tables as a chain of shared
    /// delta files; `keyed` then holds only the timers. Never present in savepoints.
    pub increment: Option<Increment>,
}

impl OperatorState {
    /// Approximate serialized size in bytes.
    pub fn size(&self) -> u64 {
        let keyed: usize = self
            .keyed
            .iter()
            .map(|g| g.tables.iter().map(|(n, b)| n.len() + b.len()).sum::<usize>() + g.event_timers.len() + g.processing_timers.len())
            .sum();
        let lists: usize = self.list.iter().chain(&self.union).map(Vec::len).sum();
        let delta = self.increment.as_ref().and_then(|i| i.delta.as_ref()).map_or(0, |d| d.len());
        (keyed + lists + delta + self.broadcast.as_ref().map_or(0, Vec::len)) as u64
    }
    /// Adds `other` (the deferred part of the same operator's state): key groups are merged.
    pub fn merge(&mut self, other: OperatorState) {
        let mut groups: std::collections::BTreeMap<u32, KeyGroupSnapshot> =
            std::mem::take(&mut self.keyed).into_iter().map(|g| (g.key_group, g)).collect();
        for g in other.keyed {
            match groups.get_mut(&g.key_group) {
                Some(mine) => {
                    mine.tables.extend(g.tables);
                    if !g.event_timers.is_empty() {
                        mine.event_timers = g.event_timers;
                    }
                    if !g.processing_timers.is_empty() {
                        mine.processing_timers = g.processing_timers;
                    }
                }
                None => {
                    groups.insert(g.key_group, g);
                }
            }
        }
        self.keyed = groups.into_values().collect();
        self.list.extend(other.list);
        self.union.extend(other.union);
        self.broadcast = self.broadcast.take().or(other.broadcast);
        self.increment = self.increment.take().or(other.increment);
    }

    /// True when there is nothing to store.
    pub fn is_empty(&self) -> bool {
        self.keyed.is_empty() && self.list.is_empty() && self.union.is_empty() && self.broadcast.is_none() && self.increment.is_none()
    }
}

/// Work of a snapshot left for after the barrier: serializes an operator's frozen keyed state
/// (or builds its increment) off the task thread; the task acknowledges once it is done.
pub struct Deferred {
    /// The operator whose state it completes.
    pub operator_id: String,
    /// Builds the rest of the operator's state, merged into what the barrier took.
    pub work: Box<dyn FnOnce() -> rasch_core::Result<OperatorState> + Send>,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Deferred({})", self.operator_id)
    }
}

/// The states a task's chain collects while a barrier passes through it.
#[derive(Debug)]
pub struct Snapshot {
    /// The barrier being processed.
    pub barrier: Barrier,
    /// State per operator id.
    pub operators: Vec<(String, OperatorState)>,
    /// Parts finished after the barrier, off the task thread.
    pub deferred: Vec<Deferred>,
    /// How long the task aligned the barrier across its inputs (ms).
    pub alignment_ms: u64,
}

impl Snapshot {
    /// An empty snapshot for `barrier`.
    pub fn new(barrier: Barrier) -> Self {
        Snapshot { barrier, operators: Vec::new(), deferred: Vec::new(), alignment_ms: 0 }
    }
    /// Adds the state of operator `operator_id` (nothing is stored for empty state).
    pub fn add(&mut self, operator_id: &str, state: OperatorState) {
        if !state.is_empty() {
            self.operators.push((operator_id.to_string(), state));
        }
    }
}
