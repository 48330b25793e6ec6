//! Keyed operators' shared machinery: the per-instance state backend and timers
//! ([`KeyedRuntime`]), the context keyed user functions receive ([`KeyedContext`]) and the
//! current-key holder that spares a clone per record ([`KeyCell`]).

mod context;
mod key_cell;
mod runtime;

pub use context::{KeyedContext, TimeDomain};
pub use key_cell::KeyCell;
pub use runtime::KeyedRuntime;
