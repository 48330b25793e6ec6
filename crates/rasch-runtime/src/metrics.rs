//! Per-operator, per-subtask counters (`numRecordsIn`, `numRecordsOut`, current watermark),
//! updated once per batch with relaxed atomics and read by the job result (and later REST).

use rasch_core::MIN_WATERMARK;
use std::sync::atomic::{AtomicI64, AtomicU64};

/// Counters of one parallel instance of one operator.
#[derive(Debug)]
pub struct OperatorMetrics {
    /// Records received (`numRecordsIn`).
    pub records_in: AtomicU64,
    /// Records emitted on the main output (`numRecordsOut`).
    pub records_out: AtomicU64,
    /// The operator's current input watermark.
    pub watermark: AtomicI64,
}

impl Default for OperatorMetrics {
    fn default() -> Self {
        OperatorMetrics { records_in: AtomicU64::new(0), records_out: AtomicU64::new(0), watermark: AtomicI64::new(MIN_WATERMARK) }
    }
}

/// Where a task's thread spends its time: waiting for input (idle), waiting for space in an
/// output channel (back-pressured), and the rest (busy) — Flink's `idleTimeMsPerSecond`,
/// `backPressuredTimeMsPerSecond` and `busyTimeMsPerSecond` come from these. Only the
/// blocking paths record anything, so the hot path pays nothing.
#[derive(Debug)]
pub struct TaskTimes {
    /// Nanoseconds spent waiting for input.
    pub idle_ns: AtomicU64,
    /// Nanoseconds spent waiting for downstream capacity.
    pub backpressured_ns: AtomicU64,
    /// When the task started.
    pub started: std::time::Instant,
}

impl Default for TaskTimes {
    fn default() -> Self {
        TaskTimes { idle_ns: AtomicU64::new(0), backpressured_ns: AtomicU64::new(0), started: std::time::Instant::now() }
    }
}

/// The bytes one task exchanged with tasks in other processes (Flink's `numBytesIn` and
/// `numBytesOut`): its network channels add the frames they receive or send. Records passed
/// between tasks of one process are not serialized and add nothing.
#[derive(Debug, Default)]
pub struct TaskBytes {
    /// Bytes received (`numBytesIn`).
    pub bytes_in: crate::net::ByteCounter,
    /// Bytes sent (`numBytesOut`).
    pub bytes_out: crate::net::ByteCounter,
}

thread_local! {
    static CURRENT_TASK: std::cell::RefCell<Option<std::sync::Arc<TaskTimes>>> = const { std::cell::RefCell::new(None) };
}

impl TaskTimes {
    /// Makes `times` the account of the calling (task) thread.
    pub fn install(times: std::sync::Arc<TaskTimes>) {
        CURRENT_TASK.with(|c| *c.borrow_mut() = Some(times));
    }

    /// Nanoseconds since the task started.
    pub fn elapsed_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }
}

fn charge(d: std::time::Duration, pick: fn(&TaskTimes) -> &AtomicU64) {
    CURRENT_TASK.with(|c| {
        if let Some(t) = c.borrow().as_ref() {
            pick(t).fetch_add(d.as_nanos() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    });
}

/// Charges `d` of waiting for input to the calling task.
pub fn record_idle(d: std::time::Duration) {
    charge(d, |t| &t.idle_ns);
}

/// Charges `d` of waiting for downstream capacity to the calling task.
pub fn record_backpressure(d: std::time::Duration) {
    charge(d, |t| &t.backpressured_ns);
}
