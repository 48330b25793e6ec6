//! `FileSink`: an exactly-once sink writing rows as lines of text into part files of a
//! directory (Flink's `FileSink.forRowFormat`), committed by two-phase commit on checkpoints.
//!
//! # Part files
//!
//! Subtask `s` writes its records (each value's [`ToText`] form plus
//! `'\n'`) into part files numbered by a per-subtask counter `c`, which go through three
//! states, like Flink's:
//!
//! | state | name | visible |
//! |---|---|---|
//! | in-progress (being written) | `.part-<s>-<c>.inprogress.<random>` | no |
//! | pending (closed, waiting for its checkpoint to complete) | `.part-<s>-<c>.pending` | no |
//! | finished (committed) | `part-<s>-<c>` | yes |
//!
//! Readers of the directory must only read files whose names do not start with `.` (Rasch's
//! own [`TextFileSource`](crate::TextFileSource) skips them): those hold exactly the data of
//! completed checkpoints.
//!
//! # Rolling
//!
//! The in-progress file is closed ("rolled") and becomes pending when the
//! [`RollingPolicy`] says so — it reached a size, it has been open for some time, or no
//! record arrived for some time — and **always at a checkpoint** (Flink's
//! `OnCheckpointRollingPolicy` semantics: a checkpoint never leaves data in an in-progress
//! file). Time-based rolling is checked whenever records are written and whenever the task is
//! idle (`flush`).
//!
//! # Two-phase commit
//!
//! * `prepare_commit(checkpoint)`: rolls the in-progress file and returns one committable per
//!   pending file since the previous checkpoint (the pending path and the final path).
//! * `commit(committables)`: renames each pending file to its final name. Idempotent: a
//!   committable whose pending file is gone but whose final file exists is already committed;
//!   if neither exists, the commit fails with an error naming both files.
//! * `recover(committables)`: commits the committables of the restored checkpoint, then
//!   deletes every in-progress and pending file of *this subtask* left by the failed attempt
//!   (their records will be replayed from the sources), and continues the part counter after
//!   the highest one the subtask has in the directory, so names never collide.
//! * `finish()` (end of bounded input) only flushes the in-progress file; the data becomes
//!   visible through the final `prepare_commit` + `commit` the runtime performs when a job
//!   ends successfully.
//!
//! Records written after the last completed checkpoint of a failed job never become visible.
//!
//! # Limits
//!
//! One bucket (the base directory; Flink's `BasePathBucketAssigner`); one `FileSink` per
//! directory. The runtime must hand the committables written by subtask `k` back to subtask
//! `k` when that subtask exists after a restore, because `recover` deletes the pending files
//! of its own subtask number that are not among its committables. After scaling in, the
//! leftovers of removed subtasks stay (hidden) in the directory.

mod part;
mod writer;

#[cfg(test)]
mod tests;

use rasch_core::{Error, Result, ToText};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// When a [`FileSink`] closes its in-progress part file and starts a new one (Flink's
/// `DefaultRollingPolicy`, plus rolling on every checkpoint).
///
/// A part file is rolled when any enabled condition holds: its size reached
/// [`max_part_size`](Self::max_part_size) bytes (checked before each record, so a file may
/// exceed it by one record); it has been open for [`rollover_interval`](Self::rollover_interval);
/// no record was written to it for [`inactivity_interval`](Self::inactivity_interval); or a
/// checkpoint is taken (always).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollingPolicy {
    max_part_size: Option<u64>,
    rollover_interval: Option<Duration>,
    inactivity_interval: Option<Duration>,
}

impl Default for RollingPolicy {
    /// Flink's defaults: 128 MiB, 60 s open, 60 s inactive — and every checkpoint.
    fn default() -> Self {
        RollingPolicy {
            max_part_size: Some(128 << 20),
            rollover_interval: Some(Duration::from_secs(60)),
            inactivity_interval: Some(Duration::from_secs(60)),
        }
    }
}

impl RollingPolicy {
    /// Rolls only on checkpoints (Flink's `OnCheckpointRollingPolicy`).
    pub fn on_checkpoint() -> Self {
        RollingPolicy { max_part_size: None, rollover_interval: None, inactivity_interval: None }
    }

    /// Also rolls once a part file holds `bytes` bytes (must be > 0).
    pub fn with_max_part_size(mut self, bytes: u64) -> Self {
        self.max_part_size = Some(bytes);
        self
    }

    /// Also rolls once a part file has been open for `interval` (must be > 0).
    pub fn with_rollover_interval(mut self, interval: Duration) -> Self {
        self.rollover_interval = Some(interval);
        self
    }

    /// Also rolls once no record was written to the part file for `interval` (must be > 0).
    pub fn with_inactivity_interval(mut self, interval: Duration) -> Self {
        self.inactivity_interval = Some(interval);
        self
    }

    /// The size that rolls a part file, if any.
    pub fn max_part_size(&self) -> Option<u64> {
        self.max_part_size
    }

    /// How long a part file stays open at most, if limited.
    pub fn rollover_interval(&self) -> Option<Duration> {
        self.rollover_interval
    }

    /// How long a part file may go without a record, if limited.
    pub fn inactivity_interval(&self) -> Option<Duration> {
        self.inactivity_interval
    }

    fn validate(&self, dir: &Path) -> Result<()> {
        let zero_time = |d: Option<Duration>| d.is_some_and(|d| d.is_zero());
        if self.max_part_size == Some(0) || zero_time(self.rollover_interval) || zero_time(self.inactivity_interval) {
            return Err(Error::InvalidJob(format!(
                "file sink '{}': rolling policy sizes and intervals must be greater than zero, got {self:?}",
                dir.display()
            )));
        }
        Ok(())
    }
}

/// An exactly-once sink writing each value's [`ToText`] form as a line into part files in a
/// directory; see the [module docs](self) for file names, rolling and the commit protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSink {
    dir: PathBuf,
    policy: RollingPolicy,
}

impl FileSink {
    /// A sink writing rows into the directory `dir` (created if missing) with the default
    /// [`RollingPolicy`].
    pub fn for_row_format(dir: impl Into<PathBuf>) -> Self {
        FileSink { dir: dir.into(), policy: RollingPolicy::default() }
    }

    /// Sets the rolling policy (it always rolls on checkpoints as well).
    pub fn with_rolling_policy(mut self, policy: RollingPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The rolling policy.
    pub fn rolling_policy(&self) -> RollingPolicy {
        self.policy
    }
}

impl<T: ToText + 'static> Sink<T> for FileSink {
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        self.policy.validate(&self.dir)?;
        Ok(Box::new(writer::FileSinkWriter::<T>::new(&self.dir, ctx.subtask_index, self.policy)?))
    }
}
