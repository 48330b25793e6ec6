//! The processing-time service of a task: operators ask to be woken at a time, the task loop
//! wakes the chain (`on_processing_time`) once the clock reaches the earliest request.

use rasch_core::Clock;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

/// Per-task processing time: the clock and the earliest requested wake-up.
#[derive(Debug)]
pub struct ProcessingTimeService {
    clock: Arc<dyn Clock>,
    next: Cell<i64>,
}

impl ProcessingTimeService {
    /// A service reading `clock`, shared by every operator of one task.
    pub fn new(clock: Arc<dyn Clock>) -> Rc<Self> {
        Rc::new(ProcessingTimeService { clock, next: Cell::new(i64::MAX) })
    }

    /// Current processing time in ms.
    #[inline]
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The clock, for components that need their own handle.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Asks for `on_processing_time` to be called once time reaches `at`.
    #[inline]
    pub fn request(&self, at: i64) {
        if at < self.next.get() {
            self.next.set(at);
        }
    }

    /// The earliest requested time (`i64::MAX` when none).
    pub fn next(&self) -> i64 {
        self.next.get()
    }

    /// If a request is due at `now`, clears it and returns true; the woken operators request
    /// their next times again.
    pub fn take_due(&self, now: i64) -> bool {
        if now >= self.next.get() {
            self.next.set(i64::MAX);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasch_core::ManualClock;

    #[test]
    fn earliest_request_wins_and_is_consumed() {
        let clock = ManualClock::new(0);
        let s = ProcessingTimeService::new(Arc::new(clock.clone()));
        s.request(50);
        s.request(20);
        s.request(80);
        assert!(!s.take_due(s.now()));
        clock.set(25);
        assert!(s.take_due(s.now()));
        assert_eq!(s.next(), i64::MAX);
        assert!(!s.take_due(s.now()));
    }
}
