//! Incremental checkpoints (`state.backend.incremental: true`) of both backends. At the barrier
//! the backend decides what the checkpoint writes (`chain.rs`) and captures a consistent view:
//! an engine snapshot (lsm) or the copy-on-write frozen maps (hashmap); the returned
//! [`PendingIncrement`] builds the delta from it off the task thread.
//!
//! The hashmap backend stamps every changed entry with the id of the last barrier and keeps the
//! keys it removed, so a delta holds the entries stamped since the last *completed* checkpoint
//! (the changes of failed ones are carried over) and the removals — plus, rolling, a sixteenth
//! of the key groups written whole, so that the chain a restore replays stays short without any
//! checkpoint writing all of the state.

use crate::backend::{Group, KeyedStateBackend, StateTable};
use crate::chain::{ChainLink, Plan};
use crate::cow::FrozenTable;
use crate::lsm::{Change, lsm_err};
use crate::snapshot::{GroupDelta, Increment, KeyedDelta, TableDelta};
use crate::{Namespace, StateValue};
use rasch_core::keygroup::KeyGroupRange;
use rasch_core::{Error, Key, Result};
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One lsm table's part of an incremental checkpoint, built from an engine snapshot.
pub(crate) struct TableJob {
    pub(crate) name: String,
    pub(crate) id: u16,
    pub(crate) base: bool,
    /// (Not for a base) the changed engine keys.
    pub(crate) changes: Vec<(Box<[u8]>, Change)>,
}

/// Where a pending increment reads its entries from.
enum Source {
    /// (lsm) An engine snapshot and, per table, what to read from it.
    Engine { snapshot: fjall::Snapshot, jobs: Vec<TableJob> },
    /// (hashmap) The frozen maps: entries changed since checkpoint `since`, and the key groups
    /// marked in `whole` (by index in the range) in full.
    Frozen { tables: Vec<(String, Box<dyn FrozenTable>)>, since: u32, whole: Vec<bool> },
}

/// An incremental checkpoint taken at the barrier: the chain it builds on and a consistent view
/// of the state. [`finish`](Self::finish) builds the delta — it may run on another thread,
/// while the task goes on processing records.
pub struct PendingIncrement {
    chain: Vec<String>,
    name: String,
    range: KeyGroupRange,
    source: Source,
    /// Restored state not declared yet, stored whole in a base.
    canonical: Vec<(u32, TableDelta)>,
    /// The delta's size, for the chain's base-or-delta decision.
    size: Arc<AtomicUsize>,
    /// The previous delta's size, to size the buffer once.
    size_hint: usize,
}

impl PendingIncrement {
    /// Reads the changes (or, for a base, every entry) and encodes the delta.
    pub fn finish(self) -> Result<Increment> {
        let bytes = match self.source {
            Source::Engine { snapshot, jobs } => postcard::to_allocvec(&engine_delta(&snapshot, jobs, self.range, self.canonical)?)?,
            Source::Frozen { tables, since, whole } => {
                let out = Vec::with_capacity(self.size_hint + self.size_hint / 8);
                frozen_delta(tables, since, &whole, self.range, &self.canonical, out)?
            }
        };
        self.size.store(bytes.len(), Ordering::Relaxed);
        Ok(Increment { chain: self.chain, name: self.name, delta: Some(ByteBuf::from(bytes)) })
    }
}

/// (lsm) The delta of `jobs`, read from the engine snapshot.
fn engine_delta(
    snapshot: &fjall::Snapshot,
    jobs: Vec<TableJob>,
    range: KeyGroupRange,
    canonical: Vec<(u32, TableDelta)>,
) -> Result<KeyedDelta> {
    let mut groups: BTreeMap<u32, Vec<TableDelta>> = BTreeMap::new();
    for job in jobs {
        let mut tables: BTreeMap<u32, TableDelta> = BTreeMap::new();
        let new_table = || TableDelta { name: job.name.clone(), ..Default::default() };
        if job.base {
            let [c, d] = job.id.to_be_bytes();
            for kg in range.iter() {
                let [a, b] = (kg as u16).to_be_bytes();
                for kv in snapshot.prefix([a, b, c, d]) {
                    let (k, v) = kv.map_err(lsm_err)?;
                    let t = tables.entry(kg as u32).or_insert_with(new_table);
                    t.puts.push((ByteBuf::from(k[4..].to_vec()), ByteBuf::from(v.to_vec())));
                }
            }
        } else {
            for (key, change) in &job.changes {
                let kg = u16::from_be_bytes([key[0], key[1]]) as u32;
                let t = tables.entry(kg).or_insert_with(new_table);
                let value = match change {
                    Change::Put(v) => Some(v.to_vec()),
                    Change::Removed => None,
                    Change::Written => snapshot.get(key).map_err(lsm_err)?.map(|v| v.to_vec()),
                };
                match value {
                    Some(v) => t.puts.push((ByteBuf::from(key[4..].to_vec()), ByteBuf::from(v))),
                    None => t.removed.push(ByteBuf::from(key[4..].to_vec())),
                }
            }
        }
        for (kg, t) in tables {
            groups.entry(kg).or_default().push(t);
        }
    }
    for (kg, t) in canonical {
        groups.entry(kg).or_default().push(t);
    }
    Ok(KeyedDelta { groups: groups.into_iter().map(|(key_group, tables)| GroupDelta { key_group, reset: false, tables }).collect() })
}

