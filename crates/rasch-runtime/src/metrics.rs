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
