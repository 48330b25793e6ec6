//! Window functions: the user-facing [`ProcessWindowFunction`] with its [`WindowContext`],
//! closure adapters, and the [`WindowContents`] kinds the window operator stores per
//! (key, window) — a reduced value, an aggregate accumulator, or the list of elements.

use super::window::Window;
use crate::collector::{Collector, OutputTag, SideOutputs};
use crate::context::RuntimeContext;
use crate::functions::ReduceFunction;
use crate::time::ProcessingTimeService;
use rasch_core::{Key, Result};
use rasch_state::{AggregateFunction, KeyedStateBackend, StateView};
use std::marker::PhantomData;

/// What a window function sees besides the elements (Flink's `ProcessWindowFunction.Context`).
pub struct WindowContext<'a, K, W> {
    pub(crate) key: &'a K,
    pub(crate) key_group: usize,
    pub(crate) window: &'a W,
    pub(crate) backend: &'a mut KeyedStateBackend<K>,
    pub(crate) watermark: i64,
    pub(crate) time: &'a ProcessingTimeService,
    pub(crate) sides: &'a mut SideOutputs,
}

impl<K: Key, W: Window> WindowContext<'_, K, W> {
    /// The window being evaluated.
    pub fn window(&self) -> &W {
        self.window
    }
    /// The key being evaluated.
    pub fn key(&self) -> &K {
        self.key
    }
    /// The operator's current event-time watermark.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }
    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.time.now()
    }
    /// State of this key scoped to this window (cleared with the window by `clear`). With
    /// merging (session) windows it is not carried over to the merged window.
    pub fn window_state(&mut self) -> StateView<'_, K, W> {
        StateView { backend: self.backend, key: self.key, key_group: self.key_group, namespace: self.window }
    }
    /// State of this key shared by all its windows.
    pub fn global_state(&mut self) -> StateView<'_, K, ()> {
        StateView { backend: self.backend, key: self.key, key_group: self.key_group, namespace: &() }
    }
    /// Emits to a side output, stamped with the window's max timestamp.
    pub fn output<X: 'static>(&mut self, tag: &OutputTag<X>, value: X) -> Result<()> {
        self.sides.emit(tag, value, self.window.max_timestamp())
    }
}

/// A function over all elements (or the pre-aggregated value) of a window (Flink's
/// `ProcessWindowFunction<IN, OUT, KEY, W>`). Output is stamped with `window.max_timestamp()`.
pub trait ProcessWindowFunction<IN, OUT, K, W>: Clone + Send + 'static {
    /// Evaluates the window: `elements` are its contents in arrival order (a single value when
    /// combined with `reduce`/`aggregate`).
    fn process(&mut self, key: &K, ctx: &mut WindowContext<'_, K, W>, elements: &[IN], out: &mut Collector<'_, OUT>) -> Result<()>;
    /// The window is purged for good: clear per-window state here.
    fn clear(&mut self, _ctx: &mut WindowContext<'_, K, W>) -> Result<()> {
        Ok(())
    }
    /// Called once per parallel instance before the first record.
    fn open(&mut self, _ctx: &RuntimeContext) -> Result<()> {
        Ok(())
    }
    /// Called once after the last record.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Adapts a closure `FnMut(&K, &mut WindowContext, &[IN], &mut Collector<OUT>)`.
#[derive(Clone)]
pub struct ProcessWindowFn<F>(pub F);
impl<IN, OUT, K, W, F> ProcessWindowFunction<IN, OUT, K, W> for ProcessWindowFn<F>
where
    F: FnMut(&K, &mut WindowContext<'_, K, W>, &[IN], &mut Collector<'_, OUT>) -> Result<()> + Clone + Send + 'static,
{
    fn process(&mut self, key: &K, ctx: &mut WindowContext<'_, K, W>, elements: &[IN], out: &mut Collector<'_, OUT>) -> Result<()> {
        (self.0)(key, ctx, elements, out)
    }
}