/// (hashmap) Encodes the delta straight from the frozen maps, in exactly the bytes
/// `postcard::to_allocvec(&KeyedDelta)` would give, without building one `ByteBuf` per entry:
/// every key group of the range (so the count is known up front), each with its reset flag
/// (written whole) and the tables that have something to say.
fn frozen_delta(
    mut tables: Vec<(String, Box<dyn FrozenTable>)>,
    since: u32,
    whole: &[bool],
    range: KeyGroupRange,
    canonical: &[(u32, TableDelta)],
    mut out: Vec<u8>,
) -> Result<Vec<u8>> {
    put_varint(&mut out, range.len() as u64);
    for (i, kg) in range.iter().enumerate() {
        let reset = whole.get(i).copied().unwrap_or(false);
        put_varint(&mut out, kg as u64);
        out.push(u8::from(reset));
        // The table count precedes the tables: one byte is reserved (a varint below 128 is one
        // byte), so the tables are encoded in place, not copied.
        let count_at = out.len();
        out.push(0);
        let mut count = 0u64;
        for (name, table) in &mut tables {
            count += u64::from(table.write_group_delta(name, kg, reset, since, &mut out)?);
        }
        for (_, t) in canonical.iter().filter(|(g, _)| *g as usize == kg) {
            out = postcard::to_extend(t, out)?;
            count += 1;
        }
        if count < 0x80 {
            out[count_at] = count as u8;
        } else {
            let tables = out.split_off(count_at + 1);
            out.truncate(count_at);
            put_varint(&mut out, count);
            out.extend_from_slice(&tables);
        }
    }
    Ok(out)
}

/// Appends `v` as an unsigned LEB128 varint — postcard's encoding of lengths and integers.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// (hashmap) Appends the `TableDelta` encoding of state `name` in one frozen key group: every
/// entry (`whole`) or those changed since checkpoint `since`, then the removed keys. Returns
/// false, writing nothing, when there is nothing to say.
pub(crate) fn write_table_delta<K: Key, N: Namespace, V: StateValue>(
    name: &str,
    group: Option<&Group<K, N, V>>,
    removed: &[(K, N)],
    whole: bool,
    since: u32,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let puts: Vec<_> = group.into_iter().flat_map(|g| g.iter()).filter(|(_, e)| whole || e.changed >= since).collect();
    let removed = if whole { &[][..] } else { removed };
    if puts.is_empty() && removed.is_empty() {
        return Ok(false);
    }
    let puts = puts.iter().map(|(key, e)| (Framed(key), Framed((&e.value, e.touched))));
    let removed = removed.iter().map(Framed);
    let delta = (name, None::<()>, Seq(std::cell::Cell::new(Some(puts))), Seq(std::cell::Cell::new(Some(removed))));
    *out = postcard::to_extend(&delta, std::mem::take(out))?;
    Ok(true)
}

/// A value serialized as postcard serializes a byte string holding its encoding — its length,
/// then the bytes — but written in place: the length is counted first by postcard's `Size`
/// flavor, which reads no byte of a byte string (a state value's bytes are a cache miss away;
/// they are read once, by the copy). One serde call encodes a whole table, so the compiler sees
/// one tight loop and the CPU overlaps the misses, as with a full snapshot.
struct Framed<T>(T);

impl<T: serde::Serialize> serde::Serialize for Framed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let size = postcard::serialize_with_flavor(&self.0, postcard::ser_flavors::Size::default()).map_err(S::Error::custom)?;
        // A postcard tuple has no framing: the varint length, then the value's own encoding.
        (size as u64, &self.0).serialize(serializer)
    }
}

/// An exact-size iterator serialized as a sequence (once).
struct Seq<I>(std::cell::Cell<Option<I>>);

