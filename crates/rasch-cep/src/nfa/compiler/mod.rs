//! Compiles a [`Pattern`] into an [`Nfa`] (Flink's `NFACompiler`): walking the sequence from
//! its end, each pattern becomes states whose TAKE edges consume an event into the shared
//! buffer, IGNORE edges skip one (relaxed contiguity), and PROCEED edges move on without
//! consuming (optional parts, the exit of a loop). `not_next` / `not_followed_by` become edges
//! to Stop states, which discard the partial match that reaches them.

mod conditions;

use super::{Action, Nfa, State, StateKind, Transition};
use crate::pattern::{Condition, ConsumingStrategy, Part, Pattern};
use conditions::{extend_with_until, following_take};
use rasch_core::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// The name of the final state's page, reserved.
pub(crate) const END: &str = "$endState$";

/// Where the compiler stands: a sequence (the top-level one or a group's) and a position.
struct Cursor<'p, T> {
    chain: &'p [Part<T>],
    idx: usize,
}

impl<T> Clone for Cursor<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Cursor<'_, T> {}

impl<'p, T> Cursor<'p, T> {
    fn current(&self) -> &'p Part<T> {
        &self.chain[self.idx]
    }
    fn previous_of(&self, idx: usize) -> Option<&'p Part<T>> {
        idx.checked_sub(1).map(|i| &self.chain[i])
    }
}

/// What the compiler restores when it leaves a group pattern.
struct Saved<'p, T> {
    at: Cursor<'p, T>,
    following: Option<&'p Part<T>>,
    group: Option<&'p Part<T>>,
    following_take: Option<Condition<T>>,
}

struct Compiler<'p, T> {
    states: Vec<State<T>>,
    names: Vec<Arc<str>>,
    stop_states: HashMap<u16, usize>,
    window: Option<i64>,
    at: Cursor<'p, T>,
    following: Option<&'p Part<T>>,
    group: Option<&'p Part<T>>,
    first_of_loop: HashMap<*const Part<T>, bool>,
    following_take: Option<Condition<T>>,
}

/// Compiles `pattern`, or explains why it is malformed.
pub(crate) fn compile<T>(pattern: &Pattern<T>) -> Result<Nfa<T>> {
    if let Some(e) = &pattern.error {
        return Err(Error::InvalidJob(format!("malformed pattern: {e}")));
    }
    let last = pattern.parts.last().expect("a pattern sequence is never empty");
    if last.quantifier.greedy {
        return Err(Error::InvalidJob(
            "malformed pattern: a greedy pattern cannot end a sequence (it would never complete); finish with a simple pattern".into(),
        ));
    }
    let names = pattern.names();
    for (i, n) in names.iter().enumerate() {
        if *n == END || names[..i].contains(n) {
            return Err(Error::InvalidJob(format!("malformed pattern: the name '{n}' is used more than once or reserved")));
        }
    }
    let mut c = Compiler {
        states: Vec::new(),
        names: Vec::new(),
        stop_states: HashMap::new(),
        window: None,
        at: Cursor { chain: &pattern.parts, idx: pattern.parts.len() - 1 },
        following: None,
        group: None,
        first_of_loop: HashMap::new(),
        following_take: None,
    };
    c.note_window(last);
    let end = c.create_state(END, StateKind::Final, false);
    let sink = c.create_middle_states(end);
    let start = c.convert_pattern(sink);
    c.states[start].kind = StateKind::Start;
    if c.window.is_none() && c.states.iter().any(|s| s.kind == StateKind::Pending) {
        return Err(Error::InvalidJob("malformed pattern: not_followed_by can end a pattern only with within()".into()));
    }
    Ok(Nfa { states: c.states, start, names: c.names, window: c.window, skip: pattern.skip.clone() })
}

fn not<T>(c: Condition<T>) -> Condition<T> {
    c.not()
}

impl<'p, T> Compiler<'p, T> {
    fn page(&mut self, name: &str) -> u16 {
        match self.names.iter().position(|n| &**n == name) {
            Some(p) => p as u16,
            None => {
                self.names.push(name.into());
                (self.names.len() - 1) as u16
            }
        }
    }

    fn create_state(&mut self, name: &str, kind: StateKind, greedy: bool) -> usize {
        let page = self.page(name);
        self.states.push(State { page, kind, greedy, transitions: Vec::new() });
        self.states.len() - 1
    }

