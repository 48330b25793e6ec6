//! Session window assigners: every element opens a window `[ts, ts + gap)`; windows of a key
//! that overlap or touch merge (Flink's `EventTimeSessionWindows` and
//! `ProcessingTimeSessionWindows`, with static or dynamic gaps).

use super::assigners::{AssignerContext, WindowAssigner, millis, require_timestamp};
use super::trigger::Trigger;
use super::triggers::{EventTimeTrigger, ProcessingTimeTrigger};
use super::window::TimeWindow;
use rasch_core::{Error, Result};
use std::sync::Arc;
use std::time::Duration;

/// How a session's gap is decided.
enum Gap<T> {
    Fixed(i64),
    Dynamic(Arc<dyn Fn(&T) -> Duration + Send + Sync>),
}

impl<T> Clone for Gap<T> {
    fn clone(&self) -> Self {
        match self {
            Gap::Fixed(g) => Gap::Fixed(*g),
            Gap::Dynamic(f) => Gap::Dynamic(f.clone()),
        }
    }
}

impl<T> Gap<T> {
    #[inline]
    fn of(&self, element: &T) -> Result<i64> {
        match self {
            Gap::Fixed(g) => Ok(*g),
            Gap::Dynamic(f) => match i64::try_from(f(element).as_millis()) {
                Ok(g) if g > 0 => Ok(g),
                _ => Err(Error::User("dynamic session gap must satisfy 0 < gap".into())),
            },
        }
    }
}

macro_rules! sessions {
    ($(#[$doc:meta])* $name:ident, $event:expr, $trigger:expr) => {
        $(#[$doc])*
        pub struct $name<T> {
            gap: Gap<T>,
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name { gap: self.gap.clone() }
            }
        }

        impl<T> $name<T> {
            /// Sessions that close after `gap` without elements.
            ///
            /// # Panics
            /// If `gap` is shorter than 1 ms.
            pub fn with_gap(gap: Duration) -> Self {
                $name { gap: Gap::Fixed(millis(gap, "session gap")) }
            }
            /// Sessions whose gap is computed per element (a zero gap fails the job).
            pub fn with_dynamic_gap(f: impl Fn(&T) -> Duration + Send + Sync + 'static) -> Self {
                $name { gap: Gap::Dynamic(Arc::new(f)) }
            }
        }

        impl<T: 'static> WindowAssigner<T> for $name<T> {
            type W = TimeWindow;
            #[inline]
            fn assign_windows(&self, element: &T, timestamp: i64, ctx: &AssignerContext, out: &mut Vec<TimeWindow>) -> Result<()> {
                let t = if $event { require_timestamp(timestamp)? } else { ctx.current_processing_time };
                out.push(TimeWindow::new(t, t.saturating_add(self.gap.of(element)?)));
                Ok(())
            }
            fn default_trigger(&self) -> Arc<dyn Trigger<T, TimeWindow>> {
                Arc::new($trigger)
            }
            fn is_event_time(&self) -> bool {
                $event
            }
            fn is_merging(&self) -> bool {
                true
            }
            fn merge_windows(&self, windows: &[TimeWindow]) -> Vec<(TimeWindow, Vec<TimeWindow>)> {
                TimeWindow::merge_windows(windows)
            }
            fn session_gap(&self) -> Option<i64> {
                match self.gap {
                    Gap::Fixed(g) if $event => Some(g),
                    _ => None,
                }
            }
        }
    };
}

sessions!(
    /// Session windows in event time (Flink's `EventTimeSessionWindows`).
    EventTimeSessionWindows,
    true,
    EventTimeTrigger
);
sessions!(
    /// Session windows in processing time (Flink's `ProcessingTimeSessionWindows`).
    ProcessingTimeSessionWindows,
    false,
    ProcessingTimeTrigger
);

#[cfg(test)]
mod tests {
    use super::*;

    fn assign<A: WindowAssigner<i64, W = TimeWindow>>(a: &A, v: i64, ts: i64, now: i64) -> Result<Vec<TimeWindow>> {
        let mut out = Vec::new();
        a.assign_windows(&v, ts, &AssignerContext { current_processing_time: now }, &mut out)?;
        Ok(out)
    }

    #[test]
    fn session_assigners_golden() {
        let a = EventTimeSessionWindows::<i64>::with_gap(Duration::from_millis(10));
        assert_eq!(assign(&a, 0, 5, 0).unwrap(), vec![TimeWindow::new(5, 15)]);
        assert!(a.is_merging() && a.is_event_time());
        let d = EventTimeSessionWindows::<i64>::with_dynamic_gap(|v| Duration::from_millis(*v as u64));
        assert_eq!(assign(&d, 3, 5, 0).unwrap(), vec![TimeWindow::new(5, 8)]);
        assert!(assign(&d, 0, 5, 0).is_err(), "zero gap is an error");
        let p = ProcessingTimeSessionWindows::<i64>::with_gap(Duration::from_millis(10));
        assert_eq!(assign(&p, 0, 5, 100).unwrap(), vec![TimeWindow::new(100, 110)]);
        assert!(!p.is_event_time());
        let pd = ProcessingTimeSessionWindows::<i64>::with_dynamic_gap(|v| Duration::from_millis(*v as u64));
        assert_eq!(assign(&pd, 7, 5, 100).unwrap(), vec![TimeWindow::new(100, 107)]);
        assert_eq!(
            a.merge_windows(&[TimeWindow::new(0, 10), TimeWindow::new(10, 20), TimeWindow::new(30, 40)]),
            vec![(TimeWindow::new(0, 20), vec![TimeWindow::new(0, 10), TimeWindow::new(10, 20)])]
        );
    }
}
