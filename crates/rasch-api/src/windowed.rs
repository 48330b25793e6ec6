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

/// A keyed stream cut into windows (Flink's `WindowedStream<T, K, W>`).
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
    pub fn window<A: WindowAssigner<T>>(&self, assigner: A) -> WindowedStream<T, K, S, A> {
        WindowedStream::new(self.stream().clone(), self.selector().clone(), assigner, false)
    }

    /// Tumbling count windows: fires and purges every `size` elements of a key (Flink's
    /// `countWindow(size)`: `GlobalWindows` + `PurgingTrigger(CountTrigger(size))`).
    pub fn count_window(&self, size: u64) -> WindowedStream<T, K, S, GlobalWindows> {
        self.window(GlobalWindows::create()).trigger(PurgingTrigger::of(CountTrigger::of(size)))
    }

    /// Sliding count windows: every `slide` elements, evaluates the key's last `size`
    /// elements (`GlobalWindows` + `CountEvictor(size)` + `CountTrigger(slide)`).
    pub fn count_window_sliding(&self, size: u64, slide: u64) -> WindowedStream<T, K, S, GlobalWindows> {
        self.window(GlobalWindows::create()).evictor(CountEvictor::of(size as usize)).trigger(CountTrigger::of(slide))
    }
}

/// The key of non-keyed (`window_all`) windows: every element has the unit key.
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
    pub fn window_all<A: WindowAssigner<T>>(&self, assigner: A) -> AllWindowedStream<T, A> {
        let keyed = KeyedStream::new(self.clone(), UnitKey);
        AllWindowedStream { inner: WindowedStream::new(keyed.stream().clone(), UnitKey, assigner, true) }
    }

    /// Tumbling count windows over the whole stream (parallelism 1).
    pub fn count_window_all(&self, size: u64) -> AllWindowedStream<T, GlobalWindows> {
        self.window_all(GlobalWindows::create()).trigger(PurgingTrigger::of(CountTrigger::of(size)))
    }

    /// Sliding count windows over the whole stream (parallelism 1).
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

    /// Replaces the assigner's default trigger.
    pub fn trigger(mut self, trigger: impl Trigger<T, A::W>) -> Self {
        self.spec.trigger = Arc::new(trigger);
        self.custom_trigger = true;
        self
    }

    /// Evicts elements before/after the window function; the window then keeps all elements
    /// (no incremental aggregation).
    pub fn evictor(mut self, evictor: impl Evictor<T, A::W>) -> Self {
        self.evictor = Some(Arc::new(evictor));
        self
    }

    /// Keeps event-time windows (and adds late elements to them, re-firing per the trigger)
    /// until the watermark passes `window end + lateness`. Default 0.
    pub fn allowed_lateness(mut self, lateness: Duration) -> Self {
        self.spec.allowed_lateness = i64::try_from(lateness.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// Sends elements that arrive after their windows were cleaned up to the side output
    /// `tag` (read it with `get_side_output(&tag)` on the result) instead of dropping them.
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

    /// Reduces each window incrementally with `f`; emits the reduced value when it fires.
    pub fn reduce<F: FnMut(T, T) -> T + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.reduce_rich(ReduceFn(f))
    }

    /// Like [`reduce`](Self::reduce) with a rich [`ReduceFunction`].
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
    /// window context) when the window fires.
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

    /// Aggregates each window incrementally with an [`AggregateFunction`]; emits its result.
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

    /// Evaluates each firing window with a [`ProcessWindowFunction`] over all its elements.
    pub fn process<OUT: Data, P: ProcessWindowFunction<T, OUT, K, A::W> + Sync>(&self, process: P) -> DataStream<OUT> {
        self.build("Process", move |setup| {
            let mut p = process.clone();
            p.open(&setup.ctx)?;
            Ok(ListContents::<T, OUT, _>::new(p))
        })
    }

    /// Evaluates each firing window with a plain window function
    /// `Fn(&key, &window, elements, out)` (Flink's `apply`).
    pub fn apply<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: Fn(&K, &A::W, Vec<T>, &mut Collector<'_, OUT>) + Clone + Send + Sync + 'static,
    {
        self.process(ApplyFn(f))
    }

    /// [`process`](Self::process) with a closure whose argument types the compiler infers:
    /// `.process_fn(|key, ctx, elements, out| { out.collect((key.clone(), ctx.window().end, elements.len())); Ok(()) })`.
    pub fn process_fn<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: FnMut(&K, &mut WindowContext<'_, K, A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.process(ProcessWindowFn(f))
    }

    /// [`reduce_with_process`](Self::reduce_with_process) with a closure for the process
    /// function whose argument types the compiler infers:
    /// `.reduce_with_process_fn(|a, b| a + b, |key, ctx, sum, out| { out.collect((key.clone(), ctx.window().end, sum[0])); Ok(()) })`.
    pub fn reduce_with_process_fn<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: FnMut(T, T) -> T + Clone + Send + Sync + 'static,
        P: FnMut(&K, &mut WindowContext<'_, K, A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.reduce_with_process(f, ProcessWindowFn(process))
    }

    /// [`aggregate_with_process`](Self::aggregate_with_process) with a closure for the process
    /// function whose argument types the compiler infers.
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

    /// Sum of tuple field `pos` per window (other fields from the window's first element).
    pub fn sum(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Sum)
    }
    /// Minimum of field `pos` per window (other fields from the window's first element).
    pub fn min(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Min)
    }
    /// Maximum of field `pos` per window (other fields from the window's first element).
    pub fn max(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Max)
    }
    /// The element with the smallest field `pos` per window (the first on ties).
    pub fn min_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MinBy)
    }
    /// The element with the largest field `pos` per window (the first on ties).
    pub fn max_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MaxBy)
    }
}

