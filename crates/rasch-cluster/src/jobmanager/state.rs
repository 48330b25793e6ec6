//! What the JobManager knows: registered TaskManagers and their slots (the resource manager's
//! view), and every job with its plan, status, placement and counters (the dispatcher's view).
//! Threads share it behind one mutex; nothing holds the lock while doing I/O.

use crossbeam_channel::Sender;
use rasch_runtime::channel::CancelToken;
use rasch_runtime::executor::{JobCommand, JobMonitor};
use rasch_runtime::remote::protocol::{TaskManagerResources, TaskSample, ThreadInfo, ToTaskManager};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub(crate) use crate::clock::now_ms;

/// A registered TaskManager.
pub(crate) struct TaskManagerEntry {
    pub(crate) id: String,
    pub(crate) host: String,
    pub(crate) slots: usize,
    pub(crate) pid: u32,
    pub(crate) log_file: Option<String>,
    pub(crate) last_heartbeat: Instant,
    /// Commands to the TaskManager (its connection's writer).
    pub(crate) tx: Sender<ToTaskManager>,
    /// Slots taken, by job id.
    pub(crate) used: BTreeMap<String, usize>,
    /// Its memory, as of its last heartbeat.
    pub(crate) resources: TaskManagerResources,
    /// Its threads and its workers', as of its last heartbeat.
    pub(crate) threads: Vec<ThreadInfo>,
}

impl TaskManagerEntry {
    pub(crate) fn free_slots(&self) -> usize {
        self.slots.saturating_sub(self.used.values().sum())
    }
}

/// A worker that said hello, handed to the JobMaster waiting for it.
pub(crate) struct WorkerConnection {
    pub(crate) worker: u32,
    pub(crate) stream: TcpStream,
    pub(crate) data_addr: String,
    pub(crate) fingerprint: String,
}

/// Job status, with Flink's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobStatus {
    Initializing,
    Created,
    Running,
    Failing,
    Restarting,
    Cancelling,
    Canceled,
    Finished,
    Failed,
    Suspended,
}

impl JobStatus {
    pub(crate) fn name(self) -> &'static str {
        match self {
            JobStatus::Initializing => "INITIALIZING",
            JobStatus::Created => "CREATED",
            JobStatus::Running => "RUNNING",
            JobStatus::Failing => "FAILING",
            JobStatus::Restarting => "RESTARTING",
            JobStatus::Cancelling => "CANCELLING",
            JobStatus::Canceled => "CANCELED",
            JobStatus::Finished => "FINISHED",
            JobStatus::Failed => "FAILED",
            JobStatus::Suspended => "SUSPENDED",
        }
    }
    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Canceled | JobStatus::Finished | JobStatus::Failed | JobStatus::Suspended)
    }
    /// Which status REST may show after which: the job master's states
    /// (`rasch_runtime::jobmaster::JobState`) seen through Flink's names, plus INITIALIZING
    /// while the plan is built. Terminal states have no successors; a cancel in progress can
    /// only end the job.
    pub(crate) fn can_become(self, next: JobStatus) -> bool {
        use JobStatus::*;
        match self {
            Initializing => matches!(next, Created | Cancelling | Canceled | Failed),
            Created => matches!(next, Running | Failing | Cancelling | Canceled | Failed | Suspended),
            Running => matches!(next, Failing | Cancelling | Canceled | Failed | Finished | Suspended),
            Failing => matches!(next, Restarting | Canceled | Failed),
            Restarting => matches!(next, Created | Canceled | Failed),
            Cancelling => matches!(next, Canceled | Failed | Finished),
            Canceled | Finished | Failed | Suspended => false,
        }
    }
    pub(crate) fn all() -> [JobStatus; 10] {
        use JobStatus::*;
        [Initializing, Created, Running, Failing, Restarting, Cancelling, Canceled, Finished, Failed, Suspended]
    }
}

