//! The `WindowAssigner` contract and the non-merging assigners: tumbling and sliding windows
//! in event and processing time, and `GlobalWindows` (Flink's assigners, same arithmetic).

use super::trigger::Trigger;
use super::triggers::{EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger};
use super::window::{GlobalWindow, TimeWindow, Window};
use rasch_core::{Error, NO_TIMESTAMP, Result};
use std::sync::Arc;
use std::time::Duration;

/// What an assigner may read besides the element.
#[derive(Debug, Clone, Copy)]
pub struct AssignerContext {
    /// The current processing time (read once per input batch).
    pub current_processing_time: i64,
}

/// Assigns elements to windows (Flink's `WindowAssigner`).
pub trait WindowAssigner<T>: Clone + Send + Sync + 'static {
    /// The window type.
    type W: Window;
    /// Appends the windows of `element` (with event timestamp `timestamp`) to `out`, a buffer
    /// the operator reuses, so assigning allocates nothing per record.
    fn assign_windows(&self, element: &T, timestamp: i64, ctx: &AssignerContext, out: &mut Vec<Self::W>) -> Result<()>;
    /// The trigger used unless `.trigger(..)` replaces it.
    fn default_trigger(&self) -> Arc<dyn Trigger<T, Self::W>>;
    /// Whether windows are in event time (lateness, cleanup by watermark) or processing time.
    fn is_event_time(&self) -> bool;
    /// Whether windows merge (session windows).
    fn is_merging(&self) -> bool {
        false
    }
    /// For tumbling and sliding event-time windows: their geometry, which lets incremental
    /// aggregations use the sliced operator (one accumulator per slice, not per window).
    fn slice_spec(&self) -> Option<crate::operators::SliceSpec> {
        None
    }
    /// For event-time session windows with a fixed gap: the gap (ms), which lets incremental
    /// aggregations with the default trigger use the session operator's fast path.
    fn session_gap(&self) -> Option<i64> {
        None
    }
    /// For merging assigners: every group of two or more windows that merge, as
    /// `(result, members)` (Flink's `mergeWindows`).
    fn merge_windows(&self, _windows: &[Self::W]) -> Vec<(Self::W, Vec<Self::W>)> {
        Vec::new()
    }
}

pub(crate) fn millis(d: Duration, what: &str) -> i64 {
    let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    assert!(ms > 0, "{what} must be at least 1 ms");
    ms
}

pub(crate) fn require_timestamp(ts: i64) -> Result<i64> {
    if ts == NO_TIMESTAMP {
        Err(Error::User(
            "record has no timestamp: event-time windows need timestamps — did you forget assign_timestamps_and_watermarks(...)?".into(),
        ))
    } else {
        Ok(ts)
    }
}

macro_rules! tumbling {
    ($(#[$doc:meta])* $name:ident, $event:expr, $trigger:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name {
            size: i64,
            offset: i64,
        }

        impl $name {
            /// Windows of `size`, aligned to the epoch.
            ///
            /// # Panics
            /// If `size` is shorter than 1 ms.
            pub fn of(size: Duration) -> Self {
                $name { size: millis(size, "window size"), offset: 0 }
            }
            /// Shifts window starts by `offset` (e.g. to align daily windows to a time zone).
            pub fn with_offset(self, offset: Duration) -> Self {
                self.with_offset_millis(offset.as_millis() as i64)
            }
            /// Shifts window starts by `offset` ms, which may be negative; `|offset| < size`.
            ///
            /// # Panics
            /// If `|offset| >= size`.
            pub fn with_offset_millis(self, offset: i64) -> Self {
                assert!(offset.abs() < self.size, "tumbling windows must satisfy abs(offset) < size");
                $name { offset, ..self }
            }
            /// The window size in ms.
            pub fn size_millis(&self) -> i64 {
                self.size
            }
        }

        impl<T: 'static> WindowAssigner<T> for $name {
            type W = TimeWindow;
            #[inline]
            fn assign_windows(&self, _: &T, timestamp: i64, ctx: &AssignerContext, out: &mut Vec<TimeWindow>) -> Result<()> {
                let t = if $event { require_timestamp(timestamp)? } else { ctx.current_processing_time };
                let start = TimeWindow::get_window_start_with_offset(t, self.offset, self.size);
                out.push(TimeWindow::new(start, start + self.size));
                Ok(())
            }
            fn default_trigger(&self) -> Arc<dyn Trigger<T, TimeWindow>> {
                Arc::new($trigger)
            }
            fn is_event_time(&self) -> bool {
                $event
            }
            fn slice_spec(&self) -> Option<crate::operators::SliceSpec> {
                $event.then_some(crate::operators::SliceSpec { size: self.size, slide: self.size, offset: self.offset })
            }
        }
    };
}

