//! The NFA a pattern compiles to, and how it runs over one key's events (Flink's `NFA`):
//! [`compiler`] builds the states, [`run`] advances the partial matches of an [`NfaState`],
//! whose events live in a [`SharedBuffer`] versioned by [`DeweyNumber`]s.

mod compiler;
mod context;
mod dewey;
mod run;
mod shared_buffer;

pub use context::ConditionContext;
pub use dewey::DeweyNumber;
pub use run::{Computation, NfaState, Outcome};
pub use shared_buffer::{NodeId, SharedBuffer};

use crate::pattern::{Condition, Pattern};
use crate::skip::AfterMatchSkipStrategy;
use rasch_core::Result;
use std::sync::Arc;

/// The role of a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateKind {
    /// Where every match starts; never left by IGNORE.
    Start,
    /// An intermediate state.
    Normal,
    /// Reaching it completes a match.
    Final,
    /// Reaching it discards the partial match (a NOT pattern matched).
    Stop,
    /// A trailing `not_followed_by`: the partial match becomes a match when its window elapses.
    Pending,
}

/// What a transition does with the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Consume the event into the match and move to the target.
    Take,
    /// Skip the event and move to the target.
    Ignore,
    /// Move to the target without consuming, and look at the event there.
    Proceed,
}

/// An edge of the NFA.
pub(crate) struct Transition<T> {
    pub(crate) action: Action,
    pub(crate) target: usize,
    pub(crate) cond: Condition<T>,
}

/// A state of the NFA; `page` names the pattern it takes events for.
pub(crate) struct State<T> {
    pub(crate) page: u16,
    pub(crate) kind: StateKind,
    #[allow(dead_code)]
    pub(crate) greedy: bool,
    pub(crate) transitions: Vec<Transition<T>>,
}

/// A compiled pattern: its states, pattern names, window and skip strategy. Shared by all
/// keys and subtasks; the per-key part is an [`NfaState`].
pub struct Nfa<T> {
    pub(crate) states: Vec<State<T>>,
    pub(crate) start: usize,
    pub(crate) names: Vec<Arc<str>>,
    pub(crate) window: Option<i64>,
    pub(crate) skip: AfterMatchSkipStrategy,
}

impl<T> Nfa<T> {
    /// Compiles `pattern` (Flink's `NFACompiler.compileFactory`), or reports why it is malformed.
    pub fn compile(pattern: &Pattern<T>) -> Result<Self> {
        compiler::compile(pattern)
    }

    /// The `within` window in ms (the smallest of the sequence), if any.
    pub fn window(&self) -> Option<i64> {
        self.window
    }

    /// Number of states (for tests and diagnostics).
    pub fn state_count(&self) -> usize {
        self.states.len()
    }

    pub(crate) fn is_start(&self, state: usize) -> bool {
        self.states[state].kind == StateKind::Start
    }
}
