//! Evictors (Flink's `Evictor`): remove elements from a window's contents before and/or after
//! the window function runs — `CountEvictor`, `TimeEvictor` and `DeltaEvictor`.

use super::window::Window;
use rasch_core::{NO_TIMESTAMP, Record};
use std::sync::Arc;
use std::time::Duration;

/// What an evictor may read.
#[derive(Debug, Clone, Copy)]
pub struct EvictorContext {
    /// The current processing time.
    pub current_processing_time: i64,
    /// The operator's current watermark.
    pub current_watermark: i64,
}

/// Removes elements from a firing window (Flink's `Evictor<T, W>`). Elements are in arrival
/// order and keep their timestamps.
pub trait Evictor<T, W: Window>: Send + Sync + 'static {
    /// Called before the window function.
    fn evict_before(&self, elements: &mut Vec<Record<T>>, window: &W, ctx: &EvictorContext);
    /// Called after the window function.
    fn evict_after(&self, elements: &mut Vec<Record<T>>, window: &W, ctx: &EvictorContext);
}

/// Keeps the last `n` elements of a window.
#[derive(Debug, Clone, Copy)]
pub struct CountEvictor {
    max_count: usize,
    after: bool,
}

impl CountEvictor {
    /// Keeps the last `n` elements (evicting before the window function).
    pub fn of(n: usize) -> Self {
        Self::new(n, false)
    }
    /// Keeps the last `n` elements, evicting after the window function if `do_evict_after`.
    pub fn new(n: usize, do_evict_after: bool) -> Self {
        CountEvictor { max_count: n, after: do_evict_after }
    }
    fn evict<T>(&self, elements: &mut Vec<Record<T>>) {
        if elements.len() > self.max_count {
            elements.drain(..elements.len() - self.max_count);
        }
    }
}

impl<T, W: Window> Evictor<T, W> for CountEvictor {
    fn evict_before(&self, elements: &mut Vec<Record<T>>, _: &W, _: &EvictorContext) {
        if !self.after {
            self.evict(elements)
        }
    }
    fn evict_after(&self, elements: &mut Vec<Record<T>>, _: &W, _: &EvictorContext) {
        if self.after {
            self.evict(elements)
        }
    }
}

/// Keeps the elements whose timestamp is within `window_size` of the largest timestamp in
/// the window (elements without timestamps are left alone).
#[derive(Debug, Clone, Copy)]
pub struct TimeEvictor {
    size: i64,
    after: bool,
}

impl TimeEvictor {
    /// Keeps elements newer than `max timestamp - size` (evicting before the function).
    pub fn of(size: Duration) -> Self {
        Self::new(size, false)
    }
    /// Like [`of`](Self::of), evicting after the window function if `do_evict_after`.
    pub fn new(size: Duration, do_evict_after: bool) -> Self {
        TimeEvictor { size: size.as_millis() as i64, after: do_evict_after }
    }
    fn evict<T>(&self, elements: &mut Vec<Record<T>>) {
        if elements.first().is_none_or(|r| r.ts == NO_TIMESTAMP) {
            return;
        }
        let max = elements.iter().map(|r| r.ts).max().unwrap_or(i64::MIN);
        let cutoff = max - self.size;
        elements.retain(|r| r.ts > cutoff);
    }
}

impl<T, W: Window> Evictor<T, W> for TimeEvictor {
    fn evict_before(&self, elements: &mut Vec<Record<T>>, _: &W, _: &EvictorContext) {
        if !self.after {
            self.evict(elements)
        }
    }
    fn evict_after(&self, elements: &mut Vec<Record<T>>, _: &W, _: &EvictorContext) {
        if self.after {
            self.evict(elements)
        }
    }
}

type DeltaFn<T> = Arc<dyn Fn(&T, &T) -> f64 + Send + Sync>;

/// Evicts the elements whose delta to the window's last element is at least `threshold`.
pub struct DeltaEvictor<T> {
    threshold: f64,
    delta: DeltaFn<T>,
    after: bool,
}