tumbling!(
    /// Fixed-size, non-overlapping windows in event time (Flink's `TumblingEventTimeWindows`).
    TumblingEventTimeWindows,
    true,
    EventTimeTrigger
);
tumbling!(
    /// Fixed-size, non-overlapping windows in processing time.
    TumblingProcessingTimeWindows,
    false,
    ProcessingTimeTrigger
);

macro_rules! sliding {
    ($(#[$doc:meta])* $name:ident, $event:expr, $trigger:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name {
            size: i64,
            slide: i64,
            offset: i64,
        }

        impl $name {
            /// Windows of `size` starting every `slide`.
            ///
            /// # Panics
            /// If `size` or `slide` is shorter than 1 ms.
            pub fn of(size: Duration, slide: Duration) -> Self {
                $name { size: millis(size, "window size"), slide: millis(slide, "window slide"), offset: 0 }
            }
            /// Shifts window starts by `offset`.
            pub fn with_offset(self, offset: Duration) -> Self {
                self.with_offset_millis(offset.as_millis() as i64)
            }
            /// Shifts window starts by `offset` ms (may be negative); `|offset| < slide`.
            ///
            /// # Panics
            /// If `|offset| >= slide`.
            pub fn with_offset_millis(self, offset: i64) -> Self {
                assert!(offset.abs() < self.slide, "sliding windows must satisfy abs(offset) < slide");
                $name { offset, ..self }
            }
        }

        impl<T: 'static> WindowAssigner<T> for $name {
            type W = TimeWindow;
            #[inline]
            fn assign_windows(&self, _: &T, timestamp: i64, ctx: &AssignerContext, out: &mut Vec<TimeWindow>) -> Result<()> {
                let t = if $event { require_timestamp(timestamp)? } else { ctx.current_processing_time };
                let mut start = TimeWindow::get_window_start_with_offset(t, self.offset, self.slide);
                while start > t - self.size {
                    out.push(TimeWindow::new(start, start + self.size));
                    start -= self.slide;
                }
                Ok(())
            }
            fn default_trigger(&self) -> Arc<dyn Trigger<T, TimeWindow>> {
                Arc::new($trigger)
            }
            fn is_event_time(&self) -> bool {
                $event
            }
            fn slice_spec(&self) -> Option<crate::operators::SliceSpec> {
                $event.then_some(crate::operators::SliceSpec { size: self.size, slide: self.slide, offset: self.offset })
            }
        }
    };
}

sliding!(
    /// Fixed-size windows that overlap by `size - slide` in event time (Flink's
    /// `SlidingEventTimeWindows`); an element belongs to about `size / slide` windows.
    SlidingEventTimeWindows,
    true,
    EventTimeTrigger
);
sliding!(
    /// Sliding windows in processing time.
    SlidingProcessingTimeWindows,
    false,
    ProcessingTimeTrigger
);

/// One window holding every element of a key; its default trigger never fires, so use it
/// with a trigger such as `CountTrigger`. Its state is never cleaned up.
#[derive(Debug, Clone, Copy, Default)]
pub struct GlobalWindows;

impl GlobalWindows {
    /// The assigner.
    pub fn create() -> Self {
        GlobalWindows
    }
}

