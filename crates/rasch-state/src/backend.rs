//! The keyed state backends: one table per declared state, each split into one hash map per key
//! group of the operator's key-group range, so that a snapshot can be written and redistributed
//! by key-group range (DESIGN §5/§6). With `hashmap` the maps hold all state; with `lsm` they
//! cache deserialized entries in front of an embedded LSM tree (`lsm.rs`), which also provides
//! incremental checkpoints.

use crate::chain::Chain;
use crate::incremental::TableJob;
use crate::lsm::{Change, LsmStore, LsmTable, lsm_err};
use crate::options::{BackendKind, BackendOptions};
use crate::ttl::{StateTtlConfig, TtlUpdateType};
use crate::{KeyGroupSnapshot, Namespace, StateValue};
use hashbrown::{Equivalent, HashMap};
use rasch_core::keygroup::{KeyGroupRange, hash_key_fast, key_group_for_hash};
use rasch_core::{Clock, Error, Key, Result};
use serde_bytes::ByteBuf;
use std::any::Any;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

type FastHasher = foldhash::fast::RandomState;

/// A stored value and when it was last refreshed (for TTL). With the lsm backend `dirty` marks
/// entries changed since they were last written to the engine, and `in_lsm` entries the engine
/// may hold (so that removing them must delete them there too). `changed` is the id of the
/// incremental checkpoint after whose barrier the entry last changed (hashmap incremental
/// checkpoints write the entries changed since the last completed one; it costs no space: it
/// fills padding).
pub(crate) struct Entry<V> {
    pub(crate) value: V,
    pub(crate) touched: i64,
    pub(crate) changed: u32,
    pub(crate) dirty: bool,
    pub(crate) in_lsm: bool,
}

impl<V> Entry<V> {
    pub(crate) fn new(value: V, touched: i64, in_lsm: bool) -> Self {
        Entry { value, touched, changed: 0, dirty: !in_lsm, in_lsm }
    }
}

/// Borrowed `(key, namespace)` lookup that hashes exactly like the owned tuple.
pub(crate) struct Pair<'a, K, N>(pub(crate) &'a K, pub(crate) &'a N);

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

pub(crate) type Group<K, N, V> = HashMap<(K, N), Entry<V>, FastHasher>;
/// (Incremental checkpoints) keys removed from a group and the epoch of their removal.
pub(crate) type Tombstones<K, N> = HashMap<(K, N), u32, FastHasher>;
/// Keys removed from a frozen group since it was frozen.
pub(crate) type Removed<K, N> = hashbrown::HashSet<(K, N), FastHasher>;

/// The values of one state for every (key, namespace), per key group.
///
/// With the `hashmap` backend the maps hold every entry. With the `lsm` backend they are a
/// bounded cache of deserialized entries in front of the engine: misses read through, changed
/// entries are written back in batches when the cache exceeds its share of the memory budget
/// (then half of it is evicted) and before every snapshot.
pub struct StateTable<K, N, V> {
    pub(crate) first_group: usize,
    pub(crate) groups: Vec<Group<K, N, V>>,
    ttl: Option<StateTtlConfig>,
    /// Serialized size of each group at the last snapshot (to pre-size buffers); shared with
    /// asynchronous snapshots.
    pub(crate) last_sizes: Arc<Vec<std::sync::atomic::AtomicUsize>>,
    pub(crate) lsm: Option<LsmTable>,
    /// (hashmap, while an asynchronous snapshot reads them) each group's entries as of the
    /// barrier; `groups` then holds only the entries copied or written since (`cow.rs`).
    pub(crate) frozen: Vec<Option<Arc<Group<K, N, V>>>>,
    /// Keys removed since their group was frozen (so the frozen copy does not bring them back).
    pub(crate) removed: Vec<Removed<K, N>>,
    /// How many groups are frozen (0 on the fast path).
    pub(crate) frozen_count: usize,
    /// (hashmap incremental checkpoints) The id of the last incremental checkpoint barrier:
    /// changes are stamped with it.
    pub(crate) epoch: u32,
    /// (hashmap incremental checkpoints) Per group, the keys removed and the epoch of removal,
    /// until a checkpoint that includes the removal completes; `None` without tracking.
    pub(crate) tombstones: Option<Vec<Tombstones<K, N>>>,
}

