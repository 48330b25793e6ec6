//! `JobClient` (Flink's `JobClient`): a job started with `execute_async` runs in the
//! background; the client takes savepoints, stops it with a savepoint, cancels it, and waits
//! for its result.

use crate::result::JobResult;
use rasch_core::{Error, Result};
use rasch_runtime::channel::CancelToken;
use rasch_runtime::checkpoint::{CheckpointStats, StopMode};
use rasch_runtime::executor::{JobCommand, JobMonitor};
use std::thread::JoinHandle;

/// Handle to a job running in the background (local mode). Dropping it does not stop the job
/// (its thread runs on, detached).
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_core::Error;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// env.datagen(None, Some(1_000.0), |i| i).discard(); // unbounded
/// let client = env.execute_async("forever")?;
/// client.cancel();
/// assert!(matches!(client.wait(), Err(Error::Cancelled)));
/// # Ok(()) }
/// ```
pub struct JobClient {
    pub(crate) commands: crossbeam_channel::Sender<JobCommand>,
    pub(crate) cancel: CancelToken,
    pub(crate) monitor: JobMonitor,
    pub(crate) handle: Option<JoinHandle<Result<JobResult>>>,
}

impl JobClient {
    /// The job's id (32 hex characters); checkpoints live under `<checkpoint dir>/<job id>/`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.datagen(None, Some(1_000.0), |i| i).discard(); // unbounded, 1000 per second
    /// let client = env.execute_async("forever")?;
    /// # std::thread::sleep(std::time::Duration::from_millis(50));
    /// assert_eq!(client.job_id().len(), 32);
    /// # client.cancel();
    /// # let _ = client.wait();
    /// # Ok(()) }
    /// ```
    pub fn job_id(&self) -> String {
        self.monitor.job_id()
    }

    /// Statistics of the checkpoints and savepoints taken so far, oldest first.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use std::time::{Duration, Instant};
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.enable_checkpointing(Duration::from_millis(20));
    /// env.datagen(None, Some(1_000.0), |i| i).discard();
    /// let client = env.execute_async("checkpointed")?;
    /// let deadline = Instant::now() + Duration::from_secs(30);
    /// while !client.checkpoints().iter().any(|c| c.status.is_completed()) && Instant::now() < deadline {
    ///     std::thread::sleep(Duration::from_millis(10));
    /// }
    /// assert!(client.checkpoints().iter().any(|c| c.status.is_completed()));
    /// client.cancel();
    /// # let _ = client.wait();
    /// # Ok(()) }
    /// ```
    pub fn checkpoints(&self) -> Vec<CheckpointStats> {
        self.monitor.checkpoints()
    }

    /// How often the job restarted so far.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.datagen(None, Some(1_000.0), |i| i).discard(); // unbounded, 1000 per second
    /// let client = env.execute_async("forever")?;
    /// assert_eq!(client.restarts(), 0);
    /// # client.cancel();
    /// # let _ = client.wait();
    /// # Ok(()) }
    /// ```
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

    /// Takes a savepoint into `dir` and returns its path (Flink's `triggerSavepoint`); the job
    /// keeps running. Fails if the job is no longer running.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("rasch-doc-savepoint-{}", std::process::id()));
    /// let env = StreamEnv::local();
    /// env.datagen(None, Some(1_000.0), |i| i).discard(); // unbounded, 1000 per second
    /// let client = env.execute_async("forever")?;
    /// let savepoint = client.trigger_savepoint(dir.to_str().unwrap())?;
    /// assert!(std::path::Path::new(&savepoint).join("_metadata").exists());
    /// client.cancel();
    /// # let _ = client.wait();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn trigger_savepoint(&self, dir: &str) -> Result<String> {
        self.savepoint(dir, None)
    }

    /// Takes a savepoint and ends the job right after it (Flink's `stopWithSavepoint`); with
    /// [`StopMode::Drain`], the final watermark is emitted first so every event-time window
    /// fires. Returns the savepoint's path; `wait()` then returns the finished job's result.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::checkpoint::StopMode;
    /// # fn main() -> rasch_core::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("rasch-doc-stop-{}", std::process::id()));
    /// let env = StreamEnv::local();
    /// env.datagen(None, Some(1_000.0), |i| i).discard(); // unbounded, 1000 per second
    /// let client = env.execute_async("forever")?;
    /// let savepoint = client.stop_with_savepoint(dir.to_str().unwrap(), StopMode::Drain)?;
    /// assert!(std::path::Path::new(&savepoint).join("_metadata").exists());
    /// assert_eq!(client.wait()?.job_name(), "forever");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn stop_with_savepoint(&self, dir: &str, mode: StopMode) -> Result<String> {
        self.savepoint(dir, Some(mode))
    }

    /// Suspends the job: its tasks stop, it does not end, and its checkpoints are kept, so that
    /// it can resume from `<checkpoint dir>/<job id>`; `wait()` then returns `Err(Suspended)`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_core::Error;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.datagen(None, Some(1_000.0), |i| i).discard(); // unbounded, 1000 per second
    /// let client = env.execute_async("forever")?;
    /// client.suspend();
    /// assert!(matches!(client.wait(), Err(Error::Suspended)));
    /// # Ok(()) }
    /// ```
    pub fn suspend(&self) {
        let _ = self.commands.send(JobCommand::Suspend);
    }

    /// Cancels the job; `wait()` then returns `Err(Cancelled)`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_core::Error;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.datagen(None, Some(1_000.0), |i| i).discard(); // unbounded, 1000 per second
    /// let client = env.execute_async("forever")?;
    /// client.cancel();
    /// assert!(matches!(client.wait(), Err(Error::Cancelled)));
    /// # Ok(()) }
    /// ```
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Waits for the job to end and returns its result, or the error it failed with
    /// (`Cancelled`, `Suspended`, or the job's own error).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 100).discard();
    /// let client = env.execute_async("bounded")?;
    /// assert_eq!(client.wait()?.operator("Discarding Sink").unwrap().records_in, 100);
    /// # Ok(()) }
    /// ```
    pub fn wait(mut self) -> Result<JobResult> {
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| Err(Error::Internal("the job thread panicked".into()))),
            None => Err(Error::Internal("already waited".into())),
        }
    }
}
