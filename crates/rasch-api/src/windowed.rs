//! Windowed streams (Flink's `WindowedStream` and `AllWindowedStream`): `key_by(..).window(..)`
//! and `window_all(..)`, configured with a trigger, an evictor, allowed lateness and a
//! late-data side output, and evaluated with `reduce`, `aggregate`, `process`, `apply` or the
//! positional aggregations.

use crate::datastream::DataStream;
use crate::keyed::KeyedStream;
use rasch_core::keygroup::compute_key_group_range_for_operator_index;
use rasch_core::{Data, Error, Key, Result};
use rasch_runtime::collector::{Collector, OutputTag};
use rasch_runtime::functions::{KeySelector, ReduceFn, ReduceFunction};
use rasch_runtime::keyed::KeyedRuntime;
use rasch_runtime::operators::{AggOp, FieldAggregate, FieldReduce, OperatorSetup, WindowOperator, WindowSpec, one_input_factory};
use rasch_runtime::operators::{
    AggregateFold, ReduceFold, SessionWindowOperator, SliceFold, SliceSpec, SlicedWindowProcessOperator, SlicingWindowOperator,
};
use rasch_runtime::output::BoxOutput;
use rasch_runtime::windows::{
    AggregateContents, ApplyFn, CountEvictor, CountTrigger, EvictingContents, Evictor, GlobalWindows, ListContents, PassThrough,
    ProcessWindowFn, ProcessWindowFunction, PurgingTrigger, ReduceContents, TimeWindow, Trigger, WindowAssigner, WindowContents,
    WindowContext,
};
use rasch_state::AggregateFunction;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// A keyed stream cut into windows (Flink's `WindowedStream<T, K, W>`): configure it with
/// [`trigger`](Self::trigger), [`evictor`](Self::evictor),
/// [`allowed_lateness`](Self::allowed_lateness) and
/// [`side_output_late_data`](Self::side_output_late_data), then evaluate it with one of the
/// window functions. Each key's windows are evaluated separately, in the subtask that owns the
/// key. Event-time windows fire when the watermark passes their end (at the latest when a
/// bounded input ends); results carry the timestamp `window.max_timestamp()`.
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::watermarks::WatermarkStrategy;
/// use rasch_runtime::windows::TumblingEventTimeWindows;
/// use std::time::Duration;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// env.set_parallelism(1);
/// // (key, event time in ms, value); positional aggregations need numeric or string fields
/// let events = env.from_collection(vec![(1, 1_000i64, 1), (1, 1_500, 2), (2, 1_200, 5), (1, 2_100, 4)])
///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
/// let mut sums = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(1))).sum(2).execute_and_collect()?;
/// sums.sort();
/// assert_eq!(sums, vec![(1, 1_000, 3), (1, 2_100, 4), (2, 1_200, 5)]);
/// # Ok(()) }
/// ```
pub struct WindowedStream<T, K, S, A: WindowAssigner<T>> {
    stream: DataStream<T>,
    selector: S,
    spec: WindowSpec<T, A>,
    evictor: Option<Arc<dyn Evictor<T, A::W>>>,
    non_parallel: bool,
    custom_trigger: bool,
    _key: PhantomData<fn() -> K>,
}

impl<T: Data, K: Key, S: KeySelector<T, K>> KeyedStream<T, K, S> {
    /// Groups each key's elements into the windows `assigner` gives them, with the assigner's
    /// default trigger: `key_by(..).window(TumblingEventTimeWindows::of(Duration::from_secs(5)))`.
    /// Processing-time windows do not fire when a bounded input ends (Flink 1.20's behaviour):
    /// only the clock fires them.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::{EventTimeSessionWindows, TumblingProcessingTimeWindows};
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let sessions = events.key_by(|e| e.0).window(EventTimeSessionWindows::with_gap(Duration::from_millis(500)));
    /// let mut counts = sessions.apply(|key, w, elements, out| out.collect((*key, w.start, elements.len()))).execute_and_collect()?;
    /// counts.sort();
    /// assert_eq!(counts, vec![('a', 1_000, 2), ('a', 2_100, 1), ('b', 1_200, 1)]);
    ///
    /// let env = StreamEnv::local();
    /// let hourly = env.from_collection(vec![(1, 1)]).key_by(|t| t.0).window(TumblingProcessingTimeWindows::of(Duration::from_secs(3600)));
    /// assert!(hourly.sum(1).execute_and_collect()?.is_empty()); // the input ended before the hour did
    /// # Ok(()) }
    /// ```
    pub fn window<A: WindowAssigner<T>>(&self, assigner: A) -> WindowedStream<T, K, S, A> {
        WindowedStream::new(self.stream().clone(), self.selector().clone(), assigner, false)
    }

    /// Tumbling count windows: fires and purges every `size` elements of a key (Flink's
    /// `countWindow(size)`: `GlobalWindows` + `PurgingTrigger(CountTrigger(size))`). A last,
    /// incomplete window of a key never fires, also not when the input ends.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![1, 2, 3, 4, 5]).key_by(|_| 0).count_window(2).reduce(|a, b| a + b).execute_and_collect()?;
    /// assert_eq!(out, vec![3, 7]); // 5 waits for a partner that never comes
    /// # Ok(()) }
    /// ```
    pub fn count_window(&self, size: u64) -> WindowedStream<T, K, S, GlobalWindows> {
        self.window(GlobalWindows::create()).trigger(PurgingTrigger::of(CountTrigger::of(size)))
    }

    /// Sliding count windows: every `slide` elements, evaluates the key's last `size`
    /// elements (`GlobalWindows` + `CountEvictor(size)` + `CountTrigger(slide)`). Elements
    /// after the last full `slide` are not evaluated.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![1, 2, 3, 4, 5]).key_by(|_| 0).count_window_sliding(3, 2).reduce(|a, b| a + b).execute_and_collect()?;
    /// assert_eq!(out, vec![1 + 2, 2 + 3 + 4]);
    /// # Ok(()) }
    /// ```
    pub fn count_window_sliding(&self, size: u64, slide: u64) -> WindowedStream<T, K, S, GlobalWindows> {
        self.window(GlobalWindows::create()).evictor(CountEvictor::of(size as usize)).trigger(CountTrigger::of(slide))
    }
}

