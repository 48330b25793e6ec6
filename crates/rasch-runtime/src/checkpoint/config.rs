//! Checkpoint settings from Flink's `execution.checkpointing.*` keys.

use rasch_core::config::*;
use rasch_core::{Configuration, Error, Result};

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
        let exactly_once = match config.get(CHECKPOINTING_MODE).map(|m| m.trim().to_ascii_uppercase()) {
            None => true,
            Some(m) if m == "EXACTLY_ONCE" => true,
            Some(m) if m == "AT_LEAST_ONCE" => false,
            Some(m) => return Err(Error::Config(format!("'{CHECKPOINTING_MODE}': expected EXACTLY_ONCE or AT_LEAST_ONCE, got '{m}'"))),
        };
        let retain_on_cancellation = match config.get(CHECKPOINTING_RETENTION).map(|m| m.trim().to_ascii_uppercase()) {
            None => false,
            Some(m) if m == "DELETE_ON_CANCELLATION" => false,
            Some(m) if m == "RETAIN_ON_CANCELLATION" || m == "NO_EXTERNALIZED_CHECKPOINTS" => m == "RETAIN_ON_CANCELLATION",
            Some(m) => {
                return Err(Error::Config(format!(
                    "'{CHECKPOINTING_RETENTION}': expected DELETE_ON_CANCELLATION or RETAIN_ON_CANCELLATION, got '{m}'"
                )));
            }
        };
        // Checked here so that a job with bad state backend settings fails at submission.
        rasch_state::BackendOptions::from_config(config)?;
        let interval_ms = config.get_duration_ms(CHECKPOINTING_INTERVAL)?.filter(|ms| *ms > 0);
        Ok(CheckpointConfig {
            interval_ms,
            exactly_once,
            timeout_ms: config.get_duration_ms(CHECKPOINTING_TIMEOUT)?.unwrap_or(600_000),
            min_pause_ms: config.get_duration_ms(CHECKPOINTING_MIN_PAUSE)?.unwrap_or(0),
            max_concurrent: config.get_u64(CHECKPOINTING_MAX_CONCURRENT)?.unwrap_or(1).max(1),
            tolerable_failures: config.get_u64(CHECKPOINTING_TOLERABLE_FAILURES)?.unwrap_or(0),
            num_retained: config.get_u64(CHECKPOINTING_NUM_RETAINED)?.unwrap_or(1).max(1) as usize,
            retain_on_cancellation,
            dir: config.get(CHECKPOINTING_DIR).map(str::to_string),
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