/// Adapts a plain window function `Fn(&K, &W, Vec<IN>, &mut Collector<OUT>)` (`apply`).
#[derive(Clone)]
pub struct ApplyFn<F>(pub F);
impl<IN: Clone, OUT, K: Key, W: Window, F> ProcessWindowFunction<IN, OUT, K, W> for ApplyFn<F>
where
    F: Fn(&K, &W, Vec<IN>, &mut Collector<'_, OUT>) + Clone + Send + 'static,
{
    fn process(&mut self, key: &K, ctx: &mut WindowContext<'_, K, W>, elements: &[IN], out: &mut Collector<'_, OUT>) -> Result<()> {
        (self.0)(key, ctx.window, elements.to_vec(), out);
        Ok(())
    }
}

/// Emits the (pre-aggregated) values unchanged: plain `reduce` and `aggregate`.
#[derive(Clone, Copy, Default)]
pub struct PassThrough;
impl<T: Clone, K, W> ProcessWindowFunction<T, T, K, W> for PassThrough {
    #[inline]
    fn process(&mut self, _: &K, _: &mut WindowContext<'_, K, W>, elements: &[T], out: &mut Collector<'_, T>) -> Result<()> {
        elements.iter().for_each(|v| out.collect(v.clone()));
        Ok(())
    }
}

/// What the window operator keeps per (key, window) and how it evaluates it. Implemented by
/// [`ReduceContents`], [`AggregateContents`], [`ListContents`] and
/// [`EvictingContents`](super::EvictingContents).
pub trait WindowContents<IN, K, W>: Send + 'static {
    /// The stored value.
    type Acc: Clone + rasch_state::StateValue;
    /// The output element type.
    type Out: 'static;
    /// Whether `fire` changes the stored value (evictors), so it must be written back.
    const MUTATES_ON_FIRE: bool = false;
    /// Adds an element (with its timestamp) to the stored value.
    fn add(&mut self, slot: &mut Option<Self::Acc>, value: IN, ts: i64) -> Result<()>;
    /// Merges the stored values of two windows (session windows), `a` being the earlier.
    fn merge(&mut self, a: Self::Acc, b: Self::Acc) -> Result<Self::Acc>;
    /// Evaluates a firing window.
    fn fire(&mut self, key: &K, acc: &mut Self::Acc, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, Self::Out>) -> Result<()>;
    /// Evaluates a window given as plain elements (behind an evictor).
    fn fire_elements(
        &mut self,
        key: &K,
        elements: Vec<IN>,
        ctx: &mut WindowContext<'_, K, W>,
        out: &mut Collector<'_, Self::Out>,
    ) -> Result<()>;
    /// The window is purged for good (the user function's `clear`).
    fn clear(&mut self, ctx: &mut WindowContext<'_, K, W>) -> Result<()>;
    /// The operator closes.
    fn close(&mut self) -> Result<()>;
}

/// Incremental reduce, then a process function over the single reduced value.
pub struct ReduceContents<IN, OUT, R, P> {
    reduce: R,
    process: P,
    _in: PhantomData<fn(IN) -> OUT>,
}

impl<IN, OUT, R, P> ReduceContents<IN, OUT, R, P> {
    /// Reduces with `reduce`, evaluates with `process`.
    pub fn new(reduce: R, process: P) -> Self {
        ReduceContents { reduce, process, _in: PhantomData }
    }
}

impl<IN, OUT, K, W, R, P> WindowContents<IN, K, W> for ReduceContents<IN, OUT, R, P>
where
    IN: Clone + rasch_state::StateValue,
    OUT: 'static,
    R: ReduceFunction<IN>,
    P: ProcessWindowFunction<IN, OUT, K, W>,
{
    type Acc = IN;
    type Out = OUT;
    #[inline]
    fn add(&mut self, slot: &mut Option<IN>, value: IN, _: i64) -> Result<()> {
        *slot = Some(match slot.take() {
            Some(acc) => self.reduce.reduce(acc, value)?,
            None => value,
        });
        Ok(())
    }
    fn merge(&mut self, a: IN, b: IN) -> Result<IN> {
        self.reduce.reduce(a, b)
    }
    fn fire(&mut self, key: &K, acc: &mut IN, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, OUT>) -> Result<()> {
        self.process.process(key, ctx, std::slice::from_ref(acc), out)
    }
    fn fire_elements(&mut self, key: &K, elements: Vec<IN>, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, OUT>) -> Result<()> {
        let mut acc = None;
        for v in elements {
            self.add(&mut acc, v, 0)?;
        }
        match acc {
            Some(acc) => self.process.process(key, ctx, &[acc], out),
            None => Ok(()),
        }
    }
    fn clear(&mut self, ctx: &mut WindowContext<'_, K, W>) -> Result<()> {
        self.process.clear(ctx)
    }
    fn close(&mut self) -> Result<()> {
        self.reduce.close()?;
        self.process.close()
    }
}

type Types<IN, ACC, R, OUT> = PhantomData<fn(IN, ACC) -> (R, OUT)>;

/// Incremental aggregation with an [`AggregateFunction`], then a process function over the
/// single result.
pub struct AggregateContents<IN, ACC, R, OUT, A, P> {
    agg: A,
    process: P,
    _types: Types<IN, ACC, R, OUT>,
}

impl<IN, ACC, R, OUT, A, P> AggregateContents<IN, ACC, R, OUT, A, P> {
    /// Aggregates with `agg`, evaluates its result with `process`.
    pub fn new(agg: A, process: P) -> Self {
        AggregateContents { agg, process, _types: PhantomData }
    }
}

impl<IN, ACC, R, OUT, K, W, A, P> WindowContents<IN, K, W> for AggregateContents<IN, ACC, R, OUT, A, P>
where
    IN: 'static,
    ACC: Clone + rasch_state::StateValue,
    R: 'static,
    OUT: 'static,
    A: AggregateFunction<IN, ACC, R>,
    P: ProcessWindowFunction<R, OUT, K, W>,
{
    type Acc = ACC;
    type Out = OUT;
    #[inline]
    fn add(&mut self, slot: &mut Option<ACC>, value: IN, _: i64) -> Result<()> {
        let acc = slot.take().unwrap_or_else(|| self.agg.create_accumulator());
        *slot = Some(self.agg.add(value, acc));
        Ok(())
    }
    fn merge(&mut self, a: ACC, b: ACC) -> Result<ACC> {
        Ok(self.agg.merge(a, b))
    }
    fn fire(&mut self, key: &K, acc: &mut ACC, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, OUT>) -> Result<()> {
        let r = self.agg.get_result(acc);
        self.process.process(key, ctx, &[r], out)
    }
    fn fire_elements(&mut self, key: &K, elements: Vec<IN>, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, OUT>) -> Result<()> {
        let acc = elements.into_iter().fold(self.agg.create_accumulator(), |acc, v| self.agg.add(v, acc));
        let r = self.agg.get_result(&acc);
        self.process.process(key, ctx, &[r], out)
    }
    fn clear(&mut self, ctx: &mut WindowContext<'_, K, W>) -> Result<()> {
        self.process.clear(ctx)
    }
    fn close(&mut self) -> Result<()> {
        self.process.close()
    }
}

/// Keeps every element; the process function sees them all.
pub struct ListContents<IN, OUT, P> {
    process: P,
    _in: PhantomData<fn(IN) -> OUT>,
}

impl<IN, OUT, P> ListContents<IN, OUT, P> {
    /// Evaluates the element list with `process`.
    pub fn new(process: P) -> Self {
        ListContents { process, _in: PhantomData }
    }
}

impl<IN, OUT, K, W, P> WindowContents<IN, K, W> for ListContents<IN, OUT, P>
where
    IN: Clone + rasch_state::StateValue,
    OUT: 'static,
    P: ProcessWindowFunction<IN, OUT, K, W>,
{
    type Acc = Vec<IN>;
    type Out = OUT;
    #[inline]
    fn add(&mut self, slot: &mut Option<Vec<IN>>, value: IN, _: i64) -> Result<()> {
        slot.get_or_insert_with(Vec::new).push(value);
        Ok(())
    }
    fn merge(&mut self, mut a: Vec<IN>, b: Vec<IN>) -> Result<Vec<IN>> {
        a.extend(b);
        Ok(a)
    }
    fn fire(&mut self, key: &K, acc: &mut Vec<IN>, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, OUT>) -> Result<()> {
        self.process.process(key, ctx, acc, out)
    }
    fn fire_elements(&mut self, key: &K, elements: Vec<IN>, ctx: &mut WindowContext<'_, K, W>, out: &mut Collector<'_, OUT>) -> Result<()> {
        self.process.process(key, ctx, &elements, out)
    }
    fn clear(&mut self, ctx: &mut WindowContext<'_, K, W>) -> Result<()> {
        self.process.clear(ctx)
    }
    fn close(&mut self) -> Result<()> {
        self.process.close()
    }
}