/// Serializes a key group's entries as a sequence of `((key, namespace), value, touched)`.
pub(crate) struct GroupEntries<'a, K, N, V>(pub(crate) &'a Group<K, N, V>);

impl<K: serde::Serialize, N: serde::Serialize, V: serde::Serialize> serde::Serialize for GroupEntries<'_, K, N, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(k, e)| (k, &e.value, e.touched)))
    }
}

fn group_of<G>(groups: &mut [G], first: usize, key_group: usize) -> Result<&mut G> {
    let len = groups.len();
    key_group
        .checked_sub(first)
        .and_then(|i| groups.get_mut(i))
        .ok_or_else(|| Error::Internal(format!("key group {key_group} is outside this backend's range {first}..{}", first + len)))
}

/// Writes every dirty cached entry to the engine in one batch; with `evict`, then drops half of
/// the cache (every other entry of each group).
fn write_back<K: Key, N: Namespace, V: StateValue>(
    groups: &mut [Group<K, N, V>],
    lsm: &mut LsmTable,
    first: usize,
    evict: bool,
) -> Result<()> {
    let mut batch = lsm.store.keyspace.batch();
    // Alternates over all groups, so that groups holding a single entry are evicted too.
    let mut keep = false;
    for (i, group) in groups.iter_mut().enumerate() {
        for ((k, ns), e) in group.iter_mut().filter(|(_, e)| e.dirty) {
            lsm.make_key(first + i, k, ns)?;
            let value = postcard::to_allocvec(&(&e.value, e.touched))?;
            lsm.note_size(lsm.key.len() + value.len());
            if lsm.store.incremental {
                let kept: Box<[u8]> = value.as_slice().into();
                lsm.record(Change::Put(kept));
            }
            batch.insert(&lsm.store.part, lsm.key.as_slice(), value);
            e.dirty = false;
            e.in_lsm = true;
        }
        if evict {
            group.retain(|_, _| {
                keep = !keep;
                keep
            });
        }
    }
    batch.commit().map_err(lsm_err)?;
    if evict {
        lsm.cached = groups.iter().map(HashMap::len).sum();
    }
    lsm.report();
    Ok(())
}

impl<K: Key, N: Namespace, V: StateValue> StateTable<K, N, V> {
    fn new(range: KeyGroupRange, ttl: Option<StateTtlConfig>, lsm: Option<(Arc<LsmStore>, u16)>, track_changes: bool) -> Self {
        StateTable {
            epoch: 0,
            tombstones: (track_changes && lsm.is_none()).then(|| (0..range.len()).map(|_| HashMap::default()).collect()),
            first_group: range.start,
            groups: (0..range.len()).map(|_| HashMap::default()).collect(),
            ttl,
            last_sizes: Arc::new((0..range.len()).map(|_| std::sync::atomic::AtomicUsize::new(0)).collect()),
            frozen: (0..range.len()).map(|_| None).collect(),
            removed: (0..range.len()).map(|_| Removed::default()).collect(),
            frozen_count: 0,
            lsm: lsm.map(|(store, id)| LsmTable::new(store, id, std::mem::size_of::<((K, N), Entry<V>)>())),
        }
    }

    pub(crate) fn group(&mut self, key_group: usize) -> Result<&mut Group<K, N, V>> {
        group_of(&mut self.groups, self.first_group, key_group)
    }

    /// (lsm) Makes room for one more cached entry.
    fn make_room(&mut self) -> Result<()> {
        if let Some(lsm) = self.lsm.as_mut()
            && lsm.cached >= lsm.limit()
        {
            write_back(&mut self.groups, lsm, self.first_group, true)?;
        }
        Ok(())
    }