/// The key of non-keyed (`window_all`) windows: every element has the unit key.
///
/// ```
/// use rasch_api::UnitKey;
/// use rasch_runtime::functions::KeySelector;
///
/// assert_eq!(UnitKey.get_key(&42).into_owned(), ());
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct UnitKey;

impl<T> KeySelector<T, ()> for UnitKey {
    #[inline]
    fn get_key<'a>(&self, _: &'a T) -> std::borrow::Cow<'a, ()> {
        std::borrow::Cow::Owned(())
    }
}

impl<T: Data> DataStream<T> {
    /// Windows over the whole stream (Flink's `windowAll`). The window operator runs with
    /// parallelism 1 and every element has the constant unit key `()` — the key passed to
    /// process functions.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamped = env.from_sequence(0, 2_999).assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |t, _| *t);
    /// let mut counts = stamped.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|_unit, w, elements, out| out.collect((w.start, elements.len())))
    ///     .execute_and_collect()?;
    /// counts.sort();
    /// assert_eq!(counts, vec![(0, 1_000), (1_000, 1_000), (2_000, 1_000)]);
    /// # Ok(()) }
    /// ```
    pub fn window_all<A: WindowAssigner<T>>(&self, assigner: A) -> AllWindowedStream<T, A> {
        let keyed = KeyedStream::new(self.clone(), UnitKey);
        AllWindowedStream { inner: WindowedStream::new(keyed.stream().clone(), UnitKey, assigner, true) }
    }

    /// Tumbling count windows over the whole stream (parallelism 1): fires and purges every
    /// `size` elements; an incomplete last window never fires.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let out = env.from_sequence(1, 10).count_window_all(4).apply(|_, _, elements, out| out.collect(elements.len())).execute_and_collect()?;
    /// assert_eq!(out, vec![4, 4]);
    /// # Ok(()) }
    /// ```
    pub fn count_window_all(&self, size: u64) -> AllWindowedStream<T, GlobalWindows> {
        self.window_all(GlobalWindows::create()).trigger(PurgingTrigger::of(CountTrigger::of(size)))
    }

    /// Sliding count windows over the whole stream (parallelism 1): every `slide` elements,
    /// evaluates the last `size`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![1, 2, 3, 4]).count_window_all_sliding(2, 1).reduce(|a, b| a + b).execute_and_collect()?;
    /// assert_eq!(out, vec![1, 3, 5, 7]);
    /// # Ok(()) }
    /// ```
    pub fn count_window_all_sliding(&self, size: u64, slide: u64) -> AllWindowedStream<T, GlobalWindows> {
        self.window_all(GlobalWindows::create()).evictor(CountEvictor::of(size as usize)).trigger(CountTrigger::of(slide))
    }
}

impl<T: Data, K: Key, S: KeySelector<T, K>, A: WindowAssigner<T>> WindowedStream<T, K, S, A> {
    fn new(stream: DataStream<T>, selector: S, assigner: A, non_parallel: bool) -> Self {
        let trigger = assigner.default_trigger();
        WindowedStream {
            stream,
            selector,
            spec: WindowSpec { assigner, trigger, allowed_lateness: 0, late_tag: None },
            evictor: None,
            non_parallel,
            custom_trigger: false,
            _key: PhantomData,
        }
    }

    /// Replaces the assigner's default trigger. A trigger that cannot merge (such as
    /// `CountTrigger`) on session windows fails `execute()`. A custom trigger leaves the sliced
    /// fast path.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::windows::{CountTrigger, GlobalWindows};
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let running = env.from_collection(vec![1, 2, 3, 4]).key_by(|_| 0)
    ///     .window(GlobalWindows::create())
    ///     .trigger(CountTrigger::of(2)) // fires, does not purge
    ///     .reduce(|a, b| a + b);
    /// assert_eq!(running.execute_and_collect()?, vec![3, 10]);
    /// # Ok(()) }
    /// ```
    pub fn trigger(mut self, trigger: impl Trigger<T, A::W>) -> Self {
        self.spec.trigger = Arc::new(trigger);
        self.custom_trigger = true;
        self
    }

    /// Evicts elements before/after the window function; the window then keeps all elements
    /// (no incremental aggregation).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::windows::{CountEvictor, CountTrigger, GlobalWindows};
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let last_two = env.from_collection(vec![1, 2, 3]).key_by(|_| 0)
    ///     .window(GlobalWindows::create())
    ///     .trigger(CountTrigger::of(3))
    ///     .evictor(CountEvictor::of(2)) // keep only the last two when it fires
    ///     .apply(|_, _, elements, out| out.collect(elements));
    /// assert_eq!(last_two.execute_and_collect()?, vec![vec![2, 3]]);
    /// # Ok(()) }
    /// ```
    pub fn evictor(mut self, evictor: impl Evictor<T, A::W>) -> Self {
        self.evictor = Some(Arc::new(evictor));
        self
    }