/// One vertex of a job's plan.
#[derive(Debug, Clone)]
pub(crate) struct VertexView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) parallelism: usize,
    pub(crate) max_parallelism: usize,
    /// Operator node indices in the chain, head first.
    pub(crate) nodes: Vec<usize>,
    pub(crate) is_source: bool,
}

/// Progress of an asynchronous operation (savepoint, checkpoint, disposal).
#[derive(Debug, Clone)]
pub(crate) enum Operation {
    InProgress,
    Completed(String),
    Failed(String),
}

/// The mutable part of a job.
pub(crate) struct JobData {
    pub(crate) name: String,
    pub(crate) status: JobStatus,
    pub(crate) timestamps: BTreeMap<&'static str, i64>,
    pub(crate) start_ms: i64,
    pub(crate) end_ms: Option<i64>,
    pub(crate) plan: Value,
    pub(crate) config: BTreeMap<String, String>,
    pub(crate) vertices: Vec<VertexView>,
    /// Operator name per node index (the nodes of [`VertexView::nodes`]).
    pub(crate) node_names: Vec<String>,
    /// Operator id per node index.
    pub(crate) node_ids: Vec<String>,
    /// TaskManager id of every subtask of the current attempt: `placement[vertex][subtask]`.
    pub(crate) placement: Vec<Vec<String>>,
    /// (records in, records out) per (node, subtask).
    pub(crate) counters: HashMap<(usize, usize), (u64, u64)>,
    /// Records per second (in, out) per (node, subtask), and the counts and time they were
    /// last computed from.
    pub(crate) record_rates: HashMap<(usize, usize), RecordRates>,
    /// The last two time samples of every task (vertex, subtask): rates come from their difference.
    pub(crate) task_times: HashMap<(usize, usize), (TaskSample, TaskSample)>,
    /// User counters per (worker, name), summed over workers on demand.
    pub(crate) accumulators: BTreeMap<(String, String), i64>,
    /// Why the job is waiting (e.g. for slots), shown in logs and exceptions.
    pub(crate) waiting: Option<String>,
    /// Failures, oldest first: (epoch ms, kind and cause chain).
    pub(crate) exceptions: Vec<(i64, rasch_core::error::ErrorReport)>,
    pub(crate) operations: HashMap<String, Operation>,
}

/// A task's time split over the last reporting interval, in ms per second (Flink's
/// `busyTimeMsPerSecond`, `backPressuredTimeMsPerSecond`, `idleTimeMsPerSecond`), and its
/// current input watermark.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TaskRates {
    pub(crate) busy: f64,
    pub(crate) backpressured: f64,
    pub(crate) idle: f64,
    pub(crate) watermark: i64,
    /// Bytes per second received from and sent to other processes.
    pub(crate) bytes_in_per_second: f64,
    pub(crate) bytes_out_per_second: f64,
}

/// Per-second record rates of one operator subtask, from two counter reports at least a
/// second apart (Flink's `numRecordsInPerSecond` / `numRecordsOutPerSecond` are meters too).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordRates {
    pub(crate) in_per_second: f64,
    pub(crate) out_per_second: f64,
    base: (u64, u64),
    at: Instant,
}

impl JobData {
    /// A job named `name` that is initializing: no plan, vertices or counters yet.
    pub(crate) fn empty(name: &str) -> Self {
        JobData {
            name: name.to_string(),
            status: JobStatus::Initializing,
            timestamps: BTreeMap::from([(JobStatus::Initializing.name(), now_ms())]),
            start_ms: now_ms(),
            end_ms: None,
            plan: Value::Null,
            config: BTreeMap::new(),
            vertices: Vec::new(),
            node_names: Vec::new(),
            node_ids: Vec::new(),
            placement: Vec::new(),
            counters: HashMap::new(),
            record_rates: HashMap::new(),
            task_times: HashMap::new(),
            accumulators: BTreeMap::new(),
            waiting: None,
            exceptions: Vec::new(),
            operations: HashMap::new(),
        }
    }

