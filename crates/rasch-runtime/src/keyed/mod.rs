//! Keyed operators' shared machinery: the per-instance state backend and timers
//! ([`KeyedRuntime`]) and the context keyed user functions receive ([`KeyedContext`]).

mod context;
mod runtime;

pub use context::{KeyedContext, TimeDomain};
pub use runtime::KeyedRuntime;
