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
use rasch_runtime::functions::{KeyFn, KeySelector};
use rasch_runtime::operators::one_input_factory;
use rasch_runtime::output::BoxOutput;
use std::marker::PhantomData;
use std::sync::Arc;

/// The entry point of the CEP library (Flink's `CEP`).
pub struct CEP;

impl CEP {
    /// Detects `pattern` in `input` (Flink's `CEP.pattern(input, pattern)`): in each key's
    /// events of a [`KeyedStream`], or in all events of a [`DataStream`] (then the CEP operator
    /// runs at parallelism 1, as in Flink). Fails if the pattern is malformed.
    pub fn pattern<T: Data, I: PatternInput<T>>(input: I, pattern: Pattern<T>) -> Result<PatternStream<T, I::Key, I::Selector>> {
        let nfa = Arc::new(Nfa::compile(&pattern)?);
        let (stream, selector, single) = input.parts();
        Ok(PatternStream { stream, selector, nfa, mode: TimeMode::EventTime, late: None, single, _key: PhantomData })
    }
}

/// What a pattern applies to: a keyed stream, or a whole stream.
pub trait PatternInput<T> {
    /// The key the CEP operator partitions state by.
    type Key: Key;
    /// How the key is read from an element.
    type Selector: KeySelector<T, Self::Key>;
    /// The partitioned stream, its key selector, and whether the operator runs as one instance.
    fn parts(self) -> (DataStream<T>, Self::Selector, bool);
}

impl<T: Data, K: Key, S: KeySelector<T, K>> PatternInput<T> for &KeyedStream<T, K, S> {
    type Key = K;
    type Selector = S;
    fn parts(self) -> (DataStream<T>, S, bool) {
        (self.stream().clone(), self.selector().clone(), false)
    }
}

/// The one key of a stream that is not keyed.
fn no_key<T>(_: &T) -> u8 {
    0
}

impl<T: Data> PatternInput<T> for &DataStream<T> {
    type Key = u8;
    type Selector = KeyFn<fn(&T) -> u8>;
    fn parts(self) -> (DataStream<T>, Self::Selector, bool) {
        let keyed = self.key_by(no_key::<T> as fn(&T) -> u8);
        (keyed.stream().clone(), keyed.selector().clone(), true)
    }
}

/// A pattern applied to a stream (Flink's `PatternStream`): choose the time mode and
/// the late-data output, then turn matches into a stream with `process`, `select` or
/// `flat_select`.
pub struct PatternStream<T, K, S> {
    stream: DataStream<T>,
    selector: S,
    nfa: Arc<Nfa<T>>,
    mode: TimeMode,
    late: Option<OutputTag<T>>,
    /// The input was not keyed: one operator instance sees every element.
    single: bool,
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
        let out = self.stream.transform(
            "CepOperator",
            one_input_factory::<T, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
                let mut h = handler.clone();
                h.open(&setup.ctx)?;
                CepOperator::new(selector.clone(), nfa.clone(), h, mode, late.clone(), setup, out, sides)
            }),
        );
        if self.single { out.set_parallelism(1) } else { out }
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
