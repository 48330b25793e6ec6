//! Built-in watermark generators.

use super::{WatermarkGenerator, WatermarkOutput};
use rasch_core::MIN_WATERMARK;

/// Watermark = highest timestamp seen − out-of-orderness − 1 ms, emitted periodically
/// (Flink's `BoundedOutOfOrdernessWatermarks`; monotonous timestamps use zero delay).
#[derive(Debug, Clone, Copy)]
pub struct BoundedOutOfOrderness {
    max_timestamp: i64,
    delay_ms: i64,
}

impl BoundedOutOfOrderness {
    /// Tolerates events up to `delay_ms` behind the highest timestamp seen.
    pub fn new(delay_ms: i64) -> Self {
        BoundedOutOfOrderness { max_timestamp: MIN_WATERMARK + delay_ms + 1, delay_ms }
    }
}

impl<T> WatermarkGenerator<T> for BoundedOutOfOrderness {
    #[inline]
    fn on_event(&mut self, _: &T, timestamp: i64, _: &mut WatermarkOutput) {
        self.max_timestamp = self.max_timestamp.max(timestamp);
    }
    fn on_periodic_emit(&mut self, output: &mut WatermarkOutput) {
        output.emit_watermark(self.max_timestamp - self.delay_ms - 1);
    }
}

/// Never emits watermarks (event-time timers then fire only at the end of bounded input).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoWatermarks;

impl<T> WatermarkGenerator<T> for NoWatermarks {
    fn on_event(&mut self, _: &T, _: i64, _: &mut WatermarkOutput) {}
    fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_out_of_orderness_trails_the_maximum() {
        let mut g = BoundedOutOfOrderness::new(1_000);
        let mut out = WatermarkOutput::default();
        WatermarkGenerator::<()>::on_event(&mut g, &(), 5_000, &mut out);
        WatermarkGenerator::<()>::on_event(&mut g, &(), 3_000, &mut out);
        assert_eq!(out.watermark, None, "emitted periodically, not per event");
        WatermarkGenerator::<()>::on_periodic_emit(&mut g, &mut out);
        assert_eq!(out.watermark, Some(3_999));
    }
}
