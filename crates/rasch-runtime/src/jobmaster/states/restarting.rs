//! RESTARTING: the restart strategy's delay passes, then the next attempt is scheduled from the
//! newest completed checkpoint (or, if none completed, from what the job started from).

use crate::jobmaster::{Job, JobState, Step};
use rasch_core::Result;
use std::time::{Duration, Instant};

pub(crate) fn run(job: &mut Job<'_>, delay: Duration) -> Result<Step> {
    job.enter(JobState::Restarting)?;
    let until = Instant::now() + delay;
    while Instant::now() < until {
        if job.opts.cancel.is_cancelled() {
            return Ok(crate::jobmaster::Step::Canceled);
        }
        std::thread::sleep(until.saturating_duration_since(Instant::now()).min(Duration::from_millis(20)));
    }
    job.attempt += 1;
    job.monitor.restarted();
    if let Some(plan) = job.supervisor.store.latest_plan(job.supervisor.storage.as_ref())? {
        job.restored = Some(plan);
    }
    Ok(Step::Scheduling)
}