    /// (lsm) Inserts a new entry into the cache, making room first.
    fn cache_insert(&mut self, key_group: usize, key: &K, ns: &N, entry: Entry<V>) -> Result<()> {
        self.make_room()?;
        self.group(key_group)?.insert((key.clone(), ns.clone()), entry);
        if let Some(lsm) = self.lsm.as_mut() {
            lsm.cached += 1;
            lsm.report();
        }
        Ok(())
    }

    /// (lsm) Brings `(key, ns)` into the cache if only the engine holds it.
    fn load(&mut self, key_group: usize, key: &K, ns: &N) -> Result<()> {
        if self.frozen_count > 0 {
            self.thaw(key_group, key, ns)?;
        }
        let first = self.first_group;
        let Some(lsm) = self.lsm.as_mut() else { return Ok(()) };
        if group_of(&mut self.groups, first, key_group)?.contains_key(&Pair(key, ns)) {
            return Ok(());
        }
        lsm.make_key(key_group, key, ns)?;
        let Some(bytes) = lsm.store.part.get(lsm.key.as_slice()).map_err(lsm_err)? else { return Ok(()) };
        let (value, touched): (V, i64) = postcard::from_bytes(&bytes)
            .map_err(|e| Error::Serialization(format!("reading a state entry of key group {key_group} from the lsm backend: {e}")))?;
        lsm.note_size(lsm.key.len() + bytes.len());
        self.cache_insert(key_group, key, ns, Entry::new(value, touched, true))
    }

    /// Removes `(key, ns)` from the cache and, if it may be there, from the engine.
    fn remove_entry(&mut self, key_group: usize, key: &K, ns: &N) -> Result<Option<Entry<V>>> {
        let removed = self.group(key_group)?.remove(&Pair(key, ns));
        if self.frozen_count > 0 {
            self.mark_removed(key_group, key, ns);
        }
        if let Some(tombstones) = self.tombstones.as_mut()
            && removed.is_some()
        {
            tombstones[key_group - self.first_group].insert((key.clone(), ns.clone()), self.epoch);
        }
        if let (Some(lsm), Some(e)) = (self.lsm.as_mut(), removed.as_ref()) {
            lsm.cached -= 1;
            lsm.report();
            if e.in_lsm {
                lsm.make_key(key_group, key, ns)?;
                lsm.delete_current()?;
            }
        }
        Ok(removed)
    }

    fn live_entry(&mut self, key_group: usize, key: &K, ns: &N, now: i64, write: bool) -> Result<Option<&mut V>> {
        self.load(key_group, key, ns)?;
        let ttl = self.ttl;
        let expired = match (self.group(key_group)?.get(&Pair(key, ns)), ttl) {
            (None, _) => return Ok(None),
            (Some(e), Some(t)) if now - e.touched >= t.ttl_ms() => true,
            (Some(_), _) => false,
        };
        if expired {
            self.remove_entry(key_group, key, ns)?;
            return Ok(None);
        }
        let epoch = self.epoch;
        let e = self.group(key_group)?.get_mut(&Pair(key, ns)).expect("present");
        if matches!(ttl, Some(t) if t.update_type == TtlUpdateType::OnReadAndWrite) {
            e.touched = now;
            e.dirty = true;
            e.changed = epoch;
        }
        if write {
            e.dirty = true;
            e.changed = epoch;
        }
        Ok(Some(&mut e.value))
    }

    /// The live value of `(key, ns)` for reading; expired values are removed and reported absent.
    pub fn get(&mut self, key_group: usize, key: &K, ns: &N, now: i64) -> Result<Option<&V>> {
        Ok(self.live_entry(key_group, key, ns, now, false)?.map(|v| &*v))
    }

    /// The live value of `(key, ns)` for changing it in place (marks it changed).
    pub fn get_mut(&mut self, key_group: usize, key: &K, ns: &N, now: i64) -> Result<Option<&mut V>> {
        self.live_entry(key_group, key, ns, now, true)
    }

