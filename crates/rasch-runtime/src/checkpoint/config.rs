//! Checkpoint settings from Flink's `execution.checkpointing.*` keys.

use rasch_core::config::*;
use rasch_core::{Configuration, Result};

/// How checkpoints are taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointConfig {
    /// Interval in ms; `None` disables checkpointing.
    pub interval_ms: Option<u64>,
    /// Aligned barriers (true) or at-least-once (false).
    pub exactly_once: bool,
    /// A checkpoint not completed within this many ms is aborted.
    pub timeout_ms: u64,
    /// Minimum pause between the end of one checkpoint and the start of the next.
    pub min_pause_ms: u64,
    /// Checkpoints in flight at once (Rasch runs them one at a time; values above 1 are accepted).
    pub max_concurrent: u64,
    /// Consecutive failed checkpoints tolerated before the job fails.
    pub tolerable_failures: u64,
    /// Completed checkpoints kept.
    pub num_retained: usize,
    /// Keep the checkpoints of a cancelled job.
    pub retain_on_cancellation: bool,
    /// Where checkpoints are written; `None` keeps them in memory (local mode only).
    pub dir: Option<String>,
}

impl CheckpointConfig {
    /// Reads the checkpoint keys of `config`.
    pub fn from_config(config: &Configuration) -> Result<Self> {
        let exactly_once = config.value(CHECKPOINTING_MODE)? == CheckpointingMode::ExactlyOnce;
        let retain_on_cancellation = config.value(CHECKPOINTING_RETENTION)? == CheckpointRetention::RetainOnCancellation;
        // Checked here so that a job with bad state backend settings fails at submission.
        rasch_state::BackendOptions::from_config(config)?;
        let ms = |d: std::time::Duration| d.as_millis() as u64;
        let interval_ms = config.read(CHECKPOINTING_INTERVAL)?.map(ms).filter(|ms| *ms > 0);
        Ok(CheckpointConfig {
            interval_ms,
            exactly_once,
            timeout_ms: ms(config.value(CHECKPOINTING_TIMEOUT)?),
            min_pause_ms: ms(config.value(CHECKPOINTING_MIN_PAUSE)?),
            max_concurrent: config.value(CHECKPOINTING_MAX_CONCURRENT)? as u64,
            tolerable_failures: config.value(CHECKPOINTING_TOLERABLE_FAILURES)?,
            num_retained: config.value(CHECKPOINTING_NUM_RETAINED)?.max(1) as usize,
            retain_on_cancellation,
            dir: config.read(CHECKPOINTING_DIR)?,
        })
    }

    /// Whether periodic checkpoints are taken.
    pub fn enabled(&self) -> bool {
        self.interval_ms.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flink_keys_and_rejects_bad_values() {
        let mut c = Configuration::new();
        assert!(!CheckpointConfig::from_config(&c).unwrap().enabled());
        c.set(CHECKPOINTING_INTERVAL, "1 s").unwrap();
        c.set(CHECKPOINTING_MODE, "at_least_once").unwrap();
        c.set(CHECKPOINTING_NUM_RETAINED, "3").unwrap();
        let cc = CheckpointConfig::from_config(&c).unwrap();
        assert_eq!((cc.interval_ms, cc.exactly_once, cc.num_retained), (Some(1_000), false, 3));
        c.set(STATE_BACKEND, "rocksdb").unwrap();
        CheckpointConfig::from_config(&c).unwrap();
        c.set(STATE_BACKEND, "heap").unwrap();
        assert!(CheckpointConfig::from_config(&c).unwrap_err().to_string().contains("expected hashmap or lsm"));
        c.set(STATE_BACKEND, "hashmap").unwrap();
        c.set(CHECKPOINTING_MODE, "sometimes").unwrap();
        assert!(CheckpointConfig::from_config(&c).unwrap_err().to_string().contains("EXACTLY_ONCE"));
    }
}
