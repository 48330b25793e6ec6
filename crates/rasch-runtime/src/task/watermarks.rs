//! Watermark of an input gate: the minimum over its channels, where channels that ended no
//! longer hold it back.

use rasch_core::{MAX_WATERMARK, MIN_WATERMARK};

/// Tracks per-channel watermarks and end of input for one gate.
#[derive(Debug, Clone)]
pub struct WatermarkTracker {
    channels: Vec<i64>,
    ended: Vec<bool>,
    ended_count: usize,
    current: i64,
}

impl WatermarkTracker {
    /// A tracker for `channels` input channels.
    pub fn new(channels: usize) -> Self {
        WatermarkTracker { channels: vec![MIN_WATERMARK; channels], ended: vec![false; channels], ended_count: 0, current: MIN_WATERMARK }
    }

    /// The gate's current watermark (the maximum once every channel has ended).
    pub fn current(&self) -> i64 {
        if self.all_ended() { MAX_WATERMARK } else { self.current }
    }

    /// True when every channel has ended.
    pub fn all_ended(&self) -> bool {
        self.ended_count == self.channels.len()
    }

    /// Records a channel watermark; returns the gate watermark if it advanced.
    pub fn on_watermark(&mut self, channel: usize, watermark: i64) -> Option<i64> {
        if watermark > self.channels[channel] {
            self.channels[channel] = watermark;
        }
        self.advance()
    }

    /// Records the end of a channel; returns the gate watermark if it advanced.
    pub fn on_end(&mut self, channel: usize) -> Option<i64> {
        if !self.ended[channel] {
            self.ended[channel] = true;
            self.ended_count += 1;
            self.channels[channel] = MAX_WATERMARK;
        }
        if self.all_ended() { None } else { self.advance() }
    }

    fn advance(&mut self) -> Option<i64> {
        let min = self.channels.iter().copied().min().unwrap_or(MAX_WATERMARK);
        if min > self.current {
            self.current = min;
            Some(min)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_over_channels_ignoring_ended_ones() {
        let mut t = WatermarkTracker::new(3);
        assert_eq!(t.on_watermark(0, 10), None);
        assert_eq!(t.on_watermark(1, 5), None);
        assert_eq!(t.on_watermark(2, 7), Some(5));
        assert_eq!(t.on_watermark(1, 20), Some(7));
        assert_eq!(t.on_end(2), Some(10));
        assert_eq!(t.on_watermark(0, 9), None, "watermarks never go back");
        assert!(!t.all_ended());
        t.on_end(0);
        t.on_end(1);
        assert!(t.all_ended());
    }
}
