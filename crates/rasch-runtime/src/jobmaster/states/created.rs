//! CREATED: the job is accepted; its checkpoint settings, restart strategy and checkpoint
//! storage are set up, and the savepoint it starts from (if any) is read and checked against
//! the job's operators.

use crate::checkpoint::{CheckpointConfig, CheckpointStore, RestorePlan};
use crate::executor::{ExecutionOptions, JobMonitor, RestartStrategy};
use crate::jobmaster::{Deployer, Job, JobInfo, JobState, Supervisor};
use rasch_core::Result;
use std::time::Instant;

/// The job in state CREATED (invalid settings fail it right away).
pub(crate) fn create<'a>(
    info: &'a JobInfo,
    opts: &'a ExecutionOptions,
    initial: Option<RestorePlan>,
    monitor: &'a JobMonitor,
    deployer: &'a mut dyn Deployer,
) -> Result<Job<'a>> {
    let cp = CheckpointConfig::from_config(&opts.config)?;
    let restart = RestartStrategy::from_config(&opts.config, cp.enabled())?;
    let job_id = monitor.job_id();
    let storage = match &cp.dir {
        Some(dir) => Some(rasch_storage::CheckpointStorage::new(dir, &job_id)?),
        None => None,
    };
    let supervisor = Supervisor {
        store: CheckpointStore::new(cp.num_retained),
        cp,
        storage,
        written: Default::default(),
        aborted: Vec::new(),
        job_id,
        monitor: monitor.clone(),
    };
    deployer.on_state(JobState::Created);
    Ok(Job {
        info,
        opts,
        monitor,
        deployer,
        supervisor,
        restart,
        attempt: 0,
        restored: initial,
        started: Instant::now(),
        state: JobState::Created,
    })
}

/// Reads the savepoint or checkpoint the job starts from (`execution.savepoint.path`) and
/// checks that the job has every operator with state in it, unless allowed otherwise.
pub(crate) fn run(job: &mut Job<'_>) -> Result<()> {
    if job.restored.is_some() {
        return Ok(());
    }
    let config = &job.opts.config;
    if let Some(path) = config.read(rasch_core::config::SAVEPOINT_PATH)? {
        let plan = crate::checkpoint::read_restore_path(&path)?;
        let allow = config.value(rasch_core::config::SAVEPOINT_IGNORE_UNCLAIMED)?;
        plan.check_all_mapped(&job.info.operator_ids, allow)?;
        job.supervisor.store.continue_after(plan.checkpoint_id);
        job.restored = Some(plan);
    }
    Ok(())
}
