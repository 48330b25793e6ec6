//! Running the NFA over one key's events (Flink's `NFA.process` / `advanceTime`): every
//! partial match ([`Computation`]) follows the edges whose conditions the event satisfies,
//! branching with new Dewey versions; completed matches are released in start order under the
//! after-match skip strategy, and partial matches older than the window time out.

use super::context::ConditionContext;
use super::dewey::DeweyNumber;
use super::shared_buffer::{NodeId, SharedBuffer};
use super::{Action, Nfa, StateKind};
use crate::matched::Match;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A partial match: the state it waits in, its last node in the shared buffer and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Computation {
    state: u16,
    previous: Option<NodeId>,
    version: DeweyNumber,
    start_ts: i64,
    start_event: Option<u64>,
}

impl Computation {
    /// The order in which partial and completed matches are considered: by first event, not
    /// yet started ones last.
    fn order(&self) -> u64 {
        self.start_event.unwrap_or(u64::MAX)
    }
}

/// The NFA state of one key: partial matches, completed matches waiting for earlier partial
/// ones (skip strategies), the shared buffer and the id of the next event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: serde::de::DeserializeOwned"))]
pub struct NfaState<T> {
    partial: Vec<Computation>,
    completed: Vec<Computation>,
    buffer: SharedBuffer<T>,
    next_event: u64,
}

/// What one step produced: matches, timed-out partial matches with their timeout time, and
/// whether a new partial match started (the operator then registers its timeout timer). It
/// also carries the buffers a step works in, so that a caller that reuses one outcome makes
/// steps allocate nothing in the common case.
pub struct Outcome<T> {
    /// Completed matches, in the order they are emitted, with the time they completed at.
    pub matches: Vec<(Match<T>, i64)>,
    /// Timed-out partial matches and the time they timed out at.
    pub timed_out: Vec<(Match<T>, i64)>,
    /// A partial match started with the event.
    pub new_start: bool,
    scratch: Scratch,
}

/// Reused working buffers of a step.
#[derive(Default)]
struct Scratch {
    kept: Vec<Computation>,
    potential: Vec<Computation>,
    next: Vec<Computation>,
    steps: Vec<Step>,
    stack: Vec<usize>,
}

impl<T> Default for Outcome<T> {
    fn default() -> Self {
        Outcome { matches: Vec::new(), timed_out: Vec::new(), new_start: false, scratch: Scratch::default() }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Outcome<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcome").field("matches", &self.matches).field("timed_out", &self.timed_out).finish()
    }
}

impl<T> Outcome<T> {
    /// Empties the outcome, keeping its capacity.
    pub fn clear(&mut self) {
        self.matches.clear();
        self.timed_out.clear();
        self.new_start = false;
    }
}

/// An edge the event follows from a partial match (after PROCEED edges were expanded).
struct Step {
    action: Action,
    source: usize,
    target: usize,
    /// For a TAKE: a Final state reachable from the target by PROCEED edges.
    final_after: Option<usize>,
}

impl<T: Clone> NfaState<T> {
    /// The state of a key that has seen nothing.
    pub fn new(nfa: &Nfa<T>) -> Self {
        let start = Computation { state: nfa.start as u16, previous: None, version: DeweyNumber::root(), start_ts: 0, start_event: None };
        NfaState { partial: vec![start], completed: Vec::new(), buffer: SharedBuffer::default(), next_event: 0 }
    }

    /// Whether no partial match has started (the key's state can be dropped).
    pub fn is_idle(&self, nfa: &Nfa<T>) -> bool {
        self.completed.is_empty() && self.partial.iter().all(|c| nfa.is_start(c.state as usize))
    }

    /// Number of partial matches, the start state included.
    pub fn partial_count(&self) -> usize {
        self.partial.len()
    }

    fn materialize(&self, nfa: &Nfa<T>, path: &[(u16, u64)]) -> Match<T> {
        let mut entries: Vec<(Arc<str>, Vec<T>)> = Vec::new();
        for &(page, event) in path {
            let name = &nfa.names[page as usize];
            let Some((value, _)) = self.buffer.event(event) else { continue };
            match entries.iter_mut().find(|(n, _)| Arc::ptr_eq(n, name)) {
                Some((_, v)) => v.push(value.clone()),
                None => entries.push((name.clone(), vec![value.clone()])),
            }
        }
        Match::new(entries)
    }

    fn extract(&self, c: &Computation) -> Vec<(u16, u64)> {
        c.previous.map(|n| self.buffer.extract(n, &c.version)).unwrap_or_default()
    }

