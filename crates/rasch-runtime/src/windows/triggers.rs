//! The built-in triggers: `EventTimeTrigger`, `ProcessingTimeTrigger`, `CountTrigger`,
//! `PurgingTrigger` and `NeverTrigger` — each exactly as Flink's.

use super::trigger::{Trigger, TriggerContext, TriggerResult};
use super::window::Window;
use rasch_core::Result;
use std::sync::Arc;

/// Fires once the watermark passes the window's end; fires at once for elements of a window
/// the watermark already passed (late but within the allowed lateness).
#[derive(Debug, Clone, Copy, Default)]
pub struct EventTimeTrigger;

impl EventTimeTrigger {
    /// The trigger.
    pub fn create() -> Self {
        EventTimeTrigger
    }
}

impl<T, W: Window> Trigger<T, W> for EventTimeTrigger {
    #[inline]
    fn on_element(&self, _: &T, _: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        if window.max_timestamp() <= ctx.current_watermark() {
            Ok(TriggerResult::Fire)
        } else {
            ctx.register_event_time_timer(window.max_timestamp());
            Ok(TriggerResult::Continue)
        }
    }
    fn on_event_time(&self, time: i64, window: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(if time == window.max_timestamp() { TriggerResult::Fire } else { TriggerResult::Continue })
    }
    fn on_processing_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn can_merge(&self) -> bool {
        true
    }
    fn on_merge(&self, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        if window.max_timestamp() > ctx.current_watermark() {
            ctx.register_event_time_timer(window.max_timestamp());
        }
        Ok(())
    }
    fn clear(&self, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        ctx.delete_event_time_timer(window.max_timestamp());
        Ok(())
    }
}

/// Fires once processing time passes the window's end.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessingTimeTrigger;

impl ProcessingTimeTrigger {
    /// The trigger.
    pub fn create() -> Self {
        ProcessingTimeTrigger
    }
}

impl<T, W: Window> Trigger<T, W> for ProcessingTimeTrigger {
    fn on_element(&self, _: &T, _: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        ctx.register_processing_time_timer(window.max_timestamp());
        Ok(TriggerResult::Continue)
    }
    fn on_event_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn on_processing_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Fire)
    }
    fn can_merge(&self) -> bool {
        true
    }
    fn on_merge(&self, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        if window.max_timestamp() > ctx.current_processing_time() {
            ctx.register_processing_time_timer(window.max_timestamp());
        }
        Ok(())
    }
    fn clear(&self, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        ctx.delete_processing_time_timer(window.max_timestamp());
        Ok(())
    }
}

/// Never fires: the default trigger of `GlobalWindows`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeverTrigger;

impl<T, W: Window> Trigger<T, W> for NeverTrigger {
    fn on_element(&self, _: &T, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn on_event_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn on_processing_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn can_merge(&self) -> bool {
        true
    }
    fn on_merge(&self, _: &W, _: &mut dyn TriggerContext<W>) -> Result<()> {
        Ok(())
    }
    fn clear(&self, _: &W, _: &mut dyn TriggerContext<W>) -> Result<()> {
        Ok(())
    }
}

const COUNT: &str = "count-trigger.count";

/// Fires (without purging) once a window holds `n` more elements.
#[derive(Debug, Clone, Copy)]
pub struct CountTrigger {
    max_count: i64,
}

impl CountTrigger {
    /// Fires every `n` elements.
    pub fn of(n: u64) -> Self {
        CountTrigger { max_count: n as i64 }
    }
}

impl<T, W: Window> Trigger<T, W> for CountTrigger {
    fn on_element(&self, _: &T, _: i64, _: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        let count = ctx.get_state(COUNT)?.unwrap_or(0) + 1;
        if count >= self.max_count {
            ctx.clear_state(COUNT)?;
            Ok(TriggerResult::Fire)
        } else {
            ctx.set_state(COUNT, count)?;
            Ok(TriggerResult::Continue)
        }
    }
    fn on_event_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn on_processing_time(&self, _: i64, _: &W, _: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        Ok(TriggerResult::Continue)
    }
    fn can_merge(&self) -> bool {
        true
    }
    fn on_merge(&self, _: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        ctx.merge_state(COUNT, &|a, b| a + b)
    }
    fn clear(&self, _: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        ctx.clear_state(COUNT)
    }
}

/// Turns every `Fire` of the wrapped trigger into `FireAndPurge`.
pub struct PurgingTrigger<T, W> {
    nested: Arc<dyn Trigger<T, W>>,
}

impl<T, W> Clone for PurgingTrigger<T, W> {
    fn clone(&self) -> Self {
        PurgingTrigger { nested: self.nested.clone() }
    }
}

impl<T: 'static, W: Window> PurgingTrigger<T, W> {
    /// Purges whenever `nested` fires.
    pub fn of(nested: impl Trigger<T, W>) -> Self {
        PurgingTrigger { nested: Arc::new(nested) }
    }
    fn purging(r: TriggerResult) -> TriggerResult {
        if r.is_fire() { TriggerResult::FireAndPurge } else { r }
    }
}

