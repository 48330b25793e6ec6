//! Asynchronous snapshots of the `hashmap` backend by copy-on-write: at the barrier each key
//! group's map is frozen behind an `Arc` (no copy), a snapshot thread serializes the frozen maps
//! and releases each as soon as it is written, and meanwhile the task keeps working on small
//! overlay maps — an entry is copied out of the frozen map the first time the task touches it,
//! removals are remembered as tombstones. A group whose frozen map the snapshot released is
//! merged back on its next access, in time proportional to what changed, not to its size
//! (Flink's `CopyOnWriteStateMap`, per entry instead of per bucket chain).

use crate::backend::{Entry, Group, GroupEntries, KeyedStateBackend, Pair, PendingGroups, StateTable, add_pending_tables};
use crate::{KeyGroupSnapshot, Namespace, StateValue};
use rasch_core::keygroup::KeyGroupRange;
use rasch_core::{Key, Result};
use serde_bytes::ByteBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// One table's frozen key groups, serialized off the task thread.
pub(crate) trait FrozenTable: Send {
    /// The canonical bytes of `key_group` (None when empty); releases the group afterwards so
    /// that the task can take it back.
    fn serialize_group(&mut self, key_group: usize) -> Result<Option<Vec<u8>>>;
    /// Appends the incremental-checkpoint delta of state `name` in `key_group` to `out` (all
    /// entries when `whole`, else those changed since checkpoint `since`, and the removals);
    /// returns whether it wrote anything. Releases the group afterwards.
    fn write_group_delta(&mut self, name: &str, key_group: usize, whole: bool, since: u32, out: &mut Vec<u8>) -> Result<bool>;
}

/// The frozen groups of one `StateTable`.
pub(crate) struct FrozenGroups<K, N, V> {
    first_group: usize,
    groups: Vec<Option<Arc<Group<K, N, V>>>>,
    sizes: Arc<Vec<AtomicUsize>>,
    /// (Incremental checkpoints) per group, the keys removed since the last completed one.
    pub(crate) tombstones: Vec<Vec<(K, N)>>,
}

impl<K: Key, N: Namespace, V: StateValue> FrozenTable for FrozenGroups<K, N, V> {
    fn serialize_group(&mut self, key_group: usize) -> Result<Option<Vec<u8>>> {
        let Some(i) = key_group.checked_sub(self.first_group).filter(|i| *i < self.groups.len()) else { return Ok(None) };
        let Some(group) = self.groups[i].take() else { return Ok(None) };
        let capacity = self.sizes[i].load(Ordering::Relaxed);
        let bytes = postcard::to_extend(&GroupEntries(&group), Vec::with_capacity(capacity))?;
        self.sizes[i].store(bytes.len() + bytes.len() / 8, Ordering::Relaxed);
        Ok(Some(bytes))
    }

    fn write_group_delta(&mut self, name: &str, key_group: usize, whole: bool, since: u32, out: &mut Vec<u8>) -> Result<bool> {
        let Some(i) = key_group.checked_sub(self.first_group).filter(|i| *i < self.groups.len()) else { return Ok(false) };
        let group = self.groups[i].take();
        let removed = self.tombstones.get(i).map_or(&[][..], Vec::as_slice);
        crate::incremental::write_table_delta(name, group.as_deref(), removed, whole, since, out)
    }
}

impl<K: Key, N: Namespace, V: StateValue> StateTable<K, N, V> {
    /// Copies `(key, ns)` out of its frozen group before the task reads or changes it — unless
    /// the task already holds it or removed it. A group the snapshot released is merged first.
    pub(crate) fn thaw(&mut self, key_group: usize, key: &K, ns: &N) -> Result<()> {
        let Some(i) = key_group.checked_sub(self.first_group).filter(|i| *i < self.groups.len()) else {
            return self.group(key_group).map(drop);
        };
        let Some(frozen) = self.frozen[i].as_ref() else { return Ok(()) };
        if Arc::strong_count(frozen) == 1 {
            self.merge(i);
            return Ok(());
        }
        let pair = Pair(key, ns);
        if self.groups[i].contains_key(&pair) || self.removed[i].contains(&pair) {
            return Ok(());
        }
        if let Some(e) = frozen.get(&pair) {
            let mut copy = Entry::new(e.value.clone(), e.touched, false);
            copy.changed = e.changed;
            self.groups[i].insert((key.clone(), ns.clone()), copy);
        }
        Ok(())
    }

    /// Remembers that `(key, ns)` was removed while its group is frozen.
    pub(crate) fn mark_removed(&mut self, key_group: usize, key: &K, ns: &N) {
        let i = key_group - self.first_group;
        if self.frozen[i].as_ref().is_some_and(|f| f.contains_key(&Pair(key, ns))) {
            self.removed[i].insert((key.clone(), ns.clone()));
        }
    }

