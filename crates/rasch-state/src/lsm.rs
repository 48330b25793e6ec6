//! The engine side of the `lsm` keyed state backend: one fjall keyspace per keyed operator
//! instance, in a directory of its own under `state.backend.lsm.local-dir` that is deleted when
//! the instance closes. Every state table lives in one partition under keys
//! `[key group u16 BE][table id u16 BE][postcard((key, namespace))]` with values
//! `postcard((value, touched))` — so a key group's entries are one contiguous key range, and
//! key and value bytes concatenated are exactly the canonical snapshot encoding of an entry.
//!
//! The typed [`StateTable`](crate::StateTable) keeps a bounded cache of deserialized entries in
//! front of it (see `backend.rs`); this module holds the shared engine handle, the cache
//! accounting and the per-table change tracking for incremental checkpoints.

use crate::options::BackendOptions;
use rasch_core::{Error, Result};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

type FastHasher = foldhash::fast::RandomState;

static PEAK_CACHE_BYTES: AtomicUsize = AtomicUsize::new(0);
static STORE_SEQ: AtomicU64 = AtomicU64::new(0);

/// The largest estimated size, in bytes, the entry cache of any lsm backend instance in this
/// process reached (a metric for tests and benchmarks; see [`reset_lsm_peak_cache_bytes`]).
pub fn lsm_peak_cache_bytes() -> usize {
    PEAK_CACHE_BYTES.load(Ordering::Relaxed)
}

/// Resets [`lsm_peak_cache_bytes`].
pub fn reset_lsm_peak_cache_bytes() {
    PEAK_CACHE_BYTES.store(0, Ordering::Relaxed);
}

pub(crate) fn lsm_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("lsm state backend: {e}"))
}

/// What happened to an engine key since the last completed checkpoint.
#[derive(Clone)]
pub(crate) enum Change {
    /// Written with these value bytes (kept so that a delta needs no engine read).
    Put(Box<[u8]>),
    /// Written; its bytes were not kept (over the budget for kept changes): read the engine.
    Written,
    /// Deleted.
    Removed,
}

/// A changed engine key: the change, and 0 or the id of the first incremental checkpoint that
/// included it.
pub(crate) struct Changed {
    pub(crate) change: Change,
    pub(crate) epoch: u64,
}

/// The engine of one backend instance, shared by its tables.
pub(crate) struct LsmStore {
    pub(crate) keyspace: fjall::Keyspace,
    pub(crate) part: fjall::PartitionHandle,
    /// Bytes the caches of all tables may use together (half the memory budget).
    pub(crate) cache_budget: usize,
    /// Tables sharing the cache budget.
    pub(crate) tables: AtomicUsize,
    /// Estimated bytes in the caches of all tables.
    pub(crate) used: AtomicUsize,
    /// Whether changes are tracked for incremental checkpoints.
    pub(crate) incremental: bool,
    /// Bytes of changed values kept for the next incremental checkpoint, at most
    /// `changes_budget` (an eighth of the memory budget).
    pub(crate) changes_used: AtomicUsize,
    pub(crate) changes_budget: usize,
    pub(crate) dir: PathBuf,
}

impl LsmStore {
    /// Opens a fresh engine in a new directory; half the memory budget goes to the entry cache,
    /// an eighth to the values of changes kept for incremental checkpoints (if enabled), the
    /// rest to the engine's write buffers and block cache.
    pub(crate) fn open(options: &BackendOptions) -> Result<Arc<Self>> {
        let base = options.local_dir.clone().unwrap_or_else(std::env::temp_dir);
        let seq = STORE_SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("rasch-lsm-{}-{seq}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("creating the lsm state directory {}", dir.display()), e))?;
        let budget = options.memory_budget.max(64 << 10);
        let changes_budget = if options.incremental { budget / 8 } else { 0 };
        let engine = budget / 2 - changes_budget;
        // Local state is rebuilt from checkpoints after a failure, never from these files:
        // no fsync, and the directory is deleted when the keyspace closes.
        let keyspace = fjall::Config::new(&dir)
            .temporary(true)
            .manual_journal_persist(true)
            .fsync_ms(None)
            .flush_workers(1)
            .compaction_workers(1)
            .cache_size(engine / 2)
            .max_write_buffer_size((engine / 2).max(1 << 20))
            .open()
            .map_err(lsm_err)?;
        let part = keyspace
            .open_partition(
                "state",
                fjall::PartitionCreateOptions::default()
                    .manual_journal_persist(true)
                    .max_memtable_size((engine / 4).clamp(1 << 20, 64 << 20) as u32),
            )
            .map_err(lsm_err)?;
        Ok(Arc::new(LsmStore {
            keyspace,
            part,
            cache_budget: (budget / 2) as usize,
            tables: AtomicUsize::new(0),
            used: AtomicUsize::new(0),
            incremental: options.incremental,
            changes_used: AtomicUsize::new(0),
            changes_budget: changes_budget as usize,
            dir,
        }))
    }
}

/// The lsm side of one state table: its id, cache accounting and changed keys.
pub(crate) struct LsmTable {
    pub(crate) store: Arc<LsmStore>,
    pub(crate) id: u16,
    /// Scratch buffer for the current engine key.
    pub(crate) key: Vec<u8>,
    /// Entries in the cache.
    pub(crate) cached: usize,
    /// In-memory size of an entry without its heap parts (map slot, key, value).
    pub(crate) fixed: usize,
    /// Running average of an entry's serialized size (stands in for its heap parts).
    pub(crate) avg_serialized: usize,
    /// What this table last added to `store.used`.
    reported: usize,
    /// Engine keys changed since the last completed checkpoint.
    pub(crate) changed: hashbrown::HashMap<Box<[u8]>, Changed, FastHasher>,
}

impl LsmTable {
    pub(crate) fn new(store: Arc<LsmStore>, id: u16, fixed: usize) -> Self {
        store.tables.fetch_add(1, Ordering::Relaxed);
        LsmTable { store, id, key: Vec::with_capacity(64), cached: 0, fixed, avg_serialized: 32, reported: 0, changed: Default::default() }
    }

