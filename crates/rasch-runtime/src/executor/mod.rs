//! The local executor (embedded mini-cluster): wires gates and writers for every subtask of a
//! `JobGraph`, runs each task on its own thread, coordinates checkpoints, and on failure
//! cancels every task and — under the restart strategy — restarts the job from the latest
//! completed checkpoint. A failure that is not restarted fails the job promptly, reporting the
//! operator, subtask and cause.

pub(crate) mod build;
mod master;
mod restart;
pub(crate) mod wiring;

pub use master::{JobInfo, Supervisor, TaskLink};
pub use restart::RestartStrategy;

use crate::channel::CancelToken;
use crate::checkpoint::{CheckpointConfig, CheckpointStats, CheckpointStore, RestorePlan, StopMode};
use crate::graph::JobGraph;
use rasch_core::error::ErrorReport;
use rasch_core::{Clock, Configuration, Error, Result, RuntimeMode};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the executor waits for tasks to stop after a failure before giving up on them.
pub(crate) const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// Job-wide settings for one execution.
#[derive(Debug, Clone)]
pub struct ExecutionOptions {
    /// Records per batch.
    pub batch_size: usize,
    /// Streaming or batch semantics.
    pub runtime_mode: RuntimeMode,
    /// The job configuration, visible to functions.
    pub config: Arc<Configuration>,
    /// Cancels the job from outside when set.
    pub cancel: CancelToken,
    /// Processing time (a `ManualClock` in tests).
    pub clock: Arc<dyn Clock>,
    /// Commands from a job client (savepoints), if the job runs asynchronously.
    pub commands: Option<crossbeam_channel::Receiver<JobCommand>>,
}

/// A request from a job client to the running job.
#[derive(Debug)]
pub enum JobCommand {
    /// Take a checkpoint now; the reply carries its id once it completed.
    Checkpoint {
        /// Where the id (or the failure) is sent.
        reply: crossbeam_channel::Sender<Result<u64>>,
    },
    /// Take a savepoint into `dir`; with `stop`, end the job right after it (draining first
    /// with [`StopMode::Drain`]). The reply carries the savepoint's path.
    Savepoint {
        /// Target directory.
        dir: String,
        /// Stop the job after the savepoint, and how.
        stop: Option<StopMode>,
        /// Where the path (or the failure) is sent.
        reply: crossbeam_channel::Sender<Result<String>>,
    },
}

/// Counters of one operator summed over its subtasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorStats {
    /// Stable operator id.
    pub id: String,
    /// Operator name.
    pub name: String,
    /// Parallelism.
    pub parallelism: usize,
    /// Records received (`numRecordsIn`).
    pub records_in: u64,
    /// Records emitted (`numRecordsOut`).
    pub records_out: u64,
}

/// What a finished job reports.
#[derive(Debug, Clone)]
pub struct JobExecutionResult {
    /// The job's name.
    pub job_name: String,
    /// Wall-clock time from start to the last task finishing.
    pub net_runtime: Duration,
    /// Per-operator counters, in graph order.
    pub operators: Vec<OperatorStats>,
    /// User counters summed over subtasks (of the final attempt).
    pub accumulators: BTreeMap<String, i64>,
    /// How often the job restarted before it finished.
    pub restarts: u32,
    /// Checkpoints completed over all attempts.
    pub completed_checkpoints: u64,
}

/// Runs `job` in this process and waits for it to finish, restarting it from its latest
/// completed checkpoint as the restart strategy allows.
pub fn execute(job: Arc<JobGraph>, opts: &ExecutionOptions) -> Result<JobExecutionResult> {
    execute_with(job, opts, None, &JobMonitor::default())
}

/// Live view of a running job, shared with clients: checkpoint statistics and restarts.
#[derive(Debug, Default, Clone)]
pub struct JobMonitor {
    inner: Arc<Mutex<MonitorState>>,
}

#[derive(Debug, Default)]
struct MonitorState {
    checkpoints: Vec<CheckpointStats>,
    restarts: u32,
    job_id: Option<String>,
    exceptions: Vec<(i64, ErrorReport)>,
}

impl JobMonitor {
    /// Statistics of every checkpoint so far, oldest first.
    pub fn checkpoints(&self) -> Vec<CheckpointStats> {
        self.inner.lock().map(|m| m.checkpoints.clone()).unwrap_or_default()
    }
    /// The job's id (32 hex characters, like Flink's `JobID`), chosen on first use.
    pub fn job_id(&self) -> String {
        let Ok(mut m) = self.inner.lock() else { return "00000000000000000000000000000000".into() };
        m.job_id
            .get_or_insert_with(|| {
                use std::hash::{BuildHasher, Hasher};
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
                h.write_u32(std::process::id());
                let a = h.finish();
                h.write_u64(a);
                format!("{a:016x}{:016x}", h.finish())
            })
            .clone()
    }
    /// How many times the job restarted.
    pub fn restarts(&self) -> u32 {
        self.inner.lock().map(|m| m.restarts).unwrap_or(0)
    }
    pub(crate) fn record(&self, stats: &[CheckpointStats]) {
        if let Ok(mut m) = self.inner.lock() {
            m.checkpoints.extend_from_slice(stats);
        }
    }
    /// Failures of attempts so far, oldest first: (epoch ms, kind and cause chain).
    pub fn exceptions(&self) -> Vec<(i64, ErrorReport)> {
        self.inner.lock().map(|m| m.exceptions.clone()).unwrap_or_default()
    }
    /// Uses `id` as the job's id (the cluster chooses ids before the job starts).
    pub fn with_job_id(id: &str) -> Self {
        let m = JobMonitor::default();
        if let Ok(mut s) = m.inner.lock() {
            s.job_id = Some(id.to_string());
        }
        m
    }
    pub(crate) fn failed(&self, e: &Error) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        if let Ok(mut m) = self.inner.lock() {
            m.exceptions.push((now, e.report()));
        }
    }
    pub(crate) fn restarted(&self) {
        if let Ok(mut m) = self.inner.lock() {
            m.restarts += 1;
        }
    }
}

