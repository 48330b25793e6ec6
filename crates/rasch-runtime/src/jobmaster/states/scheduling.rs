//! SCHEDULING: the deployer acquires resources (slots, workers) and starts every task of the
//! attempt, restoring the latest checkpoint or the savepoint the job started from.

use crate::jobmaster::attempt::RunningAttempt;
use crate::jobmaster::{Job, JobState, Step};
use rasch_core::{Error, Result};

pub(crate) fn run(job: &mut Job<'_>) -> Result<Step> {
    job.enter(JobState::Scheduling)?;
    let deployed = job.deployer.deploy(job.attempt, job.restored.as_ref(), &job.supervisor);
    Ok(match deployed {
        Ok(deployed) => Step::Running(Box::new(RunningAttempt::new(deployed, &job.supervisor.cp))),
        Err(Error::Cancelled) => Step::Cancelling(None),
        Err(e) => Step::Failing(None, e),
    })
}