    /// Records the counters of operator subtask `key` reported at `now`, updating its rates.
    pub(crate) fn record_counts(&mut self, key: (usize, usize), counts: (u64, u64), now: Instant) {
        self.counters.insert(key, counts);
        let r = self.record_rates.entry(key).or_insert(RecordRates { in_per_second: 0.0, out_per_second: 0.0, base: counts, at: now });
        let secs = now.saturating_duration_since(r.at).as_secs_f64();
        if secs >= 1.0 {
            r.in_per_second = counts.0.saturating_sub(r.base.0) as f64 / secs;
            r.out_per_second = counts.1.saturating_sub(r.base.1) as f64 / secs;
            r.base = counts;
            r.at = now;
        }
    }

    /// The rates of task (vertex, subtask), if it reported twice.
    pub(crate) fn rates(&self, vertex: usize, subtask: usize) -> Option<TaskRates> {
        let (prev, last) = self.task_times.get(&(vertex, subtask))?;
        let span = last.elapsed_ns.checked_sub(prev.elapsed_ns).filter(|s| *s > 0)? as f64;
        let share = |a: u64, b: u64| (a.saturating_sub(b) as f64 / span * 1000.0).clamp(0.0, 1000.0);
        let idle = share(last.idle_ns, prev.idle_ns);
        let backpressured = share(last.backpressured_ns, prev.backpressured_ns);
        let per_second = |a: u64, b: u64| a.saturating_sub(b) as f64 / span * 1e9;
        Some(TaskRates {
            busy: (1000.0 - idle - backpressured).max(0.0),
            backpressured,
            idle,
            watermark: last.watermark,
            bytes_in_per_second: per_second(last.bytes_in, prev.bytes_in),
            bytes_out_per_second: per_second(last.bytes_out, prev.bytes_out),
        })
    }

    /// Bytes task (vertex, subtask) received from and sent to other processes so far
    /// (`numBytesIn`, `numBytesOut`); zero before its first report.
    pub(crate) fn bytes(&self, vertex: usize, subtask: usize) -> (u64, u64) {
        self.task_times.get(&(vertex, subtask)).map_or((0, 0), |(_, last)| (last.bytes_in, last.bytes_out))
    }
}

/// A submitted job.
pub(crate) struct JobEntry {
    pub(crate) id: String,
    pub(crate) monitor: JobMonitor,
    pub(crate) cancel: CancelToken,
    pub(crate) commands: Sender<JobCommand>,
    pub(crate) data: Mutex<JobData>,
}

impl JobEntry {
    pub(crate) fn set_status(&self, status: JobStatus) {
        if let Ok(mut d) = self.data.lock() {
            if !d.status.can_become(status) {
                return;
            }
            d.status = status;
            d.timestamps.insert(status.name(), now_ms());
            if status.is_terminal() {
                d.end_ms = Some(now_ms());
            }
        }
    }
    pub(crate) fn status(&self) -> JobStatus {
        self.data.lock().map(|d| d.status).unwrap_or(JobStatus::Failed)
    }
}

/// Everything the JobManager's threads share.
#[derive(Default)]
pub(crate) struct ClusterState {
    pub(crate) taskmanagers: BTreeMap<String, TaskManagerEntry>,
    pub(crate) jobs: BTreeMap<String, Arc<JobEntry>>,
    /// JobMasters waiting for workers: (job, attempt) → where to hand them.
    pub(crate) expected_workers: HashMap<(String, u32), Sender<WorkerConnection>>,
    pub(crate) disposals: HashMap<String, Operation>,
    /// Workers that ended before reporting: (job, attempt) → why.
    pub(crate) worker_exits: HashMap<(String, u32), String>,
}

