//! Typed outcomes and requests of checkpoints: a checkpoint's [`CheckpointStatus`] and the
//! [`StopMode`] of a stop-with-savepoint. Both serialize to the strings Flink's REST API shows.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a checkpoint stands (Flink's `CheckpointStatsStatus`); serialized as `IN_PROGRESS`,
/// `COMPLETED` or `FAILED`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckpointStatus {
    /// Triggered, not every task has acknowledged yet.
    #[default]
    InProgress,
    /// Every task acknowledged and the metadata is written.
    Completed,
    /// Aborted (timeout, declined, failed task).
    Failed,
}

impl CheckpointStatus {
    /// Flink's REST name: `IN_PROGRESS`, `COMPLETED`, `FAILED`.
    pub fn name(self) -> &'static str {
        match self {
            CheckpointStatus::InProgress => "IN_PROGRESS",
            CheckpointStatus::Completed => "COMPLETED",
            CheckpointStatus::Failed => "FAILED",
        }
    }

    /// True for [`CheckpointStatus::Completed`].
    pub fn is_completed(self) -> bool {
        self == CheckpointStatus::Completed
    }
}

impl fmt::Display for CheckpointStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a job stops after its stop-with-savepoint completes (`rasch stop [--drain]`, REST
/// `POST /jobs/:id/stop` with `drain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StopMode {
    /// Stop right after the savepoint; windows and timers keep their state in it (Flink's
    /// `TERMINATE`, the default).
    Stop,
    /// Emit the maximum watermark first so event-time windows and timers fire, then stop
    /// (Flink's `--drain`, `SUSPEND` with end of input).
    Drain,
}

impl StopMode {
    /// [`StopMode::Drain`] when `drain`, else [`StopMode::Stop`].
    pub fn from_drain(drain: bool) -> Self {
        if drain { StopMode::Drain } else { StopMode::Stop }
    }

    /// True for [`StopMode::Drain`].
    pub fn drains(self) -> bool {
        self == StopMode::Drain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_status_serializes_to_flink_names() {
        for s in [CheckpointStatus::InProgress, CheckpointStatus::Completed, CheckpointStatus::Failed] {
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.name()));
            assert_eq!(serde_json::from_value::<CheckpointStatus>(serde_json::json!(s.name())).unwrap(), s);
        }
    }

    #[test]
    fn stop_mode_from_drain_flag() {
        assert_eq!(StopMode::from_drain(true), StopMode::Drain);
        assert!(!StopMode::from_drain(false).drains());
    }
}
