//! Processing time: a `Clock` the runtime reads, which tests replace with a `ManualClock` to
//! drive processing-time windows, timers and state TTL deterministically.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of processing time in epoch milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current processing time.
    fn now_ms(&self) -> i64;
}

/// The system wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A manual clock starting at `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(start_ms)))
    }
    /// Sets the time (it may not go backwards; earlier values are ignored).
    pub fn set(&self, ms: i64) {
        self.0.fetch_max(ms, Ordering::SeqCst);
    }
    /// Moves the time forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The default clock.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_forward_and_is_shared() {
        let c = ManualClock::new(100);
        let c2 = c.clone();
        c.advance(50);
        assert_eq!(c2.now_ms(), 150);
        c.set(10);
        assert_eq!(c2.now_ms(), 150);
        assert!(SystemClock.now_ms() > 1_600_000_000_000);
    }
}
