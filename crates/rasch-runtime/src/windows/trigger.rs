//! The `Trigger` contract (Flink's `Trigger`): when a window fires and/or purges, with timers
//! and small per-(key, window) state reached through a [`TriggerContext`].

use super::window::Window;
use rasch_core::{Error, Result};

/// What a trigger decides for a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerResult {
    /// Nothing happens.
    Continue,
    /// The window function runs on the window's contents; the contents are kept.
    Fire,
    /// The window's contents are discarded without firing.
    Purge,
    /// The window function runs, then the contents are discarded.
    FireAndPurge,
}

impl TriggerResult {
    /// Whether the window function runs.
    #[inline]
    pub fn is_fire(self) -> bool {
        matches!(self, TriggerResult::Fire | TriggerResult::FireAndPurge)
    }
    /// Whether the contents are discarded.
    #[inline]
    pub fn is_purge(self) -> bool {
        matches!(self, TriggerResult::Purge | TriggerResult::FireAndPurge)
    }
}

/// What a trigger may do for the current (key, window): read the clocks, register and delete
/// timers, and keep named `i64` values (stored as keyed state in the window namespace; the
/// names share that namespace with per-window state of the window function).
pub trait TriggerContext<W> {
    /// The operator's current event-time watermark.
    fn current_watermark(&self) -> i64;
    /// The current processing time.
    fn current_processing_time(&self) -> i64;
    /// Calls `on_event_time` once the watermark reaches `time` (deduplicated).
    fn register_event_time_timer(&mut self, time: i64);
    /// Deletes the event-time timer at `time`.
    fn delete_event_time_timer(&mut self, time: i64);
    /// Calls `on_processing_time` once processing time reaches `time` (deduplicated).
    fn register_processing_time_timer(&mut self, time: i64);
    /// Deletes the processing-time timer at `time`.
    fn delete_processing_time_timer(&mut self, time: i64);
    /// The value `name` of the current (key, window).
    fn get_state(&mut self, name: &str) -> Result<Option<i64>>;
    /// Sets the value `name` of the current (key, window).
    fn set_state(&mut self, name: &str, value: i64) -> Result<()>;
    /// Removes the value `name` of the current (key, window).
    fn clear_state(&mut self, name: &str) -> Result<()>;
    /// In `on_merge`: the windows merged into the current window (empty elsewhere).
    fn merged_windows(&self) -> &[W];
    /// In `on_merge`: folds the values `name` of the merged windows into the current window
    /// with `f` (Flink's `mergePartitionedState`), removing theirs.
    fn merge_state(&mut self, name: &str, f: &dyn Fn(i64, i64) -> i64) -> Result<()>;
}

/// Decides when a window fires (Flink's `Trigger<T, W>`). Triggers are shared by all
/// subtasks and keep their state in the [`TriggerContext`], never in fields.
pub trait Trigger<T, W: Window>: Send + Sync + 'static {
    /// An element was added to `window`.
    fn on_element(&self, element: &T, timestamp: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult>;
    /// An event-time timer registered for `window` fired at `time`.
    fn on_event_time(&self, time: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult>;
    /// A processing-time timer registered for `window` fired at `time`.
    fn on_processing_time(&self, time: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult>;
    /// Whether the trigger supports merging windows (session windows).
    fn can_merge(&self) -> bool {
        false
    }
    /// `ctx.merged_windows()` were merged into `window`: merge state, re-register timers.
    fn on_merge(&self, _window: &W, _ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        Err(Error::InvalidJob("this trigger does not support merging windows".into()))
    }
    /// The window is being purged for good: delete its timers and state.
    fn clear(&self, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()>;
    /// A name for plans and messages.
    fn name(&self) -> String {
        std::any::type_name::<Self>().rsplit("::").next().unwrap_or("Trigger").to_string()
    }
}
