//! The states of a job and the transitions between them (Flink's `JobStatus`, plus the
//! `SCHEDULING` phase in which an attempt waits for slots and deploys its tasks). An illegal
//! transition is an error, never silently dropped.

use rasch_core::{Error, Result};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Accepted; the restore point (savepoint) is checked.
    Created,
    /// An attempt waits for resources and deploys its tasks.
    Scheduling,
    /// Every task of the attempt runs; checkpoints are taken.
    Running,
    /// A task failed: the others are stopped.
    Failing,
    /// Waiting out the restart strategy's delay before the next attempt.
    Restarting,
    /// The user cancelled: the tasks are stopped.
    Cancelling,
    /// Every task finished (terminal).
    Finished,
    /// The job failed and will not restart (terminal).
    Failed,
    /// Cancelled (terminal).
    Canceled,
    /// Stopped by its job master without ending; its checkpoints are kept (terminal here).
    Suspended,
}

impl JobState {
    /// Flink's name of the state (what REST shows); `SCHEDULING` is Flink's `CREATED`.
    pub fn flink_name(self) -> &'static str {
        match self {
            JobState::Created | JobState::Scheduling => "CREATED",
            JobState::Running => "RUNNING",
            JobState::Failing => "FAILING",
            JobState::Restarting => "RESTARTING",
            JobState::Cancelling => "CANCELLING",
            JobState::Finished => "FINISHED",
            JobState::Failed => "FAILED",
            JobState::Canceled => "CANCELED",
            JobState::Suspended => "SUSPENDED",
        }
    }

    /// Whether the job's life is over.
    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Finished | JobState::Failed | JobState::Canceled | JobState::Suspended)
    }

    /// The transitions a job may take.
    pub fn can_become(self, next: JobState) -> bool {
        use JobState::*;
        matches!(
            (self, next),
            (Created, Scheduling | Failed | Canceled)
                | (Scheduling, Running | Failing | Cancelling | Suspended)
                | (Running, Finished | Failing | Cancelling | Suspended)
                | (Failing, Restarting | Failed | Canceled)
                | (Restarting, Scheduling | Canceled)
                | (Cancelling, Canceled)
        )
    }

    /// `next` if this state may become it, otherwise an error naming both.
    pub fn transition(self, next: JobState) -> Result<JobState> {
        if self.can_become(next) { Ok(next) } else { Err(Error::Internal(format!("illegal job state transition {self:?} → {next:?}"))) }
    }
}

#[cfg(test)]
mod tests {
    use super::JobState::*;

    #[test]
    fn a_job_life_follows_the_table_and_terminal_states_are_final() {
        // A failure, a restart, then success.
        let life = [Created, Scheduling, Running, Failing, Restarting, Scheduling, Running, Finished];
        life.windows(2).for_each(|w| assert_eq!(w[0].transition(w[1]).unwrap(), w[1]));
        for terminal in [Finished, Failed, Canceled, Suspended] {
            assert!(terminal.is_terminal());
            assert!([Created, Scheduling, Running, Restarting].iter().all(|s| !terminal.can_become(*s)));
        }
        let err = Running.transition(Restarting).unwrap_err().to_string();
        assert!(err.contains("Running → Restarting"), "{err}");
        assert!(Finished.transition(Running).is_err());
    }
}
