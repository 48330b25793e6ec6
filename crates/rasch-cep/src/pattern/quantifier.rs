//! How a pattern connects to the previous one (contiguity) and how often it repeats
//! (Flink's `Quantifier`).

/// How events are consumed between two patterns, or between the repetitions of a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumingStrategy {
    /// Strict contiguity: no event may come in between (`next`, `consecutive`).
    Strict,
    /// Relaxed contiguity: non-matching events are skipped (`followed_by`, the loop default).
    SkipTillNext,
    /// Non-deterministic relaxed contiguity: matching events may be skipped too
    /// (`followed_by_any`, `allow_combinations`).
    SkipTillAny,
    /// The pattern must not match the next event (`not_next`).
    NotNext,
    /// The pattern must not match any event before the following pattern (`not_followed_by`).
    NotFollow,
}

/// The repetition of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantifier {
    /// How it connects to the previous pattern.
    pub consuming: ConsumingStrategy,
    /// How its repetitions connect to each other.
    pub inner: ConsumingStrategy,
    /// `one_or_more` / `times_or_more`: unbounded repetition.
    pub looping: bool,
    /// `times` / `times_range`: bounded repetition.
    pub times: bool,
    /// The pattern may be absent.
    pub optional: bool,
    /// Repeat as often as possible before proceeding.
    pub greedy: bool,
    /// Least and most repetitions (`most` unused when looping).
    pub from: u32,
    /// Most repetitions of a `times` quantifier.
    pub to: u32,
}

impl Quantifier {
    /// A single occurrence connected by `consuming`.
    pub fn one(consuming: ConsumingStrategy) -> Self {
        Quantifier {
            consuming,
            inner: ConsumingStrategy::SkipTillNext,
            looping: false,
            times: false,
            optional: false,
            greedy: false,
            from: 1,
            to: 1,
        }
    }

    /// Whether a `times`/looping quantifier was applied already.
    pub fn is_repeating(&self) -> bool {
        self.looping || self.times
    }

    /// Whether this is a `not_next` / `not_followed_by` pattern.
    pub fn is_negated(&self) -> bool {
        matches!(self.consuming, ConsumingStrategy::NotNext | ConsumingStrategy::NotFollow)
    }
}
