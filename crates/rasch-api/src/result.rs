//! `JobResult`: what `execute()` returns — runtime, per-operator record counts and the user's
//! counters (Flink's `JobExecutionResult`).

use rasch_runtime::executor::{JobExecutionResult, OperatorStats};
use std::collections::BTreeMap;
use std::time::Duration;

/// The outcome of a finished job: what `execute()` returns in local mode. Its `Display`
/// prints the runtime, each operator's parallelism and record counts, and the counters.
///
/// ```
/// use rasch_api::StreamEnv;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
/// let result = env.execute("Evens")?;
/// assert!(result.to_string().starts_with("Job 'Evens' finished in"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct JobResult {
    inner: JobExecutionResult,
}

impl JobResult {
    pub(crate) fn new(inner: JobExecutionResult) -> Self {
        JobResult { inner }
    }
    /// The job's name, as given to `execute`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// assert_eq!(result.job_name(), "Evens");
    /// # Ok(()) }
    /// ```
    pub fn job_name(&self) -> &str {
        &self.inner.job_name
    }
    /// Wall-clock runtime of the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// assert!(result.net_runtime() < std::time::Duration::from_secs(60));
    /// # Ok(()) }
    /// ```
    pub fn net_runtime(&self) -> Duration {
        self.inner.net_runtime
    }
    /// Per-operator counters, in graph order (sources first); chained operators are counted
    /// one by one, records summed over subtasks.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// let names: Vec<&str> = result.operators().iter().map(|o| o.name.as_str()).collect();
    /// assert_eq!(names, vec!["Source: Sequence Source", "Evens", "Discarding Sink"]);
    /// # Ok(()) }
    /// ```
    pub fn operators(&self) -> &[OperatorStats] {
        &self.inner.operators
    }
    /// The counters of the first operator named `name` (see [`DataStream::name`](crate::DataStream::name)).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// let evens = result.operator("Evens").unwrap();
    /// assert_eq!((evens.records_in, evens.records_out), (10, 5));
    /// # Ok(()) }
    /// ```
    pub fn operator(&self, name: &str) -> Option<&OperatorStats> {
        self.inner.operators.iter().find(|o| o.name == name)
    }
    /// How often the job restarted (from its latest checkpoint) before it finished.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// assert_eq!(result.restarts(), 0);
    /// # Ok(()) }
    /// ```
    pub fn restarts(&self) -> u32 {
        self.inner.restarts
    }
    /// How many checkpoints completed while the job ran (0 without checkpointing).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// assert_eq!(result.completed_checkpoints(), 0);
    /// # Ok(()) }
    /// ```
    pub fn completed_checkpoints(&self) -> u64 {
        self.inner.completed_checkpoints
    }
    /// The value of a user counter summed over subtasks (Flink's `getAccumulatorResult`);
    /// `None` when no function created it.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// assert_eq!(result.accumulator("no such counter"), None);
    /// # Ok(()) }
    /// ```
    pub fn accumulator(&self, name: &str) -> Option<i64> {
        self.inner.accumulators.get(name).copied()
    }
    /// All user counters, by name.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).name("Evens").discard();
    /// let result = env.execute("Evens")?;
    /// assert!(result.accumulators().is_empty()); // no function made a counter
    /// # Ok(()) }
    /// ```
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
