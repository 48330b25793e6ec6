//! User function traits (Flink's `MapFunction`, `ProcessFunction`, … with the rich
//! `open`/`close` lifecycle) and the adapters that turn closures into them.
//!
//! Every function is `Clone + Send`: each parallel instance gets its own clone, so a
//! function's fields are per-subtask state that needs no locking.

use crate::collector::{Collector, OutputTag, SideOutputs};
use crate::context::RuntimeContext;
use rasch_core::Result;

macro_rules! lifecycle {
    () => {
        /// Called once per parallel instance before the first record.
        fn open(&mut self, _ctx: &RuntimeContext) -> Result<()> {
            Ok(())
        }
        /// Called once after the last record (or when the job stops).
        fn close(&mut self) -> Result<()> {
            Ok(())
        }
    };
}

/// One value in, one value out.
pub trait MapFunction<T, U>: Clone + Send + 'static {
    /// Transforms one value.
    fn map(&mut self, value: T) -> Result<U>;
    lifecycle!();
}

/// One value in, zero or more out.
pub trait FlatMapFunction<T, U>: Clone + Send + 'static {
    /// Emits any number of values for `value` into `out`.
    fn flat_map(&mut self, value: T, out: &mut Collector<'_, U>) -> Result<()>;
    lifecycle!();
}

/// Keeps the values for which `filter` returns true.
pub trait FilterFunction<T>: Clone + Send + 'static {
    /// Whether to keep `value`.
    fn filter(&mut self, value: &T) -> Result<bool>;
    lifecycle!();
}

/// Combines two values of a key into one (rolling aggregation).
pub trait ReduceFunction<T>: Clone + Send + 'static {
    /// Combines the accumulated value with a new one.
    fn reduce(&mut self, accumulated: T, value: T) -> Result<T>;
    lifecycle!();
}

/// What a process function may do besides emitting to its main output.
pub struct ProcessContext<'a> {
    pub(crate) timestamp: i64,
    pub(crate) watermark: i64,
    pub(crate) sides: &'a mut SideOutputs,
}

impl ProcessContext<'_> {
    /// The timestamp of the element being processed, if it has one.
    pub fn timestamp(&self) -> Option<i64> {
        (self.timestamp != rasch_core::NO_TIMESTAMP).then_some(self.timestamp)
    }
    /// The current event-time watermark of this operator.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }
    /// Emits `value` to the side output named by `tag`.
    pub fn output<X: 'static>(&mut self, tag: &OutputTag<X>, value: X) -> Result<()> {
        self.sides.emit(tag, value, self.timestamp)
    }
}

/// The most general one-input function: emits to the main output and to side outputs.
pub trait ProcessFunction<T, U>: Clone + Send + 'static {
    /// Processes one element.
    fn process_element(&mut self, value: T, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    lifecycle!();
}

/// Maps each of two connected inputs to a common output type.
pub trait CoMapFunction<A, B, U>: Clone + Send + 'static {
    /// Maps an element of the first input.
    fn map1(&mut self, value: A) -> Result<U>;
    /// Maps an element of the second input.
    fn map2(&mut self, value: B) -> Result<U>;
    lifecycle!();
}

/// Flat-maps each of two connected inputs to a common output type.
pub trait CoFlatMapFunction<A, B, U>: Clone + Send + 'static {
    /// Processes an element of the first input.
    fn flat_map1(&mut self, value: A, out: &mut Collector<'_, U>) -> Result<()>;
    /// Processes an element of the second input.
    fn flat_map2(&mut self, value: B, out: &mut Collector<'_, U>) -> Result<()>;
    lifecycle!();
}

/// Processes two connected inputs with side outputs.
pub trait CoProcessFunction<A, B, U>: Clone + Send + 'static {
    /// Processes an element of the first input.
    fn process_element1(&mut self, value: A, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    /// Processes an element of the second input.
    fn process_element2(&mut self, value: B, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, U>) -> Result<()>;
    lifecycle!();
}

/// Adapts a closure `FnMut(T) -> U` to [`MapFunction`].
#[derive(Clone)]
pub struct MapFn<F>(pub F);
impl<T, U, F: FnMut(T) -> U + Clone + Send + 'static> MapFunction<T, U> for MapFn<F> {
    #[inline]
    fn map(&mut self, value: T) -> Result<U> {
        Ok((self.0)(value))
    }
}

