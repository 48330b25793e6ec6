//! What an iterative condition sees (Flink's `IterativeCondition.Context`): the events the
//! partial match has taken so far, by pattern name, read lazily from the shared buffer.

use super::dewey::DeweyNumber;
use super::shared_buffer::{NodeId, SharedBuffer};
use std::cell::OnceCell;
use std::sync::Arc;

/// The context of one condition evaluation: the partial match being extended and the time.
pub struct ConditionContext<'a, T> {
    buffer: &'a SharedBuffer<T>,
    names: &'a [Arc<str>],
    previous: Option<NodeId>,
    version: &'a DeweyNumber,
    timestamp: i64,
    processing_time: i64,
    path: OnceCell<Vec<(u16, u64)>>,
}

impl<'a, T: Clone> ConditionContext<'a, T> {
    pub(crate) fn new(
        buffer: &'a SharedBuffer<T>,
        names: &'a [Arc<str>],
        previous: Option<NodeId>,
        version: &'a DeweyNumber,
        timestamp: i64,
        processing_time: i64,
    ) -> Self {
        ConditionContext { buffer, names, previous, version, timestamp, processing_time, path: OnceCell::new() }
    }

    /// The events already taken by pattern `name` in this partial match, earliest first
    /// (the current event is not among them).
    pub fn get_events_for_pattern(&self, name: &str) -> impl Iterator<Item = &'a T> + '_ {
        let page = self.names.iter().position(|n| &**n == name).map(|p| p as u16);
        let path = self.path();
        let buffer = self.buffer;
        path.iter().filter(move |(p, _)| Some(*p) == page).filter_map(move |(_, e)| buffer.event(*e).map(|(v, _)| v))
    }

    /// Every event the partial match has taken so far, in match order (the current event is
    /// not among them).
    pub fn get_all_events(&self) -> impl Iterator<Item = &'a T> + '_ {
        let path = self.path();
        let buffer = self.buffer;
        path.iter().filter_map(move |(_, e)| buffer.event(*e).map(|(v, _)| v))
    }

    fn path(&self) -> &Vec<(u16, u64)> {
        self.path.get_or_init(|| match self.previous {
            Some(node) => self.buffer.extract(node, self.version),
            None => Vec::new(),
        })
    }

    /// The timestamp of the event being tested.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.processing_time
    }
}
