//! CANCELED: the job was cancelled. Its checkpoints are deleted unless
//! `execution.checkpointing.externalized-checkpoint-retention` retains them on cancellation.

use crate::executor::JobExecutionResult;
use crate::jobmaster::{Job, JobState};
use rasch_core::{Error, Result};

pub(crate) fn run(job: &mut Job<'_>) -> Result<JobExecutionResult> {
    job.enter(JobState::Canceled)?;
    if !job.supervisor.cp.retain_on_cancellation {
        job.supervisor.discard_checkpoints();
    }
    Err(Error::Cancelled)
}
