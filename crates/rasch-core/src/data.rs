//! The bounds a type needs to flow through a stream (`Data`) or to be a key (`Key`).

use serde::{Serialize, de::DeserializeOwned};

/// A type that can be a stream element.
///
/// Elements are cloned for fan-out and broadcast, moved between threads, and serialized when
/// they cross process boundaries (cluster mode) — hence the bounds. `Sync` because elements kept
/// in keyed state are read by asynchronous snapshots on another thread (copy-on-write); plain
/// data types (numbers, strings, tuples, structs of them) are. Implemented automatically.
pub trait Data: Clone + Send + Sync + Serialize + DeserializeOwned + 'static {}
impl<T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static> Data for T {}

/// A type that can key a stream (`key_by`).
///
/// Keys are assigned to key groups by hashing their *serialized* bytes (DESIGN §5), never by
/// Rust's `Hash`; `Hash + Eq` is only used for in-memory lookups. Implemented automatically.
pub trait Key: Data + std::hash::Hash + Eq {}
impl<T: Data + std::hash::Hash + Eq> Key for T {}
