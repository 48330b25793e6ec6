//! The `hashmap` keyed state backend: one table per declared state, each split into one hash
//! map per key group of the operator's key-group range, so that a snapshot can be written and
//! redistributed by key-group range (DESIGN §5/§6).

use crate::ttl::{StateTtlConfig, TtlUpdateType};
use crate::{KeyGroupSnapshot, Namespace, StateValue};
use hashbrown::{Equivalent, HashMap};
use rasch_core::keygroup::{KeyGroupRange, key_group_for_key};
use rasch_core::{Clock, Error, Key, Result};
use serde_bytes::ByteBuf;
use std::any::Any;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

type FastHasher = foldhash::fast::RandomState;

/// A stored value and when it was last refreshed (for TTL).
pub(crate) struct Entry<V> {
    pub(crate) value: V,
    pub(crate) touched: i64,
}

/// Borrowed `(key, namespace)` lookup that hashes exactly like the owned tuple.
struct Pair<'a, K, N>(&'a K, &'a N);

impl<K: Hash, N: Hash> Hash for Pair<'_, K, N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
        self.1.hash(state);
    }
}

impl<K: Eq, N: Eq> Equivalent<(K, N)> for Pair<'_, K, N> {
    fn equivalent(&self, key: &(K, N)) -> bool {
        *self.0 == key.0 && *self.1 == key.1
    }
}

/// The values of one state for every (key, namespace), per key group.
pub struct StateTable<K, N, V> {
    first_group: usize,
    groups: Vec<HashMap<(K, N), Entry<V>, FastHasher>>,
    ttl: Option<StateTtlConfig>,
    /// Serialized size of each group at the last snapshot (to pre-size buffers).
    last_sizes: Vec<std::cell::Cell<usize>>,
}

/// Serializes a key group's entries as a sequence of `((key, namespace), value, touched)`.
struct GroupEntries<'a, K, N, V>(&'a HashMap<(K, N), Entry<V>, FastHasher>);

impl<K: serde::Serialize, N: serde::Serialize, V: serde::Serialize> serde::Serialize for GroupEntries<'_, K, N, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(k, e)| (k, &e.value, e.touched)))
    }
}

impl<K: Key, N: Namespace, V: StateValue> StateTable<K, N, V> {
    fn new(range: KeyGroupRange, ttl: Option<StateTtlConfig>) -> Self {
        StateTable {
            first_group: range.start,
            groups: (0..range.len()).map(|_| HashMap::default()).collect(),
            ttl,
            last_sizes: (0..range.len()).map(|_| std::cell::Cell::new(0)).collect(),
        }
    }

    fn group(&mut self, key_group: usize) -> Result<&mut HashMap<(K, N), Entry<V>, FastHasher>> {
        let first = self.first_group;
        let len = self.groups.len();
        key_group
            .checked_sub(first)
            .and_then(|i| self.groups.get_mut(i))
            .ok_or_else(|| Error::Internal(format!("key group {key_group} is outside this backend's range {first}..{}", first + len)))
    }

    /// The live value of `(key, ns)`; expired values are removed and reported absent.
    pub fn get(&mut self, key_group: usize, key: &K, ns: &N, now: i64) -> Result<Option<&mut V>> {
        let ttl = self.ttl;
        let group = self.group(key_group)?;
        let expired = match (group.get_mut(&Pair(key, ns)), ttl) {
            (None, _) => return Ok(None),
            (Some(e), Some(t)) if now - e.touched >= t.ttl_ms() => true,
            (Some(_), _) => false,
        };
        if expired {
            group.remove(&Pair(key, ns));
            return Ok(None);
        }
        let e = group.get_mut(&Pair(key, ns)).expect("present");
        if matches!(ttl, Some(t) if t.update_type == TtlUpdateType::OnReadAndWrite) {
            e.touched = now;
        }
        Ok(Some(&mut e.value))
    }

    /// The value of `(key, ns)` for writing, created with `init` if absent or expired; the
    /// write refreshes its TTL.
    pub fn get_mut_or_insert_with(&mut self, key_group: usize, key: &K, ns: &N, now: i64, init: impl FnOnce() -> V) -> Result<&mut V> {
        let ttl_ms = self.ttl.map(|t| t.ttl_ms());
        let group = self.group(key_group)?;
        if let Some(t) = ttl_ms
            && group.get(&Pair(key, ns)).is_some_and(|e| now - e.touched >= t)
        {
            group.remove(&Pair(key, ns));
        }
        if !group.contains_key(&Pair(key, ns)) {
            group.insert((key.clone(), ns.clone()), Entry { value: init(), touched: now });
        }
        let e = group.get_mut(&Pair(key, ns)).expect("present");
        e.touched = now;
        Ok(&mut e.value)
    }