    fn add(&mut self, from: usize, action: Action, target: usize, cond: Condition<T>) {
        self.states[from].transitions.push(Transition { action, target, cond });
    }

    fn note_window(&mut self, part: &Part<T>) {
        if let Some(w) = part.window {
            self.window = Some(self.window.map_or(w, |old| old.min(w)));
        }
    }

    fn create_middle_states(&mut self, sink: usize) -> usize {
        let mut last = sink;
        while self.at.idx > 0 {
            let cur = self.at.current();
            match cur.quantifier.consuming {
                // At the end of a sequence: a Pending state, which becomes a match when the
                // window elapses without the NOT pattern matching (Flink 1.16+).
                ConsumingStrategy::NotFollow if self.states[last].kind == StateKind::Final => {
                    let pending = self.create_state(&cur.name, StateKind::Pending, false);
                    let cond = self.take_condition(cur);
                    let stop = self.create_stop_state(cond.clone(), &cur.name);
                    self.add(pending, Action::Proceed, stop, cond.clone());
                    self.add(pending, Action::Ignore, pending, not(cond));
                    last = pending;
                }
                // Elsewhere converted into edges to Stop states of the states around it.
                ConsumingStrategy::NotFollow => {}
                ConsumingStrategy::NotNext => {
                    let not_next = self.create_state(&cur.name, StateKind::Normal, false);
                    let cond = self.take_condition(cur);
                    let stop = self.create_stop_state(cond.clone(), &cur.name);
                    if self.states[last].kind == StateKind::Final {
                        // An IGNORE, so that reaching the end needs one more (non-matching) event.
                        self.add(not_next, Action::Ignore, last, not(cond.clone()));
                    } else {
                        self.add(not_next, Action::Proceed, last, not(cond.clone()));
                    }
                    self.add(not_next, Action::Proceed, stop, cond);
                    last = not_next;
                }
                _ => last = self.convert_pattern(last),
            }
            self.following = Some(cur);
            self.at.idx -= 1;
            let prev = self.at.current();
            self.note_window(prev);
        }
        last
    }

    fn convert_pattern(&mut self, sink: usize) -> usize {
        let cur = self.at.current();
        let q = cur.quantifier;
        let last = if q.looping {
            // Once the loop has taken an event, NOT patterns before the optional part are void.
            self.set_first_of_loop(false);
            let s = self.copy_without_transitive_nots(sink);
            let looping = self.create_looping(s);
            self.set_first_of_loop(true);
            self.create_times_state(looping, sink, q.from, q.to)
        } else if q.times {
            self.create_times_state(sink, sink, q.from, q.to)
        } else {
            let take = self.take_condition(cur);
            let ignore = self.ignore_condition(cur);
            let optional = self.is_optional(cur);
            self.create_singleton_state(sink, Some(sink), take, ignore, optional)
        };
        self.add_stop_states(last);
        last
    }

    /// The NOT patterns reachable backwards from the current pattern through optional ones.
    fn current_not_conditions(&self) -> Vec<(Condition<T>, &'p str)> {
        let mut nots = Vec::new();
        let mut idx = self.at.idx;
        while let Some(prev) = self.at.previous_of(idx) {
            if !(prev.quantifier.optional || prev.quantifier.consuming == ConsumingStrategy::NotFollow) {
                break;
            }
            idx -= 1;
            if prev.quantifier.consuming == ConsumingStrategy::NotFollow {
                nots.push((self.take_condition(prev), prev.name.as_str()));
            }
        }
        nots
    }

    fn create_stop_state(&mut self, cond: Condition<T>, name: &str) -> usize {
        let page = self.page(name);
        if let Some(&s) = self.stop_states.get(&page) {
            return s;
        }
        let stop = self.create_state(name, StateKind::Stop, false);
        self.add(stop, Action::Take, stop, cond);
        self.stop_states.insert(page, stop);
        stop
    }

