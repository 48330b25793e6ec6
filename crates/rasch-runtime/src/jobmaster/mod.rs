//! The job master: one explicit state machine drives every job from submission to its end,
//! whether its tasks run as threads of this process (the local executor) or in worker
//! processes of a cluster — two [`Deployer`]s behind the same states.
//!
//! Each state is one module under `states/`; reading them in this order tells a job's life:
//!
//! ```text
//! created ─► scheduling ─► running ─► finished
//!                ▲            │ ├──► cancelling ─► canceled
//!                │            │ └──► suspended
//!                │            ▼
//!           restarting ◄── failing ─► failed
//! ```
//!
//! * `created`: the restore point (`execution.savepoint.path`) is read and checked.
//! * `scheduling`: the deployer acquires resources and starts the attempt's tasks.
//! * `running`: checkpoints, savepoints and the end-of-job handshake (`attempt.rs`).
//! * `failing`: a task failed; the others are stopped; the restart strategy decides.
//! * `restarting`: the restart delay passes; the next attempt restores the latest checkpoint.
//! * `cancelling`: the client cancelled; the tasks are stopped.
//! * `finished`, `failed`, `canceled`, `suspended`: terminal; checkpoints are cleaned up as
//!   configured (a suspended job keeps them).

mod attempt;
mod deployer;
mod state;
mod states;
mod supervisor;

pub use deployer::{DeployedAttempt, Deployer, TaskLink};
pub use state::JobState;
pub use supervisor::{JobInfo, Supervisor};

use crate::checkpoint::RestorePlan;
use crate::executor::{ExecutionOptions, JobExecutionResult, JobMonitor, RestartStrategy};
use attempt::RunningAttempt;
use rasch_core::{Error, Result};
use std::time::{Duration, Instant};

/// A job on its way through the states.
pub(crate) struct Job<'a> {
    pub(crate) info: &'a JobInfo,
    pub(crate) opts: &'a ExecutionOptions,
    pub(crate) monitor: &'a JobMonitor,
    pub(crate) deployer: &'a mut dyn Deployer,
    pub(crate) supervisor: Supervisor,
    pub(crate) restart: RestartStrategy,
    /// The attempt being (or about to be) deployed, 0 first.
    pub(crate) attempt: u32,
    /// What the next attempt restores from.
    pub(crate) restored: Option<RestorePlan>,
    pub(crate) started: Instant,
    state: JobState,
}

impl Job<'_> {
    /// Moves to `next`; an illegal transition is an error.
    pub(crate) fn enter(&mut self, next: JobState) -> Result<()> {
        self.state = self.state.transition(next)?;
        self.deployer.on_state(next);
        Ok(())
    }
}

/// Where a job goes next, with what that state needs.
pub(crate) enum Step {
    Scheduling,
    Running(Box<RunningAttempt>),
    Failing(Option<Box<RunningAttempt>>, Error),
    Restarting(Duration),
    Cancelling(Option<Box<RunningAttempt>>),
    Finished(JobExecutionResult),
    Failed(Error),
    Canceled,
    Suspended(Box<RunningAttempt>),
}

/// Runs `job` from submission to its end through `deployer`, restored from `initial` (or from
/// `execution.savepoint.path`), restarting from the latest checkpoint under the restart strategy.
pub fn run_job(
    job: &JobInfo,
    opts: &ExecutionOptions,
    initial: Option<RestorePlan>,
    monitor: &JobMonitor,
    deployer: &mut dyn Deployer,
) -> Result<JobExecutionResult> {
    let mut job = states::created::create(job, opts, initial, monitor, deployer)?;
    let mut step = match states::created::run(&mut job) {
        Ok(()) => Step::Scheduling,
        Err(e) => Step::Failed(e),
    };
    loop {
        step = match step {
            Step::Scheduling => states::scheduling::run(&mut job)?,
            Step::Running(attempt) => states::running::run(&mut job, attempt)?,
            Step::Failing(attempt, cause) => states::failing::run(&mut job, attempt, cause)?,
            Step::Restarting(delay) => states::restarting::run(&mut job, delay)?,
            Step::Cancelling(attempt) => states::cancelling::run(&mut job, attempt)?,
            Step::Finished(result) => return states::finished::run(&mut job, result),
            Step::Failed(cause) => return states::failed::run(&mut job, cause),
            Step::Canceled => return states::canceled::run(&mut job),
            Step::Suspended(attempt) => return states::suspended::run(&mut job, attempt),
        };
    }
}