    /// The value of `(key, ns)` for writing, created with `init` if absent or expired; the
    /// write refreshes its TTL.
    pub fn get_mut_or_insert_with(&mut self, key_group: usize, key: &K, ns: &N, now: i64, init: impl FnOnce() -> V) -> Result<&mut V> {
        self.load(key_group, key, ns)?;
        if let Some(t) = self.ttl.map(|t| t.ttl_ms())
            && self.group(key_group)?.get(&Pair(key, ns)).is_some_and(|e| now - e.touched >= t)
        {
            self.remove_entry(key_group, key, ns)?;
        }
        if !self.group(key_group)?.contains_key(&Pair(key, ns)) {
            self.cache_insert(key_group, key, ns, Entry::new(init(), now, false))?;
        }
        let epoch = self.epoch;
        let e = self.group(key_group)?.get_mut(&Pair(key, ns)).expect("present");
        e.touched = now;
        e.dirty = true;
        e.changed = epoch;
        Ok(&mut e.value)
    }

    /// Sets the value of `(key, ns)`.
    pub fn put(&mut self, key_group: usize, key: &K, ns: &N, value: V, now: i64) -> Result<()> {
        if self.frozen_count > 0 {
            self.merge_if_released(key_group);
        }
        let epoch = self.epoch;
        match self.group(key_group)?.get_mut(&Pair(key, ns)) {
            Some(e) => {
                e.value = value;
                e.touched = now;
                e.dirty = true;
                e.changed = epoch;
            }
            None => {
                // Not read first: the engine may hold an older value, which this one replaces.
                let in_lsm = self.lsm.is_some();
                let mut e = Entry::new(value, now, in_lsm);
                e.dirty = true;
                e.changed = epoch;
                self.cache_insert(key_group, key, ns, e)?;
            }
        }
        Ok(())
    }

    /// Removes and returns the value of `(key, ns)` (expired values count as absent).
    pub fn remove(&mut self, key_group: usize, key: &K, ns: &N, now: i64) -> Result<Option<V>> {
        self.load(key_group, key, ns)?;
        let ttl = self.ttl;
        Ok(self.remove_entry(key_group, key, ns)?.filter(|e| ttl.is_none_or(|t| now - e.touched < t.ttl_ms())).map(|e| e.value))
    }

    /// Number of entries held in memory (including not yet collected expired ones); with the
    /// lsm backend, the cached ones.
    pub fn len(&self) -> usize {
        (0..self.groups.len()).map(|i| self.merged_group(i).count()).sum()
    }

    /// True when nothing is held in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry of one key group held in memory: `((key, namespace), value)` — with the lsm
    /// backend only the cached ones (snapshots read the engine).
    pub fn iter_group(&self, key_group: usize) -> impl Iterator<Item = (&(K, N), &V)> {
        key_group.checked_sub(self.first_group).filter(|i| *i < self.groups.len()).into_iter().flat_map(|i| self.merged_group(i))
    }

    /// Estimated bytes of the lsm entry cache (0 with the hashmap backend).
    pub fn cache_bytes(&self) -> usize {
        self.lsm.as_ref().map_or(0, LsmTable::cache_bytes)
    }
}

/// A table seen without its types: downcast for access, snapshot and restore by key group.
pub(crate) trait AnyTable {
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// (lsm) Writes changed cached entries to the engine; (hashmap) waits for an asynchronous
    /// snapshot still reading the table and takes its frozen entries back.
    fn flush(&mut self) -> Result<()>;
    /// (hashmap) Freezes the entries for an asynchronous snapshot (None with the lsm backend).
    fn freeze(&mut self) -> Option<Box<dyn crate::cow::FrozenTable>>;
    fn snapshot_group(&self, key_group: usize) -> Result<Option<Vec<u8>>>;
    fn restore_group(&mut self, key_group: usize, bytes: &[u8]) -> Result<()>;
    /// (lsm, after `flush`) What this table's part of incremental checkpoint `checkpoint_id`
    /// holds — its changes since the last completed checkpoint or, for a base, all its entries —
    /// to be read from an engine snapshot later; the changes are filed under `checkpoint_id`.
    fn delta(&mut self, name: &str, base: bool, checkpoint_id: u64) -> Option<TableJob>;
    /// (hashmap) Freezes the entries for incremental checkpoint `checkpoint_id`, with the keys
    /// removed since checkpoint `since` (None with the lsm backend).
    fn freeze_changes(&mut self, checkpoint_id: u32, since: u32) -> Option<Box<dyn crate::cow::FrozenTable>>;
    /// Incremental checkpoint `checkpoint_id` completed: forget the changes (lsm) or removals
    /// (hashmap) it holds.
    fn complete(&mut self, checkpoint_id: u64);
}

