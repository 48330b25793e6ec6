//! Rasch keyed state (DESIGN §5): state handles declared by name (`ValueState`, `ListState`,
//! `MapState`, `ReducingState`, `AggregatingState`, with TTL), the `hashmap` and `lsm` backends
//! that store them per key group so snapshots can be redistributed by key-group range, their
//! incremental checkpoints, and keyed timers (always in memory).
//!
//! A handle is a typed name; it reads and writes the state of the *current key* through the
//! context the runtime passes to user functions, so state needs no locks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod aggregating;
mod backend;
mod chain;
mod cow;
mod functions;
mod incremental;
#[cfg(test)]
mod incremental_tests;
mod list;
mod lsm;
#[cfg(test)]
mod lsm_tests;
mod map;
mod options;
mod reducing;
mod snapshot;
mod timers;
mod ttl;
mod value;

pub use aggregating::AggregatingState;
pub use backend::{KeyedStateBackend, StateContext, StateTable, StateView};
pub use cow::PendingSnapshot;
pub use functions::{AggregateFn, AggregateFunction};
pub use incremental::PendingIncrement;
pub use list::ListState;
pub use lsm::{lsm_peak_cache_bytes, reset_lsm_peak_cache_bytes};
pub use map::MapState;
pub use options::{BackendKind, BackendOptions, DEFAULT_LSM_MEMORY_BUDGET};
pub use reducing::ReducingState;
pub use snapshot::{ByteBuf, GroupDelta, GroupTables, Increment, KeyGroupSnapshot, KeyedDelta, Materializer, TableDelta, materialize};
pub use timers::{Timer, TimerQueue, TimerService};
pub use ttl::{StateTtlConfig, TtlUpdateType};
pub use value::ValueState;

/// Bounds of a state namespace: `()` for plain keyed state, a window for window state.
/// Serializable because namespaces are part of snapshots; `Sync` because an asynchronous
/// snapshot reads the frozen entries from another thread.
pub trait Namespace: Clone + std::hash::Hash + Eq + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static {}
impl<T: Clone + std::hash::Hash + Eq + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static> Namespace for T {}

/// Bounds of a stored state value: serializable, because state is snapshotted; `Clone + Sync`,
/// because an asynchronous snapshot reads frozen entries from another thread while the task
/// copies the ones it changes (copy-on-write, see `cow.rs`).
pub trait StateValue: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static {}
impl<T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static> StateValue for T {}
