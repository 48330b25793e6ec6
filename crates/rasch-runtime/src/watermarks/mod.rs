//! Watermark strategies (Flink's `WatermarkStrategy`): how event timestamps are extracted and
//! how watermarks are generated — per event and periodically — including idleness.

mod generators;
mod strategy;

pub use generators::{BoundedOutOfOrderness, NoWatermarks};
pub use strategy::{AssignerFn, RecordTimestamp, TimestampAssigner, WatermarkStrategy};

/// Collects what a generator emits during one call.
#[derive(Debug, Default)]
pub struct WatermarkOutput {
    pub(crate) watermark: Option<i64>,
    pub(crate) idle: Option<bool>,
}

impl WatermarkOutput {
    /// Emits a watermark (ignored if not higher than the current one).
    pub fn emit_watermark(&mut self, watermark: i64) {
        self.watermark = Some(self.watermark.map_or(watermark, |w| w.max(watermark)));
        self.idle = Some(false);
    }
    /// Declares this stream idle until the next watermark or record.
    pub fn mark_idle(&mut self) {
        self.idle = Some(true);
    }
    /// Declares this stream active again.
    pub fn mark_active(&mut self) {
        self.idle = Some(false);
    }
    /// What was emitted since the last call — the highest watermark and the idle flag — for
    /// operators and sources that drive generators themselves.
    pub fn take(&mut self) -> (Option<i64>, Option<bool>) {
        (self.watermark.take(), self.idle.take())
    }
}

/// Generates watermarks from events and/or periodically (Flink's `WatermarkGenerator`).
pub trait WatermarkGenerator<T>: Clone + Send + Sync + 'static {
    /// Called for every event with its (assigned) timestamp.
    fn on_event(&mut self, event: &T, timestamp: i64, output: &mut WatermarkOutput);
    /// Called every `pipeline.auto-watermark-interval` (200 ms by default).
    fn on_periodic_emit(&mut self, output: &mut WatermarkOutput);
}