impl ClusterState {
    /// Takes `n` slots for `job`, spread round-robin over the TaskManagers with free slots;
    /// returns the TaskManager of every slot, or `None` (taking nothing) when there are fewer.
    pub(crate) fn allocate(&mut self, job: &str, n: usize) -> Option<Vec<String>> {
        let free: usize = self.taskmanagers.values().map(|t| t.free_slots()).sum();
        if free < n {
            return None;
        }
        let mut left: Vec<(String, usize)> = self.taskmanagers.values().map(|t| (t.id.clone(), t.free_slots())).collect();
        let mut slots = Vec::with_capacity(n);
        while slots.len() < n {
            for (id, f) in left.iter_mut().filter(|(_, f)| *f > 0) {
                if slots.len() == n {
                    break;
                }
                *f -= 1;
                slots.push(id.clone());
            }
        }
        for id in &slots {
            if let Some(tm) = self.taskmanagers.get_mut(id) {
                *tm.used.entry(job.to_string()).or_default() += 1;
            }
        }
        Some(slots)
    }

    /// Gives back every slot of `job`.
    pub(crate) fn release(&mut self, job: &str) {
        for tm in self.taskmanagers.values_mut() {
            tm.used.remove(job);
        }
    }

    pub(crate) fn total_slots(&self) -> usize {
        self.taskmanagers.values().map(|t| t.slots).sum()
    }
    pub(crate) fn free_slots(&self) -> usize {
        self.taskmanagers.values().map(|t| t.free_slots()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;
    use std::time::Instant;

    #[test]
    fn record_rates_come_from_counts_a_second_or_more_apart() {
        let mut d = super::JobData::empty("j");
        let t0 = Instant::now();
        d.record_counts((0, 0), (100, 50), t0);
        d.record_counts((0, 0), (150, 60), t0 + std::time::Duration::from_millis(400));
        assert_eq!(d.record_rates[&(0, 0)].in_per_second, 0.0, "less than a second: no rate yet");
        d.record_counts((0, 0), (300, 250), t0 + std::time::Duration::from_secs(2));
        assert_eq!((d.record_rates[&(0, 0)].in_per_second, d.record_rates[&(0, 0)].out_per_second), (100.0, 100.0));
        assert_eq!(d.counters[&(0, 0)], (300, 250));
    }

    #[test]
    fn the_state_machine_only_allows_flinks_transitions() {
        assert!(Initializing.can_become(Created));
        assert!(Created.can_become(Running));
        assert!(Running.can_become(Failing));
        assert!(Failing.can_become(Restarting));
        assert!(Restarting.can_become(Created));
        assert!(!Running.can_become(Restarting), "a failure is FAILING first");
        assert!(Running.can_become(Finished));
        // A cancel in progress is not undone by an attempt that starts running.
        assert!(!Cancelling.can_become(Running));
        assert!(Cancelling.can_become(Canceled));
        for terminal in [Finished, Failed, Canceled, Suspended] {
            assert!(super::JobStatus::all().iter().all(|s| !terminal.can_become(*s)));
        }
    }

    #[test]
    fn slots_are_spread_round_robin_and_released() {
        let mut s = super::ClusterState::default();
        for id in ["a", "b"] {
            let (tx, _rx) = crossbeam_channel::unbounded();
            s.taskmanagers.insert(
                id.into(),
                super::TaskManagerEntry {
                    id: id.into(),
                    host: "h".into(),
                    slots: 2,
                    pid: 1,
                    log_file: None,
                    last_heartbeat: std::time::Instant::now(),
                    tx,
                    used: Default::default(),
                    resources: Default::default(),
                    threads: Vec::new(),
                },
            );
        }
        assert_eq!(s.allocate("j1", 3).unwrap(), vec!["a", "b", "a"]);
        assert_eq!(s.free_slots(), 1);
        assert!(s.allocate("j2", 2).is_none(), "only one slot is free");
        assert_eq!(s.free_slots(), 1, "a failed allocation takes nothing");
        s.release("j1");
        assert_eq!(s.free_slots(), 4);
    }
}
