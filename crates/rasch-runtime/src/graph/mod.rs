//! Job graphs: the `StreamGraph` the API builds (one node per operator), its translation into
//! a `JobGraph` (operators chained into vertices, partitioners resolved, stable ids), and the
//! plan JSON that `rasch info` and the cluster read.

mod job_graph;
mod plan;
mod stream_graph;
mod type_ops;

pub use job_graph::{JobEdge, JobGraph, JobVertex, TranslateOptions};
pub use plan::plan_json;
pub use stream_graph::{Chaining, NodeId, StreamEdge, StreamGraph, StreamNode};
pub use type_ops::{TypeOps, type_ops};
