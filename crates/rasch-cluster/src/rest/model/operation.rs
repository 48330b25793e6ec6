//! Asynchronous operations: savepoint, stop, checkpoint and disposal requests, their trigger
//! ids and their status.

use serde::{Deserialize, Serialize, Serializer};

/// `POST /jobs/:jobid/savepoints` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavepointTriggerRequest {
    /// Target directory (default `execution.checkpointing.savepoint-dir`).
    #[serde(rename = "target-directory")]
    pub target_directory: Option<String>,
    /// Cancel the job after the savepoint.
    #[serde(rename = "cancel-job", default)]
    pub cancel_job: bool,
    /// `CANONICAL` or `NATIVE`; informational.
    #[serde(rename = "formatType")]
    pub format_type: Option<String>,
    /// Client-chosen trigger id (not supported; ignored).
    #[serde(rename = "triggerId")]
    pub trigger_id: Option<String>,
}

/// `POST /jobs/:jobid/stop` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopWithSavepointRequest {
    /// Target directory.
    #[serde(rename = "targetDirectory")]
    pub target_directory: Option<String>,
    /// Emit MAX_WATERMARK and flush windows before stopping.
    #[serde(default)]
    pub drain: bool,
    /// `CANONICAL` or `NATIVE`; informational.
    #[serde(rename = "formatType")]
    pub format_type: Option<String>,
    /// Client-chosen trigger id (ignored).
    #[serde(rename = "triggerId")]
    pub trigger_id: Option<String>,
}

/// `POST /jobs/:jobid/checkpoints` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointTriggerRequest {
    /// `CONFIGURED`, `FULL` or `INCREMENTAL`.
    #[serde(rename = "checkpointType")]
    pub checkpoint_type: Option<String>,
    /// Client-chosen trigger id (ignored).
    #[serde(rename = "triggerId")]
    pub trigger_id: Option<String>,
}

/// `POST /savepoint-disposal` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavepointDisposalRequest {
    /// Savepoint to delete.
    #[serde(rename = "savepoint-path")]
    pub savepoint_path: Option<String>,
}

/// Answer of every trigger: `{"request-id": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerResponse {
    /// Id to poll the operation's status with.
    #[serde(rename = "request-id")]
    pub request_id: String,
}

/// The state of an asynchronous operation (savepoint, checkpoint, disposal), serialized like
/// Flink: `{"status":{"id":"IN_PROGRESS"}}` or `{"status":{"id":"COMPLETED"},"operation":{…}}`
/// where the operation holds `location` (savepoints), `checkpointId` (checkpoints) or
/// `failure-cause` (`{"class", "stack-trace"}`) when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationStatus {
    /// Still running.
    InProgress,
    /// Completed successfully; `location` for savepoints, `checkpoint_id` for checkpoints.
    Completed {
        /// Savepoint path.
        location: Option<String>,
        /// Checkpoint id.
        checkpoint_id: Option<u64>,
    },
    /// Completed with an error.
    Failed {
        /// The error message.
        cause: String,
    },
}

impl Serialize for OperationStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = match self {
            OperationStatus::InProgress => serde_json::json!({"status": {"id": "IN_PROGRESS"}}),
            OperationStatus::Completed { location, checkpoint_id } => {
                let mut op = serde_json::Map::new();
                if let Some(l) = location {
                    op.insert("location".into(), l.clone().into());
                }
                if let Some(c) = checkpoint_id {
                    op.insert("checkpointId".into(), (*c).into());
                }
                serde_json::json!({"status": {"id": "COMPLETED"}, "operation": op})
            }
            OperationStatus::Failed { cause } => serde_json::json!({
                "status": {"id": "COMPLETED"},
                "operation": {"failure-cause": {"class": "org.rasch.RaschException", "stack-trace": cause, "serialized-throwable": null}}
            }),
        };
        v.serialize(s)
    }
}
