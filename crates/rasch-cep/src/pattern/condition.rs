//! Conditions on events: simple predicates, iterative conditions that read the events already
//! matched (Flink's `IterativeCondition`), and their and / or / not combinations.

use crate::nfa::ConditionContext;
use std::sync::Arc;

type SimpleFn<T> = dyn Fn(&T) -> bool + Send + Sync;
type IterativeFn<T> = dyn Fn(&T, &ConditionContext<'_, T>) -> bool + Send + Sync;

/// A condition an event must satisfy to be taken by a pattern (or, for `until`, to stop a loop).
pub enum Condition<T> {
    /// Every event satisfies it (a pattern without `where_`).
    True,
    /// A predicate on the event alone (Flink's `SimpleCondition`).
    Simple(Arc<SimpleFn<T>>),
    /// A predicate that also reads the partial match (Flink's `IterativeCondition`).
    Iterative(Arc<IterativeFn<T>>),
    /// The negation of a condition.
    Not(Box<Condition<T>>),
    /// Both conditions.
    And(Box<Condition<T>>, Box<Condition<T>>),
    /// Either condition.
    Or(Box<Condition<T>>, Box<Condition<T>>),
}

impl<T> Clone for Condition<T> {
    fn clone(&self) -> Self {
        match self {
            Condition::True => Condition::True,
            Condition::Simple(f) => Condition::Simple(f.clone()),
            Condition::Iterative(f) => Condition::Iterative(f.clone()),
            Condition::Not(c) => Condition::Not(c.clone()),
            Condition::And(a, b) => Condition::And(a.clone(), b.clone()),
            Condition::Or(a, b) => Condition::Or(a.clone(), b.clone()),
        }
    }
}

impl<T> std::fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::True => f.write_str("true"),
            Condition::Simple(_) => f.write_str("simple"),
            Condition::Iterative(_) => f.write_str("iterative"),
            Condition::Not(c) => write!(f, "not({c:?})"),
            Condition::And(a, b) => write!(f, "and({a:?}, {b:?})"),
            Condition::Or(a, b) => write!(f, "or({a:?}, {b:?})"),
        }
    }
}

impl<T> Condition<T> {
    /// A condition on the event alone.
    pub fn simple(f: impl Fn(&T) -> bool + Send + Sync + 'static) -> Self {
        Condition::Simple(Arc::new(f))
    }

    /// A condition that may read the events already matched: `ctx.get_events_for_pattern("a")`.
    pub fn iterative(f: impl Fn(&T, &ConditionContext<'_, T>) -> bool + Send + Sync + 'static) -> Self {
        Condition::Iterative(Arc::new(f))
    }

    /// `self && other`.
    pub fn and(self, other: Condition<T>) -> Self {
        match (self, other) {
            (Condition::True, c) | (c, Condition::True) => c,
            (a, b) => Condition::And(Box::new(a), Box::new(b)),
        }
    }

    /// `self || other`.
    pub fn or(self, other: Condition<T>) -> Self {
        match (self, other) {
            (Condition::True, _) | (_, Condition::True) => Condition::True,
            (a, b) => Condition::Or(Box::new(a), Box::new(b)),
        }
    }

    /// `!self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Condition::Not(Box::new(self))
    }

    /// Whether `event` satisfies the condition in the partial match `ctx` describes.
    pub fn test(&self, event: &T, ctx: &ConditionContext<'_, T>) -> bool {
        match self {
            Condition::True => true,
            Condition::Simple(f) => f(event),
            Condition::Iterative(f) => f(event, ctx),
            Condition::Not(c) => !c.test(event, ctx),
            Condition::And(a, b) => a.test(event, ctx) && b.test(event, ctx),
            Condition::Or(a, b) => a.test(event, ctx) || b.test(event, ctx),
        }
    }
}
