//! The local executor (embedded mini-cluster): wires gates and writers for every subtask of a
//! `JobGraph`, runs each task on its own thread, coordinates checkpoints, and on failure
//! cancels every task and — under the restart strategy — restarts the job from the latest
//! completed checkpoint. A failure that is not restarted fails the job promptly, reporting the
//! operator, subtask and cause.

pub(crate) mod build;
mod local;
mod restart;
pub(crate) mod wiring;

pub use crate::jobmaster::{JobInfo, Supervisor, TaskLink};
pub use restart::RestartStrategy;

use crate::channel::CancelToken;
use crate::checkpoint::{CheckpointStats, RestorePlan, StopMode};
use crate::graph::JobGraph;
use rasch_core::error::ErrorReport;
use rasch_core::{Clock, Configuration, Error, Result, RuntimeMode};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// Stop the job without ending it, keeping its checkpoints (state SUSPENDED).
    Suspend,
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

/// Runs `job` in this process (the embedded mini-cluster) through the job master's states,
/// starting from `initial` if given, reporting checkpoints and restarts to `monitor`.
pub fn execute_with(
    job: Arc<JobGraph>,
    opts: &ExecutionOptions,
    initial: Option<RestorePlan>,
    monitor: &JobMonitor,
) -> Result<JobExecutionResult> {
    let info = JobInfo::of(&job);
    crate::jobmaster::run_job(&info, opts, initial, monitor, &mut local::LocalDeployer::new(job, opts))
}
