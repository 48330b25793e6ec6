//! Flink's `MergingWindowSet`: the windows of one key for a merging assigner, and how adding a
//! window merges it with the windows it overlaps.
//!
//! Rasch keeps a merged window's state under the merged window itself (Flink keeps it under
//! one of the original windows and maps to it); the operator moves and merges the state in
//! the merge callback, so results are the same.

use super::window::Window;
use rasch_core::Result;

/// Adds `new` to the key's `windows` (kept sorted), merging it per `merge_groups` (the
/// assigner's `merge_windows`). For every merge, `on_merge(result, merged)` is called with the
/// previously existing windows that merged into `result` — except when `new` only falls inside
/// one existing window, which needs no merge. Returns the window `new` ended up in.
pub fn add_window<W: Window>(
    windows: &mut Vec<W>,
    new: W,
    merge_groups: impl FnOnce(&[W]) -> Vec<(W, Vec<W>)>,
    mut on_merge: impl FnMut(&W, &[W]) -> Result<()>,
) -> Result<W> {
    windows.push(new.clone());
    let groups = merge_groups(windows);
    windows.pop();
    let mut result = new.clone();
    let mut merged_new = false;
    let no_groups = groups.is_empty();
    for (merge_result, mut merged) in groups {
        if let Some(i) = merged.iter().position(|w| *w == new) {
            merged.remove(i);
            merged_new = true;
            result = merge_result.clone();
        }
        windows.retain(|w| !merged.contains(w));
        if let Err(i) = windows.binary_search(&merge_result) {
            windows.insert(i, merge_result.clone());
        }
        let inside_one = merged.len() == 1 && merged[0] == merge_result;
        if !merged.is_empty() && !inside_one {
            on_merge(&merge_result, &merged)?;
        }
    }
    if (no_groups || (result == new && !merged_new))
        && let Err(i) = windows.binary_search(&result)
    {
        windows.insert(i, result.clone());
    }
    Ok(result)
}

/// Removes a window from the key's set (it was purged for good).
pub fn retire_window<W: Window>(windows: &mut Vec<W>, window: &W) {
    if let Ok(i) = windows.binary_search(window) {
        windows.remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::TimeWindow;

    fn add(set: &mut Vec<TimeWindow>, w: TimeWindow) -> (TimeWindow, Vec<(TimeWindow, Vec<TimeWindow>)>) {
        let mut calls = Vec::new();
        let r = add_window(set, w, TimeWindow::merge_windows, |res, merged| {
            calls.push((*res, merged.to_vec()));
            Ok(())
        })
        .unwrap();
        (r, calls)
    }

    #[test]
    fn merging_window_set_golden() {
        let mut set = Vec::new();
        assert_eq!(add(&mut set, TimeWindow::new(0, 10)), (TimeWindow::new(0, 10), vec![]));
        assert_eq!(add(&mut set, TimeWindow::new(20, 30)), (TimeWindow::new(20, 30), vec![]));
        assert_eq!(set, vec![TimeWindow::new(0, 10), TimeWindow::new(20, 30)]);
        // inside an existing window: no merge callback
        assert_eq!(add(&mut set, TimeWindow::new(2, 8)), (TimeWindow::new(0, 10), vec![]));
        // extends one window
        assert_eq!(
            add(&mut set, TimeWindow::new(5, 15)),
            (TimeWindow::new(0, 15), vec![(TimeWindow::new(0, 15), vec![TimeWindow::new(0, 10)])])
        );
        // bridges two windows
        let (r, calls) = add(&mut set, TimeWindow::new(14, 21));
        assert_eq!(r, TimeWindow::new(0, 30));
        assert_eq!(calls, vec![(TimeWindow::new(0, 30), vec![TimeWindow::new(0, 15), TimeWindow::new(20, 30)])]);
        assert_eq!(set, vec![TimeWindow::new(0, 30)]);
        // an identical window
        assert_eq!(add(&mut set, TimeWindow::new(0, 30)), (TimeWindow::new(0, 30), vec![]));
        retire_window(&mut set, &TimeWindow::new(0, 30));
        assert!(set.is_empty());
    }
}
