//! `KeyedRuntime`: the state backend, timers and clocks of one keyed operator instance.

use crate::operators::OperatorSetup;
use crate::time::ProcessingTimeService;
use rasch_core::keygroup::compute_key_group_range_for_operator_index;
use rasch_core::{Key, MIN_WATERMARK};
use rasch_state::{KeyedStateBackend, Namespace, TimerService};
use std::rc::Rc;

/// Keyed state and timers of one parallel instance, owning the key groups that Flink's range
/// assignment gives its subtask.
pub struct KeyedRuntime<K, N> {
    /// Keyed state of this instance.
    pub backend: KeyedStateBackend<K>,
    /// Event- and processing-time timers.
    pub timers: TimerService<K, N>,
    /// The task's processing-time service.
    pub time: Rc<ProcessingTimeService>,
    /// The operator's current event-time watermark.
    pub watermark: i64,
}

impl<K: Key, N: Namespace> KeyedRuntime<K, N> {
    /// The keyed runtime of the instance described by `setup`.
    pub fn new(setup: &OperatorSetup) -> Self {
        let ctx = &setup.ctx;
        let range = compute_key_group_range_for_operator_index(ctx.max_parallelism, ctx.parallelism, ctx.subtask_index);
        KeyedRuntime {
            backend: KeyedStateBackend::new(range, ctx.max_parallelism, setup.time.clock()),
            timers: TimerService::default(),
            time: setup.time.clone(),
            watermark: MIN_WATERMARK,
        }
    }

    /// Asks the task to wake this operator at its earliest processing-time timer.
    pub fn request_processing_wakeup(&mut self) {
        if let Some(t) = self.timers.processing.peek_time() {
            self.time.request(t);
        }
    }
}
