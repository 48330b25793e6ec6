//! The `hashmap` keyed state backend: one table per declared state, each split into one hash
//! map per key group of the operator's key-group range, so that a snapshot can be written and
//! redistributed by key-group range (DESIGN §5/§6).

use crate::Namespace;
use crate::ttl::{StateTtlConfig, TtlUpdateType};
use hashbrown::{Equivalent, HashMap};
use rasch_core::keygroup::{KeyGroupRange, key_group_for_key};
use rasch_core::{Clock, Error, Key, Result};
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
}

impl<K: Key, N: Namespace, V: 'static> StateTable<K, N, V> {
    fn new(range: KeyGroupRange, ttl: Option<StateTtlConfig>) -> Self {
        StateTable { first_group: range.start, groups: (0..range.len()).map(|_| HashMap::default()).collect(), ttl }
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

struct Slot {
    name: String,
    table: Box<dyn Any>,
}

/// The keyed state of one operator instance: its key-group range and one table per state.
pub struct KeyedStateBackend<K> {
    range: KeyGroupRange,
    max_parallelism: usize,
    clock: Arc<dyn Clock>,
    slots: Vec<Slot>,
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
    pub fn table<N: Namespace, V: 'static>(
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
                        self.slots.push(Slot { name: name.to_string(), table: Box::new(StateTable::<K, N, V>::new(self.range, ttl)) });
                        self.slots.len() - 1
                    }
                };
                let _ = cache.set(i);
                i
            }
        };
        self.slots[idx].table.downcast_mut::<StateTable<K, N, V>>().ok_or_else(|| {
            Error::InvalidJob(format!(
                "state '{name}' is declared twice with different types (now as {} in namespace {})",
                std::any::type_name::<V>(),
                std::any::type_name::<N>()
            ))
        })
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
