//! `JobClient` (Flink's `JobClient`): a job started with `execute_async` runs in the
//! background; the client takes savepoints, stops it with a savepoint, cancels it, and waits
//! for its result.

use crate::result::JobResult;
use rasch_core::{Error, Result};
use rasch_runtime::channel::CancelToken;
use rasch_runtime::checkpoint::{CheckpointStats, StopMode};
use rasch_runtime::executor::{JobCommand, JobMonitor};
use std::thread::JoinHandle;

/// Handle to a job running in the background (local mode).
pub struct JobClient {
    pub(crate) commands: crossbeam_channel::Sender<JobCommand>,
    pub(crate) cancel: CancelToken,
    pub(crate) monitor: JobMonitor,
    pub(crate) handle: Option<JoinHandle<Result<JobResult>>>,
}

impl JobClient {
    /// The job's id (32 hex characters); checkpoints live under `<checkpoint dir>/<job id>/`.
    pub fn job_id(&self) -> String {
        self.monitor.job_id()
    }

    /// Statistics of the checkpoints and savepoints taken so far.
    pub fn checkpoints(&self) -> Vec<CheckpointStats> {
        self.monitor.checkpoints()
    }

    /// How often the job restarted so far.
    pub fn restarts(&self) -> u32 {
        self.monitor.restarts()
    }

    /// The failures the job restarted from (or failed with), oldest first: the time in epoch
    /// milliseconds and the error with its cause chain (Flink's exception history).
    pub fn exceptions(&self) -> Vec<(i64, rasch_core::error::ErrorReport)> {
        self.monitor.exceptions()
    }

    fn savepoint(&self, dir: &str, stop: Option<StopMode>) -> Result<String> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.commands
            .send(JobCommand::Savepoint { dir: dir.to_string(), stop, reply })
            .map_err(|_| Error::Checkpoint("the job is not running".into()))?;
        answer.recv().map_err(|_| Error::Checkpoint("the job ended before the savepoint completed".into()))?
    }

    /// Takes a savepoint into `dir` and returns its path (Flink's `triggerSavepoint`).
    pub fn trigger_savepoint(&self, dir: &str) -> Result<String> {
        self.savepoint(dir, None)
    }

    /// Takes a savepoint and ends the job right after it (Flink's `stopWithSavepoint`); with
    /// [`StopMode::Drain`], the final watermark is emitted first so every event-time window
    /// fires. Returns the savepoint's path; `wait()` then returns the finished job's result.
    pub fn stop_with_savepoint(&self, dir: &str, mode: StopMode) -> Result<String> {
        self.savepoint(dir, Some(mode))
    }

    /// Suspends the job: its tasks stop, it does not end, and its checkpoints are kept, so that
    /// it can resume from `<checkpoint dir>/<job id>`; `wait()` then returns `Err(Suspended)`.
    pub fn suspend(&self) {
        let _ = self.commands.send(JobCommand::Suspend);
    }

    /// Cancels the job; `wait()` then returns `Err(Cancelled)`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Waits for the job to end.
    pub fn wait(mut self) -> Result<JobResult> {
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| Err(Error::Internal("the job thread panicked".into()))),
            None => Err(Error::Internal("already waited".into())),
        }
    }
}
