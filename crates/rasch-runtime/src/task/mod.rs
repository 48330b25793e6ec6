//! Tasks: one thread runs one parallel instance of a chain. The loop reads the input gate(s)
//! (or polls the source), pushes batches into the chain, tracks watermarks per channel, and
//! flushes outputs whenever it is about to wait — so batches fill under load and latency
//! stays low when idle.

mod alignment;
mod control;
mod one_input;
mod source_task;
mod two_input;
mod watermarks;

pub use alignment::BarrierAligner;
pub use control::{TaskControl, TaskEvent};
pub use one_input::OneInputTask;
pub use source_task::SourceTask;
pub use two_input::TwoInputTask;
pub use watermarks::{GateUpdate, WatermarkTracker};

use crate::channel::{CANCEL_POLL, CancelToken};
use crate::time::ProcessingTimeService;
use rasch_core::Result;
use std::any::Any;
use std::rc::Rc;
use std::time::Duration;

/// Everything a running task shares with the job: cancellation, its control inbox (checkpoint
/// triggers and notifications) and its outbox to the job master (acks, end of input).
#[derive(Debug)]
pub struct TaskEnv {
    /// Set when the job is cancelled or another task failed.
    pub cancel: CancelToken,
    /// Commands from the job master.
    pub control: crossbeam_channel::Receiver<TaskControl>,
    /// Reports to the job master.
    pub events: crossbeam_channel::Sender<TaskEvent>,
    /// The task's vertex index.
    pub vertex: usize,
    /// The task's subtask index.
    pub subtask: usize,
    /// The parallelism of the task's vertex.
    pub parallelism: usize,
    /// Exactly-once (aligned barriers) or at-least-once.
    pub exactly_once: bool,
    /// Where the task writes its checkpoint state files (`execution.checkpointing.dir`); without
    /// it, checkpoint state travels in the acknowledgement and the job master keeps it in memory.
    pub storage: Option<rasch_storage::CheckpointStorage>,
    /// The task's snapshot thread, which completes its snapshots off the task thread.
    pub snapshots: SnapshotThread,
}

impl TaskEnv {
    /// Waits for every snapshot this task started to be acknowledged or declined (a task
    /// reports itself finished only after them, so that e.g. the acknowledgement of a
    /// stop-with-savepoint arrives first).
    pub fn join_snapshots(&self) {
        self.snapshots.join();
    }
}

/// One long-lived thread per task that completes its snapshots in order. Long-lived, so that
/// the memory of one snapshot's buffers is reused by the next instead of being faulted in
/// fresh by a new thread every checkpoint (1 GB of state costs seconds of page faults).
#[derive(Debug, Default)]
pub struct SnapshotThread {
    worker: std::cell::RefCell<Option<(crossbeam_channel::Sender<SnapshotJob>, std::thread::JoinHandle<()>)>>,
}

/// Work handed to the snapshot thread.
pub type SnapshotJob = Box<dyn FnOnce() + Send>;

impl SnapshotThread {
    /// Runs `job` on the thread (started on first use, named `name`).
    pub fn submit(&self, name: &str, job: SnapshotJob) -> std::io::Result<()> {
        let mut worker = self.worker.borrow_mut();
        if worker.is_none() {
            let (tx, rx) = crossbeam_channel::unbounded::<SnapshotJob>();
            let handle = std::thread::Builder::new().name(name.to_string()).spawn(move || {
                for job in rx {
                    job();
                }
            })?;
            *worker = Some((tx, handle));
        }
        if let Some((tx, _)) = worker.as_ref() {
            let _ = tx.send(job);
        }
        Ok(())
    }

    /// Lets the thread finish the snapshots handed to it and waits for it.
    pub fn join(&self) {
        if let Some((tx, handle)) = self.worker.borrow_mut().take() {
            drop(tx);
            let _ = handle.join();
        }
    }
}

/// The body of a task thread.
pub trait TaskBody {
    /// Runs until end of input (Ok), failure (Err) or cancellation (`Err(Cancelled)`).
    fn run(self: Box<Self>, env: &TaskEnv) -> Result<()>;
}

/// A two-input operator waiting for its two input gates.
pub trait TwoInputTaskBuilder {
    /// Binds the gates (boxed `GateReceiver<A>` and `GateReceiver<B>`) and their channel counts.
    fn build(
        self: Box<Self>,
        gates: [Box<dyn Any + Send>; 2],
        channels: [usize; 2],
        time: Rc<ProcessingTimeService>,
    ) -> Result<Box<dyn TaskBody>>;
}

/// How long a task may block on its input before it must look at timers and cancellation.
pub(crate) fn wait_time(time: &ProcessingTimeService) -> Duration {
    let until_timer = time.next().saturating_sub(time.now()).max(0) as u64;
    CANCEL_POLL.min(Duration::from_millis(until_timer))
}
