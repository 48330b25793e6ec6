//! `KeyedStream`: a stream partitioned by key, with rolling aggregations per key.

use crate::datastream::DataStream;
use rasch_core::{Data, Key, RuntimeMode};
use rasch_runtime::functions::KeyedProcessFunction;
use rasch_runtime::functions::{KeySelector, ReduceFn, ReduceFunction};
use rasch_runtime::keyed::KeyedRuntime;
use rasch_runtime::operators::KeyedProcessOperator;
use rasch_runtime::operators::{AggOp, Combine, Combining, FieldAggregate, FieldReduce, KeyedReduceOperator, one_input_factory};
use rasch_runtime::operators::{MaxByKey, MinByKey, SumBy};
use rasch_runtime::output::BoxOutput;
use rasch_runtime::partition::{CombiningPartitioner, KeyGroupSelector, Partitioner, Pattern};
use std::marker::PhantomData;
use std::sync::Arc;

/// A stream partitioned by the key `S` extracts (Flink's `KeyedStream<T, K>`). Records with
/// equal keys go to the same subtask, by key group (DESIGN §5).
pub struct KeyedStream<T, K, S> {
    stream: DataStream<T>,
    selector: S,
    _key: PhantomData<fn() -> K>,
}

impl<T: Data, K: Key, S: KeySelector<T, K>> KeyedStream<T, K, S> {
    pub(crate) fn new(stream: DataStream<T>, selector: S) -> Self {
        let hashed = stream.partitioned(Arc::new(Partitioner::<T, _>::new(
            "HASH",
            Pattern::AllToAll,
            KeyGroupSelector::<T, K, S>::new(selector.clone()),
        )));
        KeyedStream { stream: hashed, selector, _key: PhantomData }
    }

    /// The hash-partitioned stream, for custom keyed operators.
    pub fn stream(&self) -> &DataStream<T> {
        &self.stream
    }

    /// The key selector.
    pub fn selector(&self) -> &S {
        &self.selector
    }

    /// Processes each element with a [`KeyedProcessFunction`]: keyed state, event- and
    /// processing-time timers, side outputs.
    pub fn process<U: Data, F: KeyedProcessFunction<K, T, U> + Sync>(&self, f: F) -> DataStream<U> {
        let selector = self.selector.clone();
        self.stream.transform(
            "Keyed Process",
            one_input_factory::<T, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                Ok(KeyedProcessOperator::new(selector.clone(), f, KeyedRuntime::new(setup)?, out, sides))
            }),
        )
    }

    /// Rolling reduce per key: emits the updated value for every record (STREAMING) or only the
    /// final value per key (BATCH).
    pub fn reduce<F: FnMut(T, T) -> T + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.reduce_rich(ReduceFn(f), "Keyed Reduce")
    }

    /// Rolling reduce with a rich [`ReduceFunction`].
    pub fn reduce_rich<F: ReduceFunction<T> + Sync>(&self, f: F, name: &str) -> DataStream<T> {
        let selector = self.selector.clone();
        self.stream.transform(
            name,
            one_input_factory::<T, T, _, _>(move |setup, out: BoxOutput<T>, _| {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                let emit_updates = setup.ctx.runtime_mode == RuntimeMode::Streaming;
                KeyedReduceOperator::new(selector.clone(), f, emit_updates, out, setup.batch_size).with_checkpointing(setup)
            }),
        )
    }

    /// A built-in (associative) aggregation: in BATCH mode, producers combine per key before
    /// the exchange (the operator graph, and so operator ids, stay the same).
    fn combining_aggregation<C: Combine<T>>(&self, f: C, name: &str) -> DataStream<T> {
        let combining = CombiningPartitioner::new(self.selector.clone(), f.clone());
        let keyed =
            KeyedStream { stream: self.stream.partitioned(Arc::new(combining)), selector: self.selector.clone(), _key: PhantomData };
        keyed.reduce_rich(Combining(f), name)
    }

    /// Rolling sum of the field `field` points at — `sum_by(|t| &mut t.1)` — checked at compile
    /// time; the other fields come from the key's first record (Flink's `sum(pos)`).
    pub fn sum_by<N, F>(&self, field: F) -> DataStream<T>
    where
        N: std::ops::Add<Output = N> + Copy,
        F: Fn(&mut T) -> &mut N + Clone + Send + Sync + 'static,
    {
        self.combining_aggregation(SumBy(field), "Keyed Aggregation (sum_by)")
    }

    /// The whole record with the largest `key(record)` so far, the first one on ties —
    /// `max_by_key(|t| t.2)`, Flink's `maxBy(pos)` checked at compile time.
    pub fn max_by_key<O: Ord, F: Fn(&T) -> O + Clone + Send + Sync + 'static>(&self, key: F) -> DataStream<T> {
        self.combining_aggregation(MaxByKey(key), "Keyed Aggregation (max_by_key)")
    }

    /// The whole record with the smallest `key(record)` so far, the first one on ties —
    /// `min_by_key(|t| t.2)`, Flink's `minBy(pos)` checked at compile time.
    pub fn min_by_key<O: Ord, F: Fn(&T) -> O + Clone + Send + Sync + 'static>(&self, key: F) -> DataStream<T> {
        self.combining_aggregation(MinByKey(key), "Keyed Aggregation (min_by_key)")
    }

    fn field_aggregation(&self, pos: usize, op: AggOp) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        match FieldReduce::<T>::new(pos, op) {
            Ok(f) => self.combining_aggregation(f, &format!("Keyed Aggregation ({}({pos}))", op.name())),
            Err(message) => {
                self.stream.env().record_error(rasch_core::Error::InvalidJob(message));
                self.stream.clone()
            }
        }
    }

    /// Rolling sum of tuple field `pos` (other fields from the key's first record).
    pub fn sum(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Sum)
    }
    /// Rolling minimum of field `pos` (other fields from the key's first record).
    pub fn min(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Min)
    }
    /// Rolling maximum of field `pos` (other fields from the key's first record).
    pub fn max(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Max)
    }
    /// The whole record with the smallest field `pos` so far.
    pub fn min_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MinBy)
    }
    /// The whole record with the largest field `pos` so far.
    pub fn max_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MaxBy)
    }
}