    /// Feeds `event` at time `ts` to every partial match (Flink's `NFA.process`).
    pub fn process(&mut self, nfa: &Nfa<T>, event: &T, ts: i64, now: i64, out: &mut Outcome<T>) {
        let id = self.next_event;
        self.next_event += 1;
        let mut sc = std::mem::take(&mut out.scratch);
        sc.kept.clear();
        sc.potential.clear();
        let mut partial = std::mem::take(&mut self.partial);
        for c in partial.drain(..) {
            self.compute_next(nfa, c, event, id, ts, now, &mut sc, &mut out.new_start);
            let mark = sc.kept.len();
            let mut discard = false;
            for n in sc.next.drain(..) {
                match nfa.states[n.state as usize].kind {
                    StateKind::Final => sc.potential.push(n),
                    StateKind::Stop => discard = true,
                    _ => sc.kept.push(n),
                }
            }
            if discard {
                sc.kept.truncate(mark);
            }
        }
        if !sc.kept.is_sorted_by_key(Computation::order) {
            sc.kept.sort_by_key(Computation::order);
        }
        // The drained vector becomes the next step's buffer.
        self.partial = std::mem::replace(&mut sc.kept, partial);
        if nfa.skip.is_skip() {
            // Completed matches wait for earlier partial matches; one that just died may free
            // them even when this event completed nothing.
            if !sc.potential.is_empty() || !self.completed.is_empty() {
                sc.potential.sort_by_key(Computation::order);
                let potential = std::mem::take(&mut sc.potential);
                self.release_in_order(nfa, potential, ts, out);
            }
        } else if !sc.potential.is_empty() {
            sc.potential.sort_by_key(Computation::order);
            for m in &sc.potential {
                let path = self.extract(m);
                out.matches.push((self.materialize(nfa, &path), ts));
            }
        }
        out.scratch = sc;
        self.collect_garbage(nfa);
    }

    /// Drops partial matches older than the window at time `ts` (Flink's `NFA.advanceTime`),
    /// reporting them if `report_timeouts`, and releases completed matches they held back.
    pub fn advance_time(&mut self, nfa: &Nfa<T>, ts: i64, report_timeouts: bool, out: &mut Outcome<T>) {
        let Some(window) = nfa.window else { return };
        let timed_out = |c: &Computation| !nfa.is_start(c.state as usize) && ts.saturating_sub(c.start_ts) >= window;
        if !self.partial.iter().any(timed_out) {
            return;
        }
        let partial = std::mem::take(&mut self.partial);
        let mut kept = Vec::with_capacity(partial.len());
        let mut pending = Vec::new();
        for c in partial {
            if timed_out(&c) {
                if nfa.states[c.state as usize].kind == StateKind::Pending {
                    // Nothing the trailing NOT pattern forbids came within the window: a match.
                    pending.push(c);
                } else if report_timeouts {
                    let path = self.extract(&c);
                    out.timed_out.push((self.materialize(nfa, &path), c.start_ts.saturating_add(window)));
                }
            } else {
                kept.push(c);
            }
        }
        self.partial = kept;
        // As Flink, matches completed by time are released in order whatever the strategy.
        if nfa.skip.is_skip() || !pending.is_empty() {
            pending.sort_by_key(Computation::order);
            self.release_in_order(nfa, pending, ts, out);
        }
        self.collect_garbage(nfa);
    }

    /// Emits completed matches that no earlier partial match can precede, pruning partial and
    /// completed matches by the skip strategy after each.
    fn release_in_order(&mut self, nfa: &Nfa<T>, potential: Vec<Computation>, ts: i64, out: &mut Outcome<T>) {
        self.completed.extend(potential);
        self.completed.sort_by_key(Computation::order);
        while let Some(first) = self.completed.first() {
            if self.partial.first().is_some_and(|p| first.order() > p.order()) {
                break;
            }
            let m = self.completed.remove(0);
            let path = self.extract(&m);
            let events: Vec<(&str, u64)> = path.iter().map(|&(p, e)| (&*nfa.names[p as usize], e)).collect();
            if let Some(pruning) = nfa.skip.pruning_id(&events) {
                let pruned = |c: &Computation| c.start_event.is_some_and(|s| nfa.skip.prunes(s, pruning));
                self.partial.retain(|c| !pruned(c));
                self.completed.retain(|c| !pruned(c));
            }
            out.matches.push((self.materialize(nfa, &path), ts));
        }
    }

    fn collect_garbage(&mut self, nfa: &Nfa<T>) {
        if self.is_idle(nfa) {
            self.buffer.clear();
        } else {
            let roots = self.partial.iter().chain(&self.completed).map(|c| (c.previous, &c.version));
            self.buffer.maybe_sweep(roots);
        }
    }

