//! Complex event processing on Rasch (Flink's CEP library): describe a sequence of events with
//! the [`Pattern`] API, apply it to a keyed stream with [`CEP::pattern`], and get a stream of
//! [`Match`]es.
//!
//! ```no_run
//! use rasch_cep::{CEP, Pattern};
//! use rasch_api::StreamEnv;
//! use std::time::Duration;
//!
//! # fn main() -> rasch_core::Result<()> {
//! let env = StreamEnv::from_args();
//! let logins = env.from_collection(vec![("alice".to_string(), false), ("alice".to_string(), false), ("alice".to_string(), true)]);
//! let pattern = Pattern::<(String, bool)>::begin("failure").where_(|e| !e.1).times(2).consecutive()
//!     .next("success").where_(|e| e.1)
//!     .within(Duration::from_secs(60));
//! CEP::pattern(&logins.key_by(|e| e.0.clone()), pattern)?
//!     .in_processing_time()
//!     .select(|m| format!("{} logged in after 2 failures", m.events("success")[0].0))
//!     .print();
//! env.execute("Login alerts")?;
//! # Ok(())
//! # }
//! ```
//!
//! Internals: the pattern compiles to an [`nfa::Nfa`]; each key's partial matches are an
//! [`nfa::NfaState`] in keyed state, their events shared in a [`nfa::SharedBuffer`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod functions;
mod matched;
pub mod nfa;
pub mod operator;
#[cfg(test)]
mod operator_tests;
pub mod pattern;
mod skip;
mod stream;

pub use functions::{PatternContext, PatternProcessFunction, TimedOutPartialMatchHandler};
pub use matched::Match;
pub use nfa::ConditionContext;
pub use pattern::{Condition, Pattern};
pub use skip::AfterMatchSkipStrategy;
pub use stream::{CEP, PatternInput, PatternStream};
