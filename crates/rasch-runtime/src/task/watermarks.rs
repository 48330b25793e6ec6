//! Watermark of an input gate: the minimum over its channels, where channels that ended or
//! are idle do not hold it back (Flink's `StatusWatermarkValve`).

use rasch_core::{MAX_WATERMARK, MIN_WATERMARK, WatermarkStatus};

/// What changed at the gate after an input event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateUpdate {
    /// The gate's watermark advanced to this value.
    pub watermark: Option<i64>,
    /// The gate as a whole became idle or active.
    pub status: Option<WatermarkStatus>,
}

/// Tracks per-channel watermarks, idleness and end of input for one gate.
#[derive(Debug, Clone)]
pub struct WatermarkTracker {
    channels: Vec<i64>,
    ended: Vec<bool>,
    idle: Vec<bool>,
    ended_count: usize,
    current: i64,
    gate_idle: bool,
}

impl WatermarkTracker {
    /// A tracker for `channels` input channels.
    pub fn new(channels: usize) -> Self {
        WatermarkTracker {
            channels: vec![MIN_WATERMARK; channels],
            ended: vec![false; channels],
            idle: vec![false; channels],
            ended_count: 0,
            current: MIN_WATERMARK,
            gate_idle: false,
        }
    }

    /// The gate's current watermark (the maximum once every channel has ended).
    pub fn current(&self) -> i64 {
        if self.all_ended() { MAX_WATERMARK } else { self.current }
    }

    /// True when every channel has ended.
    pub fn all_ended(&self) -> bool {
        self.ended_count == self.channels.len()
    }

    /// True when every channel still running is idle.
    pub fn is_idle(&self) -> bool {
        self.gate_idle
    }

    /// Records a channel watermark; returns the gate watermark if it advanced.
    pub fn on_watermark(&mut self, channel: usize, watermark: i64) -> GateUpdate {
        let mut update = GateUpdate::default();
        if self.idle[channel] {
            update.status = self.set_idle(channel, false);
        }
        if watermark > self.channels[channel] {
            self.channels[channel] = watermark;
        }
        update.watermark = self.advance();
        update
    }

    /// Records that a channel became idle or active.
    pub fn on_status(&mut self, channel: usize, status: WatermarkStatus) -> GateUpdate {
        let status = self.set_idle(channel, status == WatermarkStatus::Idle);
        // An idle channel no longer holds the watermark back.
        GateUpdate { watermark: self.advance(), status }
    }

    /// Records the end of a channel; returns the gate watermark if it advanced.
    pub fn on_end(&mut self, channel: usize) -> GateUpdate {
        if !self.ended[channel] {
            self.ended[channel] = true;
            self.ended_count += 1;
            self.channels[channel] = MAX_WATERMARK;
        }
        if self.all_ended() { GateUpdate::default() } else { GateUpdate { watermark: self.advance(), status: self.recompute_idle() } }
    }

    fn set_idle(&mut self, channel: usize, idle: bool) -> Option<WatermarkStatus> {
        self.idle[channel] = idle;
        self.recompute_idle()
    }

    fn recompute_idle(&mut self) -> Option<WatermarkStatus> {
        let all_idle = (0..self.channels.len()).filter(|&c| !self.ended[c]).all(|c| self.idle[c]) && !self.all_ended();
        if all_idle == self.gate_idle {
            return None;
        }
        self.gate_idle = all_idle;
        Some(if all_idle { WatermarkStatus::Idle } else { WatermarkStatus::Active })
    }

    fn advance(&mut self) -> Option<i64> {
        let min = (0..self.channels.len()).filter(|&c| !self.ended[c] && !self.idle[c]).map(|c| self.channels[c]).min();
        match min {
            Some(m) if m > self.current => {
                self.current = m;
                Some(m)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_over_channels_ignoring_ended_ones() {
        let mut t = WatermarkTracker::new(3);
        assert_eq!(t.on_watermark(0, 10).watermark, None);
        assert_eq!(t.on_watermark(1, 5).watermark, None);
        assert_eq!(t.on_watermark(2, 7).watermark, Some(5));
        assert_eq!(t.on_watermark(1, 20).watermark, Some(7));
        assert_eq!(t.on_end(2).watermark, Some(10));
        assert_eq!(t.on_watermark(0, 9).watermark, None, "watermarks never go back");
        assert!(!t.all_ended());
        t.on_end(0);
        t.on_end(1);
        assert!(t.all_ended());
        assert_eq!(t.current(), MAX_WATERMARK);
    }

    #[test]
    fn idle_channels_do_not_hold_the_watermark_back() {
        let mut t = WatermarkTracker::new(2);
        t.on_watermark(0, 100);
        assert_eq!(t.current(), MIN_WATERMARK, "channel 1 has no watermark yet");
        let u = t.on_status(1, WatermarkStatus::Idle);
        assert_eq!(u.watermark, Some(100));
        assert_eq!(u.status, None, "channel 0 is still active");
        let u = t.on_status(0, WatermarkStatus::Idle);
        assert_eq!(u.status, Some(WatermarkStatus::Idle));
        let u = t.on_watermark(1, 50);
        assert_eq!(u.status, Some(WatermarkStatus::Active), "a watermark reactivates the channel");
        assert_eq!(u.watermark, None, "the gate watermark never goes back");
        assert_eq!(t.on_watermark(1, 150).watermark, Some(150));
    }
}
