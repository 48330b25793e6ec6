//! The Pattern API (Flink's `Pattern`): a sequence of named patterns, each with conditions and
//! a quantifier, connected by contiguity (`next`, `followed_by`, `followed_by_any`, `not_next`,
//! `not_followed_by`), optionally grouped, with a time window and an after-match skip strategy.
//!
//! Builder calls apply to the last pattern of the sequence, as in Flink. A misuse (`until` on a
//! pattern that does not loop, a quantifier applied twice, …) is remembered and reported when
//! the pattern is compiled, so that the builder chain stays fluent.

mod condition;
mod quantifier;

pub use condition::Condition;
pub use quantifier::{ConsumingStrategy, Quantifier};

use crate::nfa::ConditionContext;
use crate::skip::AfterMatchSkipStrategy;
use std::time::Duration;

/// What a part of a pattern sequence matches: single events, or a nested pattern sequence.
pub(crate) enum PartKind<T> {
    /// Events satisfying `condition`.
    Single { condition: Condition<T> },
    /// A group pattern: the nested sequence as a whole.
    Group(Box<Pattern<T>>),
}

/// One named pattern of a sequence.
pub(crate) struct Part<T> {
    pub(crate) name: String,
    pub(crate) kind: PartKind<T>,
    pub(crate) quantifier: Quantifier,
    pub(crate) until: Option<Condition<T>>,
    pub(crate) window: Option<i64>,
}

impl<T> Part<T> {
    pub(crate) fn condition(&self) -> Condition<T> {
        match &self.kind {
            PartKind::Single { condition } => condition.clone(),
            PartKind::Group(_) => Condition::True,
        }
    }
    pub(crate) fn group(&self) -> Option<&Pattern<T>> {
        match &self.kind {
            PartKind::Group(p) => Some(p),
            PartKind::Single { .. } => None,
        }
    }
}

/// A pattern sequence (Flink's `Pattern<T, F>`): start it with [`Pattern::begin`].
///
/// ```
/// use rasch_cep::Pattern;
/// use std::time::Duration;
/// let p = Pattern::<i32>::begin("small").where_(|v| *v < 10)
///     .followed_by("big").where_(|v| *v > 100).one_or_more().consecutive()
///     .within(Duration::from_secs(5));
/// assert_eq!(p.names(), vec!["small", "big"]);
/// ```
pub struct Pattern<T> {
    pub(crate) parts: Vec<Part<T>>,
    pub(crate) skip: AfterMatchSkipStrategy,
    pub(crate) error: Option<String>,
}

impl<T> Pattern<T> {
    /// Starts a sequence with a pattern named `name` (Flink's `Pattern.begin(name)`).
    pub fn begin(name: &str) -> Self {
        Self::begin_with_skip(name, AfterMatchSkipStrategy::NoSkip)
    }

    /// Starts a sequence with an after-match skip strategy (Flink's `Pattern.begin(name, skip)`).
    pub fn begin_with_skip(name: &str, skip: AfterMatchSkipStrategy) -> Self {
        let mut p = Pattern { parts: Vec::new(), skip, error: None };
        p.push_single(name, ConsumingStrategy::SkipTillNext);
        p
    }

    /// Starts a sequence with a group pattern (Flink's `Pattern.begin(pattern)`).
    pub fn begin_group(group: Pattern<T>) -> Self {
        let skip = group.skip.clone();
        let mut p = Pattern { parts: Vec::new(), skip, error: None };
        p.push_group(group, ConsumingStrategy::SkipTillNext);
        p
    }

