//! The shared buffer (Flink's `SharedBuffer`): the events of all partial matches of one key,
//! stored once, and a graph of nodes `(event, pattern)` whose edges point to the previous node
//! of a match, labelled with the [`DeweyNumber`] of the branch that added them. Partial matches
//! that share a prefix share its nodes.
//!
//! Flink frees nodes by reference counting; here a mark-and-sweep from the live partial
//! matches runs when the buffer has doubled since the last sweep (and a buffer without live
//! partial matches is simply cleared), which keeps the cost amortised constant per event and
//! cannot free anything a live match can still reach.

use super::dewey::DeweyNumber;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A node of the buffer: an event taken by the pattern with id `page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId {
    /// The event's id (its position in the key's sequence of processed events).
    pub event: u64,
    /// The pattern that took it (index into the NFA's pattern names).
    pub page: u16,
}

/// An edge to the previous node of a match (`None`: the match starts here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Edge {
    target: Option<NodeId>,
    version: DeweyNumber,
}

/// Events and nodes of one key's partial matches.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: serde::de::DeserializeOwned"))]
pub struct SharedBuffer<T> {
    events: HashMap<u64, (T, i64)>,
    nodes: HashMap<NodeId, Vec<Edge>>,
    /// Node count above which the next sweep runs.
    sweep_at: usize,
}

impl<T> Default for SharedBuffer<T> {
    fn default() -> Self {
        SharedBuffer { events: HashMap::new(), nodes: HashMap::new(), sweep_at: 64 }
    }
}

impl<T: Clone> SharedBuffer<T> {
    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.events.is_empty()
    }

    /// Number of nodes (for tests and metrics).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The event with id `event` and its timestamp.
    pub fn event(&self, event: u64) -> Option<&(T, i64)> {
        self.events.get(&event)
    }

    /// Records that pattern `page` took `event` after `previous` in branch `version`; stores
    /// the event the first time it is taken.
    pub fn put(&mut self, page: u16, event_id: u64, event: &T, ts: i64, previous: Option<NodeId>, version: DeweyNumber) -> NodeId {
        self.events.entry(event_id).or_insert_with(|| (event.clone(), ts));
        let node = NodeId { event: event_id, page };
        self.nodes.entry(node).or_default().push(Edge { target: previous, version });
        node
    }

    /// The first path (in Flink's depth-first order) from `node` back to the start of its match
    /// for branch `version`: `(page, event)` pairs, earliest first.
    pub fn extract(&self, node: NodeId, version: &DeweyNumber) -> Vec<(u16, u64)> {
        // Depth-first, latest edge first, as Flink's stack-based extraction.
        let mut stack: Vec<(Option<NodeId>, DeweyNumber, usize)> = vec![(Some(node), version.clone(), 0)];
        let mut path: Vec<NodeId> = Vec::new();
        while let Some((current, v, depth)) = stack.pop() {
            path.truncate(depth);
            let Some(current) = current else {
                return path.iter().rev().map(|n| (n.page, n.event)).collect();
            };
            let Some(edges) = self.nodes.get(&current) else { continue };
            path.push(current);
            for e in edges.iter().filter(|e| v.is_compatible_with(&e.version)) {
                stack.push((e.target, e.version.clone(), depth + 1));
            }
        }
        Vec::new()
    }

    /// Drops everything (no partial match is alive).
    pub fn clear(&mut self) {
        self.events.clear();
        self.nodes.clear();
        self.sweep_at = 64;
    }

    /// Frees nodes, edges and events no live partial match (`roots`) can reach, if the buffer
    /// has grown enough since the last sweep.
    pub fn maybe_sweep<'a>(&mut self, roots: impl Iterator<Item = (Option<NodeId>, &'a DeweyNumber)>) {
        if self.nodes.len() < self.sweep_at {
            return;
        }
        self.sweep(roots);
        self.sweep_at = (self.nodes.len() * 2).max(64);
    }

    fn sweep<'a>(&mut self, roots: impl Iterator<Item = (Option<NodeId>, &'a DeweyNumber)>) {
        let mut kept_edges: HashMap<NodeId, Vec<bool>> = HashMap::new();
        let mut seen: HashSet<(NodeId, DeweyNumber)> = HashSet::new();
        let mut stack: Vec<(NodeId, DeweyNumber)> = roots.filter_map(|(n, v)| n.map(|n| (n, v.clone()))).collect();
        while let Some((node, v)) = stack.pop() {
            if !seen.insert((node, v.clone())) {
                continue;
            }
            let Some(edges) = self.nodes.get(&node) else { continue };
            let marks = kept_edges.entry(node).or_insert_with(|| vec![false; edges.len()]);
            for (i, e) in edges.iter().enumerate() {
                if v.is_compatible_with(&e.version) {
                    marks[i] = true;
                    if let Some(t) = e.target {
                        stack.push((t, e.version.clone()));
                    }
                }
            }
        }
        self.nodes.retain(|node, edges| {
            let Some(marks) = kept_edges.get(node) else { return false };
            let mut i = 0;
            edges.retain(|_| {
                i += 1;
                marks[i - 1]
            });
            true
        });
        let live: HashSet<u64> = self.nodes.keys().map(|n| n.event).collect();
        self.events.retain(|id, _| live.contains(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_share_their_prefix_and_extract_their_own_path() {
        let mut b = SharedBuffer::<char>::default();
        let v1 = DeweyNumber::root();
        let a = b.put(0, 1, &'a', 1, None, v1.clone());
        // Two branches continue from `a`: 1.0 takes event 2, 1.1 takes event 3.
        let v10 = v1.clone().add_stage();
        let v11 = v10.increase(1);
        let x = b.put(1, 2, &'x', 2, Some(a), v10.clone());
        let y = b.put(1, 3, &'y', 3, Some(a), v11.clone());
        assert_eq!(b.extract(x, &v10.clone().add_stage()), vec![(0, 1), (1, 2)]);
        assert_eq!(b.extract(y, &v11.clone().add_stage()), vec![(0, 1), (1, 3)]);
        // Only the branch through `y` is alive: `x` and event 2 are swept, `a` is shared.
        b.sweep_at = 0;
        let v = v11.add_stage();
        b.maybe_sweep([(Some(y), &v)].into_iter());
        assert_eq!(b.node_count(), 2);
        assert!(b.event(2).is_none() && b.event(1).is_some() && b.event(3).is_some());
    }
}