    /// Every live entry of group index `i`: the task's entries, then the frozen ones it neither
    /// copied nor removed.
    pub(crate) fn merged_group(&self, i: usize) -> impl Iterator<Item = (&(K, N), &V)> {
        let live = &self.groups[i];
        let removed = &self.removed[i];
        let frozen = self.frozen[i]
            .iter()
            .flat_map(move |f| f.iter().filter(move |(k, _)| !live.contains_key(*k) && !removed.contains(*k)).map(|(k, e)| (k, &e.value)));
        live.iter().map(|(k, e)| (k, &e.value)).chain(frozen)
    }

    /// (Writes that do not read first) takes `key_group` back if the snapshot released it.
    pub(crate) fn merge_if_released(&mut self, key_group: usize) {
        if let Some(i) = key_group.checked_sub(self.first_group).filter(|i| *i < self.groups.len())
            && self.frozen[i].as_ref().is_some_and(|f| Arc::strong_count(f) == 1)
        {
            self.merge(i);
        }
    }

    /// Takes group `i` back from a snapshot that released it, in time proportional to the
    /// smaller side: the task's entries and removals go into the frozen map, or the frozen
    /// entries the task neither replaced nor removed go into the task's map.
    fn merge(&mut self, i: usize) {
        let Some(frozen) = self.frozen[i].take() else { return };
        let mut base = match Arc::try_unwrap(frozen) {
            Ok(base) => base,
            Err(shared) => {
                self.frozen[i] = Some(shared);
                return;
            }
        };
        let removed = std::mem::take(&mut self.removed[i]);
        if self.groups[i].len() + removed.len() <= base.len() {
            for k in &removed {
                base.remove(k);
            }
            base.extend(self.groups[i].drain());
            self.groups[i] = base;
        } else {
            let live = &mut self.groups[i];
            for (k, e) in base {
                if !live.contains_key(&k) && !removed.contains(&k) {
                    live.insert(k, e);
                }
            }
        }
        self.frozen_count -= 1;
    }