impl<K: Key, N: Namespace, V: StateValue> AnyTable for StateTable<K, N, V> {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn flush(&mut self) -> Result<()> {
        match self.lsm.as_mut() {
            Some(lsm) => write_back(&mut self.groups, lsm, self.first_group, false),
            None => {
                self.settle();
                Ok(())
            }
        }
    }
    fn freeze(&mut self) -> Option<Box<dyn crate::cow::FrozenTable>> {
        self.freeze_groups().map(|f| Box::new(f) as Box<dyn crate::cow::FrozenTable>)
    }
    fn snapshot_group(&self, key_group: usize) -> Result<Option<Vec<u8>>> {
        let Some(i) = key_group.checked_sub(self.first_group).filter(|i| *i < self.groups.len()) else { return Ok(None) };
        let capacity = self.last_sizes.get(i).map_or(0, |c| c.load(std::sync::atomic::Ordering::Relaxed));
        let bytes = match &self.lsm {
            None => {
                let group = &self.groups[i];
                if group.is_empty() {
                    return Ok(None);
                }
                // Serialized straight from the map (same format as a Vec of entries), into a
                // buffer sized from the previous snapshot of this group.
                postcard::to_extend(&GroupEntries(group), Vec::with_capacity(capacity))?
            }
            Some(lsm) => {
                // The engine holds every entry (the caller flushed the cache): the canonical
                // encoding is the entry count followed by each entry's key and value bytes.
                let mut body = Vec::with_capacity(capacity);
                let mut count = 0usize;
                for kv in lsm.store.part.prefix(lsm.prefix(key_group)) {
                    let (k, v) = kv.map_err(lsm_err)?;
                    body.extend_from_slice(&k[4..]);
                    body.extend_from_slice(&v);
                    count += 1;
                }
                if count == 0 {
                    return Ok(None);
                }
                let mut bytes = postcard::to_extend(&count, Vec::with_capacity(body.len() + 10))?;
                bytes.extend_from_slice(&body);
                bytes
            }
        };
        self.last_sizes[i].store(bytes.len() + bytes.len() / 8, std::sync::atomic::Ordering::Relaxed);
        Ok(Some(bytes))
    }
    fn restore_group(&mut self, key_group: usize, bytes: &[u8]) -> Result<()> {
        let entries: Vec<((K, N), V, i64)> = postcard::from_bytes(bytes)
            .map_err(|e| Error::Serialization(format!("restoring key group {key_group} of a state table: {e}")))?;
        let first = self.first_group;
        let group = group_of(&mut self.groups, first, key_group)?;
        match self.lsm.as_mut() {
            None => {
                for (k, value, touched) in entries {
                    group.insert(k, Entry::new(value, touched, false));
                }
            }
            Some(lsm) => {
                let mut batch = lsm.store.keyspace.batch();
                for ((k, ns), value, touched) in entries {
                    if group.remove(&Pair(&k, &ns)).is_some() {
                        lsm.cached -= 1;
                    }
                    lsm.make_key(key_group, &k, &ns)?;
                    batch.insert(&lsm.store.part, lsm.key.as_slice(), postcard::to_allocvec(&(value, touched))?);
                }
                batch.commit().map_err(lsm_err)?;
                lsm.report();
            }
        }
        Ok(())
    }
    fn delta(&mut self, name: &str, base: bool, checkpoint_id: u64) -> Option<TableJob> {
        let lsm = self.lsm.as_mut()?;
        let changes = if base { Vec::new() } else { lsm.changed.iter().map(|(k, c)| (k.clone(), c.change.clone())).collect() };
        for c in lsm.changed.values_mut() {
            if c.epoch == 0 {
                c.epoch = checkpoint_id;
            }
        }
        Some(TableJob { name: name.to_string(), id: lsm.id, base, changes })
    }
    fn freeze_changes(&mut self, checkpoint_id: u32, since: u32) -> Option<Box<dyn crate::cow::FrozenTable>> {
        self.freeze_for_increment(checkpoint_id, since).map(|f| Box::new(f) as Box<dyn crate::cow::FrozenTable>)
    }
    fn complete(&mut self, checkpoint_id: u64) {
        match self.lsm.as_mut() {
            Some(lsm) => lsm.forget_changes(checkpoint_id),
            None => self.forget_removals(u32::try_from(checkpoint_id).unwrap_or(u32::MAX)),
        }
    }
}

