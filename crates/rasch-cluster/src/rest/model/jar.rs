//! Job binaries (Flink's jars): `/jars`, `/jars/upload`, `/jars/:jarid/run`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /jars` entry's `entry` list item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarEntryInfo {
    /// Entry point name (`main`).
    pub name: String,
    /// Description.
    pub description: Option<String>,
}

/// `GET /jars` file entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarFileInfo {
    /// Jar id (SHA-256 hex).
    pub id: String,
    /// Original file name.
    pub name: String,
    /// Upload time, ms since the epoch.
    pub uploaded: u64,
    /// Entry points.
    pub entry: Vec<JarEntryInfo>,
}

/// `GET /jars`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarListInfo {
    /// `http://host:port` of the REST endpoint.
    pub address: String,
    /// Uploaded binaries.
    pub files: Vec<JarFileInfo>,
}

/// `POST /jars/upload` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarUploadResponse {
    /// The stored name; its last path segment is the jar id (SHA-256 hex).
    pub filename: String,
    /// `success`.
    pub status: String,
}

/// `POST /jars/:jarid/run` body (Flink's `JarRunRequestBody`; query parameters with the same
/// meaning are also accepted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JarRunRequest {
    /// Ignored (Rust binaries have one entry point).
    pub entry_class: Option<String>,
    /// Arguments as one string, split on whitespace (prefer `programArgsList`).
    pub program_args: Option<String>,
    /// Arguments.
    pub program_args_list: Option<Vec<String>>,
    /// Parallelism.
    pub parallelism: Option<usize>,
    /// Requested job id (not supported; must be absent).
    pub job_id: Option<String>,
    /// Allow savepoint state that maps to no operator.
    pub allow_non_restored_state: Option<bool>,
    /// Savepoint to restore from.
    pub savepoint_path: Option<String>,
    /// Restore mode (`NO_CLAIM`, `CLAIM`); accepted, informational.
    pub restore_mode: Option<String>,
    /// Extra configuration for the job.
    pub flink_configuration: Option<BTreeMap<String, String>>,
}

/// `POST /jars/:jarid/run` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarRunResponse {
    /// The new job's id.
    pub jobid: String,
}
