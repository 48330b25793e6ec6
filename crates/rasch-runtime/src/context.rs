//! `RuntimeContext`: what a rich user function learns about where it runs — subtask index,
//! parallelism, the job configuration — and the named counters (Flink's accumulators).

use rasch_core::{Configuration, RuntimeMode};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// A named counter (Flink's `LongCounter` accumulator). Cheap to clone; each subtask has its
/// own, and the job result reports the sum over all subtasks.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicI64>);

impl Counter {
    /// Adds `n` (may be negative).
    #[inline]
    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }
    /// The current value of this subtask's counter.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The counters of one subtask, by name.
#[derive(Debug, Default)]
pub struct Accumulators {
    counters: Mutex<BTreeMap<String, Counter>>,
}

impl Accumulators {
    /// The counter named `name`, created at zero on first use.
    pub fn counter(&self, name: &str) -> Counter {
        let mut map = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(name.to_string()).or_default().clone()
    }

    /// Adds every counter's value into `totals`.
    pub fn merge_into(&self, totals: &mut BTreeMap<String, i64>) {
        let map = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        for (name, c) in map.iter() {
            *totals.entry(name.clone()).or_insert(0) += c.get();
        }
    }
}

/// Information about the parallel instance a function runs in.
#[derive(Debug, Clone)]
pub struct RuntimeContext {
    /// Name of the task (the chain of operators) this function runs in.
    pub task_name: Arc<str>,
    /// Name of the operator this function belongs to.
    pub operator_name: Arc<str>,
    /// 0-based index of this parallel instance.
    pub subtask_index: usize,
    /// Number of parallel instances of the operator.
    pub parallelism: usize,
    /// Max parallelism (number of key groups) of the operator.
    pub max_parallelism: usize,
    /// Restart attempt, 0 for the first run.
    pub attempt: u32,
    /// Streaming or batch execution.
    pub runtime_mode: RuntimeMode,
    /// The job configuration.
    pub config: Arc<Configuration>,
    /// This subtask's counters.
    pub accumulators: Arc<Accumulators>,
}

impl RuntimeContext {
    /// 0-based index of this parallel instance (Flink's `getIndexOfThisSubtask`).
    pub fn index_of_this_subtask(&self) -> usize {
        self.subtask_index
    }
    /// Parallelism of this operator (Flink's `getNumberOfParallelSubtasks`).
    pub fn number_of_parallel_subtasks(&self) -> usize {
        self.parallelism
    }
    /// A named counter; the job result reports its sum over all subtasks.
    pub fn counter(&self, name: &str) -> Counter {
        self.accumulators.counter(name)
    }
    /// A context for unit-testing user functions outside a job.
    pub fn for_test(subtask_index: usize, parallelism: usize) -> Self {
        RuntimeContext {
            task_name: "test".into(),
            operator_name: "test".into(),
            subtask_index,
            parallelism,
            max_parallelism: rasch_core::keygroup::compute_default_max_parallelism(parallelism),
            attempt: 0,
            runtime_mode: RuntimeMode::Streaming,
            config: Arc::new(Configuration::new()),
            accumulators: Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_merge_across_subtasks() {
        let a = Accumulators::default();
        let b = Accumulators::default();
        a.counter("lines").add(3);
        a.counter("lines").inc();
        b.counter("lines").add(2);
        b.counter("errors").inc();
        let mut totals = BTreeMap::new();
        a.merge_into(&mut totals);
        b.merge_into(&mut totals);
        assert_eq!(totals["lines"], 6);
        assert_eq!(totals["errors"], 1);
    }
}