/// Windows over a whole, non-keyed stream (Flink's `AllWindowedStream`): the window operator
/// has parallelism 1 and the key seen by functions is the unit key `()`.
pub struct AllWindowedStream<T, A: WindowAssigner<T>> {
    inner: WindowedStream<T, (), UnitKey, A>,
}

impl<T: Data, A: WindowAssigner<T>> AllWindowedStream<T, A> {
    /// Replaces the assigner's default trigger.
    pub fn trigger(self, trigger: impl Trigger<T, A::W>) -> Self {
        AllWindowedStream { inner: self.inner.trigger(trigger) }
    }
    /// Evicts elements before/after the window function.
    pub fn evictor(self, evictor: impl Evictor<T, A::W>) -> Self {
        AllWindowedStream { inner: self.inner.evictor(evictor) }
    }
    /// Allowed lateness of event-time windows.
    pub fn allowed_lateness(self, lateness: Duration) -> Self {
        AllWindowedStream { inner: self.inner.allowed_lateness(lateness) }
    }
    /// Sends too-late elements to the side output `tag`.
    pub fn side_output_late_data(self, tag: &OutputTag<T>) -> Self {
        AllWindowedStream { inner: self.inner.side_output_late_data(tag) }
    }
    /// Reduces each window incrementally.
    pub fn reduce<F: FnMut(T, T) -> T + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.inner.reduce(f)
    }
    /// Reduces incrementally; `process` receives the reduced value.
    pub fn reduce_with_process<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: FnMut(T, T) -> T + Clone + Send + Sync + 'static,
        P: ProcessWindowFunction<T, OUT, (), A::W> + Sync,
    {
        self.inner.reduce_with_process(f, process)
    }
    /// Aggregates each window incrementally.
    pub fn aggregate<ACC: Clone + rasch_state::StateValue, R: Data, F: AggregateFunction<T, ACC, R>>(&self, agg: F) -> DataStream<R> {
        self.inner.aggregate(agg)
    }
    /// Aggregates each window incrementally and emits `f(&(), window, result)` (the keyed
    /// form's arguments, with the key `()`), on the sliced fast path where it applies.
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
    pub fn process<OUT: Data, P: ProcessWindowFunction<T, OUT, (), A::W> + Sync>(&self, process: P) -> DataStream<OUT> {
        self.inner.process(process)
    }
    /// Evaluates each window with `Fn(&key, &window, elements, out)` — the keyed form's
    /// arguments, with the key `()` (Flink's `AllWindowFunction`).
    pub fn apply<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: Fn(&(), &A::W, Vec<T>, &mut Collector<'_, OUT>) + Clone + Send + Sync + 'static,
    {
        self.inner.apply(f)
    }
    /// [`process`](Self::process) with a closure whose argument types the compiler infers (key `()`).
    pub fn process_fn<OUT: Data, F>(&self, f: F) -> DataStream<OUT>
    where
        F: FnMut(&(), &mut WindowContext<'_, (), A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.inner.process_fn(f)
    }
    /// [`reduce_with_process`](Self::reduce_with_process) with a closure whose argument types the
    /// compiler infers (key `()`).
    pub fn reduce_with_process_fn<OUT: Data, F, P>(&self, f: F, process: P) -> DataStream<OUT>
    where
        F: FnMut(T, T) -> T + Clone + Send + Sync + 'static,
        P: FnMut(&(), &mut WindowContext<'_, (), A::W>, &[T], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + Sync + 'static,
    {
        self.inner.reduce_with_process_fn(f, process)
    }
    /// [`aggregate_with_process`](Self::aggregate_with_process) with a closure whose argument
    /// types the compiler infers (key `()`).
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
    pub fn sum(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.sum(pos)
    }
    /// Minimum of field `pos` per window.
    pub fn min(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.min(pos)
    }
    /// Maximum of field `pos` per window.
    pub fn max(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.max(pos)
    }
    /// The element with the smallest field `pos` per window.
    pub fn min_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.min_by(pos)
    }
    /// The element with the largest field `pos` per window.
    pub fn max_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.inner.max_by(pos)
    }
}
