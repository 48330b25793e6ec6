//! The Rasch DataStream API: `StreamEnv` builds a graph of typed `DataStream`s (with
//! `KeyedStream` and `ConnectedStreams` for keyed and two-input operations) and executes it —
//! in this process (local mode), as a printed plan (plan mode), or as a cluster worker.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod broadcast;
mod client;
mod co_group;
mod co_keyed;
mod connected;
mod datastream;
mod env;
mod join;
mod keyed;
mod mode;
mod records;
mod result;
mod windowed;

pub use broadcast::{BroadcastConnectedStream, BroadcastStream, KeyedBroadcastConnectedStream};
pub use client::JobClient;
pub use co_group::{CoGroupMode, CoGroupedStreams, EqualTo, JoinMode, JoinedStreams, TaggedUnion, TwoStreams, Where, WithWindow};
pub use co_keyed::KeyedConnectedStreams;
pub use connected::ConnectedStreams;
pub use datastream::{DataStream, DataStreamSink};
pub use env::StreamEnv;
pub use join::{IntervalJoin, IntervalJoined, IntoMillis};
pub use keyed::KeyedStream;
pub use mode::{ExecutionMode, MODE_ENV_VAR, PLAN_FILE_ENV_VAR};
pub use records::MALFORMED_RECORDS;
pub use result::JobResult;
pub use windowed::{AllWindowedStream, UnitKey, WindowedStream};
