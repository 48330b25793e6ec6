//! FAILED: the job failed and the restart strategy allows no further attempt (or it could not
//! even start). The cause is reported to the client; checkpoints are kept for a manual resume.

use crate::executor::JobExecutionResult;
use crate::jobmaster::{Job, JobState};
use rasch_core::{Error, Result};

pub(crate) fn run(job: &mut Job<'_>, cause: Error) -> Result<JobExecutionResult> {
    job.enter(JobState::Failed)?;
    job.monitor.failed(&cause);
    Err(cause)
}
