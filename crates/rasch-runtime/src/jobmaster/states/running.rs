//! RUNNING: every task of the attempt runs; the job master triggers and completes
//! checkpoints and savepoints and runs the end-of-job handshake (`attempt.rs`) until the tasks
//! finish, one fails, or the client cancels or suspends the job.

use crate::jobmaster::attempt::{Outcome, RunningAttempt};
use crate::jobmaster::{Job, JobState, Step};
use rasch_core::Result;

pub(crate) fn run(job: &mut Job<'_>, mut attempt: Box<RunningAttempt>) -> Result<Step> {
    job.enter(JobState::Running)?;
    Ok(match attempt.run(&mut job.supervisor, job.info, job.opts) {
        Outcome::Finished => Step::Finished(job.deployer.finish(false)),
        Outcome::Failed(cause) => Step::Failing(Some(attempt), cause),
        Outcome::Cancel => Step::Cancelling(Some(attempt)),
        Outcome::Suspend => Step::Suspended(attempt),
    })
}
