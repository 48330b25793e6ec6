//! `WatermarkStrategy`: a generator, a timestamp assigner and optional idleness.

use super::{BoundedOutOfOrderness, NoWatermarks, WatermarkGenerator};
use std::time::Duration;

/// Extracts the event timestamp of a record.
pub trait TimestampAssigner<T>: Clone + Send + Sync + 'static {
    /// The timestamp of `value`; `record_timestamp` is the one it already carries (or
    /// `NO_TIMESTAMP`).
    fn extract_timestamp(&self, value: &T, record_timestamp: i64) -> i64;
}

/// Keeps the timestamp the record already has (e.g. set by the source).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordTimestamp;

impl<T> TimestampAssigner<T> for RecordTimestamp {
    #[inline]
    fn extract_timestamp(&self, _: &T, record_timestamp: i64) -> i64 {
        record_timestamp
    }
}

/// A timestamp assigner from a closure `Fn(&T, record_timestamp) -> i64`.
#[derive(Clone)]
pub struct AssignerFn<F>(pub F);

impl<T, F: Fn(&T, i64) -> i64 + Clone + Send + Sync + 'static> TimestampAssigner<T> for AssignerFn<F> {
    #[inline]
    fn extract_timestamp(&self, value: &T, record_timestamp: i64) -> i64 {
        (self.0)(value, record_timestamp)
    }
}

/// How a stream gets event timestamps and watermarks.
#[derive(Clone)]
pub struct WatermarkStrategy<G, A> {
    /// Generates watermarks.
    pub generator: G,
    /// Assigns timestamps.
    pub assigner: A,
    /// Marks the stream idle after this long without records.
    pub idleness: Option<Duration>,
}

impl WatermarkStrategy<BoundedOutOfOrderness, RecordTimestamp> {
    /// Timestamps only increase: watermark = highest timestamp − 1 ms.
    pub fn for_monotonous_timestamps() -> Self {
        Self::for_bounded_out_of_orderness(Duration::ZERO)
    }
    /// Events may arrive up to `max_out_of_orderness` late.
    pub fn for_bounded_out_of_orderness(max_out_of_orderness: Duration) -> Self {
        WatermarkStrategy {
            generator: BoundedOutOfOrderness::new(max_out_of_orderness.as_millis() as i64),
            assigner: RecordTimestamp,
            idleness: None,
        }
    }
}

impl WatermarkStrategy<NoWatermarks, RecordTimestamp> {
    /// No watermarks at all.
    pub fn no_watermarks() -> Self {
        WatermarkStrategy { generator: NoWatermarks, assigner: RecordTimestamp, idleness: None }
    }
}

impl<G> WatermarkStrategy<G, RecordTimestamp> {
    /// A custom generator (`on_event` / `on_periodic_emit`).
    pub fn for_generator(generator: G) -> Self {
        WatermarkStrategy { generator, assigner: RecordTimestamp, idleness: None }
    }
}

impl<G, A> WatermarkStrategy<G, A> {
    /// Extracts timestamps with `f(value, record_timestamp)`.
    pub fn with_timestamp_assigner<T, F>(self, f: F) -> WatermarkStrategy<G, AssignerFn<F>>
    where
        G: WatermarkGenerator<T>,
        F: Fn(&T, i64) -> i64 + Clone + Send + Sync + 'static,
    {
        WatermarkStrategy { generator: self.generator, assigner: AssignerFn(f), idleness: self.idleness }
    }
    /// Marks the stream idle when no record arrived for `timeout` (processing time), so it
    /// does not hold back downstream watermarks.
    pub fn with_idleness(mut self, timeout: Duration) -> Self {
        self.idleness = Some(timeout);
        self
    }
}
