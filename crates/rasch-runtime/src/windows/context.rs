//! `KeyedTriggerContext`: the window operator's [`TriggerContext`] — timers of the current
//! (key, window) in the operator's timer service, trigger values as keyed state in the window
//! namespace.

use super::trigger::TriggerContext;
use super::window::Window;
use crate::time::ProcessingTimeService;
use rasch_core::{Key, Result};
use rasch_state::{KeyedStateBackend, TimerService};
use std::sync::OnceLock;

/// The trigger context of one (key, window) inside the window operator.
pub struct KeyedTriggerContext<'a, K, W> {
    /// The current key.
    pub key: &'a K,
    /// Its key group.
    pub key_group: usize,
    /// The current window.
    pub window: &'a W,
    /// The operator's keyed state.
    pub backend: &'a mut KeyedStateBackend<K>,
    /// The operator's timers, keyed by (key, window).
    pub timers: &'a mut TimerService<K, W>,
    /// The task's processing-time service.
    pub time: &'a ProcessingTimeService,
    /// The operator's watermark.
    pub watermark: i64,
    /// In `on_merge`: the windows merged into `window`.
    pub merged: &'a [W],
}

impl<K: Key, W: Window> TriggerContext<W> for KeyedTriggerContext<'_, K, W> {
    fn current_watermark(&self) -> i64 {
        self.watermark
    }
    fn current_processing_time(&self) -> i64 {
        self.time.now()
    }
    #[inline]
    fn register_event_time_timer(&mut self, time: i64) {
        self.timers.event.register(self.key, self.window, time);
    }
    fn delete_event_time_timer(&mut self, time: i64) {
        self.timers.event.delete(self.key, self.window, time);
    }
    fn register_processing_time_timer(&mut self, time: i64) {
        self.timers.processing.register(self.key, self.window, time);
        self.time.request(time);
    }
    fn delete_processing_time_timer(&mut self, time: i64) {
        self.timers.processing.delete(self.key, self.window, time);
    }
    fn get_state(&mut self, name: &str) -> Result<Option<i64>> {
        let t = self.backend.table::<W, i64>(name, &OnceLock::new(), None)?;
        Ok(t.get(self.key_group, self.key, self.window, 0)?.copied())
    }
    fn set_state(&mut self, name: &str, value: i64) -> Result<()> {
        self.backend.table::<W, i64>(name, &OnceLock::new(), None)?.put(self.key_group, self.key, self.window, value, 0)
    }
    fn clear_state(&mut self, name: &str) -> Result<()> {
        self.backend.table::<W, i64>(name, &OnceLock::new(), None)?.remove(self.key_group, self.key, self.window, 0).map(|_| ())
    }
    fn merged_windows(&self) -> &[W] {
        self.merged
    }
    fn merge_state(&mut self, name: &str, f: &dyn Fn(i64, i64) -> i64) -> Result<()> {
        let t = self.backend.table::<W, i64>(name, &OnceLock::new(), None)?;
        let mut acc = t.remove(self.key_group, self.key, self.window, 0)?;
        for m in self.merged.iter().filter(|m| *m != self.window) {
            if let Some(v) = t.remove(self.key_group, self.key, m, 0)? {
                acc = Some(acc.map_or(v, |a| f(a, v)));
            }
        }
        if let Some(v) = acc {
            t.put(self.key_group, self.key, self.window, v, 0)?;
        }
        Ok(())
    }
}