    /// Keeps event-time windows (and adds late elements to them, re-firing per the trigger)
    /// until the watermark passes `window end + lateness`. Default 0. Each late-but-allowed
    /// element fires its window again, with the updated result. Non-zero lateness leaves the
    /// sliced fast path.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::{WatermarkGenerator, WatermarkOutput, WatermarkStrategy};
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    ///
    /// #[derive(Clone)]
    /// struct EveryEvent;
    /// impl<T> WatermarkGenerator<T> for EveryEvent {
    ///     fn on_event(&mut self, _: &T, timestamp: i64, out: &mut WatermarkOutput) {
    ///         out.emit_watermark(timestamp - 1)
    ///     }
    ///     fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // A watermark right behind every event, so that (a, 1_500) comes after the watermark 2_999.
    /// let events = env.from_collection(vec![('a', 1_000i64), ('a', 3_000), ('a', 1_500)])
    ///     .assign_event_time(WatermarkStrategy::for_generator(EveryEvent), |e, _| e.1);
    /// let counts = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .allowed_lateness(Duration::from_secs(5))
    ///     .apply(|_, w, elements, out| out.collect((w.start, elements.len())));
    /// assert_eq!(counts.execute_and_collect()?, vec![(1_000, 1), (1_000, 2), (3_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn allowed_lateness(mut self, lateness: Duration) -> Self {
        self.spec.allowed_lateness = i64::try_from(lateness.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// Sends elements that arrive after their windows were cleaned up to the side output
    /// `tag` (read it with `get_side_output(&tag)` on the result) instead of dropping them.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::OutputTag;
    /// use rasch_runtime::watermarks::{WatermarkGenerator, WatermarkOutput, WatermarkStrategy};
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    ///
    /// #[derive(Clone)]
    /// struct EveryEvent;
    /// impl<T> WatermarkGenerator<T> for EveryEvent {
    ///     fn on_event(&mut self, _: &T, timestamp: i64, out: &mut WatermarkOutput) {
    ///         out.emit_watermark(timestamp - 1)
    ///     }
    ///     fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // A watermark right behind every event, so that (a, 1_500) comes after the watermark 2_999.
    /// let events = env.from_collection(vec![('a', 1_000i64), ('a', 3_000), ('a', 1_500)])
    ///     .assign_event_time(WatermarkStrategy::for_generator(EveryEvent), |e, _| e.1);
    /// let late = OutputTag::new("late");
    /// let counts = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .side_output_late_data(&late)
    ///     .apply(|_, w, elements, out| out.collect((w.start, elements.len())));
    /// assert_eq!(counts.get_side_output(&late).execute_and_collect()?, vec![('a', 1_500)]);
    /// # Ok(()) }
    /// ```
    pub fn side_output_late_data(mut self, tag: &OutputTag<T>) -> Self {
        self.spec.late_tag = Some(tag.clone());
        self
    }

    fn build<C, M>(&self, what: &str, make: M) -> DataStream<C::Out>
    where
        C: WindowContents<T, K, A::W>,
        C::Out: Data,
        M: Fn(&OperatorSetup) -> rasch_core::Result<C> + Send + Sync + 'static,
    {
        if self.spec.assigner.is_merging() && !self.spec.trigger.can_merge() {
            self.stream.env().record_error(Error::InvalidJob(format!(
                "trigger {} cannot be used with a merging window assigner (session windows)",
                self.spec.trigger.name()
            )));
        }
        let assigner = std::any::type_name::<A>().rsplit("::").next().unwrap_or("Window").split('<').next().unwrap_or("").to_string();
        let evicting = if self.evictor.is_some() { "Evicting" } else { "" };
        let name = format!("{evicting}Window({assigner}, {}, {what})", self.spec.trigger.name());
        let (selector, spec) = (self.selector.clone(), self.spec.clone());
        let factory = match self.evictor.clone() {
            None => one_input_factory::<T, C::Out, _, _>(move |setup, out: BoxOutput<C::Out>, sides| {
                let keyed = KeyedRuntime::new(setup)?;
                Ok(WindowOperator::new(selector.clone(), spec.clone(), make(setup)?, keyed, out, sides, setup.batch_size))
            }),
            Some(ev) => one_input_factory::<T, C::Out, _, _>(move |setup, out: BoxOutput<C::Out>, sides| {
                let contents = EvictingContents::new(ev.clone(), make(setup)?);
                let keyed = KeyedRuntime::new(setup)?;
                Ok(WindowOperator::new(selector.clone(), spec.clone(), contents, keyed, out, sides, setup.batch_size))
            }),
        };
        let result = self.stream.transform(&name, factory);
        if self.non_parallel { result.set_parallelism(1) } else { result }
    }

    /// Event-time session windows with a fixed gap and the default trigger, evaluated by an
    /// incremental aggregate emitted as is, run on the session fast path (same results as the
    /// generic window operator, a fraction of the work); `None` when that does not apply.
    fn sessions<C, M>(&self, what: &str, make: M) -> Option<DataStream<C::Out>>
    where
        C: WindowContents<T, K, TimeWindow>,
        C::Out: Data,
        M: Fn(&OperatorSetup) -> rasch_core::Result<C> + Send + Sync + 'static,
    {
        let gap = self.spec.assigner.session_gap().filter(|_| !self.custom_trigger && self.evictor.is_none())?;
        let (selector, lateness, late_tag) = (self.selector.clone(), self.spec.allowed_lateness, self.spec.late_tag.clone());
        let factory = one_input_factory::<T, C::Out, _, _>(move |setup, out: BoxOutput<C::Out>, sides| {
            let ctx = &setup.ctx;
            let range = compute_key_group_range_for_operator_index(ctx.max_parallelism, ctx.parallelism, ctx.subtask_index);
            let backend = rasch_state::KeyedStateBackend::new(range, ctx.max_parallelism, setup.time.clock());
            let (late_tag, time) = (late_tag.clone(), setup.time.clone());
            let op = SessionWindowOperator::new(
                selector.clone(),
                gap,
                lateness,
                late_tag,
                make(setup)?,
                backend,
                time,
                out,
                sides,
                setup.batch_size,
            );
            op.with_checkpointing(setup)
        });
        let result = self.stream.transform(&format!("SessionWindow(EventTimeSessionWindows, {what})"), factory);
        Some(if self.non_parallel { result.set_parallelism(1) } else { result })
    }

    /// Reduces each window incrementally with `f(accumulated, new)`, keeping one value per key
    /// and window (per slice, on the sliced fast path of tumbling and sliding event-time
    /// windows); emits the reduced value when it fires.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .reduce(|a, b| (a.0, a.1.max(b.1), a.2 + b.2))
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 1_500, 3), ('a', 2_100, 4), ('b', 1_200, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn reduce<F: FnMut(T, T) -> T + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.reduce_rich(ReduceFn(f))
    }