impl<T: 'static> WindowAssigner<T> for GlobalWindows {
    type W = GlobalWindow;
    #[inline]
    fn assign_windows(&self, _: &T, _: i64, _: &AssignerContext, out: &mut Vec<GlobalWindow>) -> Result<()> {
        out.push(GlobalWindow);
        Ok(())
    }
    fn default_trigger(&self) -> Arc<dyn Trigger<T, GlobalWindow>> {
        Arc::new(NeverTrigger)
    }
    fn is_event_time(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assign<A: WindowAssigner<i32>>(a: &A, ts: i64, now: i64) -> Vec<A::W> {
        let mut out = Vec::new();
        a.assign_windows(&0, ts, &AssignerContext { current_processing_time: now }, &mut out).unwrap();
        out
    }

    #[test]
    fn tumbling_golden() {
        let a = TumblingEventTimeWindows::of(Duration::from_millis(5000));
        assert_eq!(assign(&a, 0, 0), vec![TimeWindow::new(0, 5000)]);
        assert_eq!(assign(&a, 4999, 0), vec![TimeWindow::new(0, 5000)]);
        assert_eq!(assign(&a, 5000, 0), vec![TimeWindow::new(5000, 10000)]);
        assert_eq!(assign(&a, -1, 0), vec![TimeWindow::new(-5000, 0)]);
        let o = TumblingEventTimeWindows::of(Duration::from_millis(5000)).with_offset(Duration::from_millis(100));
        assert_eq!(assign(&o, 100, 0), vec![TimeWindow::new(100, 5100)]);
        assert_eq!(assign(&o, 99, 0), vec![TimeWindow::new(-4900, 100)]);
        let n = TumblingEventTimeWindows::of(Duration::from_millis(5000)).with_offset_millis(-100);
        assert_eq!(assign(&n, 4900, 0), vec![TimeWindow::new(4900, 9900)]);
        assert!(a.assign_windows(&0, NO_TIMESTAMP, &AssignerContext { current_processing_time: 0 }, &mut Vec::new()).is_err());
        assert!(WindowAssigner::<i32>::is_event_time(&a));
        let p = TumblingProcessingTimeWindows::of(Duration::from_secs(1));
        assert_eq!(assign(&p, NO_TIMESTAMP, 2500), vec![TimeWindow::new(2000, 3000)]);
        assert!(!WindowAssigner::<i32>::is_event_time(&p));
    }

    #[test]
    fn sliding_golden() {
        let a = SlidingEventTimeWindows::of(Duration::from_millis(5000), Duration::from_millis(1000));
        assert_eq!(
            assign(&a, 3999, 0),
            vec![
                TimeWindow::new(3000, 8000),
                TimeWindow::new(2000, 7000),
                TimeWindow::new(1000, 6000),
                TimeWindow::new(0, 5000),
                TimeWindow::new(-1000, 4000)
            ]
        );
        let b = SlidingEventTimeWindows::of(Duration::from_millis(10), Duration::from_millis(4));
        assert_eq!(assign(&b, 9, 0), vec![TimeWindow::new(8, 18), TimeWindow::new(4, 14), TimeWindow::new(0, 10)]);
        let o = SlidingEventTimeWindows::of(Duration::from_millis(10), Duration::from_millis(4)).with_offset_millis(1);
        assert_eq!(assign(&o, 1, 0), vec![TimeWindow::new(1, 11), TimeWindow::new(-3, 7), TimeWindow::new(-7, 3)]);
        let p = SlidingProcessingTimeWindows::of(Duration::from_millis(10), Duration::from_millis(5));
        assert_eq!(assign(&p, 0, 12), vec![TimeWindow::new(10, 20), TimeWindow::new(5, 15)]);
    }

    #[test]
    fn global_golden() {
        assert_eq!(assign(&GlobalWindows::create(), NO_TIMESTAMP, 0), vec![GlobalWindow]);
    }

    #[test]
    #[should_panic(expected = "abs(offset) < slide")]
    fn sliding_rejects_large_offsets() {
        let _ = SlidingEventTimeWindows::of(Duration::from_millis(10), Duration::from_millis(4)).with_offset_millis(4);
    }
}
