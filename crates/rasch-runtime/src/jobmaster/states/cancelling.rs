//! CANCELLING: the client cancelled the job; every task is stopped.

use crate::jobmaster::attempt::RunningAttempt;
use crate::jobmaster::{Job, JobState, Step};
use rasch_core::Result;

pub(crate) fn run(job: &mut Job<'_>, attempt: Option<Box<RunningAttempt>>) -> Result<Step> {
    job.enter(JobState::Cancelling)?;
    if let Some(mut attempt) = attempt {
        attempt.stop(job.info);
    }
    job.deployer.finish(true);
    Ok(Step::Canceled)
}
