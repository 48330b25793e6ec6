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
