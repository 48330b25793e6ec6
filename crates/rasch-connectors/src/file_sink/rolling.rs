//! [`RollingPolicy`]: when a [`FileSink`](super::FileSink) closes a part file.

use rasch_core::{Error, Result};
use std::path::Path;
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

    pub(super) fn validate(&self, dir: &Path) -> Result<()> {
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
