//! The JobManager process (`rasch jobmanager`). Placeholder: the runtime is built on another
//! branch and replaces this module at merge.

use crate::config::ClusterConfig;

/// Runs the JobManager in the foreground until it is stopped.
pub fn run(config: &ClusterConfig) -> rasch_core::Result<()> {
    let _ = config;
    Err(rasch_core::Error::Internal("the JobManager runtime is not built yet".into()))
}