    /// Sets `self.key` to the engine key of `(key, ns)` in `key_group`.
    pub(crate) fn make_key<K: serde::Serialize, N: serde::Serialize>(&mut self, key_group: usize, key: &K, ns: &N) -> Result<()> {
        let mut buf = std::mem::take(&mut self.key);
        buf.clear();
        buf.extend_from_slice(&(key_group as u16).to_be_bytes());
        buf.extend_from_slice(&self.id.to_be_bytes());
        self.key = postcard::to_extend(&(key, ns), buf)?;
        Ok(())
    }

    /// The prefix of every key of `key_group` in this table.
    pub(crate) fn prefix(&self, key_group: usize) -> [u8; 4] {
        let [a, b] = (key_group as u16).to_be_bytes();
        let [c, d] = self.id.to_be_bytes();
        [a, b, c, d]
    }

    /// Records the serialized size of an entry seen (for the per-entry size estimate).
    pub(crate) fn note_size(&mut self, bytes: usize) {
        self.avg_serialized = (self.avg_serialized * 15 + bytes).div_ceil(16);
    }

    /// Estimated bytes of one cached entry.
    pub(crate) fn entry_bytes(&self) -> usize {
        // hashbrown keeps at most 7/8 of its slots full, plus one control byte per slot.
        (self.fixed + 1) * 8 / 7 + self.avg_serialized
    }

    /// Entries this table may cache: its share of the cache budget.
    pub(crate) fn limit(&self) -> usize {
        let share = self.store.cache_budget / self.store.tables.load(Ordering::Relaxed).max(1);
        (share / self.entry_bytes()).max(4)
    }

    /// Estimated bytes of this table's cache.
    pub(crate) fn cache_bytes(&self) -> usize {
        self.cached * self.entry_bytes()
    }

    /// Publishes this table's cache size to the store's total (and the process-wide peak).
    pub(crate) fn report(&mut self) {
        let now = self.cache_bytes();
        if now >= self.reported {
            let used = self.store.used.fetch_add(now - self.reported, Ordering::Relaxed) + (now - self.reported);
            PEAK_CACHE_BYTES.fetch_max(used, Ordering::Relaxed);
        } else {
            self.store.used.fetch_sub(self.reported - now, Ordering::Relaxed);
        }
        self.reported = now;
    }

    /// Deletes the current key from the engine.
    pub(crate) fn delete_current(&mut self) -> Result<()> {
        self.store.part.remove(self.key.as_slice()).map_err(lsm_err)?;
        self.record(Change::Removed);
        Ok(())
    }

    /// Records a change of the current key (with incremental checkpoints).
    pub(crate) fn record(&mut self, change: Change) {
        if !self.store.incremental {
            return;
        }
        let change = match change {
            Change::Put(v) if self.store.changes_used.load(Ordering::Relaxed) + v.len() > self.store.changes_budget => Change::Written,
            Change::Put(v) => {
                self.store.changes_used.fetch_add(v.len(), Ordering::Relaxed);
                Change::Put(v)
            }
            other => other,
        };
        let old = self.changed.insert(self.key.clone().into_boxed_slice(), Changed { change, epoch: 0 });
        if let Some(Changed { change: Change::Put(v), .. }) = old {
            self.store.changes_used.fetch_sub(v.len(), Ordering::Relaxed);
        }
    }

    /// Forgets the changes incremental checkpoint `checkpoint_id` (now completed) included.
    pub(crate) fn forget_changes(&mut self, checkpoint_id: u64) {
        let used = &self.store.changes_used;
        self.changed.retain(|_, c| {
            let keep = c.epoch == 0 || c.epoch > checkpoint_id;
            if !keep && let Change::Put(v) = &c.change {
                used.fetch_sub(v.len(), Ordering::Relaxed);
            }
            keep
        });
    }
}

impl Drop for LsmTable {
    fn drop(&mut self) {
        self.cached = 0;
        self.report();
        let kept: usize = self.changed.values().map(|c| if let Change::Put(v) = &c.change { v.len() } else { 0 }).sum();
        self.store.changes_used.fetch_sub(kept, Ordering::Relaxed);
        self.store.tables.fetch_sub(1, Ordering::Relaxed);
    }
}