    /// Sets the value of `(key, ns)`.
    pub fn put(&mut self, key_group: usize, key: &K, ns: &N, value: V, now: i64) -> Result<()> {
        let group = self.group(key_group)?;
        match group.get_mut(&Pair(key, ns)) {
            Some(e) => {
                e.value = value;
                e.touched = now;
            }
            None => {
                group.insert((key.clone(), ns.clone()), Entry { value, touched: now });
            }
        }
        Ok(())
    }

    /// Removes and returns the value of `(key, ns)` (expired values count as absent).
    pub fn remove(&mut self, key_group: usize, key: &K, ns: &N, now: i64) -> Result<Option<V>> {
        let ttl = self.ttl;
        let group = self.group(key_group)?;
        Ok(group.remove(&Pair(key, ns)).filter(|e| ttl.is_none_or(|t| now - e.touched < t.ttl_ms())).map(|e| e.value))
    }

    /// Number of stored entries (including not yet collected expired ones).
    pub fn len(&self) -> usize {
        self.groups.iter().map(HashMap::len).sum()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry of one key group, for snapshots: `((key, namespace), value)`.
    pub fn iter_group(&self, key_group: usize) -> impl Iterator<Item = (&(K, N), &V)> {
        key_group
            .checked_sub(self.first_group)
            .and_then(|i| self.groups.get(i))
            .into_iter()
            .flat_map(|g| g.iter().map(|(k, e)| (k, &e.value)))
    }
}

/// A table seen without its types: downcast for access, snapshot and restore by key group.
trait AnyTable {
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn snapshot_group(&self, key_group: usize) -> Result<Option<Vec<u8>>>;
    fn restore_group(&mut self, key_group: usize, bytes: &[u8]) -> Result<()>;
}

impl<K: Key, N: Namespace, V: StateValue> AnyTable for StateTable<K, N, V> {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn snapshot_group(&self, key_group: usize) -> Result<Option<Vec<u8>>> {
        let Some(group) = key_group.checked_sub(self.first_group).and_then(|i| self.groups.get(i)) else { return Ok(None) };
        if group.is_empty() {
            return Ok(None);
        }
        // Serialized straight from the map (same format as a Vec of entries), into a buffer
        // sized from the previous snapshot of this group.
        let capacity = self.last_sizes.get(key_group - self.first_group).map_or(0, |c| c.get());
        let bytes = postcard::to_extend(&GroupEntries(group), Vec::with_capacity(capacity))?;
        if let Some(c) = self.last_sizes.get(key_group - self.first_group) {
            c.set(bytes.len() + bytes.len() / 8);
        }
        Ok(Some(bytes))
    }
    fn restore_group(&mut self, key_group: usize, bytes: &[u8]) -> Result<()> {
        let entries: Vec<((K, N), V, i64)> = postcard::from_bytes(bytes)
            .map_err(|e| Error::Serialization(format!("restoring key group {key_group} of a state table: {e}")))?;
        let group = self.group(key_group)?;
        for (k, value, touched) in entries {
            group.insert(k, Entry { value, touched });
        }
        Ok(())
    }
}

/// Serialized key groups of one state waiting to be declared: (key group, bytes).
type PendingGroups = Vec<(usize, Vec<u8>)>;

struct Slot {
    name: String,
    table: Box<dyn AnyTable>,
}

/// The keyed state of one operator instance: its key-group range and one table per state.
pub struct KeyedStateBackend<K> {
    range: KeyGroupRange,
    max_parallelism: usize,
    clock: Arc<dyn Clock>,
    slots: Vec<Slot>,
    /// Restored bytes of states not declared yet, by name.
    pending: Vec<(String, PendingGroups)>,
    scratch: Vec<u8>,
    _key: std::marker::PhantomData<fn() -> K>,
}

impl<K: Key> KeyedStateBackend<K> {
    /// A backend owning the key groups `range` of `max_parallelism`.
    pub fn new(range: KeyGroupRange, max_parallelism: usize, clock: Arc<dyn Clock>) -> Self {
        KeyedStateBackend {
            range,
            max_parallelism,
            clock,
            slots: Vec::new(),
            pending: Vec::new(),
            scratch: Vec::with_capacity(64),
            _key: std::marker::PhantomData,
        }
    }

    /// The key groups this backend owns.
    pub fn key_group_range(&self) -> KeyGroupRange {
        self.range
    }

