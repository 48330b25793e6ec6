//! Continuous triggers (Flink's `ContinuousEventTimeTrigger` and
//! `ContinuousProcessingTimeTrigger`): fire every interval while a window is open.

use super::trigger::{Trigger, TriggerContext, TriggerResult};
use super::window::Window;
use rasch_core::Result;
use std::time::Duration;

const FIRE_TIME: &str = "continuous-trigger.fire-time";

fn interval_ms(interval: Duration) -> i64 {
    let ms = interval.as_millis() as i64;
    assert!(ms > 0, "a continuous trigger's interval must be at least 1 ms");
    ms
}

/// Fires every `interval` of event time while the window is open, and at its end.
#[derive(Debug, Clone, Copy)]
pub struct ContinuousEventTimeTrigger {
    interval: i64,
}

impl ContinuousEventTimeTrigger {
    /// Fires every `interval` of event time.
    ///
    /// # Panics
    /// If `interval` is shorter than 1 ms.
    pub fn of(interval: Duration) -> Self {
        ContinuousEventTimeTrigger { interval: interval_ms(interval) }
    }
}

fn register_next<W: Window>(time: i64, interval: i64, window: &W, ctx: &mut dyn TriggerContext<W>, event_time: bool) -> Result<()> {
    let next = time.saturating_add(interval).min(window.max_timestamp());
    let merged = ctx.get_state(FIRE_TIME)?.map_or(next, |t| t.min(next));
    ctx.set_state(FIRE_TIME, merged)?;
    if event_time {
        ctx.register_event_time_timer(next);
    } else {
        ctx.register_processing_time_timer(next);
    }
    Ok(())
}

impl<T, W: Window> Trigger<T, W> for ContinuousEventTimeTrigger {
    fn on_element(&self, _: &T, timestamp: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        if window.max_timestamp() <= ctx.current_watermark() {
            return Ok(TriggerResult::Fire);
        }
        ctx.register_event_time_timer(window.max_timestamp());
        if ctx.get_state(FIRE_TIME)?.is_none() {
            register_next(timestamp - timestamp.rem_euclid(self.interval), self.interval, window, ctx, true)?;
        }
        Ok(TriggerResult::Continue)
    }
    fn on_event_time(&self, time: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        if time == window.max_timestamp() {
            return Ok(TriggerResult::Fire);
        }
        if ctx.get_state(FIRE_TIME)? == Some(time) {
            ctx.clear_state(FIRE_TIME)?;
            register_next(time, self.interval, window, ctx, true)?;
            return Ok(TriggerResult::Fire);
        }
        Ok(TriggerResult::Continue)
    }
    fn on_processing_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn can_merge(&self) -> bool {
        true
    }
    fn on_merge(&self, _: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        ctx.merge_state(FIRE_TIME, &|a, b| a.min(b))?;
        if let Some(t) = ctx.get_state(FIRE_TIME)? {
            ctx.register_event_time_timer(t);
        }
        Ok(())
    }
    fn clear(&self, _: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        if let Some(t) = ctx.get_state(FIRE_TIME)? {
            ctx.delete_event_time_timer(t);
            ctx.clear_state(FIRE_TIME)?;
        }
        Ok(())
    }
}

/// Fires every `interval` of processing time while the window is open.
#[derive(Debug, Clone, Copy)]
pub struct ContinuousProcessingTimeTrigger {
    interval: i64,
}

impl ContinuousProcessingTimeTrigger {
    /// Fires every `interval` of processing time.
    ///
    /// # Panics
    /// If `interval` is shorter than 1 ms.
    pub fn of(interval: Duration) -> Self {
        ContinuousProcessingTimeTrigger { interval: interval_ms(interval) }
    }
}

impl<T, W: Window> Trigger<T, W> for ContinuousProcessingTimeTrigger {
    fn on_element(&self, _: &T, _: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        let now = ctx.current_processing_time();
        if ctx.get_state(FIRE_TIME)?.is_none() {
            register_next(now - now.rem_euclid(self.interval), self.interval, window, ctx, false)?;
        }
        Ok(TriggerResult::Continue)
    }
    fn on_event_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn on_processing_time(&self, time: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        if ctx.get_state(FIRE_TIME)? == Some(time) {
            ctx.clear_state(FIRE_TIME)?;
            register_next(time, self.interval, window, ctx, false)?;
            return Ok(TriggerResult::Fire);
        }
        Ok(TriggerResult::Continue)
    }
    fn can_merge(&self) -> bool {
        true
    }
    fn on_merge(&self, _: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        ctx.merge_state(FIRE_TIME, &|a, b| a.min(b))?;
        if let Some(t) = ctx.get_state(FIRE_TIME)? {
            ctx.register_processing_time_timer(t);
        }
        Ok(())
    }
    fn clear(&self, _: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        if let Some(t) = ctx.get_state(FIRE_TIME)? {
            ctx.delete_processing_time_timer(t);
            ctx.clear_state(FIRE_TIME)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::TimeWindow;
    use crate::windows::triggers::tests::FakeCtx;
    use TriggerResult::*;
    use std::collections::BTreeSet;

    #[test]
    fn continuous_event_time_trigger_golden() {
        let t = ContinuousEventTimeTrigger::of(Duration::from_millis(4));
        let w = TimeWindow::new(0, 10);
        let mut c = FakeCtx::default();
        assert_eq!(Trigger::<i32, _>::on_element(&t, &0, 1, &w, &mut c).unwrap(), Continue);
        assert_eq!(c.event, BTreeSet::from([4, 9]));
        assert_eq!(Trigger::<i32, _>::on_event_time(&t, 4, &w, &mut c).unwrap(), Fire);
        assert_eq!(c.event, BTreeSet::from([4, 8, 9]));
        assert_eq!(Trigger::<i32, _>::on_event_time(&t, 8, &w, &mut c).unwrap(), Fire);
        assert_eq!(c.state.get(FIRE_TIME), Some(&9), "capped at the window's end");
        assert_eq!(Trigger::<i32, _>::on_event_time(&t, 9, &w, &mut c).unwrap(), Fire);
        Trigger::<i32, _>::clear(&t, &w, &mut c).unwrap();
        assert!(c.state.is_empty());
    }

    #[test]
    fn continuous_processing_time_trigger_golden() {
        let t = ContinuousProcessingTimeTrigger::of(Duration::from_millis(5));
        let w = TimeWindow::new(0, 100);
        let mut c = FakeCtx { now: 7, ..Default::default() };
        assert_eq!(Trigger::<i32, _>::on_element(&t, &0, 0, &w, &mut c).unwrap(), Continue);
        assert_eq!(c.processing, BTreeSet::from([10]));
        assert_eq!(Trigger::<i32, _>::on_processing_time(&t, 10, &w, &mut c).unwrap(), Fire);
        assert_eq!(c.processing, BTreeSet::from([10, 15]));
        assert_eq!(Trigger::<i32, _>::on_processing_time(&t, 12, &w, &mut c).unwrap(), Continue);
    }
}