/// Adapts a closure `FnMut(T) -> impl IntoIterator<Item = U>` to [`FlatMapFunction`].
#[derive(Clone)]
pub struct FlatMapFn<F>(pub F);
impl<T, U, I: IntoIterator<Item = U>, F: FnMut(T) -> I + Clone + Send + 'static> FlatMapFunction<T, U> for FlatMapFn<F> {
    #[inline]
    fn flat_map(&mut self, value: T, out: &mut Collector<'_, U>) -> Result<()> {
        for v in (self.0)(value) {
            out.collect(v);
        }
        Ok(())
    }
}

/// Adapts a closure `FnMut(T, &mut Collector<U>)` to [`FlatMapFunction`].
#[derive(Clone)]
pub struct CollectFn<F>(pub F);
impl<T, U, F: FnMut(T, &mut Collector<'_, U>) + Clone + Send + 'static> FlatMapFunction<T, U> for CollectFn<F> {
    #[inline]
    fn flat_map(&mut self, value: T, out: &mut Collector<'_, U>) -> Result<()> {
        (self.0)(value, out);
        Ok(())
    }
}

/// Adapts a fallible closure `FnMut(T) -> Result<U, E>` to [`MapFunction`]: an `Err` fails the
/// task as a user error that keeps `E` as its cause.
#[derive(Clone)]
pub struct TryMapFn<F>(pub F);
impl<T, U, E: std::error::Error + Send + Sync + 'static, F: FnMut(T) -> std::result::Result<U, E> + Clone + Send + 'static>
    MapFunction<T, U> for TryMapFn<F>
{
    #[inline]
    fn map(&mut self, value: T) -> Result<U> {
        (self.0)(value).map_err(|e| rasch_core::Error::user_caused_by("the map function failed", e))
    }
}

/// Adapts a fallible closure `FnMut(T) -> Result<impl IntoIterator<Item = U>, E>` to
/// [`FlatMapFunction`]: an `Err` fails the task as a user error that keeps `E` as its cause.
#[derive(Clone)]
pub struct TryFlatMapFn<F>(pub F);
impl<
    T,
    U,
    I: IntoIterator<Item = U>,
    E: std::error::Error + Send + Sync + 'static,
    F: FnMut(T) -> std::result::Result<I, E> + Clone + Send + 'static,
> FlatMapFunction<T, U> for TryFlatMapFn<F>
{
    #[inline]
    fn flat_map(&mut self, value: T, out: &mut Collector<'_, U>) -> Result<()> {
        let values = (self.0)(value).map_err(|e| rasch_core::Error::user_caused_by("the flat-map function failed", e))?;
        for v in values {
            out.collect(v);
        }
        Ok(())
    }
}

/// Adapts a closure `FnMut(&T) -> bool` to [`FilterFunction`].
#[derive(Clone)]
pub struct FilterFn<F>(pub F);
impl<T, F: FnMut(&T) -> bool + Clone + Send + 'static> FilterFunction<T> for FilterFn<F> {
    #[inline]
    fn filter(&mut self, value: &T) -> Result<bool> {
        Ok((self.0)(value))
    }
}

/// Adapts a closure `FnMut(T, T) -> T` to [`ReduceFunction`].
#[derive(Clone)]
pub struct ReduceFn<F>(pub F);
impl<T, F: FnMut(T, T) -> T + Clone + Send + 'static> ReduceFunction<T> for ReduceFn<F> {
    #[inline]
    fn reduce(&mut self, accumulated: T, value: T) -> Result<T> {
        Ok((self.0)(accumulated, value))
    }
}