/// [`execute`], restoring from `initial` (a savepoint) and reporting into `monitor`.
pub fn execute_with(
    job: Arc<JobGraph>,
    opts: &ExecutionOptions,
    initial: Option<RestorePlan>,
    monitor: &JobMonitor,
) -> Result<JobExecutionResult> {
    let info = JobInfo::of(&job);
    execute_attempts(&info, opts, initial, monitor, &mut |attempt, restored, supervisor| {
        master::run_attempt(&job, opts, attempt, restored, supervisor)
    })
}

/// One attempt of a job: given the attempt number and the state to restore, runs every task
/// (in this process or on a cluster) under the supervisor and reports the result.
pub type AttemptFn<'a> = dyn FnMut(u32, Option<&RestorePlan>, &mut Supervisor) -> Result<JobExecutionResult> + 'a;

/// The restart loop shared by the local executor and the cluster's JobMaster: runs attempts
/// of `job` until one finishes, the job is cancelled, or the restart strategy gives up — each
/// restart resumes from the newest completed checkpoint (or the savepoint the job started
/// from: `initial`, else `execution.savepoint.path`).
pub fn execute_attempts(
    job: &JobInfo,
    opts: &ExecutionOptions,
    initial: Option<RestorePlan>,
    monitor: &JobMonitor,
    run_attempt: &mut AttemptFn<'_>,
) -> Result<JobExecutionResult> {
    let start = Instant::now();
    let cp = CheckpointConfig::from_config(&opts.config)?;
    let mut restart = RestartStrategy::from_config(&opts.config, cp.enabled())?;
    let job_id = monitor.job_id();
    let storage = match &cp.dir {
        Some(dir) => Some(rasch_storage::CheckpointStorage::new(dir, &job_id)?),
        None => None,
    };
    let mut restored = match initial {
        Some(plan) => Some(plan),
        None => match opts.config.read(rasch_core::config::SAVEPOINT_PATH)? {
            Some(path) => {
                let plan = crate::checkpoint::read_restore_path(&path)?;
                let allow = opts.config.value(rasch_core::config::SAVEPOINT_IGNORE_UNCLAIMED)?;
                plan.check_all_mapped(&job.operator_ids, allow)?;
                Some(plan)
            }
            None => None,
        },
    };
    let mut supervisor = Supervisor {
        store: CheckpointStore::new(cp.num_retained),
        cp,
        storage,
        written: std::collections::VecDeque::new(),
        job_id,
        monitor: monitor.clone(),
    };
    let mut attempt = 0u32;
    loop {
        match run_attempt(attempt, restored.as_ref(), &mut supervisor) {
            Ok(mut result) => {
                // A finished job's checkpoints are of no further use.
                if let Some(storage) = &supervisor.storage {
                    supervisor.written.iter().for_each(|id| drop(storage.discard(*id)));
                    supervisor.store.shared_files().iter().for_each(|name| drop(storage.discard_shared(name)));
                }
                result.net_runtime = start.elapsed();
                result.restarts = attempt;
                result.completed_checkpoints = monitor.checkpoints().iter().filter(|c| c.status.is_completed()).count() as u64;
                return Ok(result);
            }
            Err(Error::Cancelled) => {
                if let Some(storage) = supervisor.storage.as_ref().filter(|_| !supervisor.cp.retain_on_cancellation) {
                    supervisor.written.iter().for_each(|id| drop(storage.discard(*id)));
                    supervisor.store.shared_files().iter().for_each(|name| drop(storage.discard_shared(name)));
                }
                return Err(Error::Cancelled);
            }
            Err(e) => match restart.on_failure(Instant::now()) {
                Some(delay) if !opts.cancel.is_cancelled() => {
                    monitor.failed(&e);
                    std::thread::sleep(delay);
                    attempt += 1;
                    monitor.restarted();
                    // Restart from the newest completed checkpoint (or the savepoint we started from).
                    if let Some(plan) = supervisor.store.latest_plan(supervisor.storage.as_ref())? {
                        restored = Some(plan);
                    }
                }
                _ => {
                    monitor.failed(&e);
                    return Err(e);
                }
            },
        }
    }
}