/// Serialized key groups of one state waiting to be declared: (key group, bytes).
pub(crate) type PendingGroups = Vec<(usize, Vec<u8>)>;

/// Adds the restored, not yet declared states of `snap`'s key group to it (already bytes).
pub(crate) fn add_pending_tables(pending: &[(String, PendingGroups)], snap: &mut KeyGroupSnapshot) {
    for (name, groups) in pending {
        for (g, bytes) in groups {
            if *g == snap.key_group as usize {
                snap.tables.push((name.clone(), ByteBuf::from(bytes.clone())));
            }
        }
    }
}

pub(crate) struct Slot {
    pub(crate) name: String,
    pub(crate) table: Box<dyn AnyTable>,
}

/// The keyed state of one operator instance: its key-group range and one table per state.
pub struct KeyedStateBackend<K> {
    pub(crate) range: KeyGroupRange,
    max_parallelism: usize,
    clock: Arc<dyn Clock>,
    pub(crate) slots: Vec<Slot>,
    /// Restored bytes of states not declared yet, by name.
    pub(crate) pending: Vec<(String, PendingGroups)>,
    options: BackendOptions,
    /// The engine (lsm backend only).
    pub(crate) store: Option<Arc<LsmStore>>,
    pub(crate) chain: Chain,
    /// Prefix of this instance's shared file names.
    pub(crate) label: String,
    _key: std::marker::PhantomData<fn() -> K>,
}

impl<K: Key> KeyedStateBackend<K> {
    /// A `hashmap` backend owning the key groups `range` of `max_parallelism`.
    pub fn new(range: KeyGroupRange, max_parallelism: usize, clock: Arc<dyn Clock>) -> Self {
        Self::with_options(range, max_parallelism, clock, &BackendOptions::default(), "state").expect("the hashmap backend opens nothing")
    }

