//! Rasch runtime: runs a job graph — tasks (one thread each), chained operators, partitioned
//! exchanges with bounded queues, sources and sinks, and the in-process (local) executor.
//!
//! Users never touch this crate directly; `rasch-api` builds graphs out of its pieces. The
//! public surface is generic for users, but inside a task operators are `Box<dyn Output<T>>`
//! called once per *batch*, so dynamic dispatch never happens per record.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod channel;
pub mod checkpoint;
pub mod collector;
pub mod context;
pub mod executor;
pub mod functions;
pub mod graph;
pub mod jobmaster;
pub mod keyed;
pub mod metrics;
pub mod net;
pub mod operators;
pub mod output;
pub mod partition;
pub mod remote;
pub mod sink;
pub mod source;
pub mod task;
pub mod time;
pub mod watermarks;
pub mod windows;

pub use rasch_core::{Error, Result};

/// Records per batch moved between operators and tasks unless configured otherwise (the
/// default of `taskmanager.network.batch-size`, [`rasch_core::config::BATCH_SIZE`]).
pub const DEFAULT_BATCH_SIZE: usize = 1024;

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_batch_size_is_the_registry_default() {
        assert_eq!(rasch_core::config::BATCH_SIZE.default_value(), Some(super::DEFAULT_BATCH_SIZE));
    }
}
