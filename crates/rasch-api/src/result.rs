//! `JobResult`: what `execute()` returns — runtime, per-operator record counts and the user's
//! counters (Flink's `JobExecutionResult`).

use rasch_runtime::executor::{JobExecutionResult, OperatorStats};
use std::collections::BTreeMap;
use std::time::Duration;

/// The outcome of a finished job.
#[derive(Debug, Clone)]
pub struct JobResult {
    inner: JobExecutionResult,
}

impl JobResult {
    pub(crate) fn new(inner: JobExecutionResult) -> Self {
        JobResult { inner }
    }
    /// The job's name.
    pub fn job_name(&self) -> &str {
        &self.inner.job_name
    }
    /// Wall-clock runtime of the job.
    pub fn net_runtime(&self) -> Duration {
        self.inner.net_runtime
    }
    /// Per-operator counters, in graph order.
    pub fn operators(&self) -> &[OperatorStats] {
        &self.inner.operators
    }
    /// The counters of the first operator named `name`.
    pub fn operator(&self, name: &str) -> Option<&OperatorStats> {
        self.inner.operators.iter().find(|o| o.name == name)
    }
    /// How often the job restarted (from its latest checkpoint) before it finished.
    pub fn restarts(&self) -> u32 {
        self.inner.restarts
    }
    /// How many checkpoints completed while the job ran.
    pub fn completed_checkpoints(&self) -> u64 {
        self.inner.completed_checkpoints
    }
    /// The value of a user counter summed over subtasks (Flink's `getAccumulatorResult`).
    pub fn accumulator(&self, name: &str) -> Option<i64> {
        self.inner.accumulators.get(name).copied()
    }
    /// All user counters.
    pub fn accumulators(&self) -> &BTreeMap<String, i64> {
        &self.inner.accumulators
    }
}

impl std::fmt::Display for JobResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Job '{}' finished in {} ms", self.inner.job_name, self.inner.net_runtime.as_millis())?;
        for o in &self.inner.operators {
            writeln!(f, "  {:<40} p={:<3} in={:<12} out={}", o.name, o.parallelism, o.records_in, o.records_out)?;
        }
        for (k, v) in &self.inner.accumulators {
            writeln!(f, "  counter {k} = {v}")?;
        }
        Ok(())
    }
}