/// Adapts a pair of closures to [`CoMapFunction`].
#[derive(Clone)]
pub struct CoMapFn<F1, F2>(pub F1, pub F2);
impl<A, B, U, F1, F2> CoMapFunction<A, B, U> for CoMapFn<F1, F2>
where
    F1: FnMut(A) -> U + Clone + Send + 'static,
    F2: FnMut(B) -> U + Clone + Send + 'static,
{
    fn map1(&mut self, value: A) -> Result<U> {
        Ok((self.0)(value))
    }
    fn map2(&mut self, value: B) -> Result<U> {
        Ok((self.1)(value))
    }
}

/// Adapts a pair of closures returning iterators to [`CoFlatMapFunction`].
#[derive(Clone)]
pub struct CoFlatMapFn<F1, F2>(pub F1, pub F2);
impl<A, B, U, I1, I2, F1, F2> CoFlatMapFunction<A, B, U> for CoFlatMapFn<F1, F2>
where
    I1: IntoIterator<Item = U>,
    I2: IntoIterator<Item = U>,
    F1: FnMut(A) -> I1 + Clone + Send + 'static,
    F2: FnMut(B) -> I2 + Clone + Send + 'static,
{
    fn flat_map1(&mut self, value: A, out: &mut Collector<'_, U>) -> Result<()> {
        (self.0)(value).into_iter().for_each(|v| out.collect(v));
        Ok(())
    }
    fn flat_map2(&mut self, value: B, out: &mut Collector<'_, U>) -> Result<()> {
        (self.1)(value).into_iter().for_each(|v| out.collect(v));
        Ok(())
    }
}

/// Extracts the key of a value for `key_by` (Flink's `KeySelector`). Returns a `Cow` so that
/// selectors pointing at a field need not clone it on the hot path.
pub trait KeySelector<T, K: Clone>: Clone + Send + Sync + 'static {
    /// The key of `value`.
    fn get_key<'a>(&self, value: &'a T) -> std::borrow::Cow<'a, K>;
}

/// Adapts a closure computing an owned key, `Fn(&T) -> K`.
#[derive(Clone)]
pub struct KeyFn<F>(pub F);
impl<T, K: Clone, F: Fn(&T) -> K + Clone + Send + Sync + 'static> KeySelector<T, K> for KeyFn<F> {
    #[inline]
    fn get_key<'a>(&self, value: &'a T) -> std::borrow::Cow<'a, K> {
        std::borrow::Cow::Owned((self.0)(value))
    }
}

/// Adapts a closure borrowing the key from the value, `Fn(&T) -> &K` (no clone per record).
#[derive(Clone)]
pub struct KeyRefFn<F>(pub F);
impl<T, K: Clone, F: for<'a> Fn(&'a T) -> &'a K + Clone + Send + Sync + 'static> KeySelector<T, K> for KeyRefFn<F> {
    #[inline]
    fn get_key<'a>(&self, value: &'a T) -> std::borrow::Cow<'a, K> {
        std::borrow::Cow::Borrowed((self.0)(value))
    }
}

/// A keyed function with state and timers (Flink's `KeyedProcessFunction`).
pub trait KeyedProcessFunction<K, T, U>: Clone + Send + 'static {
    /// Processes one element of the current key.
    fn process_element(&mut self, value: T, ctx: &mut crate::keyed::KeyedContext<'_, K>, out: &mut Collector<'_, U>) -> Result<()>;
    /// A timer registered for the current key fired at `timestamp`.
    fn on_timer(&mut self, _timestamp: i64, _ctx: &mut crate::keyed::KeyedContext<'_, K>, _out: &mut Collector<'_, U>) -> Result<()> {
        Ok(())
    }
    lifecycle!();
}
