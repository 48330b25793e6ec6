//! Keyed timers: event- and processing-time timers per (key, namespace, time), deduplicated,
//! fired in time order (ties in registration order).

use crate::Namespace;
use hashbrown::{Equivalent, HashMap};
use rasch_core::Key;
use rasch_core::{Error, Result};
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::collections::BinaryHeap;
use std::hash::{Hash, Hasher};

type FastHasher = foldhash::fast::RandomState;

/// A timer that is due.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timer<K, N> {
    /// When it fires (event time or processing time, in ms).
    pub time: i64,
    /// The key it was registered for.
    pub key: K,
    /// The namespace (`()`, or a window).
    pub namespace: N,
}

/// Borrowed `(key, namespace, time)` lookup that hashes exactly like the owned tuple, so
/// checking for an existing timer clones nothing.
struct TimerRef<'a, K, N>(&'a K, &'a N, i64);

impl<K: Hash, N: Hash> Hash for TimerRef<'_, K, N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
        self.1.hash(state);
        self.2.hash(state);
    }
}

impl<K: Eq, N: Eq> Equivalent<(K, N, i64)> for TimerRef<'_, K, N> {
    fn equivalent(&self, key: &(K, N, i64)) -> bool {
        *self.0 == key.0 && *self.1 == key.1 && self.2 == key.2
    }
}

/// A priority queue of timers with deduplication and deletion.
pub struct TimerQueue<K, N> {
    heap: BinaryHeap<Reverse<(i64, u64)>>,
    by_seq: HashMap<u64, Timer<K, N>, FastHasher>,
    index: HashMap<(K, N, i64), u64, FastHasher>,
    next_seq: u64,
}

impl<K: Key, N: Namespace> Default for TimerQueue<K, N> {
    fn default() -> Self {
        TimerQueue { heap: BinaryHeap::new(), by_seq: HashMap::default(), index: HashMap::default(), next_seq: 0 }
    }
}

impl<K: Key, N: Namespace> TimerQueue<K, N> {
    /// Registers a timer; returns false if the same timer already exists.
    pub fn register(&mut self, key: &K, namespace: &N, time: i64) -> bool {
        if self.index.contains_key(&TimerRef(key, namespace, time)) {
            return false;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.index.insert((key.clone(), namespace.clone(), time), seq);
        self.by_seq.insert(seq, Timer { time, key: key.clone(), namespace: namespace.clone() });
        self.heap.push(Reverse((time, seq)));
        true
    }

    /// Deletes a timer if it exists.
    pub fn delete(&mut self, key: &K, namespace: &N, time: i64) {
        if let Some(seq) = self.index.remove(&TimerRef(key, namespace, time)) {
            self.by_seq.remove(&seq);
        }
    }

    fn skip_deleted(&mut self) {
        while let Some(Reverse((_, seq))) = self.heap.peek() {
            if self.by_seq.contains_key(seq) {
                break;
            }
            self.heap.pop();
        }
    }

    /// The earliest pending timer's time.
    pub fn peek_time(&mut self) -> Option<i64> {
        self.skip_deleted();
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// Removes and returns the earliest timer if its time is `<= limit`.
    pub fn pop_due(&mut self, limit: i64) -> Option<Timer<K, N>> {
        self.skip_deleted();
        let &Reverse((time, seq)) = self.heap.peek()?;
        if time > limit {
            return None;
        }
        self.heap.pop();
        let timer = self.by_seq.remove(&seq)?;
        self.index.remove(&TimerRef(&timer.key, &timer.namespace, timer.time));
        Some(timer)
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// True when no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// Every pending timer, in no particular order (for snapshots).
    pub fn iter(&self) -> impl Iterator<Item = &Timer<K, N>> {
        self.by_seq.values()
    }

    /// Serializes the pending timers grouped by the key group `key_group` assigns their key,
    /// in firing order.
    pub fn snapshot_by_group(&self, mut key_group: impl FnMut(&K) -> Result<usize>) -> Result<BTreeMap<usize, Vec<u8>>> {
        let mut timers: Vec<(u64, &Timer<K, N>)> = self.by_seq.iter().map(|(s, t)| (*s, t)).collect();
        timers.sort_by_key(|(seq, t)| (t.time, *seq));
        let mut groups: BTreeMap<usize, Vec<&Timer<K, N>>> = BTreeMap::new();
        for (_, t) in timers {
            groups.entry(key_group(&t.key)?).or_default().push(t);
        }
        groups.into_iter().map(|(g, ts)| Ok((g, postcard::to_allocvec(&ts)?))).collect()
    }

    /// Registers the timers of a snapshot produced by [`snapshot_by_group`](Self::snapshot_by_group).
    pub fn restore(&mut self, bytes: &[u8]) -> Result<()> {
        let timers: Vec<Timer<K, N>> = postcard::from_bytes(bytes).map_err(|e| Error::Serialization(format!("restoring timers: {e}")))?;
        for t in timers {
            self.register(&t.key, &t.namespace, t.time);
        }
        Ok(())
    }
}

/// The event-time and processing-time timers of one keyed operator.
pub struct TimerService<K, N> {
    /// Timers that fire when the watermark passes their time.
    pub event: TimerQueue<K, N>,
    /// Timers that fire when processing time reaches their time.
    pub processing: TimerQueue<K, N>,
}

impl<K: Key, N: Namespace> Default for TimerService<K, N> {
    fn default() -> Self {
        TimerService { event: TimerQueue::default(), processing: TimerQueue::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_fire_in_order_once_and_can_be_deleted() {
        let mut q = TimerQueue::<String, ()>::default();
        let (a, b) = ("a".to_string(), "b".to_string());
        assert!(q.register(&a, &(), 30));
        assert!(q.register(&b, &(), 10));
        assert!(!q.register(&b, &(), 10), "deduplicated");
        assert!(q.register(&a, &(), 20));
        q.register(&b, &(), 20);
        q.delete(&a, &(), 20);
        assert_eq!(q.peek_time(), Some(10));
        assert_eq!(q.pop_due(5), None);
        let fired: Vec<(i64, String)> = std::iter::from_fn(|| q.pop_due(25)).map(|t| (t.time, t.key)).collect();
        assert_eq!(fired, vec![(10, b.clone()), (20, b.clone())]);
        assert_eq!(q.len(), 1);
        assert!(q.register(&b, &(), 10), "a fired timer can be registered again");
        assert_eq!(q.pop_due(i64::MAX).map(|t| t.time), Some(10));
        assert_eq!(q.pop_due(i64::MAX).map(|t| t.time), Some(30));
        assert!(q.is_empty());
    }
}
