//! Rasch cluster surface: the configuration of a standalone cluster (`conf/config.yaml`,
//! `conf/workers`), the content-addressed blob store for job binaries, and the Flink-compatible
//! REST API with its dashboard. The JobManager/TaskManager runtime plugs in through
//! [`rest::RestBackend`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blob;
pub mod clock;
pub mod config;
pub mod ha;
pub mod jobmanager;
pub mod rest;
pub mod taskmanager;
pub mod testing;
pub mod threads;

pub use blob::{BlobError, BlobInfo, BlobStore};
pub use config::ClusterConfig;
pub use rest::{RestBackend, RestError, RestOptions, SubmitJob};