    /// The partial matches `c` becomes with `event` (Flink's `computeNextStates`), into `sc.next`.
    #[allow(clippy::too_many_arguments)]
    fn compute_next(
        &mut self,
        nfa: &Nfa<T>,
        c: Computation,
        event: &T,
        id: u64,
        ts: i64,
        now: i64,
        sc: &mut Scratch,
        new_start: &mut bool,
    ) {
        let current = c.state as usize;
        let (takes, ignores) = {
            let ctx = ConditionContext::new(&self.buffer, &nfa.names, c.previous, &c.version, ts, now);
            decide(nfa, current, event, &ctx, &mut sc.steps, &mut sc.stack)
        };
        let is_start = nfa.is_start(current);
        let mut takes_to_visit = takes.saturating_sub(1);
        let mut ignores_to_visit = ignores;
        let takes_to_skip = takes.saturating_sub(1);
        let stay = self_increase(ignores, takes);
        if !is_start && stay == 0 && sc.steps.len() == 1 && sc.steps[0].action == Action::Ignore && sc.steps[0].target == current {
            // Waiting (relaxed contiguity) without branching: the computation stays as it is.
            sc.steps.clear();
            sc.next.push(c);
            return;
        }
        for s in sc.steps.drain(..) {
            match s.action {
                Action::Ignore if !is_start => {
                    let version = if s.target == current {
                        c.version.increase(stay)
                    } else {
                        // An IGNORE reached through PROCEED starts a new stage.
                        let v = c.version.increase(takes_to_skip + ignores_to_visit).add_stage();
                        ignores_to_visit = ignores_to_visit.saturating_sub(1);
                        v
                    };
                    sc.next.push(Computation {
                        state: s.target as u16,
                        version,
                        previous: c.previous,
                        start_ts: c.start_ts,
                        start_event: c.start_event,
                    });
                }
                Action::Ignore => {}
                Action::Take => {
                    let version = c.version.increase(takes_to_visit);
                    let next_version = version.clone().add_stage();
                    takes_to_visit = takes_to_visit.saturating_sub(1);
                    let page = nfa.states[s.source].page;
                    let node = self.buffer.put(page, id, event, ts, c.previous, version);
                    let (start_ts, start_event) = if is_start {
                        *new_start = true;
                        (ts, Some(id))
                    } else {
                        (c.start_ts, c.start_event)
                    };
                    let taken = Computation { state: s.target as u16, previous: Some(node), version: next_version, start_ts, start_event };
                    let final_state = s.final_after.map(|f| Computation { state: f as u16, ..taken.clone() });
                    sc.next.push(taken);
                    sc.next.extend(final_state);
                }
                Action::Proceed => unreachable!("PROCEED edges are expanded by decide()"),
            }
        }
        if is_start {
            // The start state stays; without branches it keeps its version (no allocation).
            let version = if stay == 0 { c.version } else { c.version.increase(stay) };
            sc.next.push(Computation { state: c.state, previous: None, version, start_ts: 0, start_event: None });
        }
    }
}

/// How much a state that stays where it is increases its version.
fn self_increase(ignores: u32, takes: u32) -> u32 {
    if takes == 0 && ignores == 0 { 0 } else { ignores + takes.max(1) }
}

/// The TAKE and IGNORE edges `event` follows from `state`, PROCEED edges expanded, into
/// `steps`; returns the number of TAKE branches and of IGNORE branches that leave `state`.
fn decide<T: Clone>(
    nfa: &Nfa<T>,
    state: usize,
    event: &T,
    ctx: &ConditionContext<'_, T>,
    steps: &mut Vec<Step>,
    stack: &mut Vec<usize>,
) -> (u32, u32) {
    let (mut takes, mut ignores) = (0, 0);
    stack.clear();
    stack.push(state);
    while let Some(s) = stack.pop() {
        for t in &nfa.states[s].transitions {
            if !t.cond.test(event, ctx) {
                continue;
            }
            match t.action {
                Action::Proceed => stack.push(t.target),
                Action::Take => {
                    takes += 1;
                    let final_after = final_after_proceed(nfa, t.target, event, ctx);
                    steps.push(Step { action: Action::Take, source: s, target: t.target, final_after });
                }
                Action::Ignore => {
                    if t.target != state {
                        ignores += 1;
                    }
                    steps.push(Step { action: Action::Ignore, source: s, target: t.target, final_after: None });
                }
            }
        }
    }
    (takes, ignores)
}

/// A Final state reachable from `state` by PROCEED edges (an optional tail of the pattern).
fn final_after_proceed<T: Clone>(nfa: &Nfa<T>, state: usize, event: &T, ctx: &ConditionContext<'_, T>) -> Option<usize> {
    let mut stack = vec![state];
    while let Some(s) = stack.pop() {
        for t in &nfa.states[s].transitions {
            if t.action == Action::Proceed && t.cond.test(event, ctx) {
                if nfa.states[t.target].kind == StateKind::Final {
                    return Some(t.target);
                }
                stack.push(t.target);
            }
        }
    }
    None
}
