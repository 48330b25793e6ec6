//! Rasch: Apache Flink's model — stateful computations over unbounded and bounded data
//! streams — natively in Rust.
//!
//! ```no_run
//! use rasch::prelude::*;
//!
//! fn main() -> rasch::Result<()> {
//!     let env = StreamEnv::from_args();
//!     env.from_collection(vec!["to be or not to be".to_string()])
//!         .flat_map(|line: String| line.split(' ').map(|w| (w.to_string(), 1u64)).collect::<Vec<_>>())
//!         .key_by(|(word, _)| word.clone())
//!         .sum(1)
//!         .print();
//!     env.execute("WordCount")?;
//!     Ok(())
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use rasch_api::JobClient;
pub use rasch_api::MALFORMED_RECORDS;
pub use rasch_api::{BroadcastConnectedStream, BroadcastStream, KeyedBroadcastConnectedStream, KeyedConnectedStreams};
pub use rasch_api::{CoGroupedStreams, IntervalJoin, IntervalJoined, IntoMillis, JoinedStreams, TaggedUnion};
pub use rasch_api::{ConnectedStreams, DataStream, DataStreamSink, ExecutionMode, JobResult, KeyedStream, StreamEnv};
pub use rasch_core::{
    CompactString, Configuration, Data, Error, ErrorKind, Key, Params, Record, Result, RuntimeMode, ToText, config, keygroup, timestamp,
};
pub use rasch_runtime::checkpoint::{CheckpointStatus, StopMode};
pub use rasch_runtime::windows;
pub use rasch_runtime::{collector, context, functions, keyed, sink, source, watermarks};

/// serde, re-exported so that a job needs no dependency of its own to define record types:
/// `#[derive(Serialize, Deserialize)]` (both in the prelude) plus `#[serde(crate = "rasch::serde")]`.
pub use serde;

/// Keyed state: handles, TTL, aggregate functions.
pub mod state {
    pub use rasch_state::*;
}

/// Savepoint files: dispose of one (`rasch savepoint -d <path>`).
pub mod savepoint {
    /// Deletes the savepoint at `path` (refuses anything without a `_metadata`).
    pub fn dispose(path: &str) -> crate::Result<()> {
        rasch_storage::SavepointStorage::dispose(path)
    }
}

/// Complex event processing (Flink's CEP library): `Pattern`, `CEP::pattern`, matches.
pub mod cep {
    pub use rasch_cep::*;
}

/// Built-in sources and sinks.
pub mod connectors {
    pub use rasch_connectors::*;
}

/// Low-level runtime pieces (graphs, operators, executor) for custom operators and tooling.
pub mod runtime {
    pub use rasch_runtime::*;
}

/// The README's and `docs/` pages' Rust code blocks, compiled (and, unless marked `no_run`,
/// run) by `cargo test --doc` so that the documentation cannot drift from the API.
#[cfg(doctest)]
mod doc_pages {
    #[doc = include_str!("../../../README.md")]
    struct Readme;
    #[doc = include_str!("../../../docs/api.md")]
    struct Api;
    #[doc = include_str!("../../../docs/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../../../docs/benchmarks.md")]
    struct Benchmarks;
    #[doc = include_str!("../../../docs/cep.md")]
    struct Cep;
    #[doc = include_str!("../../../docs/checkpoints.md")]
    struct Checkpoints;
    #[doc = include_str!("../../../docs/cluster.md")]
    struct Cluster;
    #[doc = include_str!("../../../docs/concepts.md")]
    struct Concepts;
    #[doc = include_str!("../../../docs/configuration.md")]
    struct Configuration;
    #[doc = include_str!("../../../docs/files.md")]
    struct Files;
    #[doc = include_str!("../../../docs/high-availability.md")]
    struct HighAvailability;
    #[cfg(feature = "kafka")]
    #[doc = include_str!("../../../docs/kafka.md")]
    struct Kafka;
    #[doc = include_str!("../../../docs/layout.md")]
    struct Layout;
    #[doc = include_str!("../../../docs/network.md")]
    struct Network;
    #[cfg(feature = "postgres")]
    #[doc = include_str!("../../../docs/postgres.md")]
    struct Postgres;
    #[doc = include_str!("../../../docs/rest.md")]
    struct Rest;
    #[doc = include_str!("../../../docs/sql.md")]
    struct Sql;
    #[doc = include_str!("../../../docs/state-backends.md")]
    struct StateBackends;
}

/// Everything a job needs: `use rasch::prelude::*;`.
pub mod prelude {
    pub use crate::collector::{Collector, OutputTag};
    pub use crate::context::{Counter, RuntimeContext};
    pub use crate::functions::{
        CoFlatMapFunction, CoMapFunction, CoProcessFunction, FilterFunction, FlatMapFunction, KeySelector, KeyedProcessFunction,
        MapFunction, ProcessContext, ProcessFunction, ReduceFunction,
    };
    pub use crate::keyed::{KeyedContext, TimeDomain};
    pub use crate::sink::{Sink, SinkWriter};
    pub use crate::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
    pub use crate::state::{
        AggregateFn, AggregateFunction, AggregatingState, ListState, MapState, ReducingState, StateTtlConfig, TtlUpdateType, ValueState,
    };
    pub use crate::watermarks::{WatermarkGenerator, WatermarkOutput, WatermarkStrategy};
    pub use crate::{BroadcastStream, IntoMillis, KeyedConnectedStreams};
    pub use crate::{
        CompactString, Data, DataStream, Error, JobResult, Key, KeyedStream, Params, Record, Result, RuntimeMode, StreamEnv, ToText,
    };
    pub use rasch_connectors::WriteMode;
    pub use rasch_core::{Clock, ManualClock, WatermarkStatus};
    pub use rasch_runtime::operators::{
        BroadcastContext, BroadcastProcessFunction, BroadcastState, BroadcastStateDescriptor, JoinContext, KeyedBroadcastProcessFunction,
        KeyedCoProcessFunction, KeyedReadOnlyBroadcastContext, ProcessJoinFunction, ReadOnlyBroadcastContext, ReadOnlyBroadcastState,
    };
    pub use serde::{Deserialize, Serialize};
    pub use {
        crate::windows::{
            ContinuousEventTimeTrigger, ContinuousProcessingTimeTrigger, CountEvictor, CountTrigger, DeltaEvictor, EventTimeSessionWindows,
            EventTimeTrigger, Evictor, EvictorContext, GlobalWindow, GlobalWindows, NeverTrigger, ProcessWindowFn, ProcessWindowFunction,
            ProcessingTimeSessionWindows, ProcessingTimeTrigger, PurgingTrigger, SlidingEventTimeWindows, SlidingProcessingTimeWindows,
            TimeEvictor, TimeWindow, Trigger, TriggerContext, TriggerResult, TumblingEventTimeWindows, TumblingProcessingTimeWindows,
            Window, WindowAssigner, WindowContext,
        },
        rasch_api::{AllWindowedStream, WindowedStream},
    };
}