    /// Like [`reduce`](Self::reduce) with a rich [`ReduceFunction`] (a clone per subtask, with
    /// `open`/`close`); an `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::functions::ReduceFunction;
    ///
    /// #[derive(Clone)]
    /// struct Max;
    /// impl ReduceFunction<i32> for Max {
    ///     fn reduce(&mut self, a: i32, b: i32) -> rasch_core::Result<i32> {
    ///         Ok(a.max(b))
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let out = env.from_collection(vec![3, 9, 4, 1]).key_by(|_| 0).count_window(2).reduce_rich(Max).execute_and_collect()?;
    /// assert_eq!(out, vec![9, 4]);
    /// # Ok(()) }
    /// ```
    pub fn reduce_rich<F: ReduceFunction<T> + Sync>(&self, f: F) -> DataStream<T> {
        let g = f.clone();
        let sessions = self.sessions("Reduce", move |setup| {
            let mut f = g.clone();
            f.open(&setup.ctx)?;
            Ok(ReduceContents::<T, T, _, _>::new(f, PassThrough))
        });
        sessions.unwrap_or_else(|| self.reduce_with_process_rich(f, PassThrough))
    }

    /// Reduces incrementally with `f`; `process` receives the single reduced value (plus the
    /// window context) when the window fires (Flink's `reduce(f, ProcessWindowFunction)`).
    /// Tumbling and sliding event-time windows with the default trigger keep the sliced fast
    /// path. [`reduce_with_process_fn`](Self::reduce_with_process_fn) takes a closure.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::windows::{ProcessWindowFn, TimeWindow, TumblingEventTimeWindows, WindowContext};
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .reduce_with_process(|a, b| if b.2 > a.2 { b } else { a }, ProcessWindowFn(
    ///         |key: &char, ctx: &mut WindowContext<'_, char, TimeWindow>, max: &[(char, i64, i32)], out: &mut Collector<'_, (char, i64, i32)>| {
    ///             out.collect((*key, ctx.window().end, max[0].2));
    ///             Ok(())
    ///         },
    ///     ))
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 2_000, 2), ('a', 3_000, 4), ('b', 2_000, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn reduce_with_process<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: FnMut(T, T) -> T + Clone + Send + Sync + 'static,
        P: ProcessWindowFunction<T, OUT, K, A::W> + Sync,
    {
        self.reduce_with_process_rich(ReduceFn(f), process)
    }

    fn reduce_with_process_rich<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: ReduceFunction<T> + Sync,
        P: ProcessWindowFunction<T, OUT, K, A::W> + Sync,
    {
        if let Some(slice) = self.time_slices() {
            let fold = move |setup: &OperatorSetup| -> Result<ReduceFold<F>> {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                Ok(ReduceFold(f))
            };
            return self.sliced_with_process("Reduce", slice, fold, process);
        }
        self.build("Reduce", move |setup| {
            let (mut f, mut p) = (f.clone(), process.clone());
            f.open(&setup.ctx)?;
            p.open(&setup.ctx)?;
            Ok(ReduceContents::<T, OUT, _, _>::new(f, p))
        })
    }

    /// Aggregates each window incrementally with an [`AggregateFunction`], keeping one
    /// accumulator per key and window (per slice on the sliced fast path, merged with
    /// `merge` when a window fires); emits its result.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let count = AggregateFn { create: || 0u64, add: |_: (char, i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// let mut counts = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(1))).aggregate(count).execute_and_collect()?;
    /// counts.sort();
    /// assert_eq!(counts, vec![1, 1, 2]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate<ACC, R, F>(&self, agg: F) -> DataStream<R>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Data,
        F: AggregateFunction<T, ACC, R>,
    {
        let Some(slice) = self.sliceable() else {
            let f = agg.clone();
            let sessions = self.sessions("Aggregate", move |_| Ok(AggregateContents::<T, ACC, R, R, _, _>::new(f.clone(), PassThrough)));
            return sessions.unwrap_or_else(|| self.aggregate_in_windows(agg, PassThrough));
        };
        self.sliced("Aggregate", slice, move |_| Ok(AggregateFold(agg.clone())), |_: K, _: TimeWindow, r: R| r)
    }

    /// The sliced window operator folding with `fold` and emitting `emit(key, window, result)`.
    fn sliced<ACC, R, OUT, F, M, E>(&self, what: &str, slice: SliceSpec, fold: M, emit: E) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: 'static,
        OUT: Data,
        F: SliceFold<T, ACC, R>,
        M: Fn(&OperatorSetup) -> Result<F> + Send + Sync + 'static,
        E: Fn(K, TimeWindow, R) -> OUT + Clone + Send + Sync + 'static,
    {
        let selector = self.selector.clone();
        let assigner = std::any::type_name::<A>().rsplit("::").next().unwrap_or("Window").to_string();
        let result = self.stream.transform(
            &format!("SlicedWindow({assigner}, {what})"),
            one_input_factory::<T, OUT, _, _>(move |setup, out: BoxOutput<OUT>, _| {
                SlicingWindowOperator::new(selector.clone(), fold(setup)?, slice, emit.clone(), out, setup.batch_size)
                    .with_checkpointing(setup)
            }),
        );
        if self.non_parallel { result.set_parallelism(1) } else { result }
    }

    /// The slice geometry when these windows take the sliced path and are [`TimeWindow`]s.
    fn time_slices(&self) -> Option<SliceSpec> {
        let time_windows = std::any::TypeId::of::<A::W>() == std::any::TypeId::of::<TimeWindow>();
        self.sliceable().filter(|_| time_windows)
    }

    /// The sliced window operator, then `process` over each fired `(key, window, result)` with
    /// the full window context, chained right behind it.
    fn sliced_with_process<ACC, R, OUT, F, M, P>(&self, what: &str, slice: SliceSpec, fold: M, process: P) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Data,
        OUT: Data,
        F: SliceFold<T, ACC, R>,
        M: Fn(&OperatorSetup) -> Result<F> + Send + Sync + 'static,
        P: ProcessWindowFunction<R, OUT, K, A::W> + Sync,
    {
        // Checked by `time_slices`: the window type is `TimeWindow`.
        let as_window =
            |w: TimeWindow| -> A::W { (&w as &dyn std::any::Any).downcast_ref::<A::W>().expect("sliced windows are time windows").clone() };
        let fired = self.sliced(what, slice, fold, move |k: K, w: TimeWindow, r: R| (k, as_window(w), r));
        let result = fired.transform(
            &format!("SlicedWindowProcess({what})"),
            one_input_factory::<(K, A::W, R), OUT, _, _>(move |setup, out: BoxOutput<OUT>, sides| {
                let mut p = process.clone();
                p.open(&setup.ctx)?;
                SlicedWindowProcessOperator::new(setup, p, KeyedRuntime::new(setup)?, out, sides, setup.batch_size)
            }),
        );
        // One window operator to the user: parallelism and uid set on it apply to both halves.
        fired.env().set_upstream_half(result.inputs[0].node, fired.inputs[0].node);
        if self.non_parallel { result.set_parallelism(1) } else { result }
    }

    /// Tumbling/sliding event-time windows with the default trigger, no evictor and no
    /// lateness keep one accumulator per slice instead of one per window: their geometry.
    fn sliceable(&self) -> Option<rasch_runtime::operators::SliceSpec> {
        self.spec
            .assigner
            .slice_spec()
            .filter(|_| !self.custom_trigger && self.evictor.is_none() && self.spec.allowed_lateness == 0 && self.spec.late_tag.is_none())
    }

    /// Aggregates each window incrementally and emits `f(key, window, result)` — the key and the
    /// window without a process function, and on the sliced fast path wherever
    /// [`aggregate`](Self::aggregate) takes it (tumbling and sliding event-time windows with the
    /// default trigger). Flink's `aggregate(agg, ProcessWindowFunction)` for the common case
    /// of labelling a result: `.aggregate_with_window(Count, |item, w, n| (*item, w.end, n))`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::SlidingEventTimeWindows;
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let count = AggregateFn { create: || 0u64, add: |_: (char, i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// let mut counts = events.key_by(|e| e.0)
    ///     .window(SlidingEventTimeWindows::of(Duration::from_secs(2), Duration::from_secs(1)))
    ///     .aggregate_with_window(count, |key, w, n| (*key, w.start, n))
    ///     .execute_and_collect()?;
    /// counts.sort();
    /// assert_eq!(counts, vec![('a', 0, 2), ('a', 1_000, 3), ('a', 2_000, 1), ('b', 0, 1), ('b', 1_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate_with_window<ACC, R, OUT, F, G>(&self, agg: F, f: G) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Clone + Send + Sync + 'static,
        OUT: Data,
        F: AggregateFunction<T, ACC, R>,
        G: Fn(&K, &A::W, R) -> OUT + Clone + Send + Sync + 'static,
    {
        let Some(slice) = self.time_slices() else {
            return self.aggregate_in_windows(
                agg,
                ProcessWindowFn(move |key: &K, ctx: &mut WindowContext<'_, K, A::W>, results: &[R], out: &mut Collector<'_, OUT>| {
                    let window = ctx.window().clone();
                    for r in results {
                        out.collect(f(key, &window, r.clone()));
                    }
                    Ok(())
                }),
            );
        };
        // Checked by `time_slices`: the window type is `TimeWindow`.
        let emit = move |k: K, w: TimeWindow, r: R| {
            let window = (&w as &dyn std::any::Any).downcast_ref::<A::W>().expect("sliced windows are time windows");
            f(&k, window, r)
        };
        self.sliced("Aggregate", slice, move |_| Ok(AggregateFold(agg.clone())), emit)
    }

    /// Aggregates incrementally; `process` receives the single aggregate result with the window
    /// context (Flink's `aggregate(AggregateFunction, ProcessWindowFunction)`). Tumbling and
    /// sliding event-time windows with the default trigger keep the sliced fast path: the
    /// process function runs on each fired window's result, right behind the slices.
    /// [`aggregate_with_process_fn`](Self::aggregate_with_process_fn) takes a closure.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::windows::{ProcessWindowFunction, TimeWindow, TumblingEventTimeWindows, WindowContext};
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    ///
    /// #[derive(Clone)]
    /// struct Label;
    /// impl ProcessWindowFunction<u64, String, char, TimeWindow> for Label {
    ///     fn process(&mut self, key: &char, ctx: &mut WindowContext<'_, char, TimeWindow>, n: &[u64], out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         out.collect(format!("{key}@{}: {}", ctx.window().start, n[0]));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let count = AggregateFn { create: || 0u64, add: |_: (char, i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// let mut out = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .aggregate_with_process(count, Label)
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!["a@1000: 2", "a@2000: 1", "b@1000: 1"]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate_with_process<ACC, R, OUT, F, P>(&self, agg: F, process: P) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Data,
        OUT: Data,
        F: AggregateFunction<T, ACC, R>,
        P: ProcessWindowFunction<R, OUT, K, A::W> + Sync,
    {
        match self.time_slices() {
            Some(slice) => {
                let fold = move |_: &OperatorSetup| Ok(AggregateFold(agg.clone()));
                self.sliced_with_process("Aggregate", slice, fold, process)
            }
            None => self.aggregate_in_windows(agg, process),
        }
    }

    /// [`aggregate_with_process`](Self::aggregate_with_process) on the general window operator.
    fn aggregate_in_windows<ACC, R, OUT, F, P>(&self, agg: F, process: P) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: 'static,
        OUT: Data,
        F: AggregateFunction<T, ACC, R>,
        P: ProcessWindowFunction<R, OUT, K, A::W> + Sync,
    {
        self.build("Aggregate", move |setup| {
            let mut p = process.clone();
            p.open(&setup.ctx)?;
            Ok(AggregateContents::<T, ACC, R, OUT, _, _>::new(agg.clone(), p))
        })
    }

    /// Evaluates each firing window with a [`ProcessWindowFunction`] over all its elements (in
    /// arrival order, kept in state until the window is purged), with the window context:
    /// the window, the watermark, processing time, per-window and global state, side outputs.
    /// [`process_fn`](Self::process_fn) takes a closure.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::windows::{ProcessWindowFunction, TimeWindow, TumblingEventTimeWindows, WindowContext};
    /// use std::time::Duration;
    ///
    /// #[derive(Clone)]
    /// struct Values;
    /// impl ProcessWindowFunction<(char, i64, i32), (char, Vec<i32>), char, TimeWindow> for Values {
    ///     fn process(&mut self, key: &char, _: &mut WindowContext<'_, char, TimeWindow>, elements: &[(char, i64, i32)], out: &mut Collector<'_, (char, Vec<i32>)>) -> rasch_core::Result<()> {
    ///         out.collect((*key, elements.iter().map(|e| e.2).collect()));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(1))).process(Values).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', vec![1, 2]), ('a', vec![4]), ('b', vec![5])]);
    /// # Ok(()) }
    /// ```
    pub fn process<OUT: Data, P: ProcessWindowFunction<T, OUT, K, A::W> + Sync>(&self, process: P) -> DataStream<OUT> {
        self.build("Process", move |setup| {
            let mut p = process.clone();
            p.open(&setup.ctx)?;
            Ok(ListContents::<T, OUT, _>::new(p))
        })
    }

    /// Evaluates each firing window with a plain window function
    /// `Fn(&key, &window, elements, out)` (Flink's `apply`); `elements` are the window's
    /// contents in arrival order.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|key, w, elements, out| out.collect((*key, w.end, elements.len())))
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 2_000, 2), ('a', 3_000, 1), ('b', 2_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn apply<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: Fn(&K, &A::W, Vec<T>, &mut Collector<'_, OUT>) + Clone + Send + Sync + 'static,
    {
        self.process(ApplyFn(f))
    }

    /// [`process`](Self::process) with a closure whose argument types the compiler infers:
    /// `.process_fn(|key, ctx, elements, out| { out.collect((key.clone(), ctx.window().end, elements.len())); Ok(()) })`.
    /// An `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .process_fn(|key, ctx, elements, out| {
    ///         out.collect((*key, ctx.window().end, elements.len()));
    ///         Ok(())
    ///     })
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 2_000, 2), ('a', 3_000, 1), ('b', 2_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn process_fn<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: FnMut(&K, &mut WindowContext<'_, K, A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.process(ProcessWindowFn(f))
    }

    /// [`reduce_with_process`](Self::reduce_with_process) with a closure for the process
    /// function whose argument types the compiler infers:
    /// `.reduce_with_process_fn(|a, b| a + b, |key, ctx, sum, out| { out.collect((key.clone(), ctx.window().end, sum[0])); Ok(()) })`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .reduce_with_process_fn(|a, b| (a.0, a.1, a.2 + b.2), |key, ctx, sum, out| {
    ///         out.collect((*key, ctx.window().end, sum[0].2));
    ///         Ok(())
    ///     })
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 2_000, 3), ('a', 3_000, 4), ('b', 2_000, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn reduce_with_process_fn<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: FnMut(T, T) -> T + Clone + Send + Sync + 'static,
        P: FnMut(&K, &mut WindowContext<'_, K, A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.reduce_with_process(f, ProcessWindowFn(process))
    }

    /// [`aggregate_with_process`](Self::aggregate_with_process) with a closure for the process
    /// function whose argument types the compiler infers.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value)
    /// let events = env.from_collection(vec![('a', 1_000i64, 1), ('a', 1_500, 2), ('b', 1_200, 5), ('a', 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let count = AggregateFn { create: || 0u64, add: |_: (char, i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// let mut out = events.key_by(|e| e.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .aggregate_with_process_fn(count, |key, ctx, n, out| {
    ///         out.collect((*key, ctx.window().start, n[0]));
    ///         Ok(())
    ///     })
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 1_000, 2), ('a', 2_000, 1), ('b', 1_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate_with_process_fn<ACC, R, OUT, F, P>(&self, agg: F, process: P) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Data,
        OUT: Data,
        F: AggregateFunction<T, ACC, R>,
        P: FnMut(&K, &mut WindowContext<'_, K, A::W>, &[R], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.aggregate_with_process(agg, ProcessWindowFn(process))
    }

    fn field_aggregation(&self, pos: usize, op: AggOp) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        match FieldReduce::<T>::new(pos, op) {
            Ok(f) => self.reduce_rich(f),
            Err(message) => {
                self.stream.env().record_error(Error::InvalidJob(message));
                self.stream.clone()
            }
        }
    }

    /// Sum of tuple field `pos` per window (other fields from the window's first element). A
    /// missing position or a non-numeric field fails `execute()`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value); positional aggregations need numeric or string fields
    /// let events = env.from_collection(vec![(1, 1_000i64, 1), (1, 1_500, 2), (2, 1_200, 5), (1, 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(4))).sum(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 1_000, 7), (2, 1_200, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn sum(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Sum)
    }
    /// Minimum of field `pos` per window (other fields from the window's first element).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value); positional aggregations need numeric or string fields
    /// let events = env.from_collection(vec![(1, 1_000i64, 1), (1, 1_500, 2), (2, 1_200, 5), (1, 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(4))).min(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 1_000, 1), (2, 1_200, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn min(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Min)
    }
    /// Maximum of field `pos` per window (other fields from the window's first element).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value); positional aggregations need numeric or string fields
    /// let events = env.from_collection(vec![(1, 1_000i64, 1), (1, 1_500, 2), (2, 1_200, 5), (1, 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(4))).max(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 1_000, 4), (2, 1_200, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn max(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Max)
    }
    /// The element with the smallest field `pos` per window (the first on ties).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value); positional aggregations need numeric or string fields
    /// let events = env.from_collection(vec![(1, 1_000i64, 1), (1, 1_500, 2), (2, 1_200, 5), (1, 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(4))).min_by(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 1_000, 1), (2, 1_200, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn min_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MinBy)
    }
    /// The element with the largest field `pos` per window (the first on ties).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (key, event time in ms, value); positional aggregations need numeric or string fields
    /// let events = env.from_collection(vec![(1, 1_000i64, 1), (1, 1_500, 2), (2, 1_200, 5), (1, 2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.1);
    /// let mut out = events.key_by(|e| e.0).window(TumblingEventTimeWindows::of(Duration::from_secs(4))).max_by(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 2_100, 4), (2, 1_200, 5)]);
    /// # Ok(()) }
    /// ```
    pub fn max_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MaxBy)
    }
}

