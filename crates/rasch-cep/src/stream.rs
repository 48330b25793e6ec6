//! Applying a pattern to a keyed stream (Flink's `CEP.pattern` and `PatternStream`).

use crate::functions::{
    FlatSelectFn, MatchHandler, Matches, MatchesAndTimeouts, PatternProcessFunction, SelectFn, SelectWithTimeout,
    TimedOutPartialMatchHandler,
};
use crate::matched::Match;
use crate::nfa::Nfa;
use crate::operator::{CepOperator, TimeMode};
use crate::pattern::Pattern;
use rasch_api::{DataStream, KeyedStream};
use rasch_core::{Data, Key, Result};
use rasch_runtime::collector::{Collector, OutputTag};
use rasch_runtime::functions::KeySelector;
use rasch_runtime::keyed::KeyedRuntime;
use rasch_runtime::operators::one_input_factory;
use rasch_runtime::output::BoxOutput;
use std::marker::PhantomData;
use std::sync::Arc;

/// The entry point of the CEP library (Flink's `CEP`).
pub struct CEP;

impl CEP {
    /// Detects `pattern` in each key's events of `input` (Flink's `CEP.pattern(keyedStream,
    /// pattern)`); fails if the pattern is malformed.
    pub fn pattern<T: Data, K: Key, S: KeySelector<T, K>>(
        input: &KeyedStream<T, K, S>,
        pattern: Pattern<T>,
    ) -> Result<PatternStream<T, K, S>> {
        let nfa = Arc::new(Nfa::compile(&pattern)?);
        Ok(PatternStream {
            stream: input.stream().clone(),
            selector: input.selector().clone(),
            nfa,
            mode: TimeMode::EventTime,
            late: None,
            _key: PhantomData,
        })
    }
}

/// A pattern applied to a keyed stream (Flink's `PatternStream`): choose the time mode and
/// the late-data output, then turn matches into a stream with `process`, `select` or
/// `flat_select`.
pub struct PatternStream<T, K, S> {
    stream: DataStream<T>,
    selector: S,
    nfa: Arc<Nfa<T>>,
    mode: TimeMode,
    late: Option<OutputTag<T>>,
    _key: PhantomData<fn() -> K>,
}

impl<T: Data, K: Key, S: KeySelector<T, K>> PatternStream<T, K, S> {
    /// Orders elements and fires `within` by processing time (Flink's `inProcessingTime()`).
    pub fn in_processing_time(mut self) -> Self {
        self.mode = TimeMode::ProcessingTime;
        self
    }

    /// Orders elements by their timestamps and the watermark (the default, `inEventTime()`).
    pub fn in_event_time(mut self) -> Self {
        self.mode = TimeMode::EventTime;
        self
    }

    /// Sends elements that arrive at or behind the watermark to `tag` instead of dropping them
    /// (Flink's `sideOutputLateData`).
    pub fn side_output_late_data(mut self, tag: &OutputTag<T>) -> Self {
        self.late = Some(tag.clone());
        self
    }

    fn apply<U: Data, H: MatchHandler<T, U> + Sync>(&self, handler: H) -> DataStream<U> {
        let (selector, nfa, mode, late) = (self.selector.clone(), self.nfa.clone(), self.mode, self.late.clone());
        self.stream.transform(
            "CepOperator",
            one_input_factory::<T, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
                let mut h = handler.clone();
                h.open(&setup.ctx)?;
                let keyed = KeyedRuntime::new(setup)?;
                Ok(CepOperator::new(selector.clone(), nfa.clone(), h, mode, late.clone(), keyed, out, sides))
            }),
        )
    }

    /// Processes each match with a [`PatternProcessFunction`]; timed-out partial matches are dropped.
    pub fn process<U: Data, F: PatternProcessFunction<T, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.apply(Matches(f))
    }

    /// Processes each match, and each partial match timed out by `within`, with a function that
    /// is also a [`TimedOutPartialMatchHandler`] (which emits to side outputs).
    pub fn process_with_timeouts<U: Data, F>(&self, f: F) -> DataStream<U>
    where
        F: PatternProcessFunction<T, U> + TimedOutPartialMatchHandler<T> + Sync,
    {
        self.apply(MatchesAndTimeouts(f))
    }

    /// One result per match (Flink's `select(PatternSelectFunction)`).
    pub fn select<U: Data, F: FnMut(&Match<T>) -> U + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.process(SelectFn(f))
    }

    /// Any number of results per match (Flink's `flatSelect`).
    pub fn flat_select<U: Data, F: FnMut(&Match<T>, &mut Collector<'_, U>) + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.process(FlatSelectFn(f))
    }

    /// One result per match, and one record per timed-out partial match to the side output
    /// `tag` (Flink's `select(timeoutTag, timeoutFunction, selectFunction)`); the timeout
    /// function gets the partial match and the time it timed out.
    pub fn select_with_timeout<U, X, TF, F>(&self, tag: &OutputTag<X>, timeout: TF, select: F) -> DataStream<U>
    where
        U: Data,
        X: Data,
        TF: FnMut(&Match<T>, i64) -> X + Clone + Send + Sync + 'static,
        F: FnMut(&Match<T>) -> U + Clone + Send + Sync + 'static,
    {
        self.process_with_timeouts(SelectWithTimeout { select, timeout, tag: tag.clone() })
    }
}