    /// The key group of `key` (murmur3 of its serialized bytes).
    pub fn key_group(&mut self, key: &K) -> Result<usize> {
        let kg = key_group_for_key(key, self.max_parallelism, &mut self.scratch)?;
        if !self.range.contains(kg) {
            return Err(Error::Internal(format!("key group {kg} arrived at an operator owning {:?}", self.range)));
        }
        Ok(kg)
    }

    /// Current processing time (for TTL).
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The table of state `name`, registered on first use; `cache` remembers its slot.
    pub fn table<N: Namespace, V: StateValue>(
        &mut self,
        name: &str,
        cache: &OnceLock<usize>,
        ttl: Option<StateTtlConfig>,
    ) -> Result<&mut StateTable<K, N, V>> {
        let idx = match cache.get() {
            Some(&i) if i < self.slots.len() && self.slots[i].name == name => i,
            _ => {
                let i = match self.slots.iter().position(|s| s.name == name) {
                    Some(i) => i,
                    None => {
                        let mut table = StateTable::<K, N, V>::new(self.range, ttl);
                        // State restored from a snapshot is deserialized when first declared.
                        if let Some(i) = self.pending.iter().position(|(n, _)| n == name) {
                            let (_, groups) = self.pending.swap_remove(i);
                            for (kg, bytes) in groups {
                                table.restore_group(kg, &bytes)?;
                            }
                        }
                        self.slots.push(Slot { name: name.to_string(), table: Box::new(table) });
                        self.slots.len() - 1
                    }
                };
                let _ = cache.set(i);
                i
            }
        };
        self.slots[idx].table.as_any_mut().downcast_mut::<StateTable<K, N, V>>().ok_or_else(|| {
            Error::InvalidJob(format!(
                "state '{name}' is declared twice with different types (now as {} in namespace {})",
                std::any::type_name::<V>(),
                std::any::type_name::<N>()
            ))
        })
    }
}

impl<K: Key> KeyedStateBackend<K> {
    /// Serializes every state of every owned key group (including restored state that was not
    /// declared again yet). Empty key groups are left out.
    pub fn snapshot(&self) -> Result<Vec<KeyGroupSnapshot>> {
        let mut out = Vec::new();
        for kg in self.range.iter() {
            let mut snap = KeyGroupSnapshot { key_group: kg as u32, ..Default::default() };
            for slot in &self.slots {
                if let Some(bytes) = slot.table.snapshot_group(kg)? {
                    snap.tables.push((slot.name.clone(), ByteBuf::from(bytes)));
                }
            }
            for (name, groups) in &self.pending {
                for (g, bytes) in groups {
                    if *g == kg {
                        snap.tables.push((name.clone(), ByteBuf::from(bytes.clone())));
                    }
                }
            }
            if !snap.tables.is_empty() {
                out.push(snap);
            }
        }
        Ok(out)
    }

    /// Loads the state tables of `snapshots` for the key groups this backend owns (others are
    /// ignored — they belong to other subtasks after rescaling).
    pub fn restore(&mut self, snapshots: &[KeyGroupSnapshot]) -> Result<()> {
        for snap in snapshots {
            let kg = snap.key_group as usize;
            if !self.range.contains(kg) {
                continue;
            }
            for (name, bytes) in &snap.tables {
                match self.slots.iter_mut().find(|s| &s.name == name) {
                    Some(slot) => slot.table.restore_group(kg, bytes)?,
                    None => match self.pending.iter_mut().find(|(n, _)| n == name) {
                        Some((_, groups)) => groups.push((kg, bytes.to_vec())),
                        None => self.pending.push((name.clone(), vec![(kg, bytes.to_vec())])),
                    },
                }
            }
        }
        Ok(())
    }
}

/// Access to the state of the current key and namespace, handed to state handles.
pub struct StateView<'a, K, N> {
    /// The operator's backend.
    pub backend: &'a mut KeyedStateBackend<K>,
    /// The key of the element or timer being processed.
    pub key: &'a K,
    /// Its key group.
    pub key_group: usize,
    /// The namespace (`()`, or a window).
    pub namespace: &'a N,
}

/// Anything that can give state handles a view of the current key's state.
pub trait StateContext<K, N = ()> {
    /// The view for the current key and namespace.
    fn state_view(&mut self) -> StateView<'_, K, N>;
}