    /// A backend of the kind `options` asks for; `label` names its incremental checkpoint files
    /// (the operator id).
    pub fn with_options(
        range: KeyGroupRange,
        max_parallelism: usize,
        clock: Arc<dyn Clock>,
        options: &BackendOptions,
        label: &str,
    ) -> Result<Self> {
        let store = match options.kind {
            BackendKind::HashMap => None,
            BackendKind::Lsm => Some(LsmStore::open(options)?),
        };
        static INSTANCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let token = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
            ^ INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed).rotate_right(17);
        let clean: String =
            label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).take(40).collect();
        Ok(KeyedStateBackend {
            range,
            max_parallelism,
            clock,
            slots: Vec::new(),
            pending: Vec::new(),
            options: options.clone(),
            store,
            chain: Chain::default(),
            label: format!("{clean}-kg{}-{token:016x}", range.start),
            _key: std::marker::PhantomData,
        })
    }

    /// The key groups this backend owns.
    pub fn key_group_range(&self) -> KeyGroupRange {
        self.range
    }

    /// The backend's settings.
    pub fn options(&self) -> &BackendOptions {
        &self.options
    }

    /// Whether checkpoints (not savepoints) of this backend are incremental.
    pub fn incremental(&self) -> bool {
        self.options.incremental
    }

    /// Estimated bytes of the lsm backend's entry cache (0 with the hashmap backend); it stays
    /// within half of `state.backend.lsm.memory-budget`.
    pub fn cache_bytes(&self) -> usize {
        self.store.as_ref().map_or(0, |s| s.used.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The lsm backend's local directory (deleted when the backend is dropped).
    pub fn local_dir(&self) -> Option<&std::path::Path> {
        self.store.as_ref().map(|s| s.dir.as_path())
    }

    /// The key group of `key` (murmur3 of its serialized bytes).
    pub fn key_group(&mut self, key: &K) -> Result<usize> {
        let kg = key_group_for_hash(hash_key_fast(key)?, self.max_parallelism);
        if !self.range.contains(kg) {
            return Err(Error::Internal(format!("key group {kg} arrived at an operator owning {:?}", self.range)));
        }
        Ok(kg)
    }

    /// `key_group` if this backend owns it: a key group computed elsewhere (by the sender of
    /// a hash-partitioned batch) is checked, never trusted blindly.
    #[inline]
    fn owned_key_group(&self, key_group: usize) -> Result<usize> {
        if !self.range.contains(key_group) {
            return Err(Error::Internal(format!("key group {key_group} arrived at an operator owning {:?}", self.range)));
        }
        Ok(key_group)
    }

    /// The key group of `key`: the one the sender of a hash-partitioned batch computed
    /// (`received`, checked against this backend's range), or hashed here if there is none.
    #[inline]
    pub fn key_group_of(&mut self, key: &K, received: Option<u16>) -> Result<usize> {
        match received {
            Some(g) => self.owned_key_group(usize::from(g)),
            None => self.key_group(key),
        }
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
                        let id = u16::try_from(self.slots.len())
                            .map_err(|_| Error::InvalidJob(format!("too many states in one operator (declaring '{name}')")))?;
                        let mut table =
                            StateTable::<K, N, V>::new(self.range, ttl, self.store.clone().map(|s| (s, id)), self.options.incremental);
                        // State restored from a snapshot is deserialized when first declared.
                        if let Some(i) = self.pending.iter().position(|(n, _)| n == name) {
                            let (_, groups) = self.pending.swap_remove(i);
                            for (kg, bytes) in groups {
                                table.restore_group(kg, &bytes)?;
                            }
                            // Its entries moved into the engine without change tracking.
                            self.chain.need_base = true;
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
    /// declared again yet) in the canonical format both backends share — savepoints and full
    /// checkpoints. Empty key groups are left out.
    pub fn snapshot(&mut self) -> Result<Vec<KeyGroupSnapshot>> {
        for slot in &mut self.slots {
            slot.table.flush()?;
        }
        let mut out = Vec::new();
        for kg in self.range.iter() {
            let mut snap = KeyGroupSnapshot { key_group: kg as u32, ..Default::default() };
            for slot in &self.slots {
                if let Some(bytes) = slot.table.snapshot_group(kg)? {
                    snap.tables.push((slot.name.clone(), ByteBuf::from(bytes)));
                }
            }
            add_pending_tables(&self.pending, &mut snap);
            if !snap.tables.is_empty() {
                out.push(snap);
            }
        }
        Ok(out)
    }

    /// Loads the state tables of `snapshots` for the key groups this backend owns (others are
    /// ignored — they belong to other subtasks after rescaling).
    pub fn restore(&mut self, snapshots: &[KeyGroupSnapshot]) -> Result<()> {
        self.chain.need_base = true;
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
                let kg = rasch_core::keygroup::key_group_for_key(k, 128, &mut Vec::new()).unwrap();
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
        let groups = q.snapshot_by_group(|k| Ok(rasch_core::keygroup::key_group_for_key(k, 128, &mut Vec::new())?)).unwrap();
        let mut r = TimerQueue::<String, ()>::default();
        for bytes in groups.values() {
            r.restore(bytes).unwrap();
        }
        let times: Vec<i64> = std::iter::from_fn(|| r.pop_due(i64::MAX)).map(|t| t.time).collect();
        assert_eq!(times, (951..=1_000).collect::<Vec<_>>());
    }
}