    /// A copy of `sink` without the edges to the Stop states of NOT patterns before the current
    /// optional pattern: taking an event in the optional pattern voids them.
    fn copy_without_transitive_nots(&mut self, sink: usize) -> usize {
        let nots = self.current_not_conditions();
        if nots.is_empty() || !self.at.current().quantifier.optional {
            return sink;
        }
        let (name, kind, greedy) = {
            let s = &self.states[sink];
            (self.names[s.page as usize].clone(), s.kind, s.greedy)
        };
        let copy = self.create_state(&name, kind, greedy);
        let transitions: Vec<(Action, usize, Condition<T>)> =
            self.states[sink].transitions.iter().map(|t| (t.action, t.target, t.cond.clone())).collect();
        for (action, target, cond) in transitions {
            if action == Action::Proceed {
                let t = &self.states[target];
                if t.kind == StateKind::Stop {
                    let stop_name = self.names[t.page as usize].clone();
                    if nots.iter().any(|(_, n)| **n == *stop_name) {
                        continue;
                    }
                    self.add(copy, action, target, cond);
                } else {
                    let target = self.copy_without_transitive_nots(target);
                    self.add(copy, action, target, cond);
                }
            } else {
                self.add(copy, action, if target == sink { copy } else { target }, cond);
            }
        }
        copy
    }

    fn add_stop_states(&mut self, state: usize) {
        for (cond, name) in self.current_not_conditions() {
            let stop = self.create_stop_state(cond.clone(), name);
            self.add(state, Action::Proceed, stop, cond);
        }
    }

    fn add_stop_state_to_looping(&mut self, state: usize) {
        if let Some(f) = self.following.filter(|f| f.quantifier.consuming == ConsumingStrategy::NotFollow) {
            let cond = self.take_condition(f);
            let stop = self.create_stop_state(cond.clone(), &f.name);
            self.add(state, Action::Proceed, stop, cond);
        }
    }

    /// `from..=to` occurrences: `to - from` optional states, `from - 1` mandatory ones, and the
    /// head, which connects to the previous pattern.
    fn create_times_state(&mut self, sink: usize, proceed: usize, from: u32, to: u32) -> usize {
        let cur = self.at.current();
        let mut last = sink;
        self.set_first_of_loop(false);
        let until = cur.until.clone();
        let inner_ignore = extend_with_until(self.inner_ignore_condition(cur), until.as_ref(), false);
        let take = extend_with_until(Some(self.take_condition(cur)), until.as_ref(), true).expect("a take condition");
        for _ in from..to {
            last = self.create_singleton_state(last, Some(proceed), take.clone(), inner_ignore.clone(), true);
            self.add_stop_state_to_looping(last);
        }
        for _ in 1..from {
            last = self.create_singleton_state(last, None, take.clone(), inner_ignore.clone(), false);
            self.add_stop_state_to_looping(last);
        }
        self.set_first_of_loop(true);
        let ignore = self.ignore_condition(cur);
        self.create_singleton_state(last, Some(proceed), take, ignore, cur.quantifier.optional)
    }

    fn set_first_of_loop(&mut self, first: bool) {
        let cur = self.at.current();
        if cur.group().is_some() {
            self.first_of_loop.insert(cur as *const Part<T>, first);
        }
    }

    fn group_first_of_loop(&self) -> bool {
        self.group.and_then(|g| self.first_of_loop.get(&(g as *const Part<T>)).copied()).unwrap_or(true)
    }

    /// Whether the current pattern heads the group being compiled.
    fn head_of_group(&self) -> bool {
        self.group.is_some() && self.at.idx == 0
    }

    fn is_optional(&self, part: &Part<T>) -> bool {
        match self.group.filter(|_| self.head_of_group()) {
            Some(g) => self.group_first_of_loop() && g.quantifier.optional,
            None => part.quantifier.optional,
        }
    }

    fn create_singleton_state(
        &mut self,
        sink: usize,
        proceed: Option<usize>,
        take: Condition<T>,
        ignore: Option<Condition<T>>,
        optional: bool,
    ) -> usize {
        let cur = self.at.current();
        if let Some(group) = cur.group() {
            return self.create_group_pattern_state(group, sink, proceed, optional);
        }
        let greedy = cur.quantifier.greedy;
        let state = self.create_state(&cur.name, StateKind::Normal, greedy);
        // Taking an event voids the NOT patterns before an optional one.
        let sink = self.copy_without_transitive_nots(sink);
        self.add(state, Action::Take, sink, take.clone());
        let mut proceed_cond = self.true_condition();
        if optional && !self.head_of_group() {
            if greedy {
                proceed_cond = self.greedy_condition(proceed_cond, &take, ignore.as_ref());
            }
            let target = proceed.expect("an optional state proceeds somewhere");
            self.add(state, Action::Proceed, target, proceed_cond.clone());
        }
        if let Some(ignore) = ignore {
            let ignore_state = if optional {
                let s = self.create_state(&cur.name, StateKind::Normal, greedy);
                self.add(s, Action::Take, sink, take.clone());
                self.add(s, Action::Ignore, s, ignore.clone());
                self.add_stop_states(s);
                if greedy && let Some(target) = proceed {
                    self.add(s, Action::Proceed, target, proceed_cond);
                }
                s
            } else {
                state
            };
            self.add(state, Action::Ignore, ignore_state, ignore);
        }
        self.following_take = following_take(self.following_take.take(), take, optional);
        state
    }