impl<I: ExactSizeIterator<Item = T>, T: serde::Serialize> serde::Serialize for Seq<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let items = self.0.take().ok_or_else(|| S::Error::custom("a sequence serialized twice"))?;
        let mut seq = serializer.serialize_seq(Some(items.len()))?;
        for item in items {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

impl<K: Key, N: Namespace, V: StateValue> StateTable<K, N, V> {
    /// (hashmap) Freezes the groups for incremental checkpoint `checkpoint_id` with the removals
    /// since `since`; later changes are stamped `checkpoint_id`.
    pub(crate) fn freeze_for_increment(&mut self, checkpoint_id: u32, since: u32) -> Option<crate::cow::FrozenGroups<K, N, V>> {
        let mut frozen = self.freeze_groups()?;
        if let Some(tombstones) = &self.tombstones {
            frozen.tombstones =
                tombstones.iter().map(|t| t.iter().filter(|(_, e)| **e >= since).map(|(k, _)| k.clone()).collect()).collect();
        }
        self.epoch = checkpoint_id;
        Some(frozen)
    }

    /// (hashmap) Checkpoint `checkpoint_id` completed: removals before it are in the chain.
    pub(crate) fn forget_removals(&mut self, checkpoint_id: u32) {
        for t in self.tombstones.iter_mut().flatten() {
            t.retain(|_, e| *e >= checkpoint_id);
        }
    }
}

/// Checkpoint ids as stamped on entries (ids beyond `u32::MAX` saturate, which only makes
/// deltas larger, never wrong).
fn stamp(id: u64) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

impl<K: Key> KeyedStateBackend<K> {
    /// The keyed state of incremental checkpoint `checkpoint_id` (`state.backend.incremental`):
    /// the changes since the last *completed* checkpoint (so the changes of failed ones are
    /// carried over), or — for the first checkpoint, after a restore, or (lsm) once the chain is
    /// long or its deltas outgrow its base — a new full base.
    pub fn snapshot_increment(&mut self, checkpoint_id: u64) -> Result<Increment> {
        self.start_increment(checkpoint_id)?.finish()
    }

    /// Like [`snapshot_increment`](Self::snapshot_increment), but only the part that must
    /// happen at the barrier: (lsm) changed cache entries are written to the engine and an engine
    /// snapshot is taken; (hashmap) the maps are frozen. The returned [`PendingIncrement`] reads
    /// and encodes the delta later.
    pub fn start_increment(&mut self, checkpoint_id: u64) -> Result<PendingIncrement> {
        if !self.incremental() {
            return Err(Error::Internal("incremental snapshot of a backend without incremental checkpoints".into()));
        }
        for slot in &mut self.slots {
            slot.table.flush()?;
        }
        let force_base = !self.pending.is_empty();
        let plan = match self.store {
            Some(_) => self.chain.plan_lsm(force_base),
            None => self.chain.plan_rolling(self.range, force_base),
        };
        let base = plan == Plan::Base;
        let mut canonical = Vec::new();
        if base {
            for (name, pending) in &self.pending {
                for (kg, bytes) in pending {
                    let table = TableDelta { name: name.clone(), canonical: Some(ByteBuf::from(bytes.clone())), ..Default::default() };
                    canonical.push((*kg as u32, table));
                }
            }
        }
        let (source, rebased) = match (&self.store, &plan) {
            (Some(store), _) => {
                let jobs = self.slots.iter_mut().filter_map(|slot| slot.table.delta(&slot.name, base, checkpoint_id)).collect();
                (Source::Engine { snapshot: store.part.snapshot(), jobs }, Vec::new())
            }
            (None, plan) => {
                let (since, rebased) = match plan {
                    Plan::Base => (0, (0..self.range.len()).collect()),
                    Plan::Delta { since, rebased } => (*since, rebased.clone()),
                };
                let mut whole = vec![false; self.range.len()];
                rebased.iter().for_each(|&i| whole[i] = true);
                let tables = self
                    .slots
                    .iter_mut()
                    .filter_map(|s| s.table.freeze_changes(stamp(checkpoint_id), stamp(since)).map(|t| (s.name.clone(), t)))
                    .collect();
                (Source::Frozen { tables, since: stamp(since), whole }, rebased)
            }
        };
        let name = format!("{}-{checkpoint_id}", self.label);
        let size = Arc::new(AtomicUsize::new(0));
        let size_hint = self.chain.last_size();
        let chain = self.chain.start(ChainLink { id: checkpoint_id, name: name.clone(), base, size: size.clone(), rebased });
        Ok(PendingIncrement { chain, name, range: self.range, source, canonical, size, size_hint })
    }

    /// Checkpoint `checkpoint_id` completed: its increment (if this backend took one) becomes
    /// part of the chain the next increments build on. Other ids (savepoints) change nothing.
    pub fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) {
        if !self.chain.complete(checkpoint_id, self.range) {
            return;
        }
        for slot in &mut self.slots {
            slot.table.complete(checkpoint_id);
        }
    }
}
