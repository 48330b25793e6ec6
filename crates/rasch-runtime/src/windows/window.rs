//! Window types: [`TimeWindow`] (a half-open interval of event or processing time) and
//! [`GlobalWindow`] (the single window of `GlobalWindows`), with Flink's arithmetic.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::fmt::Debug;
use std::hash::Hash;

/// A window: the namespace of window state and timers.
pub trait Window: Clone + Hash + Eq + Ord + Debug + Send + Sync + Serialize + DeserializeOwned + 'static {
    /// The largest timestamp that still belongs to the window; results of a fired window carry
    /// this timestamp.
    fn max_timestamp(&self) -> i64;
}

/// The time interval `[start, end)` in milliseconds (Flink's `TimeWindow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimeWindow {
    /// First timestamp in the window (inclusive).
    pub start: i64,
    /// End of the window (exclusive).
    pub end: i64,
}

impl TimeWindow {
    /// The window `[start, end)`.
    pub const fn new(start: i64, end: i64) -> Self {
        TimeWindow { start, end }
    }

    /// Whether the two windows overlap or touch (Flink merges touching session windows).
    pub fn intersects(&self, other: &TimeWindow) -> bool {
        self.start <= other.end && self.end >= other.start
    }

    /// The smallest window covering both.
    pub fn cover(&self, other: &TimeWindow) -> TimeWindow {
        TimeWindow { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// Start of the window of `size` (shifted by `offset`) containing `timestamp`
    /// (Flink's `TimeWindow.getWindowStartWithOffset`), correct for negative timestamps.
    pub fn get_window_start_with_offset(timestamp: i64, offset: i64, size: i64) -> i64 {
        let remainder = (timestamp - offset) % size;
        if remainder < 0 { timestamp - (remainder + size) } else { timestamp - remainder }
    }

    /// Flink's `TimeWindow.mergeWindows`: sorts `windows` by start and returns every group of
    /// two or more intersecting windows as `(cover, members)`.
    pub fn merge_windows(windows: &[TimeWindow]) -> Vec<(TimeWindow, Vec<TimeWindow>)> {
        let mut sorted = windows.to_vec();
        sorted.sort();
        sorted.dedup();
        let mut groups: Vec<(TimeWindow, Vec<TimeWindow>)> = Vec::new();
        let mut current: Option<(TimeWindow, Vec<TimeWindow>)> = None;
        for w in sorted {
            match &mut current {
                Some((cover, members)) if cover.intersects(&w) => {
                    *cover = cover.cover(&w);
                    members.push(w);
                }
                _ => {
                    if let Some(done) = current.take() {
                        groups.push(done);
                    }
                    current = Some((w, vec![w]));
                }
            }
        }
        groups.extend(current);
        groups.retain(|(_, members)| members.len() > 1);
        groups
    }
}

impl Window for TimeWindow {
    #[inline]
    fn max_timestamp(&self) -> i64 {
        self.end - 1
    }
}

/// The one window of [`GlobalWindows`](super::GlobalWindows); it never ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GlobalWindow;

impl Window for GlobalWindow {
    #[inline]
    fn max_timestamp(&self) -> i64 {
        i64::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_start_with_offset_matches_flink() {
        assert_eq!(TimeWindow::get_window_start_with_offset(7, 0, 5), 5);
        assert_eq!(TimeWindow::get_window_start_with_offset(5, 0, 5), 5);
        assert_eq!(TimeWindow::get_window_start_with_offset(4, 0, 5), 0);
        assert_eq!(TimeWindow::get_window_start_with_offset(-1, 0, 5), -5);
        assert_eq!(TimeWindow::get_window_start_with_offset(-5, 0, 5), -5);
        assert_eq!(TimeWindow::get_window_start_with_offset(7, 2, 5), 7);
        assert_eq!(TimeWindow::get_window_start_with_offset(6, 2, 5), 2);
        assert_eq!(TimeWindow::get_window_start_with_offset(1, -1, 5), -1);
    }

    #[test]
    fn intersects_cover_and_max_timestamp() {
        let a = TimeWindow::new(0, 10);
        assert_eq!(a.max_timestamp(), 9);
        assert!(a.intersects(&TimeWindow::new(10, 20)), "touching windows intersect");
        assert!(!a.intersects(&TimeWindow::new(11, 20)));
        assert_eq!(a.cover(&TimeWindow::new(5, 15)), TimeWindow::new(0, 15));
        assert_eq!(GlobalWindow.max_timestamp(), i64::MAX);
    }

    #[test]
    fn merge_windows_groups_transitively() {
        let ws = [TimeWindow::new(20, 25), TimeWindow::new(0, 5), TimeWindow::new(4, 10), TimeWindow::new(10, 12), TimeWindow::new(30, 31)];
        let groups = TimeWindow::merge_windows(&ws);
        assert_eq!(groups, vec![(TimeWindow::new(0, 12), vec![TimeWindow::new(0, 5), TimeWindow::new(4, 10), TimeWindow::new(10, 12)])]);
        assert!(TimeWindow::merge_windows(&[TimeWindow::new(0, 5), TimeWindow::new(0, 5)]).is_empty(), "duplicates are one window");
    }
}