impl<T: 'static, W: Window> Trigger<T, W> for PurgingTrigger<T, W> {
    fn on_element(&self, element: &T, timestamp: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        self.nested.on_element(element, timestamp, window, ctx).map(Self::purging)
    }
    fn on_event_time(&self, time: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        self.nested.on_event_time(time, window, ctx).map(Self::purging)
    }
    fn on_processing_time(&self, time: i64, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<TriggerResult> {
        self.nested.on_processing_time(time, window, ctx).map(Self::purging)
    }
    fn can_merge(&self) -> bool {
        self.nested.can_merge()
    }
    fn on_merge(&self, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        self.nested.on_merge(window, ctx)
    }
    fn clear(&self, window: &W, ctx: &mut dyn TriggerContext<W>) -> Result<()> {
        self.nested.clear(window, ctx)
    }
    fn name(&self) -> String {
        format!("PurgingTrigger({})", self.nested.name())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::windows::TimeWindow;
    use std::collections::{BTreeMap, BTreeSet};

    /// A trigger context over plain maps, for golden tests of triggers.
    #[derive(Default)]
    pub struct FakeCtx {
        pub watermark: i64,
        pub now: i64,
        pub event: BTreeSet<i64>,
        pub processing: BTreeSet<i64>,
        pub state: BTreeMap<String, i64>,
        pub merged: Vec<TimeWindow>,
        pub merged_state: BTreeMap<String, Vec<i64>>,
    }

    impl TriggerContext<TimeWindow> for FakeCtx {
        fn current_watermark(&self) -> i64 {
            self.watermark
        }
        fn current_processing_time(&self) -> i64 {
            self.now
        }
        fn register_event_time_timer(&mut self, t: i64) {
            self.event.insert(t);
        }
        fn delete_event_time_timer(&mut self, t: i64) {
            self.event.remove(&t);
        }
        fn register_processing_time_timer(&mut self, t: i64) {
            self.processing.insert(t);
        }
        fn delete_processing_time_timer(&mut self, t: i64) {
            self.processing.remove(&t);
        }
        fn get_state(&mut self, name: &str) -> Result<Option<i64>> {
            Ok(self.state.get(name).copied())
        }
        fn set_state(&mut self, name: &str, v: i64) -> Result<()> {
            self.state.insert(name.to_string(), v);
            Ok(())
        }
        fn clear_state(&mut self, name: &str) -> Result<()> {
            self.state.remove(name);
            Ok(())
        }
        fn merged_windows(&self) -> &[TimeWindow] {
            &self.merged
        }
        fn merge_state(&mut self, name: &str, f: &dyn Fn(i64, i64) -> i64) -> Result<()> {
            for v in self.merged_state.remove(name).unwrap_or_default() {
                let cur = self.state.get(name).copied();
                self.state.insert(name.to_string(), cur.map_or(v, |c| f(c, v)));
            }
            Ok(())
        }
    }

    use TriggerResult::*;
    const W: TimeWindow = TimeWindow::new(0, 10);

    #[test]
    fn event_time_trigger_golden() {
        let t = EventTimeTrigger;
        let mut c = FakeCtx { watermark: 3, ..Default::default() };
        assert_eq!(Trigger::<i32, _>::on_element(&t, &1, 5, &W, &mut c).unwrap(), Continue);
        assert_eq!(c.event, BTreeSet::from([9]));
        assert_eq!(Trigger::<i32, _>::on_event_time(&t, 8, &W, &mut c).unwrap(), Continue);
        assert_eq!(Trigger::<i32, _>::on_event_time(&t, 9, &W, &mut c).unwrap(), Fire);
        c.watermark = 9;
        assert_eq!(Trigger::<i32, _>::on_element(&t, &1, 5, &W, &mut c).unwrap(), Fire, "late element fires at once");
        Trigger::<i32, _>::clear(&t, &W, &mut c).unwrap();
        assert!(c.event.is_empty());
        c.watermark = 3;
        Trigger::<i32, _>::on_merge(&t, &TimeWindow::new(0, 20), &mut c).unwrap();
        assert_eq!(c.event, BTreeSet::from([19]));
    }

    #[test]
    fn processing_time_trigger_golden() {
        let t = ProcessingTimeTrigger;
        let mut c = FakeCtx { now: 2, ..Default::default() };
        assert_eq!(Trigger::<i32, _>::on_element(&t, &1, 0, &W, &mut c).unwrap(), Continue);
        assert_eq!(c.processing, BTreeSet::from([9]));
        assert_eq!(Trigger::<i32, _>::on_processing_time(&t, 9, &W, &mut c).unwrap(), Fire);
        assert_eq!(Trigger::<i32, _>::on_event_time(&t, 9, &W, &mut c).unwrap(), Continue);
    }

    #[test]
    fn count_and_purging_triggers_golden() {
        let t = CountTrigger::of(3);
        let mut c = FakeCtx::default();
        let got: Vec<_> = (0..7).map(|i| Trigger::<i32, _>::on_element(&t, &i, 0, &W, &mut c).unwrap()).collect();
        assert_eq!(got, vec![Continue, Continue, Fire, Continue, Continue, Fire, Continue]);
        c.merged_state.insert(COUNT.into(), vec![1]);
        Trigger::<i32, _>::on_merge(&t, &W, &mut c).unwrap();
        assert_eq!(Trigger::<i32, _>::on_element(&t, &0, 0, &W, &mut c).unwrap(), Fire, "1 + 1 merged + 1");
        let p = PurgingTrigger::<i32, TimeWindow>::of(CountTrigger::of(2));
        let mut c = FakeCtx::default();
        assert_eq!(p.on_element(&0, 0, &W, &mut c).unwrap(), Continue);
        assert_eq!(p.on_element(&0, 0, &W, &mut c).unwrap(), FireAndPurge);
        assert_eq!(p.name(), "PurgingTrigger(CountTrigger)");
    }
}
