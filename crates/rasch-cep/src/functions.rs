//! What a CEP job does with matches: a [`PatternProcessFunction`] (optionally also a
//! [`TimedOutPartialMatchHandler`]), or the `select` / `flat_select` closures adapted to one.

use crate::matched::Match;
use rasch_core::Result;
use rasch_runtime::collector::{Collector, OutputTag, SideOutputs};
use rasch_runtime::context::RuntimeContext;

/// The context of a match or timed-out partial match (Flink's `PatternProcessFunction.Context`).
pub struct PatternContext<'a> {
    pub(crate) timestamp: i64,
    pub(crate) processing_time: i64,
    pub(crate) sides: &'a mut SideOutputs,
}

impl PatternContext<'_> {
    /// The time of the match: the timestamp of its last event (event time), the processing
    /// time it completed at, or for a timed-out match the time it timed out.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }
    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.processing_time
    }
    /// Emits to a side output.
    pub fn output<X: 'static>(&mut self, tag: &OutputTag<X>, value: X) -> Result<()> {
        self.sides.emit(tag, value, self.timestamp)
    }
}

/// Processes each match (Flink's `PatternProcessFunction<IN, OUT>`).
pub trait PatternProcessFunction<T, U>: Clone + Send + 'static {
    /// Called once per parallel instance before the first match.
    fn open(&mut self, _ctx: &RuntimeContext) -> Result<()> {
        Ok(())
    }
    /// Called for every match.
    fn process_match(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    /// Called once after the last match (or when the job stops).
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Also receives partial matches that timed out (Flink's `TimedOutPartialMatchHandler`); emit
/// them with `ctx.output(&tag, value)`. Apply with `PatternStream::process_with_timeouts`.
pub trait TimedOutPartialMatchHandler<T> {
    /// Called for every partial match dropped by `within`.
    fn process_timed_out_match(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>) -> Result<()>;
}

/// How the operator hands matches to user code; `TIMEOUTS` decides whether timed-out partial
/// matches are materialized at all.
pub trait MatchHandler<T, U>: Clone + Send + 'static {
    /// Whether timed-out partial matches are reported.
    const TIMEOUTS: bool;
    /// Opens the user function.
    fn open(&mut self, ctx: &RuntimeContext) -> Result<()>;
    /// A match.
    fn on_match(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    /// A timed-out partial match.
    fn on_timeout(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>) -> Result<()>;
    /// Closes the user function.
    fn close(&mut self) -> Result<()>;
}

/// A [`PatternProcessFunction`] whose timed-out partial matches are dropped.
#[derive(Clone)]
pub struct Matches<F>(pub F);

impl<T, U, F: PatternProcessFunction<T, U>> MatchHandler<T, U> for Matches<F> {
    const TIMEOUTS: bool = false;
    fn open(&mut self, ctx: &RuntimeContext) -> Result<()> {
        self.0.open(ctx)
    }
    fn on_match(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        self.0.process_match(m, ctx, out)
    }
    fn on_timeout(&mut self, _: Match<T>, _: &mut PatternContext<'_>) -> Result<()> {
        Ok(())
    }
    fn close(&mut self) -> Result<()> {
        self.0.close()
    }
}

/// A [`PatternProcessFunction`] that also handles timed-out partial matches.
#[derive(Clone)]
pub struct MatchesAndTimeouts<F>(pub F);

impl<T, U, F: PatternProcessFunction<T, U> + TimedOutPartialMatchHandler<T>> MatchHandler<T, U> for MatchesAndTimeouts<F> {
    const TIMEOUTS: bool = true;
    fn open(&mut self, ctx: &RuntimeContext) -> Result<()> {
        self.0.open(ctx)
    }
    fn on_match(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        self.0.process_match(m, ctx, out)
    }
    fn on_timeout(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>) -> Result<()> {
        self.0.process_timed_out_match(m, ctx)
    }
    fn close(&mut self) -> Result<()> {
        self.0.close()
    }
}

/// Adapts a closure `Fn(&Match<T>) -> U` (Flink's `PatternSelectFunction`).
#[derive(Clone)]
pub struct SelectFn<F>(pub F);

impl<T, U, F: FnMut(&Match<T>) -> U + Clone + Send + 'static> PatternProcessFunction<T, U> for SelectFn<F> {
    fn process_match(&mut self, m: Match<T>, _: &mut PatternContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        out.collect((self.0)(&m));
        Ok(())
    }
}

/// Adapts a closure `Fn(&Match<T>, &mut Collector<U>)` (Flink's `PatternFlatSelectFunction`).
#[derive(Clone)]
pub struct FlatSelectFn<F>(pub F);

impl<T, U, F: FnMut(&Match<T>, &mut Collector<'_, U>) + Clone + Send + 'static> PatternProcessFunction<T, U> for FlatSelectFn<F> {
    fn process_match(&mut self, m: Match<T>, _: &mut PatternContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        (self.0)(&m, out);
        Ok(())
    }
}

/// `select` with a timeout function (Flink's `select(timeoutTag, PatternTimeoutFunction,
/// PatternSelectFunction)`): timed-out partial matches become side-output records.
pub struct SelectWithTimeout<S, TF, X> {
    pub(crate) select: S,
    pub(crate) timeout: TF,
    pub(crate) tag: OutputTag<X>,
}

impl<S: Clone, TF: Clone, X> Clone for SelectWithTimeout<S, TF, X> {
    fn clone(&self) -> Self {
        SelectWithTimeout { select: self.select.clone(), timeout: self.timeout.clone(), tag: self.tag.clone() }
    }
}

impl<T, U, X, S, TF> PatternProcessFunction<T, U> for SelectWithTimeout<S, TF, X>
where
    S: FnMut(&Match<T>) -> U + Clone + Send + 'static,
    TF: FnMut(&Match<T>, i64) -> X + Clone + Send + 'static,
    X: Send + 'static,
{
    fn process_match(&mut self, m: Match<T>, _: &mut PatternContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        out.collect((self.select)(&m));
        Ok(())
    }
}

impl<T, S, TF: FnMut(&Match<T>, i64) -> X, X: 'static> TimedOutPartialMatchHandler<T> for SelectWithTimeout<S, TF, X> {
    fn process_timed_out_match(&mut self, m: Match<T>, ctx: &mut PatternContext<'_>) -> Result<()> {
        let value = (self.timeout)(&m, ctx.timestamp());
        ctx.output(&self.tag, value)
    }
}
