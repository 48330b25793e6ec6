//! SUSPENDED: the job master stopped the job without ending it (e.g. it is shutting down).
//! The tasks are stopped and every checkpoint is kept, so that the job can resume from its
//! checkpoint directory (`rasch run -s <dir>/<job-id>`).

use crate::executor::JobExecutionResult;
use crate::jobmaster::attempt::RunningAttempt;
use crate::jobmaster::{Job, JobState};
use rasch_core::{Error, Result};

pub(crate) fn run(job: &mut Job<'_>, mut attempt: Box<RunningAttempt>) -> Result<JobExecutionResult> {
    job.enter(JobState::Suspended)?;
    attempt.stop(job.info);
    job.deployer.finish(true);
    Err(Error::Suspended)
}