    fn enter_group(&mut self, part: &'p Part<T>, group: &'p Pattern<T>) -> Saved<'p, T> {
        let saved = Saved { at: self.at, following: self.following, group: self.group, following_take: self.following_take.take() };
        self.group = Some(part);
        self.at = Cursor { chain: &group.parts, idx: group.parts.len() - 1 };
        self.following = None;
        let last = self.at.current();
        self.note_window(last);
        saved
    }

    fn leave_group(&mut self, saved: Saved<'p, T>, optional: bool) {
        let inner_take = self.following_take.take();
        self.at = saved.at;
        self.following = saved.following;
        self.group = saved.group;
        self.following_take = match inner_take {
            Some(t) => following_take(saved.following_take, t, optional),
            None => saved.following_take,
        };
    }

    fn create_group_pattern_state(&mut self, group: &'p Pattern<T>, sink: usize, proceed: Option<usize>, optional: bool) -> usize {
        let proceed_cond = self.true_condition();
        let part = self.at.current();
        let saved = self.enter_group(part, group);
        let last = self.create_middle_states(sink);
        let last = self.convert_pattern(last);
        if optional && let Some(target) = proceed {
            // The group's head proceeds past the whole group.
            self.add(last, Action::Proceed, target, proceed_cond);
        }
        self.leave_group(saved, optional);
        last
    }

    fn create_looping_group_pattern_state(&mut self, group: &'p Pattern<T>, sink: usize) -> usize {
        let proceed_cond = self.true_condition();
        let part = self.at.current();
        let dummy = self.create_state(&part.name, StateKind::Normal, part.quantifier.greedy);
        let saved = self.enter_group(part, group);
        let last = self.create_middle_states(dummy);
        let last = self.convert_pattern(last);
        self.add(last, Action::Proceed, sink, proceed_cond.clone());
        self.add(dummy, Action::Proceed, last, proceed_cond);
        self.leave_group(saved, true);
        last
    }

    /// A state that takes events into the loop (TAKE to itself) and leaves it by PROCEED.
    fn create_looping(&mut self, sink: usize) -> usize {
        let cur = self.at.current();
        if let Some(group) = cur.group() {
            return self.create_looping_group_pattern_state(group, sink);
        }
        let until = cur.until.clone();
        let ignore = extend_with_until(self.inner_ignore_condition(cur), until.as_ref(), false);
        let take = extend_with_until(Some(self.take_condition(cur)), until.as_ref(), true).expect("a take condition");
        let greedy = cur.quantifier.greedy;
        let mut proceed_cond = self.true_condition();
        if greedy {
            proceed_cond = self.greedy_condition(proceed_cond, &take, ignore.as_ref());
        }
        let looping = self.create_state(&cur.name, StateKind::Normal, greedy);
        self.add(looping, Action::Proceed, sink, proceed_cond.clone());
        self.add(looping, Action::Take, looping, take.clone());
        self.add_stop_state_to_looping(looping);
        if let Some(ignore) = ignore {
            let ignore_state = self.create_state(&cur.name, StateKind::Normal, greedy);
            self.add(ignore_state, Action::Take, looping, take.clone());
            self.add(ignore_state, Action::Ignore, ignore_state, ignore.clone());
            self.add(looping, Action::Ignore, ignore_state, ignore);
            if greedy {
                self.add(ignore_state, Action::Proceed, sink, proceed_cond);
            }
            self.add_stop_state_to_looping(ignore_state);
        }
        self.following_take = following_take(self.following_take.take(), take, true);
        looping
    }
}
