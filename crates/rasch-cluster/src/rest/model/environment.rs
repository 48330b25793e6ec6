//! `GET /jobmanager/environment` (and `/jobs/:jobid/jobmanager/environment`): Flink's
//! `EnvironmentInfo`. Rasch has no JVM; the `jvm` object describes the Rust process instead.

use serde::{Deserialize, Serialize};

/// `jvm` of [`EnvironmentInfo`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JvmInfo {
    /// The runtime's version (`Rasch <version> (Rust, no JVM)`).
    pub version: String,
    /// CPU architecture.
    pub arch: String,
    /// The process's command line arguments.
    pub options: Vec<String>,
}

/// `GET /jobmanager/environment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentInfo {
    /// The process.
    pub jvm: JvmInfo,
    /// Class path (always empty: job binaries are linked, not loaded).
    pub classpath: Vec<String>,
}

impl EnvironmentInfo {
    /// The environment of this process.
    pub fn of_this_process() -> Self {
        EnvironmentInfo {
            jvm: JvmInfo {
                version: format!("Rasch {} (Rust, no JVM)", env!("CARGO_PKG_VERSION")),
                arch: std::env::consts::ARCH.into(),
                options: std::env::args().collect(),
            },
            classpath: Vec::new(),
        }
    }
}
