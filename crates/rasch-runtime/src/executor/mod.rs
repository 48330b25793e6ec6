//! The local executor (embedded mini-cluster): wires gates and writers for every subtask of a
//! `JobGraph`, runs each task on its own thread, coordinates checkpoints, and on failure
//! cancels every task and — under the restart strategy — restarts the job from the latest
//! completed checkpoint. A failure that is not restarted fails the job promptly, reporting the
//! operator, subtask and cause.

mod build;
mod master;
mod restart;
mod wiring;

pub use restart::RestartStrategy;

use crate::channel::CancelToken;
use crate::checkpoint::{CheckpointConfig, CheckpointStats, CheckpointStore, RestorePlan};
use crate::graph::JobGraph;
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
}

impl JobMonitor {
    /// Statistics of every checkpoint so far, oldest first.
    pub fn checkpoints(&self) -> Vec<CheckpointStats> {
        self.inner.lock().map(|m| m.checkpoints.clone()).unwrap_or_default()
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
    let start = Instant::now();
    let cp = CheckpointConfig::from_config(&opts.config)?;
    let mut restart = RestartStrategy::from_config(&opts.config, cp.enabled())?;
    let mut store = CheckpointStore::new(cp.num_retained);
    let mut restored = initial;
    let mut attempt = 0u32;
    loop {
        match master::run_attempt(&job, opts, &cp, attempt, restored.as_ref(), &mut store, monitor) {
            Ok(mut result) => {
                result.net_runtime = start.elapsed();
                result.restarts = attempt;
                result.completed_checkpoints = monitor.checkpoints().iter().filter(|c| c.status == "COMPLETED").count() as u64;
                return Ok(result);
            }
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => match restart.on_failure(Instant::now()) {
                Some(delay) if !opts.cancel.is_cancelled() => {
                    std::thread::sleep(delay);
                    attempt += 1;
                    monitor.restarted();
                    // Restart from the newest completed checkpoint (or the savepoint we started from).
                    if let Some(plan) = store.latest_plan() {
                        restored = Some(plan);
                    }
                    let _ = e;
                }
                _ => return Err(e),
            },
        }
    }
}
