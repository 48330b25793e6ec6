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
    /// Snapshot threads still completing (a task reports itself finished only after them, so
    /// that the acknowledgement of e.g. a stop-with-savepoint arrives first).
    pub snapshots: std::cell::RefCell<Vec<std::thread::JoinHandle<()>>>,
}

impl TaskEnv {
    /// Waits for every snapshot this task started to be acknowledged or declined.
    pub fn join_snapshots(&self) {
        for handle in self.snapshots.borrow_mut().drain(..) {
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
