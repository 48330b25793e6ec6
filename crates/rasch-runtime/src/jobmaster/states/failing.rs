//! FAILING: a task (or a checkpoint beyond the tolerance) failed. The other tasks are stopped;
//! then the restart strategy decides between RESTARTING and FAILED. A cancel the client asked
//! for wins over the failures it causes on the way down.

use crate::jobmaster::attempt::RunningAttempt;
use crate::jobmaster::{Job, JobState, Step};
use rasch_core::{Error, Result};
use std::time::Instant;

pub(crate) fn run(job: &mut Job<'_>, attempt: Option<Box<RunningAttempt>>, cause: Error) -> Result<Step> {
    job.enter(JobState::Failing)?;
    let reported = attempt.and_then(|mut attempt| attempt.stop(job.info));
    job.deployer.finish(true);
    // A task stopped first (cancelled) hides the failure that stopped it.
    let cause = match (cause, reported) {
        (Error::Cancelled, Some(real)) => real,
        (cause, _) => cause,
    };
    if job.opts.cancel.is_cancelled() || matches!(cause, Error::Cancelled) {
        return Ok(Step::Canceled);
    }
    Ok(match job.restart.on_failure(Instant::now()) {
        Some(delay) => {
            job.monitor.failed(&cause);
            Step::Restarting(delay)
        }
        // FAILED records the cause.
        None => Step::Failed(cause),
    })
}
