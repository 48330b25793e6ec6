//! After-match skip strategies (Flink's `AfterMatchSkipStrategy`): which partial matches are
//! discarded once a match is emitted.

/// What happens to overlapping partial matches once a match is emitted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AfterMatchSkipStrategy {
    /// Every possible match is emitted.
    #[default]
    NoSkip,
    /// Discards partial matches that started with the same event as the emitted match.
    SkipToNext,
    /// Discards partial matches that started at or before the emitted match's last event.
    SkipPastLastEvent,
    /// Discards partial matches that started before the first event of this pattern in the match.
    SkipToFirst(String),
    /// Discards partial matches that started before the last event of this pattern in the match.
    SkipToLast(String),
}

impl AfterMatchSkipStrategy {
    /// Flink's `noSkip()`.
    pub fn no_skip() -> Self {
        AfterMatchSkipStrategy::NoSkip
    }
    /// Flink's `skipToNext()`.
    pub fn skip_to_next() -> Self {
        AfterMatchSkipStrategy::SkipToNext
    }
    /// Flink's `skipPastLastEvent()`.
    pub fn skip_past_last_event() -> Self {
        AfterMatchSkipStrategy::SkipPastLastEvent
    }
    /// Flink's `skipToFirst(name)`.
    pub fn skip_to_first(name: &str) -> Self {
        AfterMatchSkipStrategy::SkipToFirst(name.to_string())
    }
    /// Flink's `skipToLast(name)`.
    pub fn skip_to_last(name: &str) -> Self {
        AfterMatchSkipStrategy::SkipToLast(name.to_string())
    }

    /// Whether completed matches wait for earlier partial matches (every strategy but `NoSkip`).
    pub fn is_skip(&self) -> bool {
        *self != AfterMatchSkipStrategy::NoSkip
    }

    /// The event id partial matches are pruned relative to, from the events of a match
    /// (`(pattern name, event id)` in time order); `None` prunes nothing.
    pub(crate) fn pruning_id(&self, events: &[(&str, u64)]) -> Option<u64> {
        match self {
            AfterMatchSkipStrategy::NoSkip => None,
            AfterMatchSkipStrategy::SkipToNext => events.iter().map(|e| e.1).min(),
            AfterMatchSkipStrategy::SkipPastLastEvent => events.iter().map(|e| e.1).max(),
            AfterMatchSkipStrategy::SkipToFirst(n) => events.iter().filter(|e| e.0 == n).map(|e| e.1).min(),
            AfterMatchSkipStrategy::SkipToLast(n) => events.iter().filter(|e| e.0 == n).map(|e| e.1).max(),
        }
    }

    /// Whether a partial match that started with event `start` is discarded for `pruning_id`.
    pub(crate) fn prunes(&self, start: u64, pruning_id: u64) -> bool {
        match self {
            AfterMatchSkipStrategy::NoSkip => false,
            AfterMatchSkipStrategy::SkipToNext | AfterMatchSkipStrategy::SkipPastLastEvent => start <= pruning_id,
            AfterMatchSkipStrategy::SkipToFirst(_) | AfterMatchSkipStrategy::SkipToLast(_) => start < pruning_id,
        }
    }
}