impl<K, N> StateContext<K, N> for StateView<'_, K, N> {
    fn state_view(&mut self) -> StateView<'_, K, N> {
        StateView { backend: self.backend, key: self.key, key_group: self.key_group, namespace: self.namespace }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rasch_core::ManualClock;
    use rasch_core::keygroup::compute_key_group_range_for_operator_index;

    pub fn backend(clock: &ManualClock) -> KeyedStateBackend<String> {
        KeyedStateBackend::new(compute_key_group_range_for_operator_index(128, 1, 0), 128, Arc::new(clock.clone()))
    }

    #[test]
    fn tables_are_per_name_and_type_checked() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let cache = OnceLock::new();
        let key = "k".to_string();
        let kg = b.key_group(&key).unwrap();
        b.table::<(), i64>("count", &cache, None).unwrap().put(kg, &key, &(), 5, 0).unwrap();
        let other = OnceLock::new();
        assert_eq!(b.table::<(), i64>("count", &other, None).unwrap().get(kg, &key, &(), 0).unwrap().copied(), Some(5));
        let err = b.table::<(), String>("count", &OnceLock::new(), None).err().unwrap().to_string();
        assert!(err.contains("state 'count' is declared twice"), "{err}");
    }

    #[test]
    fn out_of_range_key_groups_are_rejected() {
        let clock = ManualClock::new(0);
        let mut b = KeyedStateBackend::<String>::new(KeyGroupRange::new(0, 9), 128, Arc::new(clock));
        let t = b.table::<(), i64>("x", &OnceLock::new(), None).unwrap();
        assert!(t.put(100, &"k".to_string(), &(), 1, 0).is_err());
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;
    use crate::{ListState, TimerQueue, ValueState};
    use rasch_core::ManualClock;
    use rasch_core::keygroup::compute_key_group_range_for_operator_index;

    fn view_of<'a>(b: &'a mut KeyedStateBackend<String>, key: &'a String) -> StateView<'a, String, ()> {
        let kg = b.key_group(key).unwrap();
        StateView { backend: b, key, key_group: kg, namespace: &() }
    }

    #[test]
    fn snapshots_restore_by_key_group_range_at_another_parallelism() {
        let clock = ManualClock::new(0);
        let mut old = KeyedStateBackend::<String>::new(compute_key_group_range_for_operator_index(128, 1, 0), 128, Arc::new(clock.clone()));
        let count = ValueState::<u64>::new("count");
        let seen = ListState::<i32>::new("seen");
        let keys: Vec<String> = (0..200).map(|i| format!("key-{i}")).collect();
        for (i, k) in keys.iter().enumerate() {
            let mut v = view_of(&mut old, k);
            count.update(&mut v, i as u64).unwrap();
            seen.add_all(&mut v, [i as i32, -(i as i32)]).unwrap();
        }
        let snap = old.snapshot().unwrap();
        assert!(snap.iter().all(|g| g.key_group < 128));

        // Restore at parallelism 3: every key lands in exactly the subtask owning its group.
        let mut restored = 0;
        for subtask in 0..3 {
            let range = compute_key_group_range_for_operator_index(128, 3, subtask);
            let mut b = KeyedStateBackend::<String>::new(range, 128, Arc::new(clock.clone()));
            b.restore(&snap).unwrap();
            // A restored but not yet declared state survives another snapshot.
            let again = b.snapshot().unwrap();
            assert!(again.iter().all(|g| range.contains(g.key_group as usize)));
            let (count, seen) = (ValueState::<u64>::new("count"), ListState::<i32>::new("seen"));
            for (i, k) in keys.iter().enumerate() {
                let kg = key_group_for_key(k, 128, &mut Vec::new()).unwrap();
                if !range.contains(kg) {
                    continue;
                }
                let mut v = StateView { backend: &mut b, key: k, key_group: kg, namespace: &() };
                assert_eq!(count.value(&mut v).unwrap(), Some(i as u64));
                assert_eq!(seen.get(&mut v).unwrap(), vec![i as i32, -(i as i32)]);
                restored += 1;
            }
        }
        assert_eq!(restored, keys.len());
    }

    #[test]
    fn timers_round_trip_per_key_group() {
        let mut q = TimerQueue::<String, ()>::default();
        for i in 0..50 {
            q.register(&format!("k{i}"), &(), 1_000 - i);
        }
        let groups = q.snapshot_by_group(|k| Ok(key_group_for_key(k, 128, &mut Vec::new())?)).unwrap();
        let mut r = TimerQueue::<String, ()>::default();
        for bytes in groups.values() {
            r.restore(bytes).unwrap();
        }
        let times: Vec<i64> = std::iter::from_fn(|| r.pop_due(i64::MAX)).map(|t| t.time).collect();
        assert_eq!(times, (951..=1_000).collect::<Vec<_>>());
    }
}
