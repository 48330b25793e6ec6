//! `KeyedContext`: what keyed user functions see — the current key, timestamp, watermark,
//! processing time, timers, keyed state and side outputs.

use crate::collector::{OutputTag, SideOutputs};
use crate::time::ProcessingTimeService;
use rasch_core::{Key, NO_TIMESTAMP, Result};
use rasch_state::{KeyedStateBackend, StateContext, StateView, TimerService};

/// Which clock fired a timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeDomain {
    /// The watermark passed the timer's time.
    EventTime,
    /// The processing-time clock reached the timer's time.
    ProcessingTime,
}

/// The context of a keyed function call (Flink's `KeyedProcessFunction.Context`,
/// `OnTimerContext` and `TimerService` in one).
pub struct KeyedContext<'a, K> {
    pub(crate) timestamp: i64,
    pub(crate) watermark: i64,
    pub(crate) key: &'a K,
    pub(crate) key_group: usize,
    pub(crate) backend: &'a mut KeyedStateBackend<K>,
    pub(crate) timers: &'a mut TimerService<K, ()>,
    pub(crate) time: &'a ProcessingTimeService,
    pub(crate) sides: &'a mut SideOutputs,
    pub(crate) domain: Option<TimeDomain>,
}

impl<'a, K: Key> KeyedContext<'a, K> {
    /// Builds a context (for operators built on [`KeyedRuntime`](super::KeyedRuntime)).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        timestamp: i64,
        watermark: i64,
        key: &'a K,
        key_group: usize,
        backend: &'a mut KeyedStateBackend<K>,
        timers: &'a mut TimerService<K, ()>,
        time: &'a ProcessingTimeService,
        sides: &'a mut SideOutputs,
        domain: Option<TimeDomain>,
    ) -> Self {
        KeyedContext { timestamp, watermark, key, key_group, backend, timers, time, sides, domain }
    }

    /// Timestamp of the element (or of the firing event-time timer), if any.
    pub fn timestamp(&self) -> Option<i64> {
        (self.timestamp != NO_TIMESTAMP).then_some(self.timestamp)
    }
    /// The key being processed.
    pub fn current_key(&self) -> &K {
        self.key
    }
    /// In `on_timer`: which clock fired.
    pub fn time_domain(&self) -> Option<TimeDomain> {
        self.domain
    }
    /// The operator's current event-time watermark.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }
    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.time.now()
    }
    /// Flink's `ctx.timerService()`: the timer methods are on this context.
    pub fn timer_service(&mut self) -> &mut Self {
        self
    }
    /// Calls `on_timer` for this key once the watermark passes `time` (deduplicated).
    pub fn register_event_time_timer(&mut self, time: i64) {
        self.timers.event.register(self.key, &(), time);
    }
    /// Calls `on_timer` for this key once processing time reaches `time` (deduplicated).
    pub fn register_processing_time_timer(&mut self, time: i64) {
        self.timers.processing.register(self.key, &(), time);
        self.time.request(time);
    }
    /// Deletes this key's event-time timer at `time`.
    pub fn delete_event_time_timer(&mut self, time: i64) {
        self.timers.event.delete(self.key, &(), time);
    }
    /// Deletes this key's processing-time timer at `time`.
    pub fn delete_processing_time_timer(&mut self, time: i64) {
        self.timers.processing.delete(self.key, &(), time);
    }
    /// Emits to a side output.
    pub fn output<X: 'static>(&mut self, tag: &OutputTag<X>, value: X) -> Result<()> {
        self.sides.emit(tag, value, self.timestamp)
    }
}

impl<K> StateContext<K, ()> for KeyedContext<'_, K> {
    fn state_view(&mut self) -> StateView<'_, K, ()> {
        StateView { backend: self.backend, key: self.key, key_group: self.key_group, namespace: &() }
    }
}
