//! A match (Flink's `Map<String, List<IN>>`): the events of each pattern, in pattern order.

use std::sync::Arc;

/// The events a match (or a timed-out partial match) took, per pattern name, earliest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Match<T> {
    entries: Vec<(Arc<str>, Vec<T>)>,
}

impl<T> Match<T> {
    pub(crate) fn new(entries: Vec<(Arc<str>, Vec<T>)>) -> Self {
        Match { entries }
    }

    /// The events pattern `name` took, if it took any.
    pub fn get(&self, name: &str) -> Option<&[T]> {
        self.entries.iter().find(|(n, _)| &**n == name).map(|(_, v)| v.as_slice())
    }

    /// The events pattern `name` took (empty if none).
    pub fn events(&self, name: &str) -> &[T] {
        self.get(name).unwrap_or(&[])
    }

    /// `(pattern name, events)` in the order the patterns first took an event.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[T])> {
        self.entries.iter().map(|(n, v)| (&**n, v.as_slice()))
    }

    /// The pattern names that took events.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| &**n)
    }

    /// All events of the match, in match order.
    pub fn all(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().flat_map(|(_, v)| v.iter())
    }

    /// Whether the match holds no events (a timed-out match that took none).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
