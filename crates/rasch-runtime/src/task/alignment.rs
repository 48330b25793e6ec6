//! Barrier alignment across the input channels of a task. Exactly-once: a channel that
//! delivered the barrier is blocked (its later events are held back) until every live channel
//! delivered it. At-least-once: nothing is blocked; the snapshot is taken when the last barrier
//! arrives.

use crate::checkpoint::Barrier;

/// Tracks which channels delivered the barrier of the checkpoint in progress.
#[derive(Debug)]
pub struct BarrierAligner {
    exactly_once: bool,
    received: Vec<bool>,
    ended: Vec<bool>,
    current: Option<Barrier>,
    /// Id of the last checkpoint this task snapshotted or abandoned.
    last: u64,
    /// When the first barrier of the current alignment arrived.
    started: Option<std::time::Instant>,
    /// Duration of the last completed alignment (first to last barrier), ms.
    last_alignment_ms: u64,
}

impl BarrierAligner {
    /// An aligner over `channels` input channels.
    pub fn new(channels: usize, exactly_once: bool) -> Self {
        BarrierAligner {
            exactly_once,
            received: vec![false; channels],
            ended: vec![false; channels],
            current: None,
            last: 0,
            started: None,
            last_alignment_ms: 0,
        }
    }

    /// Whether events of `channel` must be held back (exactly-once alignment in progress).
    #[inline]
    pub fn is_blocked(&self, channel: usize) -> bool {
        self.exactly_once && self.current.is_some() && self.received[channel]
    }

    /// A barrier arrived on `channel`; returns it when the task is aligned and must snapshot.
    pub fn on_barrier(&mut self, channel: usize, barrier: Barrier) -> Option<Barrier> {
        if barrier.id <= self.last {
            return None;
        }
        match &self.current {
            Some(c) if c.id == barrier.id => {}
            // A newer checkpoint overtakes an unfinished one: abandon the older alignment.
            _ => {
                self.received.iter_mut().for_each(|r| *r = false);
                self.current = Some(barrier);
                self.started = Some(std::time::Instant::now());
            }
        }
        self.received[channel] = true;
        self.check()
    }

    /// How long the last completed alignment took, from its first barrier to its last (ms).
    pub fn last_alignment_ms(&self) -> u64 {
        self.last_alignment_ms
    }

    /// A channel ended; the checkpoint in progress no longer waits for it.
    pub fn on_end(&mut self, channel: usize) -> Option<Barrier> {
        self.ended[channel] = true;
        self.check()
    }

    fn check(&mut self) -> Option<Barrier> {
        self.current.as_ref()?;
        let aligned = self.received.iter().zip(&self.ended).all(|(r, e)| *r || *e);
        if aligned {
            self.last_alignment_ms = self.started.take().map_or(0, |s| s.elapsed().as_millis() as u64);
            let barrier = self.current.take()?;
            self.last = barrier.id;
            self.received.iter_mut().for_each(|r| *r = false);
            Some(barrier)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(id: u64) -> Barrier {
        Barrier::checkpoint(id)
    }

    #[test]
    fn aligns_over_live_channels_and_blocks_only_in_exactly_once() {
        let mut a = BarrierAligner::new(3, true);
        assert_eq!(a.on_barrier(0, b(1)), None);
        assert!(a.is_blocked(0) && !a.is_blocked(1));
        assert_eq!(a.on_end(2), None);
        assert_eq!(a.on_barrier(1, b(1)), Some(b(1)));
        assert!(!a.is_blocked(0), "unblocked after the snapshot");
        assert_eq!(a.on_barrier(0, b(1)), None, "a stale barrier is ignored");

        let mut l = BarrierAligner::new(2, false);
        assert_eq!(l.on_barrier(1, b(4)), None);
        assert!(!l.is_blocked(1), "at-least-once never blocks");
        assert_eq!(l.on_barrier(0, b(4)), Some(b(4)));
    }

    #[test]
    fn a_newer_barrier_abandons_an_unfinished_alignment() {
        let mut a = BarrierAligner::new(2, true);
        a.on_barrier(0, b(1));
        assert_eq!(a.on_barrier(1, b(2)), None);
        assert!(!a.is_blocked(0) && a.is_blocked(1));
        assert_eq!(a.on_barrier(0, b(2)), Some(b(2)));
    }
}
