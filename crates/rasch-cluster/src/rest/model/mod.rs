//! JSON model of the REST API, with Flink 1.20's field names (see
//! `/work/shared/flink-rest-samples` and Flink's REST API reference), so existing Flink tooling
//! can read it. Version fields keep Flink's names (`flink-version`) and carry Rasch's version.
//! One file per kind of resource; everything is re-exported here.

mod accumulator;
mod checkpoint;
mod checkpoint_subtasks;
mod cluster;
mod environment;
mod jar;
mod job;
mod metric;
mod operation;
mod subtasks;
mod taskmanager;
mod thread_dump;
mod vertex;

pub use accumulator::*;
pub use checkpoint::*;
pub use checkpoint_subtasks::*;
pub use cluster::*;
pub use environment::*;
pub use jar::*;
pub use job::*;
pub use metric::*;
pub use operation::*;
pub use rasch_runtime::checkpoint::StopMode;
pub use subtasks::*;
pub use taskmanager::*;
pub use thread_dump::*;
pub use vertex::*;
