//! The cluster as a whole: `/overview`, `/config`, and the `{"errors": [...]}` body.

use serde::{Deserialize, Serialize};

/// `GET /overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ClusterOverview {
    /// Registered TaskManagers.
    pub taskmanagers: usize,
    /// Slots of all TaskManagers.
    pub slots_total: usize,
    /// Free slots.
    pub slots_available: usize,
    /// Jobs not yet globally terminal.
    pub jobs_running: usize,
    /// Finished jobs.
    pub jobs_finished: usize,
    /// Cancelled jobs.
    pub jobs_cancelled: usize,
    /// Failed jobs.
    pub jobs_failed: usize,
    /// Rasch's version (Flink's field name).
    pub flink_version: String,
    /// Rasch's commit (Flink's field name).
    pub flink_commit: String,
}

/// `GET /config` (dashboard configuration); built by the router, not the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DashboardConfig {
    /// Polling interval of the dashboard in ms.
    pub refresh_interval: u64,
    /// Time zone name.
    pub timezone_name: String,
    /// Time zone offset in ms.
    pub timezone_offset: i64,
    /// Version.
    pub flink_version: String,
    /// Revision.
    pub flink_revision: String,
    /// Enabled dashboard features.
    pub features: DashboardFeatures,
}

/// `features` of [`DashboardConfig`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DashboardFeatures {
    /// `web.submit.enable`.
    pub web_submit: bool,
    /// `web.cancel.enable`.
    pub web_cancel: bool,
    /// Rescaling from the UI (not supported).
    pub web_rescale: bool,
    /// History server mode (never).
    pub web_history: bool,
}

/// The `{"errors": [...]}` body of every 4xx/5xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub errors: Vec<String>,
}
