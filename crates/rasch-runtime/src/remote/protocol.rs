//! The control protocol of a cluster: what TaskManagers and workers say to the JobManager on
//! its RPC port (`jobmanager.rpc.port`), and what it answers. Every connection starts with a
//! [`Hello`] that says who is calling; the rest of the conversation depends on it.

use crate::checkpoint::{RestorePlan, TaskStateRef};
use rasch_core::error::ErrorReport;
use serde::{Deserialize, Serialize};

/// Protocol version; both sides must agree.
pub const PROTOCOL_VERSION: u32 = 3;

/// The first frame on a connection to the JobManager.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Hello {
    /// A TaskManager registers its slots.
    TaskManager {
        /// Protocol version.
        version: u32,
        /// The cluster's shared secret, if configured.
        secret: Option<String>,
        /// Resource id chosen by the TaskManager.
        id: String,
        /// Host name or address other processes reach it on.
        host: String,
        /// Number of task slots offered.
        slots: u32,
        /// Its process id.
        pid: u32,
        /// Its log file, if it writes one.
        log_file: Option<String>,
    },
    /// A worker process of a job attempt reports for duty.
    Worker {
        /// Protocol version.
        version: u32,
        /// The cluster's shared secret, if configured.
        secret: Option<String>,
        /// The job.
        job_id: String,
        /// The attempt the worker was started for.
        attempt: u32,
        /// Index of the worker within the attempt.
        worker: u32,
        /// Where its data server listens.
        data_addr: String,
        /// Fingerprint of the JobGraph the worker built.
        fingerprint: String,
    },
    /// A TaskManager fetches a job binary by its SHA-256; answered with one [`BlobReply`].
    FetchBlob {
        /// Protocol version.
        version: u32,
        /// The cluster's shared secret, if configured.
        secret: Option<String>,
        /// Hex SHA-256 of the binary.
        sha256: String,
    },
}

/// The answer to [`Hello::FetchBlob`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum BlobReply {
    /// The binary's `size` bytes follow this frame on the connection, raw — streamed from the
    /// blob store's file, so that serving a binary never holds it in memory.
    Follows {
        /// Its length in bytes.
        size: u64,
    },
    /// The JobManager has no binary with that SHA-256.
    NotFound(String),
    /// Why it cannot be served otherwise.
    Error(String),
}

/// JobManager → TaskManager.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ToTaskManager {
    /// Registration accepted.
    Registered,
    /// Registration refused (wrong secret, version).
    Rejected(String),
    /// Start the worker process of a job attempt.
    StartWorker(StartWorker),
    /// Kill the worker of a job attempt (all attempts ≤ `attempt`).
    StopWorker {
        /// The job.
        job_id: String,
        /// The attempt.
        attempt: u32,
    },
    /// Answer to a heartbeat.
    HeartbeatAck,
}

/// What a TaskManager needs to start a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartWorker {
    /// The job.
    pub job_id: String,
    /// The attempt.
    pub attempt: u32,
    /// Index of the worker within the attempt.
    pub worker: u32,
    /// Hex SHA-256 of the job binary.
    pub binary_sha256: String,
    /// Program arguments.
    pub args: Vec<String>,
    /// The configuration the job's environment starts from (JSON object of key → value).
    pub config_json: String,
}

/// Memory of a TaskManager's host and processes (0 where the OS does not say, e.g. outside Linux).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskManagerResources {
    /// Resident memory of the TaskManager and its worker processes, bytes.
    pub rss_bytes: u64,
    /// Physical memory of the host, bytes.
    pub physical_memory: u64,
    /// Memory available for new processes on the host, bytes.
    pub available_memory: u64,
}

/// TaskManager → JobManager.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FromTaskManager {
    /// Still alive.
    Heartbeat,
    /// A worker process ended (or could not be started).
    WorkerExited {
        /// The job.
        job_id: String,
        /// The attempt.
        attempt: u32,
        /// Exit status or failure, in words.
        status: String,
        /// Whether it exited successfully.
        success: bool,
    },
    /// Its memory, sent with every heartbeat (last, so that earlier variants keep their wire tags).
    Resources(TaskManagerResources),
    /// The threads of the TaskManager and its workers, sent with every heartbeat (for
    /// `GET /taskmanagers/:id/thread-dump`).
    Threads(Vec<ThreadInfo>),
}

/// One thread of a process, as the operating system reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInfo {
    /// The process the thread belongs to.
    pub pid: u32,
    /// The thread id.
    pub tid: u32,
    /// The thread's name (at most 15 bytes on Linux).
    pub name: String,
    /// Its scheduler state: `R` running, `S` sleeping, `D` waiting for I/O, … (Linux's letters).
    pub state: char,
    /// The kernel function it waits in, if it waits (`futex_wait_queue`, `do_epoll_wait`, …).
    pub waiting_in: Option<String>,
}