impl<T> Clone for DeltaEvictor<T> {
    fn clone(&self) -> Self {
        DeltaEvictor { threshold: self.threshold, delta: self.delta.clone(), after: self.after }
    }
}

impl<T> DeltaEvictor<T> {
    /// Evicts (before the function) elements `e` with `delta(e, last) >= threshold`.
    pub fn of(threshold: f64, delta: impl Fn(&T, &T) -> f64 + Send + Sync + 'static) -> Self {
        Self::new(threshold, delta, false)
    }
    /// Like [`of`](Self::of), evicting after the window function if `do_evict_after`.
    pub fn new(threshold: f64, delta: impl Fn(&T, &T) -> f64 + Send + Sync + 'static, do_evict_after: bool) -> Self {
        DeltaEvictor { threshold, delta: Arc::new(delta), after: do_evict_after }
    }
    fn evict(&self, elements: &mut Vec<Record<T>>) {
        let Some(last) = elements.len().checked_sub(1) else { return };
        let mut keep = vec![true; elements.len()];
        for (i, e) in elements.iter().enumerate() {
            keep[i] = (self.delta)(&e.value, &elements[last].value) < self.threshold;
        }
        let mut it = keep.into_iter();
        elements.retain(|_| it.next().unwrap_or(true));
    }
}

impl<T: 'static, W: Window> Evictor<T, W> for DeltaEvictor<T> {
    fn evict_before(&self, elements: &mut Vec<Record<T>>, _: &W, _: &EvictorContext) {
        if !self.after {
            self.evict(elements)
        }
    }
    fn evict_after(&self, elements: &mut Vec<Record<T>>, _: &W, _: &EvictorContext) {
        if self.after {
            self.evict(elements)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::GlobalWindow;

    const CTX: EvictorContext = EvictorContext { current_processing_time: 0, current_watermark: 0 };

    fn recs(v: &[(i64, i64)]) -> Vec<Record<i64>> {
        v.iter().map(|&(value, ts)| Record { value, ts }).collect()
    }
    fn values(v: &[Record<i64>]) -> Vec<i64> {
        v.iter().map(|r| r.value).collect()
    }

    #[test]
    fn count_evictor_golden() {
        let mut e = recs(&[(1, 0), (2, 0), (3, 0), (4, 0)]);
        Evictor::<i64, GlobalWindow>::evict_after(&CountEvictor::of(2), &mut e, &GlobalWindow, &CTX);
        assert_eq!(e.len(), 4, "evicts before only");
        Evictor::<i64, GlobalWindow>::evict_before(&CountEvictor::of(2), &mut e, &GlobalWindow, &CTX);
        assert_eq!(values(&e), vec![3, 4]);
        Evictor::<i64, GlobalWindow>::evict_after(&CountEvictor::new(1, true), &mut e, &GlobalWindow, &CTX);
        assert_eq!(values(&e), vec![4]);
    }

    #[test]
    fn time_evictor_golden() {
        let mut e = recs(&[(1, 10), (2, 3), (3, 7), (4, 5)]);
        Evictor::<i64, GlobalWindow>::evict_before(&TimeEvictor::of(Duration::from_millis(5)), &mut e, &GlobalWindow, &CTX);
        assert_eq!(values(&e), vec![1, 3], "keeps ts > 10 - 5");
        let mut none = vec![Record::new(1i64), Record::new(2)];
        Evictor::<i64, GlobalWindow>::evict_before(&TimeEvictor::of(Duration::from_millis(5)), &mut none, &GlobalWindow, &CTX);
        assert_eq!(none.len(), 2);
    }

    #[test]
    fn delta_evictor_golden() {
        let mut e = recs(&[(1, 0), (8, 0), (5, 0), (10, 0)]);
        let d = DeltaEvictor::of(4.0, |a: &i64, b: &i64| (a - b).abs() as f64);
        Evictor::<i64, GlobalWindow>::evict_before(&d, &mut e, &GlobalWindow, &CTX);
        assert_eq!(values(&e), vec![8, 10]);
    }
}
