//! The snapshot of keyed state, one record per key group — the unit that is written to a
//! checkpoint and redistributed when a job is restored at another parallelism.

use serde::{Deserialize, Serialize};
pub use serde_bytes::ByteBuf;

/// Everything one operator instance holds for one key group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGroupSnapshot {
    /// The key group.
    pub key_group: u32,
    /// Per declared state: its name and its serialized entries of this key group.
    pub tables: Vec<(String, ByteBuf)>,
    /// Serialized event-time timers of this key group.
    #[serde(with = "serde_bytes")]
    pub event_timers: Vec<u8>,
    /// Serialized processing-time timers of this key group.
    #[serde(with = "serde_bytes")]
    pub processing_timers: Vec<u8>,
}

/// The keyed state part of an incremental checkpoint of one operator instance (lsm backend with
/// `state.backend.incremental: true`). The state is the replay, in order, of the shared files
/// `chain` (the first one is a full base) followed by this checkpoint's own `delta`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Increment {
    /// Shared files (names under `<dir>/<job>/shared/`) replayed before this delta, base first.
    pub chain: Vec<String>,
    /// The shared file name this checkpoint's delta is stored under.
    pub name: String,
    /// The serialized [`KeyedDelta`] — carried by the task's acknowledgement until the job master
    /// files it as shared file `name`, then `None` in checkpoint metadata.
    pub delta: Option<ByteBuf>,
}

/// Changes of keyed state tables since the previous checkpoint (or, with an empty chain, all of
/// them: a base), per key group. Entries are in the canonical snapshot encoding: `key` is
/// `postcard((key, namespace))` and `value` is `postcard((value, touched))`, so a replay can be
/// turned into [`KeyGroupSnapshot`] tables without knowing the types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyedDelta {
    /// Per key group with changes.
    pub groups: Vec<GroupDelta>,
}

/// Changes of one key group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDelta {
    /// The key group.
    pub key_group: u32,
    /// The key group is written whole: what earlier files of the chain hold for it is dropped
    /// (the hashmap backend re-bases its chain a few key groups at a time).
    pub reset: bool,
    /// Per state table.
    pub tables: Vec<TableDelta>,
}

/// Changes of one state table in one key group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDelta {
    /// The state name.
    pub name: String,
    /// The whole table in the canonical encoding (restored state not declared since).
    pub canonical: Option<ByteBuf>,
    /// New or changed entries: (key, value).
    pub puts: Vec<(ByteBuf, ByteBuf)>,
    /// Removed keys.
    pub removed: Vec<ByteBuf>,
}

enum Materialized {
    Canonical(ByteBuf),
    Entries(std::collections::HashMap<ByteBuf, ByteBuf, foldhash::fast::RandomState>),
}

/// Canonical state tables of one key group: `(key group, [(state name, bytes)])`.
pub type GroupTables = (u32, Vec<(String, ByteBuf)>);

/// Replays `deltas` (a base first, then deltas in checkpoint order) into canonical per-key-group
/// tables `(key group, [(state name, bytes)])`, the same encoding the hashmap backend writes.
pub fn materialize(deltas: impl IntoIterator<Item = KeyedDelta>) -> Result<Vec<GroupTables>, String> {
    let mut m = Materializer::default();
    for delta in deltas {
        m.apply(delta)?;
    }
    m.finish()
}

/// Replays deltas one at a time (so a restore holds one file's delta and the result, not the
/// whole chain), moving their entries instead of copying them.
#[derive(Default)]
pub struct Materializer {
    tables: std::collections::BTreeMap<(u32, String), Materialized>,
}

impl Materializer {
    /// Applies the next delta of the chain.
    pub fn apply(&mut self, delta: KeyedDelta) -> Result<(), String> {
        for g in delta.groups {
            if g.reset {
                self.tables.retain(|(kg, _), _| *kg != g.key_group);
            }
            for t in g.tables {
                let slot = self.tables.entry((g.key_group, t.name)).or_insert_with(|| Materialized::Entries(Default::default()));
                if let Some(c) = t.canonical {
                    *slot = Materialized::Canonical(c);
                }
                if t.puts.is_empty() && t.removed.is_empty() {
                    continue;
                }
                let Materialized::Entries(entries) = slot else {
                    return Err(format!("a state of key group {} changes entries of a table stored whole", g.key_group));
                };
                for k in &t.removed {
                    entries.remove(k);
                }
                entries.extend(t.puts);
            }
        }
        Ok(())
    }

    /// The canonical tables, by key group.
    pub fn finish(self) -> Result<Vec<GroupTables>, String> {
        let mut out: Vec<GroupTables> = Vec::new();
        for ((kg, name), table) in self.tables {
            let bytes = match table {
                Materialized::Canonical(c) => c,
                Materialized::Entries(e) if e.is_empty() => continue,
                // A postcard sequence: varint length, then each `((key, ns), value, touched)`,
                // which is exactly the concatenation of the entry's key and value encodings.
                Materialized::Entries(e) => {
                    let size = e.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() + 10;
                    let mut bytes = postcard::to_extend(&e.len(), Vec::with_capacity(size)).map_err(|e| e.to_string())?;
                    for (k, v) in e {
                        bytes.extend_from_slice(&k);
                        bytes.extend_from_slice(&v);
                    }
                    ByteBuf::from(bytes)
                }
            };
            match out.last_mut() {
                Some((g, list)) if *g == kg => list.push((name, bytes)),
                _ => out.push((kg, vec![(name, bytes)])),
            }
        }
        Ok(out)
    }
}