/// Where a worker's tasks run and what they restore.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    /// The attempt.
    pub attempt: u32,
    /// Token that data connections of this attempt carry.
    pub token: u64,
    /// The fingerprint the JobManager expects (from the plan).
    pub fingerprint: String,
    /// Worker index of every subtask: `placement[vertex][subtask]`.
    pub placement: Vec<Vec<u32>>,
    /// Data server address of every worker, by index.
    pub data_addrs: Vec<String>,
    /// Exactly-once (aligned barriers) or at-least-once.
    pub exactly_once: bool,
    /// State to restore, if the attempt resumes from a checkpoint or savepoint: handles of
    /// the state files each task reads itself.
    pub restore: Option<RestorePlan>,
    /// The job's checkpoint directory (`<dir>/<job-id>`) tasks write their state files to.
    pub checkpoint_dir: Option<String>,
}

/// JobManager → worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ToWorker {
    /// Run your subtasks.
    Deploy(Box<Deployment>),
    /// A command for one task.
    Control {
        /// Vertex index.
        vertex: u32,
        /// Subtask index.
        subtask: u32,
        /// The command.
        control: WireControl,
    },
    /// Stop every task now.
    Cancel,
    /// The worker must not run (e.g. its graph differs from the plan).
    Refused(String),
}

/// A [`crate::task::TaskControl`] on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum WireControl {
    /// Trigger a checkpoint at a source (with a stop mode: stop-with-savepoint).
    Trigger(crate::checkpoint::Barrier, Option<crate::checkpoint::StopMode>),
    /// Checkpoint completed.
    Complete(u64),
    /// Every task reached the end of its input.
    JobFinished,
}

/// Records counted by one operator subtask.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubtaskCounters {
    /// Node (operator) index.
    pub node: u32,
    /// Subtask index.
    pub subtask: u32,
    /// `numRecordsIn`.
    pub records_in: u64,
    /// `numRecordsOut`.
    pub records_out: u64,
}

/// Where one task's time went so far, and its current input watermark.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TaskSample {
    /// Vertex index.
    pub vertex: u32,
    /// Subtask index.
    pub subtask: u32,
    /// Nanoseconds since the task started.
    pub elapsed_ns: u64,
    /// Nanoseconds spent waiting for input.
    pub idle_ns: u64,
    /// Nanoseconds spent waiting for downstream capacity.
    pub backpressured_ns: u64,
    /// Current input watermark of the task's first operator.
    pub watermark: i64,
    /// Bytes received from other processes (`numBytesIn`).
    pub bytes_in: u64,
    /// Bytes sent to other processes (`numBytesOut`).
    pub bytes_out: u64,
}

/// Worker → JobManager (after the hello).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FromWorker {
    /// A task snapshotted its state for a checkpoint.
    Ack {
        /// Vertex index.
        vertex: u32,
        /// The checkpoint.
        checkpoint_id: u64,
        /// The handle of the state file the task wrote (without checkpoint storage: the state).
        state: TaskStateRef,
        /// Barrier alignment time, ms.
        alignment_ms: u64,
    },
    /// A task could not complete its part of a checkpoint (the checkpoint is aborted).
    Decline {
        /// The checkpoint.
        checkpoint_id: u64,
        /// Why.
        reason: String,
    },
    /// A task processed all its input.
    EndOfInput {
        /// Vertex index.
        vertex: u32,
        /// Subtask index.
        subtask: u32,
    },
    /// A task ended: `error` is `None` on success; `cancelled` when it stopped on request.
    Finished {
        /// Vertex index.
        vertex: u32,
        /// Subtask index.
        subtask: u32,
        /// Why it failed: kind and cause chain.
        error: Option<ErrorReport>,
        /// Whether it was cancelled.
        cancelled: bool,
    },
    /// Current counters of the worker's operator subtasks, plus user accumulators.
    Metrics {
        /// Per operator subtask.
        counters: Vec<SubtaskCounters>,
        /// User counters summed over the worker's subtasks.
        accumulators: Vec<(String, i64)>,
        /// Time accounting of the worker's tasks.
        tasks: Vec<TaskSample>,
    },
    /// The worker cannot go on (a data connection failed, the graph differs, …).
    Failed(ErrorReport),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::{read_message, write_message};
    use rasch_core::{Error, ErrorKind};

    #[test]
    fn a_task_failure_crosses_the_wire_with_its_kind_and_cause_chain() {
        let failure = Error::user_caused_by("record 7 has no valid age", "x1".parse::<u32>().unwrap_err()).in_operator("Parse");
        let mut wire = Vec::new();
        let sent = FromWorker::Finished { vertex: 1, subtask: 0, error: Some(failure.report()), cancelled: false };
        write_message(&mut wire, &sent).unwrap();
        let Some(FromWorker::Finished { error: Some(report), .. }) = read_message::<_, FromWorker>(&mut wire.as_slice(), 1 << 20).unwrap()
        else {
            panic!("not a failed task");
        };
        // What the JobManager makes of it: a remote error of the same kind, located, with the chain.
        let remote = Error::Remote(report.at("worker 0 on TaskManager tm-1"));
        assert_eq!(remote.kind(), ErrorKind::User);
        assert_eq!(remote.report().chain, ["operator 'Parse' failed", "record 7 has no valid age", "invalid digit found in string"]);
        assert_eq!(remote.to_string(), format!("{failure} (worker 0 on TaskManager tm-1)"));
    }
}
