//! What the job's states need from where the tasks run: the local executor deploys them as
//! threads of this process, the cluster's JobMaster into worker processes on TaskManagers.

use super::JobState;
use crate::checkpoint::RestorePlan;
use crate::executor::{JobExecutionResult, Supervisor};
use crate::task::{TaskControl, TaskEvent};
use crossbeam_channel::Receiver;
use rasch_core::Result;

/// The job master's handle on one running task, wherever it runs.
pub struct TaskLink {
    /// Delivers a command to the task (a queue in-process, a message to a worker otherwise).
    pub control: Box<dyn Fn(TaskControl) + Send>,
    /// Whether the task's chain starts with a source (checkpoints are triggered there).
    pub is_source: bool,
}

/// A deployed attempt: its tasks, their reports, and how to stop them all.
pub struct DeployedAttempt {
    /// One link per task.
    pub tasks: Vec<TaskLink>,
    /// Every task's reports (acks, end of input, finished).
    pub events: Receiver<TaskEvent>,
    /// Tells every task to stop.
    pub cancel: Box<dyn Fn() + Send>,
}

/// Runs the tasks of a job's attempts.
pub trait Deployer {
    /// Starts attempt `attempt` (0 first), restoring `restored` if given; may wait for
    /// resources (the job is `SCHEDULING` meanwhile). `supervisor` gives the checkpoint settings.
    fn deploy(&mut self, attempt: u32, restored: Option<&RestorePlan>, supervisor: &Supervisor) -> Result<DeployedAttempt>;

    /// The attempt ended (`failed` or not): releases what is left of it and reports its counters.
    fn finish(&mut self, failed: bool) -> JobExecutionResult;

    /// The job entered `state` (the cluster shows it on REST).
    fn on_state(&mut self, _state: JobState) {}
}