    /// Waits until no snapshot reads this table any more and merges every frozen group.
    pub(crate) fn settle(&mut self) {
        for i in 0..self.frozen.len() {
            while self.frozen[i].is_some() {
                self.merge(i);
                if self.frozen[i].is_some() {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
    }

    /// Freezes every non-empty group for an asynchronous snapshot (hashmap backend only).
    pub(crate) fn freeze_groups(&mut self) -> Option<FrozenGroups<K, N, V>> {
        if self.lsm.is_some() {
            return None;
        }
        self.settle();
        let mut groups = Vec::with_capacity(self.groups.len());
        for i in 0..self.groups.len() {
            if self.groups[i].is_empty() {
                groups.push(None);
                continue;
            }
            let g = Arc::new(std::mem::take(&mut self.groups[i]));
            self.frozen[i] = Some(g.clone());
            self.frozen_count += 1;
            groups.push(Some(g));
        }
        Some(FrozenGroups { first_group: self.first_group, groups, sizes: self.last_sizes.clone(), tombstones: Vec::new() })
    }
}

/// A full keyed-state snapshot taken at the barrier whose serialization is left for later:
/// [`finish`](Self::finish) may run on another thread while the task keeps processing.
pub struct PendingSnapshot {
    range: KeyGroupRange,
    tables: Vec<(String, Option<Box<dyn FrozenTable>>)>,
    /// Restored state not declared yet (already bytes).
    pending: Vec<(String, PendingGroups)>,
    /// Taken synchronously (lsm backend).
    ready: Option<Vec<KeyGroupSnapshot>>,
}

impl std::fmt::Debug for PendingSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PendingSnapshot({:?}, {} tables)", self.range, self.tables.len())
    }
}

impl PendingSnapshot {
    /// Serializes the snapshot: every state of every owned key group in the canonical format
    /// (the same bytes as [`KeyedStateBackend::snapshot`]); empty key groups are left out.
    pub fn finish(mut self) -> Result<Vec<KeyGroupSnapshot>> {
        if let Some(done) = self.ready.take() {
            return Ok(done);
        }
        let mut out = Vec::new();
        for kg in self.range.iter() {
            let mut snap = KeyGroupSnapshot { key_group: kg as u32, ..Default::default() };
            for (name, table) in &mut self.tables {
                if let Some(bytes) = table.as_mut().map(|t| t.serialize_group(kg)).transpose()?.flatten() {
                    snap.tables.push((name.clone(), ByteBuf::from(bytes)));
                }
            }
            add_pending_tables(&self.pending, &mut snap);
            if !snap.tables.is_empty() {
                out.push(snap);
            }
        }
        Ok(out)
    }
}

impl<K: Key> KeyedStateBackend<K> {
    /// Starts a full snapshot (savepoints, and checkpoints that are not incremental). With the
    /// `hashmap` backend only the maps are frozen here (copy-on-write, no copy and no
    /// serialization at the barrier); with `lsm` the snapshot is taken right away.
    pub fn start_snapshot(&mut self) -> Result<PendingSnapshot> {
        if self.store.is_some() {
            return Ok(PendingSnapshot { range: self.range, tables: Vec::new(), pending: Vec::new(), ready: Some(self.snapshot()?) });
        }
        let tables = self.slots.iter_mut().map(|s| (s.name.clone(), s.table.freeze())).collect();
        Ok(PendingSnapshot { range: self.range, tables, pending: self.pending.clone(), ready: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ValueState;
    use crate::backend::tests::backend;
    use rasch_core::ManualClock;

    fn view<'a>(b: &'a mut KeyedStateBackend<String>, key: &'a String) -> crate::StateView<'a, String, ()> {
        let key_group = b.key_group(key).unwrap();
        crate::StateView { backend: b, key, key_group, namespace: &() }
    }

    /// The snapshot holds the state as of the barrier however the task changes it meanwhile,
    /// and the task sees its own changes before and after the snapshot releases the maps.
    #[test]
    fn a_frozen_snapshot_is_isolated_from_later_changes() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let state = ValueState::<u64>::new("v");
        let keys: Vec<String> = (0..500).map(|i| format!("k{i}")).collect();
        for (i, k) in keys.iter().enumerate() {
            state.update(&mut view(&mut b, k), i as u64).unwrap();
        }
        let expected = b.snapshot().unwrap();
        let pending = b.start_snapshot().unwrap();
        // Change, remove and add while the snapshot is pending.
        for (i, k) in keys.iter().enumerate() {
            match i % 3 {
                0 => state.update(&mut view(&mut b, k), 1_000 + i as u64).unwrap(),
                1 => state.clear(&mut view(&mut b, k)).unwrap(),
                _ => {}
            }
        }
        state.update(&mut view(&mut b, &"new".to_string()), 7).unwrap();
        let snapshot = std::thread::spawn(move || pending.finish().unwrap()).join().unwrap();
        assert_eq!(snapshot, expected, "the snapshot is the state at the barrier");
        // The task's view: its changes, merged back with the untouched entries.
        for (i, k) in keys.iter().enumerate() {
            let want = match i % 3 {
                0 => Some(1_000 + i as u64),
                1 => None,
                _ => Some(i as u64),
            };
            assert_eq!(state.value(&mut view(&mut b, k)).unwrap(), want, "{k}");
        }
        assert_eq!(state.value(&mut view(&mut b, &"new".to_string())).unwrap(), Some(7));
        // A second snapshot after the first was released sees the merged state.
        let again = b.start_snapshot().unwrap().finish().unwrap();
        let entries: usize = again.iter().map(|g| g.tables.len()).sum();
        assert!(entries > 0);
        assert_eq!(again, b.snapshot().unwrap());
    }

    /// Taking a group back works from either side: when the task wrote more than the frozen map
    /// holds, the frozen entries it did not replace or remove move into the task's map.
    #[test]
    fn a_released_group_is_merged_from_the_smaller_side() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let state = ValueState::<u64>::new("v");
        let old: Vec<String> = (0..20).map(|i| format!("old{i}")).collect();
        for k in &old {
            state.update(&mut view(&mut b, k), 1).unwrap();
        }
        let expected = b.snapshot().unwrap();
        let pending = b.start_snapshot().unwrap();
        // While frozen, the task writes far more than the frozen maps hold…
        state.clear(&mut view(&mut b, &old[0])).unwrap();
        state.update(&mut view(&mut b, &old[1]), 2).unwrap();
        for i in 0..2_000 {
            state.update(&mut view(&mut b, &format!("new{i}")), 3).unwrap();
        }
        // …then the snapshot releases them and the next accesses take them back.
        let snapshot = pending.finish().unwrap();
        assert_eq!(state.value(&mut view(&mut b, &old[0])).unwrap(), None);
        assert_eq!(state.value(&mut view(&mut b, &old[1])).unwrap(), Some(2));
        assert!(old[2..].iter().all(|k| state.value(&mut view(&mut b, k)).unwrap() == Some(1)));
        assert_eq!(state.value(&mut view(&mut b, &"new1999".to_string())).unwrap(), Some(3));
        let table = b.table::<(), u64>("v", &std::sync::OnceLock::new(), None).unwrap();
        assert_eq!(table.len(), 19 + 2_000, "every entry exactly once");
        assert_eq!(snapshot, expected, "the snapshot holds the 20 entries of the barrier, none of the later writes");
    }

    /// A new snapshot waits for the previous one to release its maps.
    #[test]
    fn a_second_freeze_waits_for_the_first_snapshot() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let state = ValueState::<u64>::new("v");
        let k = "a".to_string();
        state.update(&mut view(&mut b, &k), 1).unwrap();
        let first = b.start_snapshot().unwrap();
        state.update(&mut view(&mut b, &k), 2).unwrap();
        let worker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            first.finish().unwrap()
        });
        let second = b.start_snapshot().unwrap().finish().unwrap();
        let first = worker.join().unwrap();
        assert_ne!(first, second);
        let restored = {
            let mut r = backend(&clock);
            r.restore(&second).unwrap();
            state.value(&mut view(&mut r, &k)).unwrap()
        };
        assert_eq!(restored, Some(2));
    }
}
