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
/// equal keys go to the same subtask, by key group (DESIGN §5), and reach it in the order
/// their upstream subtask sent them. Operators on a keyed stream keep state per key; the
/// rolling aggregations (`reduce`, `sum`, …) emit every update in STREAMING mode and only each
/// key's final value in BATCH mode.
///
/// ```
/// use rasch_api::StreamEnv;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// let words = vec![("to".to_string(), 1), ("be".to_string(), 1), ("to".to_string(), 1)];
/// let mut counts = env.from_collection(words).key_by(|(w, _)| w.clone()).sum(1).execute_and_collect()?;
/// counts.sort();
/// assert_eq!(counts, vec![("be".to_string(), 1), ("to".to_string(), 1), ("to".to_string(), 2)]);
/// # Ok(()) }
/// ```
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

    /// The hash-partitioned stream, for custom keyed operators: an operator added to it with
    /// [`DataStream::transform`] receives every element of a key in the same subtask.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let keyed = env.from_collection(vec![1, 2, 3]).key_by(|x| x % 2);
    /// let mut out = keyed.stream().map(|x| x * 10).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![10, 20, 30]);
    /// # Ok(()) }
    /// ```
    pub fn stream(&self) -> &DataStream<T> {
        &self.stream
    }

    /// The key selector, for custom keyed operators.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::functions::KeySelector;
    ///
    /// let env = StreamEnv::local();
    /// let keyed = env.from_collection(vec![7]).key_by(|x| x % 2);
    /// assert_eq!(*keyed.selector().get_key(&7), 1);
    /// ```
    pub fn selector(&self) -> &S {
        &self.selector
    }

    /// Processes each element with a [`KeyedProcessFunction`]: keyed state, event- and
    /// processing-time timers, side outputs. State handles read and write the state of the
    /// current key; timers are per key and time, deduplicated, and fire in time order. When a
    /// bounded input ends, the final watermark fires every event-time timer; processing-time
    /// timers still pending do not fire.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::functions::KeyedProcessFunction;
    /// use rasch_runtime::keyed::KeyedContext;
    /// use rasch_state::ValueState;
    ///
    /// #[derive(Clone)]
    /// struct Numbering { seen: ValueState<u64> }
    /// impl KeyedProcessFunction<char, char, (char, u64)> for Numbering {
    ///     fn process_element(&mut self, c: char, ctx: &mut KeyedContext<'_, char>, out: &mut Collector<'_, (char, u64)>) -> rasch_core::Result<()> {
    ///         let n = self.seen.value(ctx)?.unwrap_or(0) + 1;
    ///         self.seen.update(ctx, n)?;
    ///         out.collect((c, n));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let numbered = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c).process(Numbering { seen: ValueState::new("seen") });
    /// let mut out = numbered.execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 1), ('a', 2), ('b', 1)]);
    /// # Ok(()) }
    /// ```
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
    /// final value per key (BATCH). `f(accumulated, new)` sees a key's records in arrival
    /// order; the first record of a key is emitted as is. The accumulated values are keyed
    /// state, checkpointed with the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![('a', 1), ('b', 5), ('a', 2)])
    ///     .key_by(|t| t.0)
    ///     .reduce(|acc, t| (acc.0, acc.1 + t.1))
    ///     .execute_and_collect()?;
    /// assert_eq!(out, vec![('a', 1), ('b', 5), ('a', 3)]);
    /// # Ok(()) }
    /// ```
    pub fn reduce<F: FnMut(T, T) -> T + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.reduce_rich(ReduceFn(f), "Keyed Reduce")
    }

    /// Rolling reduce with a rich [`ReduceFunction`] (a clone per subtask, with `open`/`close`),
    /// as [`reduce`](Self::reduce); `name` names the operator. An `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::functions::ReduceFunction;
    ///
    /// #[derive(Clone)]
    /// struct Longest;
    /// impl ReduceFunction<String> for Longest {
    ///     fn reduce(&mut self, acc: String, s: String) -> rasch_core::Result<String> {
    ///         Ok(if s.len() > acc.len() { s } else { acc })
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let words = vec!["a".to_string(), "ccc".to_string(), "bb".to_string()];
    /// let out = env.from_collection(words).key_by(|_| 0).reduce_rich(Longest, "Longest").execute_and_collect()?;
    /// assert_eq!(out, vec!["a", "ccc", "ccc"]);
    /// # Ok(()) }
    /// ```
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
    /// time; the other fields come from the key's first record (Flink's `sum(pos)`). In BATCH
    /// mode, producers pre-aggregate per key before the exchange.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![('a', 1.5, 'x'), ('a', 2.0, 'y')])
    ///     .key_by(|t| t.0)
    ///     .sum_by(|t| &mut t.1)
    ///     .execute_and_collect()?;
    /// assert_eq!(out, vec![('a', 1.5, 'x'), ('a', 3.5, 'x')]); // 'x': from the first record
    /// # Ok(()) }
    /// ```
    pub fn sum_by<N, F>(&self, field: F) -> DataStream<T>
    where
        N: std::ops::Add<Output = N> + Copy,
        F: Fn(&mut T) -> &mut N + Clone + Send + Sync + 'static,
    {
        self.combining_aggregation(SumBy(field), "Keyed Aggregation (sum_by)")
    }

    /// The whole record with the largest `key(record)` so far, the first one on ties —
    /// `max_by_key(|t| t.2)`, Flink's `maxBy(pos)` checked at compile time. Emits it for every
    /// record (STREAMING) or once per key (BATCH).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![("s1", 3, 'a'), ("s1", 7, 'b'), ("s1", 7, 'c')].into_iter().map(|(s, v, c)| (s.to_string(), v, c)).collect())
    ///     .key_by(|t| t.0.clone())
    ///     .max_by_key(|t| t.1)
    ///     .map(|t| t.2)
    ///     .execute_and_collect()?;
    /// assert_eq!(out, vec!['a', 'b', 'b']); // the first of the ties stays
    /// # Ok(()) }
    /// ```
    pub fn max_by_key<O: Ord, F: Fn(&T) -> O + Clone + Send + Sync + 'static>(&self, key: F) -> DataStream<T> {
        self.combining_aggregation(MaxByKey(key), "Keyed Aggregation (max_by_key)")
    }

    /// The whole record with the smallest `key(record)` so far, the first one on ties —
    /// `min_by_key(|t| t.2)`, Flink's `minBy(pos)` checked at compile time. Emits it for every
    /// record (STREAMING) or once per key (BATCH).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_core::RuntimeMode;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_runtime_mode(RuntimeMode::Batch);
    /// let mut out = env.from_collection(vec![(1, 30, 'a'), (1, 10, 'b'), (2, 20, 'c')])
    ///     .key_by(|t| t.0)
    ///     .min_by_key(|t| t.1)
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 10, 'b'), (2, 20, 'c')]);
    /// # Ok(()) }
    /// ```
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

    /// Rolling sum of tuple field `pos` (other fields from the key's first record), on tuples
    /// of up to 6 fields and on plain numbers (`pos` 0). A missing position or a non-numeric
    /// field fails `execute()`; [`sum_by`](Self::sum_by) checks the field at compile time.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![(1, 2), (1, 3), (2, 4)]).key_by(|t| t.0).sum(1).execute_and_collect()?;
    /// assert_eq!(out, vec![(1, 2), (1, 5), (2, 4)]);
    ///
    /// let env = StreamEnv::local();
    /// env.from_collection(vec![(1, 2)]).key_by(|t| t.0).sum(2).discard();
    /// assert!(env.execute("no field 2").is_err());
    /// # Ok(()) }
    /// ```
    pub fn sum(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Sum)
    }
    /// Rolling minimum of field `pos` (other fields from the key's first record; use
    /// [`min_by`](Self::min_by) for the whole record).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![(1, 5, 10), (1, 3, 20)]).key_by(|t| t.0).min(1).execute_and_collect()?;
    /// assert_eq!(out, vec![(1, 5, 10), (1, 3, 10)]);
    /// # Ok(()) }
    /// ```
    pub fn min(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Min)
    }
    /// Rolling maximum of field `pos` (other fields from the key's first record; use
    /// [`max_by`](Self::max_by) for the whole record).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![(1, 3, 10), (1, 5, 20)]).key_by(|t| t.0).max(1).execute_and_collect()?;
    /// assert_eq!(out, vec![(1, 3, 10), (1, 5, 10)]);
    /// # Ok(()) }
    /// ```
    pub fn max(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::Max)
    }
    /// The whole record with the smallest field `pos` so far (the first one on ties).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![(1, 5, 10), (1, 3, 20), (1, 3, 30)]).key_by(|t| t.0).min_by(1).execute_and_collect()?;
    /// assert_eq!(out, vec![(1, 5, 10), (1, 3, 20), (1, 3, 20)]);
    /// # Ok(()) }
    /// ```
    pub fn min_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MinBy)
    }
    /// The whole record with the largest field `pos` so far (the first one on ties).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![(1, 3, 10), (1, 5, 20)]).key_by(|t| t.0).max_by(1).execute_and_collect()?;
    /// assert_eq!(out, vec![(1, 3, 10), (1, 5, 20)]);
    /// # Ok(()) }
    /// ```
    pub fn max_by(&self, pos: usize) -> DataStream<T>
    where
        T: FieldAggregate,
    {
        self.field_aggregation(pos, AggOp::MaxBy)
    }
}