    /// The names of the patterns of the sequence (groups contribute their inner names).
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for part in &self.parts {
            match part.group() {
                Some(g) => names.extend(g.names()),
                None => names.push(part.name.as_str()),
            }
        }
        names
    }

    /// The after-match skip strategy.
    pub fn skip_strategy(&self) -> &AfterMatchSkipStrategy {
        &self.skip
    }

    fn push_single(&mut self, name: &str, consuming: ConsumingStrategy) {
        self.parts.push(Part {
            name: name.to_string(),
            kind: PartKind::Single { condition: Condition::True },
            quantifier: Quantifier::one(consuming),
            until: None,
            window: None,
        });
    }

    fn push_group(&mut self, mut group: Pattern<T>, consuming: ConsumingStrategy) {
        if let Some(e) = group.error.take() {
            self.fail(e);
        }
        self.parts.push(Part {
            name: "$group$".to_string(),
            kind: PartKind::Group(Box::new(group)),
            quantifier: Quantifier::one(consuming),
            until: None,
            window: None,
        });
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    fn last(&mut self) -> &mut Part<T> {
        self.parts.last_mut().expect("a pattern sequence is never empty")
    }

    /// Checks `ok` for the last pattern, remembering `message` if it fails.
    fn check(&mut self, ok: impl FnOnce(&Part<T>) -> bool, message: &str) -> bool {
        let part = self.parts.last().expect("a pattern sequence is never empty");
        if ok(part) {
            return true;
        }
        let name = part.name.clone();
        self.fail(format!("{message} (pattern '{name}')"));
        false
    }

    fn follow(mut self, name: &str, consuming: ConsumingStrategy) -> Self {
        if matches!(consuming, ConsumingStrategy::NotNext | ConsumingStrategy::NotFollow) {
            self.check(
                |p| !p.quantifier.optional,
                "a NOT pattern cannot follow an optional pattern; use two patterns, with and without the optional part",
            );
        }
        self.push_single(name, consuming);
        self
    }

    /// Appends a pattern with strict contiguity: it must match the very next event.
    pub fn next(self, name: &str) -> Self {
        self.follow(name, ConsumingStrategy::Strict)
    }
    /// Appends a pattern with relaxed contiguity: non-matching events in between are skipped.
    pub fn followed_by(self, name: &str) -> Self {
        self.follow(name, ConsumingStrategy::SkipTillNext)
    }
    /// Appends a pattern with non-deterministic relaxed contiguity: every later matching event
    /// starts a branch.
    pub fn followed_by_any(self, name: &str) -> Self {
        self.follow(name, ConsumingStrategy::SkipTillAny)
    }
    /// Appends a pattern that the next event must not match.
    pub fn not_next(self, name: &str) -> Self {
        self.follow(name, ConsumingStrategy::NotNext)
    }
    /// Appends a pattern that no event between the previous and the following pattern may match.
    pub fn not_followed_by(self, name: &str) -> Self {
        self.follow(name, ConsumingStrategy::NotFollow)
    }

    /// Appends a group pattern with strict contiguity.
    pub fn next_group(mut self, group: Pattern<T>) -> Self {
        self.push_group(group, ConsumingStrategy::Strict);
        self
    }
    /// Appends a group pattern with relaxed contiguity.
    pub fn followed_by_group(mut self, group: Pattern<T>) -> Self {
        self.push_group(group, ConsumingStrategy::SkipTillNext);
        self
    }
    /// Appends a group pattern with non-deterministic relaxed contiguity.
    pub fn followed_by_any_group(mut self, group: Pattern<T>) -> Self {
        self.push_group(group, ConsumingStrategy::SkipTillAny);
        self
    }

    /// Combines `c` into the last pattern's condition with `op` (and / or).
    fn combine(mut self, c: Condition<T>, op: fn(Condition<T>, Condition<T>) -> Condition<T>) -> Self {
        if self.check(|p| p.group().is_none(), "a group pattern takes no condition")
            && let PartKind::Single { condition } = &mut self.last().kind
        {
            *condition = op(std::mem::replace(condition, Condition::True), c);
        }
        self
    }

    fn and_condition(self, c: Condition<T>) -> Self {
        self.combine(c, Condition::and)
    }

    /// Adds a condition the event must satisfy (and-ed with earlier ones).
    pub fn where_(self, f: impl Fn(&T) -> bool + Send + Sync + 'static) -> Self {
        self.and_condition(Condition::simple(f))
    }
    /// Adds an iterative condition that may read the partial match
    /// (`ctx.get_events_for_pattern("a")`).
    pub fn where_iterative(self, f: impl Fn(&T, &ConditionContext<'_, T>) -> bool + Send + Sync + 'static) -> Self {
        self.and_condition(Condition::iterative(f))
    }
    /// Adds a composed [`Condition`].
    pub fn where_condition(self, c: Condition<T>) -> Self {
        self.and_condition(c)
    }

    /// Or-s a condition with the existing ones.
    pub fn or(self, f: impl Fn(&T) -> bool + Send + Sync + 'static) -> Self {
        self.or_condition(Condition::simple(f))
    }
    /// Or-s an iterative condition with the existing ones.
    pub fn or_iterative(self, f: impl Fn(&T, &ConditionContext<'_, T>) -> bool + Send + Sync + 'static) -> Self {
        self.or_condition(Condition::iterative(f))
    }
    /// Or-s a composed [`Condition`] with the existing ones.
    pub fn or_condition(self, c: Condition<T>) -> Self {
        self.combine(c, Condition::or)
    }

    /// Stops a looping pattern at the first event satisfying `f` (which is not taken).
    pub fn until(self, f: impl Fn(&T) -> bool + Send + Sync + 'static) -> Self {
        self.until_condition(Condition::simple(f))
    }
    /// Stops a looping pattern with an iterative condition.
    pub fn until_iterative(self, f: impl Fn(&T, &ConditionContext<'_, T>) -> bool + Send + Sync + 'static) -> Self {
        self.until_condition(Condition::iterative(f))
    }
    /// Stops a looping pattern with a composed [`Condition`].
    pub fn until_condition(mut self, c: Condition<T>) -> Self {
        if self.check(|p| p.quantifier.looping, "until applies only to looping patterns (one_or_more, times_or_more)")
            && self.check(|p| p.until.is_none(), "until was already applied")
        {
            self.last().until = Some(c);
        }
        self
    }

    /// Limits the whole match to `window`: a partial match whose first event is `window` or more
    /// older than the current time is dropped (or reported as timed out).
    pub fn within(mut self, window: Duration) -> Self {
        let ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        if self.check(|_| ms > 0, "within needs a positive duration") {
            self.last().window = Some(ms);
        }
        self
    }

    fn quantify(mut self, apply: impl FnOnce(&mut Quantifier)) -> Self {
        if self.check(|p| !p.quantifier.is_negated(), "a NOT pattern takes no quantifier")
            && self.check(|p| !p.quantifier.is_repeating(), "a quantifier was already applied")
        {
            apply(&mut self.last().quantifier);
        }
        self
    }

    /// Exactly `n` occurrences.
    pub fn times(self, n: u32) -> Self {
        if n == 0 {
            let mut s = self;
            s.fail("times needs at least one occurrence".into());
            return s;
        }
        self.quantify(|q| {
            q.times = true;
            q.from = n;
            q.to = n;
        })
    }
    /// From `from` to `to` occurrences (`from` may be 0: then the pattern is optional).
    pub fn times_range(self, from: u32, to: u32) -> Self {
        if to == 0 || to < from {
            let mut s = self;
            s.fail(format!("times_range({from}, {to}) is empty"));
            return s;
        }
        self.quantify(|q| {
            q.times = true;
            if from == 0 {
                q.optional = true;
            }
            q.from = from.max(1);
            q.to = to;
        })
    }
    /// At least `n` occurrences.
    pub fn times_or_more(self, n: u32) -> Self {
        if n == 0 {
            let mut s = self;
            s.fail("times_or_more needs at least one occurrence; use one_or_more().optional()".into());
            return s;
        }
        self.quantify(|q| {
            q.looping = true;
            q.from = n;
            q.to = n;
        })
    }
    /// One or more occurrences.
    pub fn one_or_more(self) -> Self {
        self.times_or_more(1)
    }

    /// The pattern may be absent.
    pub fn optional(mut self) -> Self {
        if self.check(|p| !p.quantifier.is_negated(), "a NOT pattern cannot be optional") {
            self.last().quantifier.optional = true;
        }
        self
    }
    /// Repeats as often as possible before the next pattern may take an event.
    pub fn greedy(mut self) -> Self {
        if self.check(|p| p.quantifier.is_repeating(), "greedy applies only to looping or times patterns")
            && self.check(|p| p.group().is_none(), "a group pattern cannot be greedy")
        {
            self.last().quantifier.greedy = true;
        }
        self
    }
    /// Strict contiguity between the repetitions of a looping or times pattern.
    pub fn consecutive(mut self) -> Self {
        if self.check(|p| p.quantifier.is_repeating(), "consecutive applies only to looping or times patterns") {
            self.last().quantifier.inner = ConsumingStrategy::Strict;
        }
        self
    }
    /// Non-deterministic relaxed contiguity between the repetitions of a looping or times pattern.
    pub fn allow_combinations(mut self) -> Self {
        if self.check(|p| p.quantifier.is_repeating(), "allow_combinations applies only to looping or times patterns") {
            self.last().quantifier.inner = ConsumingStrategy::SkipTillAny;
        }
        self
    }
}
