//! FINISHED: every task finished. A finished job's checkpoints are of no further use and are
//! deleted; the result carries the runtime, restarts and completed checkpoints.

use crate::executor::JobExecutionResult;
use crate::jobmaster::{Job, JobState};
use rasch_core::Result;

pub(crate) fn run(job: &mut Job<'_>, mut result: JobExecutionResult) -> Result<JobExecutionResult> {
    job.enter(JobState::Finished)?;
    job.supervisor.discard_checkpoints();
    result.net_runtime = job.started.elapsed();
    result.restarts = job.attempt;
    result.completed_checkpoints = job.monitor.checkpoints().iter().filter(|c| c.status.is_completed()).count() as u64;
    Ok(result)
}