/// Windows over a whole, non-keyed stream (Flink's `AllWindowedStream`): the window operator
/// has parallelism 1 and the key seen by functions is the unit key `()`. Every method behaves
/// as its [`WindowedStream`] namesake with one key.
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::windows::TumblingEventTimeWindows;
/// use rasch_runtime::watermarks::WatermarkStrategy;
/// use std::time::Duration;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// let stamped = env.from_sequence(0, 1_999).assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |t, _| *t);
/// let mut sums = stamped.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1))).sum(0).execute_and_collect()?;
/// sums.sort();
/// assert_eq!(sums, vec![(0..1_000).sum::<i64>(), (1_000..2_000).sum::<i64>()]);
/// # Ok(()) }
/// ```
pub struct AllWindowedStream<T, A: WindowAssigner<T>> {
    inner: WindowedStream<T, (), UnitKey, A>,
}

impl<T: Data, A: WindowAssigner<T>> AllWindowedStream<T, A> {
    /// Replaces the assigner's default trigger.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::{CountTrigger, TumblingEventTimeWindows};
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let early = seconds.trigger(CountTrigger::of(1)).sum(1); // every element, not the watermark
    /// assert_eq!(early.execute_and_collect()?, vec![(1_000, 1), (1_000, 3), (2_100, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn trigger(self, trigger: impl Trigger<T, A::W>) -> Self {
        AllWindowedStream { inner: self.inner.trigger(trigger) }
    }
    /// Evicts elements before/after the window function.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::{CountEvictor, TumblingEventTimeWindows};
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let last = seconds.evictor(CountEvictor::of(1)).apply(|_, w, elements, out| out.collect((w.start, elements)));
    /// assert_eq!(last.execute_and_collect()?, vec![(1_000, vec![(1_500, 2)]), (2_000, vec![(2_100, 4)])]);
    /// # Ok(()) }
    /// ```
    pub fn evictor(self, evictor: impl Evictor<T, A::W>) -> Self {
        AllWindowedStream { inner: self.inner.evictor(evictor) }
    }
    /// Allowed lateness of event-time windows.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let sums = seconds.allowed_lateness(Duration::from_secs(1)).sum(1);
    /// assert_eq!(sums.execute_and_collect()?, vec![(1_000, 3), (2_100, 4)]); // nothing was late
    /// # Ok(()) }
    /// ```
    pub fn allowed_lateness(self, lateness: Duration) -> Self {
        AllWindowedStream { inner: self.inner.allowed_lateness(lateness) }
    }
    /// Sends too-late elements to the side output `tag`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::OutputTag;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let late = OutputTag::new("late");
    /// let sums = seconds.side_output_late_data(&late).sum(1);
    /// assert!(sums.get_side_output(&late).execute_and_collect()?.is_empty()); // in order: nothing late
    /// # Ok(()) }
    /// ```
    pub fn side_output_late_data(self, tag: &OutputTag<T>) -> Self {
        AllWindowedStream { inner: self.inner.side_output_late_data(tag) }
    }
    /// Reduces each window incrementally.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let sums = seconds.reduce(|a, b| (a.0, a.1 + b.1));
    /// assert_eq!(sums.execute_and_collect()?, vec![(1_000, 3), (2_100, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn reduce<F: FnMut(T, T) -> T + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.inner.reduce(f)
    }
    /// Reduces incrementally; `process` receives the reduced value.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::windows::{ProcessWindowFn, TimeWindow, TumblingEventTimeWindows, WindowContext};
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let ends = seconds.reduce_with_process(|a, b| (a.0, a.1 + b.1), ProcessWindowFn(
    ///     |_: &(), ctx: &mut WindowContext<'_, (), TimeWindow>, sum: &[(i64, i32)], out: &mut Collector<'_, (i64, i32)>| {
    ///         out.collect((ctx.window().end, sum[0].1));
    ///         Ok(())
    ///     },
    /// ));
    /// assert_eq!(ends.execute_and_collect()?, vec![(2_000, 3), (3_000, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn reduce_with_process<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: FnMut(T, T) -> T + Clone + Send + Sync + 'static,
        P: ProcessWindowFunction<T, OUT, (), A::W> + Sync,
    {
        self.inner.reduce_with_process(f, process)
    }
    /// Aggregates each window incrementally.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let count = AggregateFn { create: || 0u64, add: |_: (i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// assert_eq!(seconds.aggregate(count).execute_and_collect()?, vec![2, 1]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate<ACC: Clone + rasch_state::StateValue, R: Data, F: AggregateFunction<T, ACC, R>>(&self, agg: F) -> DataStream<R> {
        self.inner.aggregate(agg)
    }
    /// Aggregates each window incrementally and emits `f(&(), window, result)` (the keyed
    /// form's arguments, with the key `()`), on the sliced fast path where it applies.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let count = AggregateFn { create: || 0u64, add: |_: (i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// let counts = seconds.aggregate_with_window(count, |_, w, n| (w.start, n));
    /// assert_eq!(counts.execute_and_collect()?, vec![(1_000, 2), (2_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate_with_window<ACC, R, OUT, F, G>(&self, agg: F, f: G) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Clone + Send + Sync + 'static,
        OUT: Data,
        F: AggregateFunction<T, ACC, R>,
        G: Fn(&(), &A::W, R) -> OUT + Clone + Send + Sync + 'static,
    {
        self.inner.aggregate_with_window(agg, f)
    }
    /// Aggregates incrementally; `process` receives the aggregate result.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::windows::{ProcessWindowFn, TimeWindow, TumblingEventTimeWindows, WindowContext};
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let count = AggregateFn { create: || 0u64, add: |_: (i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// let counts = seconds.aggregate_with_process(count, ProcessWindowFn(
    ///     |_: &(), ctx: &mut WindowContext<'_, (), TimeWindow>, n: &[u64], out: &mut Collector<'_, String>| {
    ///         out.collect(format!("{}: {}", ctx.window().start, n[0]));
    ///         Ok(())
    ///     },
    /// ));
    /// assert_eq!(counts.execute_and_collect()?, vec!["1000: 2", "2000: 1"]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate_with_process<ACC, R, OUT, F, P>(&self, agg: F, process: P) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Data,
        OUT: Data,
        F: AggregateFunction<T, ACC, R>,
        P: ProcessWindowFunction<R, OUT, (), A::W> + Sync,
    {
        self.inner.aggregate_with_process(agg, process)
    }
    /// Evaluates each window with a process function (key `()`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::windows::{ProcessWindowFn, TimeWindow, TumblingEventTimeWindows, WindowContext};
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let values = seconds.process(ProcessWindowFn(
    ///     |_: &(), _: &mut WindowContext<'_, (), TimeWindow>, elements: &[(i64, i32)], out: &mut Collector<'_, Vec<i32>>| {
    ///         out.collect(elements.iter().map(|e| e.1).collect());
    ///         Ok(())
    ///     },
    /// ));
    /// assert_eq!(values.execute_and_collect()?, vec![vec![1, 2], vec![4]]);
    /// # Ok(()) }
    /// ```
    pub fn process<OUT: Data, P: ProcessWindowFunction<T, OUT, (), A::W> + Sync>(&self, process: P) -> DataStream<OUT> {
        self.inner.process(process)
    }
    /// Evaluates each window with `Fn(&key, &window, elements, out)` — the keyed form's
    /// arguments, with the key `()` (Flink's `AllWindowFunction`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let sizes = seconds.apply(|_, w, elements, out| out.collect((w.start, elements.len())));
    /// assert_eq!(sizes.execute_and_collect()?, vec![(1_000, 2), (2_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn apply<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: Fn(&(), &A::W, Vec<T>, &mut Collector<'_, OUT>) + Clone + Send + Sync + 'static,
    {
        self.inner.apply(f)
    }
    /// [`process`](Self::process) with a closure whose argument types the compiler infers (key `()`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let sizes = seconds.process_fn(|_, ctx, elements, out| {
    ///     out.collect((ctx.window().end, elements.len()));
    ///     Ok(())
    /// });
    /// assert_eq!(sizes.execute_and_collect()?, vec![(2_000, 2), (3_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn process_fn<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: FnMut(&(), &mut WindowContext<'_, (), A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.inner.process_fn(f)
    }
    /// [`reduce_with_process`](Self::reduce_with_process) with a closure whose argument types the
    /// compiler infers (key `()`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let sums = seconds.reduce_with_process_fn(|a, b| (a.0, a.1 + b.1), |_, ctx, sum, out| {
    ///     out.collect((ctx.window().end, sum[0].1));
    ///     Ok(())
    /// });
    /// assert_eq!(sums.execute_and_collect()?, vec![(2_000, 3), (3_000, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn reduce_with_process_fn<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: FnMut(T, T) -> T + Clone + Send + Sync + 'static,
        P: FnMut(&(), &mut WindowContext<'_, (), A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.inner.reduce_with_process_fn(f, process)
    }
    /// [`aggregate_with_process`](Self::aggregate_with_process) with a closure whose argument
    /// types the compiler infers (key `()`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// use rasch_state::AggregateFn;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// let count = AggregateFn { create: || 0u64, add: |_: (i64, i32), n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
    /// let counts = seconds.aggregate_with_process_fn(count, |_, ctx, n, out| {
    ///     out.collect((ctx.window().start, n[0]));
    ///     Ok(())
    /// });
    /// assert_eq!(counts.execute_and_collect()?, vec![(1_000, 2), (2_000, 1)]);
    /// # Ok(()) }
    /// ```
    pub fn aggregate_with_process_fn<ACC, R, OUT, F, P>(&self, agg: F, process: P) -> DataStream<OUT>
    where
        ACC: Clone + rasch_state::StateValue,
        R: Data,
        OUT: Data,
        F: AggregateFunction<T, ACC, R>,
        P: FnMut(&(), &mut WindowContext<'_, (), A::W>, &[R], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.inner.aggregate_with_process_fn(agg, process)
    }
    /// Sum of field `pos` per window.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// assert_eq!(seconds.sum(1).execute_and_collect()?, vec![(1_000, 3), (2_100, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn sum(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.sum(pos)
    }
    /// Minimum of field `pos` per window.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// assert_eq!(seconds.min(1).execute_and_collect()?, vec![(1_000, 1), (2_100, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn min(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.min(pos)
    }
    /// Maximum of field `pos` per window.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// assert_eq!(seconds.max(1).execute_and_collect()?, vec![(1_000, 2), (2_100, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn max(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.max(pos)
    }
    /// The element with the smallest field `pos` per window.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// assert_eq!(seconds.min_by(1).execute_and_collect()?, vec![(1_000, 1), (2_100, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn min_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.min_by(pos)
    }
    /// The element with the largest field `pos` per window.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// // (event time in ms, value)
    /// let events = env.from_collection(vec![(1_000i64, 1), (1_500, 2), (2_100, 4)])
    ///     .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |e, _| e.0);
    /// let seconds = events.window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)));
    /// assert_eq!(seconds.max_by(1).execute_and_collect()?, vec![(1_500, 2), (2_100, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn max_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.max_by(pos)
    }
}
