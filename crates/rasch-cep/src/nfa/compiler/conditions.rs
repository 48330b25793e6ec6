//! The conditions on the compiler's edges (Flink's `NFACompiler` get*Condition helpers): TAKE,
//! IGNORE from the contiguity strategies, PROCEED for greedy loops, each extended by a group's
//! `until`.

use super::Compiler;
use crate::pattern::{Condition, ConsumingStrategy, Part};

impl<T> Compiler<'_, T> {
    /// Proceed past a greedy pattern only if it cannot take the event (and the following
    /// pattern can), or if it can neither take nor ignore it.
    pub(super) fn greedy_condition(&self, cond: Condition<T>, take: &Condition<T>, ignore: Option<&Condition<T>>) -> Condition<T> {
        let mut greedy = cond.and(take.clone().not());
        if let Some(f) = &self.following_take {
            greedy = greedy.and(f.clone());
        }
        match ignore {
            Some(i) => greedy.or(take.clone().or(i.clone()).not()),
            None => greedy.or(take.clone().not()),
        }
    }

    pub(super) fn strategy_condition(&self, strategy: ConsumingStrategy, part: &Part<T>) -> Option<Condition<T>> {
        let ignore = match strategy {
            ConsumingStrategy::SkipTillNext => Some(part.condition().not()),
            ConsumingStrategy::SkipTillAny => Some(Condition::True),
            _ => None,
        };
        match self.group.and_then(|g| g.until.as_ref()) {
            Some(until) => extend_with_until(ignore, Some(until), false),
            None => ignore,
        }
    }

    /// IGNORE between the repetitions of a loop or times pattern.
    pub(super) fn inner_ignore_condition(&self, part: &Part<T>) -> Option<Condition<T>> {
        let strategy = match self.group.filter(|_| self.head_of_group()) {
            Some(g) => g.quantifier.inner,
            None => part.quantifier.inner,
        };
        self.strategy_condition(strategy, part)
    }

    /// IGNORE before a pattern's first event, from its contiguity with the previous pattern.
    pub(super) fn ignore_condition(&self, part: &Part<T>) -> Option<Condition<T>> {
        let strategy = match self.group.filter(|_| self.head_of_group()) {
            Some(g) if self.group_first_of_loop() => g.quantifier.consuming,
            Some(g) => g.quantifier.inner,
            None => part.quantifier.consuming,
        };
        self.strategy_condition(strategy, part)
    }

    pub(super) fn take_condition(&self, part: &Part<T>) -> Condition<T> {
        let take = part.condition();
        match self.group.and_then(|g| g.until.as_ref()) {
            Some(until) => extend_with_until(Some(take), Some(until), true).expect("a take condition"),
            None => take,
        }
    }

    pub(super) fn true_condition(&self) -> Condition<T> {
        match self.group.and_then(|g| g.until.as_ref()) {
            Some(until) => until.clone().not(),
            None => Condition::True,
        }
    }
}

/// `cond && !until` where both exist; `!until` for a take condition without one.
pub(super) fn extend_with_until<T>(cond: Option<Condition<T>>, until: Option<&Condition<T>>, is_take: bool) -> Option<Condition<T>> {
    match (cond, until) {
        (Some(c), Some(u)) => Some(u.clone().not().and(c)),
        (None, Some(u)) if is_take => Some(u.clone().not()),
        (c, _) => c,
    }
}

pub(super) fn following_take<T>(following: Option<Condition<T>>, current: Condition<T>, optional: bool) -> Option<Condition<T>> {
    match following {
        Some(f) if optional => Some(current.or(f)),
        _ => Some(current),
    }
}
