//! The states the REST API reports, as types: a job's status (Flink's `JobStatus` names) and the
//! status of an asynchronous operation (savepoint, checkpoint, disposal), so the CLI decides by
//! variant, not by comparing strings.

use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// A job's status as REST reports it (`state` of `/jobs/overview` and `/jobs/:id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    /// Being set up.
    Initializing,
    /// Created, not yet running.
    Created,
    /// Running.
    Running,
    /// Failing (Flink: before restarting or failing).
    Failing,
    /// Failed for good.
    Failed,
    /// Being cancelled.
    Cancelling,
    /// Cancelled.
    Canceled,
    /// Finished.
    Finished,
    /// Restarting after a failure.
    Restarting,
    /// Suspended (Flink: the JobManager lost leadership).
    Suspended,
    /// Reconciling (Flink: recovering its execution graph).
    Reconciling,
    /// A state this CLI does not know.
    #[serde(other)]
    Unknown,
}

/// How `rasch list` groups jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobGroup {
    /// Not yet running.
    Scheduled,
    /// Running, restarting or on its way to an end.
    Running,
    /// Ended.
    Terminated,
}

impl JobState {
    /// The `state` field of a REST job object; [`JobState::Unknown`] when absent or new.
    pub fn of(job: &Value) -> JobState {
        job.get("state").cloned().and_then(|s| serde_json::from_value(s).ok()).unwrap_or(JobState::Unknown)
    }

    /// Whether the job has ended (Flink's globally terminal states, plus suspended).
    pub fn is_terminal(self) -> bool {
        self.group() == Some(JobGroup::Terminated)
    }

    /// The section of `rasch list` the job belongs to.
    pub fn group(self) -> Option<JobGroup> {
        use JobState::*;
        match self {
            Created | Initializing => Some(JobGroup::Scheduled),
            Running | Restarting | Failing | Cancelling | Reconciling => Some(JobGroup::Running),
            Finished | Failed | Canceled | Suspended => Some(JobGroup::Terminated),
            Unknown => None,
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            JobState::Initializing => "INITIALIZING",
            JobState::Created => "CREATED",
            JobState::Running => "RUNNING",
            JobState::Failing => "FAILING",
            JobState::Failed => "FAILED",
            JobState::Cancelling => "CANCELLING",
            JobState::Canceled => "CANCELED",
            JobState::Finished => "FINISHED",
            JobState::Restarting => "RESTARTING",
            JobState::Suspended => "SUSPENDED",
            JobState::Reconciling => "RECONCILING",
            JobState::Unknown => "UNKNOWN",
        };
        f.write_str(name)
    }
}

/// `status.id` of an asynchronous operation's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationState {
    /// Still running: poll again.
    InProgress,
    /// Done, successfully or with a `failure-cause`.
    Completed,
}

impl OperationState {
    /// The `status.id` of an operation answer, `None` when it is missing or unknown.
    pub fn of(answer: &Value) -> Option<OperationState> {
        answer.pointer("/status/id").cloned().and_then(|s| serde_json::from_value(s).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_are_read_from_rest_answers() {
        assert_eq!(JobState::of(&json!({"state": "FAILED"})), JobState::Failed);
        assert_eq!(JobState::of(&json!({"state": "SOMETHING_NEW"})), JobState::Unknown);
        assert_eq!(JobState::of(&json!({})), JobState::Unknown);
        assert!(JobState::Suspended.is_terminal() && !JobState::Restarting.is_terminal());
        assert_eq!(JobState::Cancelling.to_string(), "CANCELLING");
        assert_eq!(OperationState::of(&json!({"status": {"id": "IN_PROGRESS"}})), Some(OperationState::InProgress));
        assert_eq!(OperationState::of(&json!({"status": {"id": "COMPLETED"}})), Some(OperationState::Completed));
        assert_eq!(OperationState::of(&json!({"status": {"id": "WHATEVER"}})), None);
    }
}
