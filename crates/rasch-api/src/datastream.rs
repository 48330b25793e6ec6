//! `DataStream<T>`: a typed stream and its transformations, partitionings and sinks.

use crate::connected::ConnectedStreams;
use crate::env::StreamEnv;
use crate::keyed::KeyedStream;
use rasch_connectors::{CollectSink, DiscardingSink, PrintSink, TextFileSink, WriteMode};
use rasch_core::config::AUTO_WATERMARK_INTERVAL;
use rasch_core::{Data, Error, Key, Result, ToText};
use rasch_runtime::collector::{Collector, OutputTag};
use rasch_runtime::functions::{
    CollectFn, FilterFn, FilterFunction, FlatMapFn, FlatMapFunction, KeyFn, KeyRefFn, MapFn, MapFunction, ProcessFunction, TryFlatMapFn,
    TryMapFn,
};
use rasch_runtime::graph::{Chaining, NodeId};
use rasch_runtime::operators::TimestampsAndWatermarksOperator;
use rasch_runtime::operators::{
    FilterOperator, FlatMapOperator, MapOperator, OperatorFactory, ProcessOperator, SinkOperator, one_input_factory,
};
use rasch_runtime::output::BoxOutput;
use rasch_runtime::partition::{Broadcast, CustomSelector, Forward, Partitioner, PartitionerSpec, Pattern, RoundRobin, Shuffle};
use rasch_runtime::sink::{FnSink, Sink};
use rasch_runtime::watermarks::{RecordTimestamp, TimestampAssigner, WatermarkGenerator, WatermarkStrategy};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

/// One upstream of a stream: a node's main or side output, possibly repartitioned.
#[derive(Clone)]
pub(crate) struct StreamInput {
    pub(crate) node: NodeId,
    /// The env's graph generation the node belongs to.
    pub(crate) generation: u64,
    pub(crate) side_output: Option<String>,
    pub(crate) partitioner: Option<Arc<dyn PartitionerSpec>>,
}

/// A stream of elements of type `T` (Flink's `DataStream<T>`).
///
/// Transformations take `&self`, so a stream can feed several operators (each gets every
/// element); settings such as [`set_parallelism`](DataStream::set_parallelism) apply to the
/// operator that produced it. Building a stream only adds to the job graph: nothing runs
/// until [`StreamEnv::execute`] (or [`execute_and_collect`](DataStream::execute_and_collect)).
///
/// ```
/// use rasch_api::StreamEnv;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// env.set_parallelism(1);
/// let numbers = env.from_collection(vec![1, 2, 3]);
/// numbers.map(|x| x * 100).discard(); // a second consumer of the same stream
/// let out = numbers.filter(|x| x % 2 == 1).execute_and_collect()?;
/// assert_eq!(out, vec![1, 3]);
/// # Ok(()) }
/// ```
pub struct DataStream<T> {
    pub(crate) env: StreamEnv,
    pub(crate) inputs: Vec<StreamInput>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for DataStream<T> {
    fn clone(&self) -> Self {
        DataStream { env: self.env.clone(), inputs: self.inputs.clone(), _type: PhantomData }
    }
}

impl<T: Data> DataStream<T> {
    pub(crate) fn from_node(env: StreamEnv, node: NodeId) -> Self {
        let generation = env.generation();
        DataStream { env, inputs: vec![StreamInput { node, generation, side_output: None, partitioner: None }], _type: PhantomData }
    }

    /// The environment this stream belongs to.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    ///
    /// let env = StreamEnv::local();
    /// let stream = env.from_collection(vec![1]);
    /// stream.env().set_parallelism(1); // the same environment
    /// assert_eq!(env.config().get("parallelism.default"), Some("1"));
    /// ```
    pub fn env(&self) -> &StreamEnv {
        &self.env
    }

    /// Adds a one-input operator consuming this stream: `factory` builds one operator per
    /// subtask (implement `rasch_runtime::operators::OneInputOperator` for your own). `name`
    /// appears in plans, metrics and errors.
    ///
    /// ```
    /// use rasch_api::{DataStream, StreamEnv};
    /// use rasch_runtime::functions::MapFn;
    /// use rasch_runtime::operators::{MapOperator, one_input_factory};
    /// use rasch_runtime::output::BoxOutput;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let factory = one_input_factory::<i32, i32, _, _>(|_setup, out: BoxOutput<i32>, _sides| {
    ///     Ok(MapOperator::new(MapFn(|x: i32| x + 1), out))
    /// });
    /// let out: DataStream<i32> = env.from_collection(vec![1, 2]).transform("Increment", factory);
    /// assert_eq!(out.execute_and_collect()?, vec![2, 3]);
    /// # Ok(()) }
    /// ```
    pub fn transform<U: Data>(&self, name: &str, factory: Arc<dyn OperatorFactory>) -> DataStream<U> {
        let node = self.env.add_node::<U>(name, factory);
        for input in &self.inputs {
            self.env.add_edge::<T>(input, node, 0);
        }
        DataStream::from_node(self.env.clone(), node)
    }

    /// Transforms every element with `f`, one output per input. Runs at the default
    /// parallelism; chained to its input (same order) when the parallelism is the same, else
    /// fed round-robin. A panic in `f` fails the job (use [`try_map`](Self::try_map) for
    /// errors).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![1, 2, 3]).map(|x| x * 2).execute_and_collect()?;
    /// assert_eq!(out, vec![2, 4, 6]);
    /// # Ok(()) }
    /// ```
    pub fn map<U: Data, F: FnMut(T) -> U + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.map_rich(MapFn(f))
    }

    /// Transforms every element with a fallible `f`: an `Err` fails the job (or restarts it, as
    /// the restart strategy says) with a user error that keeps `f`'s error as its cause, instead
    /// of a panic — `stream.try_map(|line: String| line.trim().parse::<u64>())`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let parsed = env.from_collection(vec!["1".to_string(), " 2 ".to_string()]).try_map(|s: String| s.trim().parse::<u64>());
    /// assert_eq!(parsed.execute_and_collect()?, vec![1, 2]);
    ///
    /// let env = StreamEnv::local();
    /// let bad = env.from_collection(vec!["x".to_string()]).try_map(|s: String| s.parse::<u64>());
    /// assert!(bad.execute_and_collect().is_err()); // the job fails; nothing panics
    /// # Ok(()) }
    /// ```
    pub fn try_map<U: Data, E, F>(&self, f: F) -> DataStream<U>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(T) -> std::result::Result<U, E> + Clone + Send + Sync + 'static,
    {
        self.map_rich(TryMapFn(f))
    }

    /// Transforms every element with a rich [`MapFunction`] (with `open`/`close`). Each subtask
    /// gets its own clone of `f`; `open` runs before its first element, `close` after its
    /// last. An `Err` from `map` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::context::RuntimeContext;
    /// use rasch_runtime::functions::MapFunction;
    ///
    /// #[derive(Clone, Default)]
    /// struct Tag { subtask: usize }
    /// impl MapFunction<i32, (usize, i32)> for Tag {
    ///     fn open(&mut self, ctx: &RuntimeContext) -> rasch_core::Result<()> {
    ///         self.subtask = ctx.index_of_this_subtask();
    ///         Ok(())
    ///     }
    ///     fn map(&mut self, v: i32) -> rasch_core::Result<(usize, i32)> {
    ///         Ok((self.subtask, v))
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![7, 8]).map_rich(Tag::default()).execute_and_collect()?;
    /// assert_eq!(out, vec![(0, 7), (0, 8)]);
    /// # Ok(()) }
    /// ```
    pub fn map_rich<U: Data, F: MapFunction<T, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.transform(
            "Map",
            one_input_factory::<T, U, _, _>(move |setup, out: BoxOutput<U>, _| {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                Ok(MapOperator::new(f, out))
            }),
        )
    }

    /// Emits every element of the iterator `f` returns, in the iterator's order (zero or more
    /// per input).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let words = env.from_collection(vec!["to be".to_string(), "or".to_string()])
    ///     .flat_map(|line: String| line.split(' ').map(str::to_string).collect::<Vec<_>>());
    /// assert_eq!(words.execute_and_collect()?, vec!["to", "be", "or"]);
    /// # Ok(()) }
    /// ```
    pub fn flat_map<U: Data, I: IntoIterator<Item = U>, F: FnMut(T) -> I + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.flat_map_rich(FlatMapFn(f))
    }

    /// Emits every element of the iterator a fallible `f` returns; an `Err` fails the job as in
    /// [`try_map`](Self::try_map).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let numbers = env.from_collection(vec!["1,2".to_string(), "3".to_string()])
    ///     .try_flat_map(|line: String| line.split(',').map(str::parse::<u32>).collect::<Result<Vec<_>, _>>());
    /// assert_eq!(numbers.execute_and_collect()?, vec![1, 2, 3]);
    /// # Ok(()) }
    /// ```
    pub fn try_flat_map<U: Data, I: IntoIterator<Item = U>, E, F>(&self, f: F) -> DataStream<U>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(T) -> std::result::Result<I, E> + Clone + Send + Sync + 'static,
    {
        self.flat_map_rich(TryFlatMapFn(f))
    }

    /// Emits into a collector, Flink style: `|line, out| for w in line.split(' ') { out.collect(..) }`
    /// — no `Vec` per input. Outputs keep the order they were collected in.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![2u32, 0, 1])
    ///     .flat_map_collect(|n, out| (0..n).for_each(|i| out.collect((n, i))))
    ///     .execute_and_collect()?;
    /// assert_eq!(out, vec![(2, 0), (2, 1), (1, 0)]);
    /// # Ok(()) }
    /// ```
    pub fn flat_map_collect<U: Data, F: FnMut(T, &mut Collector<'_, U>) + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.flat_map_rich(CollectFn(f))
    }

    /// Flat-maps with a rich [`FlatMapFunction`] (a clone per subtask, with `open`/`close`);
    /// an `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::functions::FlatMapFunction;
    ///
    /// #[derive(Clone)]
    /// struct Repeat(usize);
    /// impl FlatMapFunction<char, char> for Repeat {
    ///     fn flat_map(&mut self, c: char, out: &mut Collector<'_, char>) -> rasch_core::Result<()> {
    ///         (0..self.0).for_each(|_| out.collect(c));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec!['a', 'b']).flat_map_rich(Repeat(2)).execute_and_collect()?;
    /// assert_eq!(out, vec!['a', 'a', 'b', 'b']);
    /// # Ok(()) }
    /// ```
    pub fn flat_map_rich<U: Data, F: FlatMapFunction<T, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.transform(
            "Flat Map",
            one_input_factory::<T, U, _, _>(move |setup, out: BoxOutput<U>, _| {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                Ok(FlatMapOperator::new(f, out, setup.batch_size))
            }),
        )
    }

    /// Keeps the elements for which `f` returns true, in their order.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_collection(vec![1, 2, 3, 4]).filter(|x| x % 2 == 0).execute_and_collect()?;
    /// assert_eq!(out, vec![2, 4]);
    /// # Ok(()) }
    /// ```
    pub fn filter<F: FnMut(&T) -> bool + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.filter_rich(FilterFn(f))
    }

    /// Filters with a rich [`FilterFunction`] (a clone per subtask, with `open`/`close` and
    /// the runtime context, e.g. for counters); an `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::context::{Counter, RuntimeContext};
    /// use rasch_runtime::functions::FilterFunction;
    ///
    /// #[derive(Clone, Default)]
    /// struct CountingFilter { seen: Option<Counter> }
    /// impl FilterFunction<i64> for CountingFilter {
    ///     fn open(&mut self, ctx: &RuntimeContext) -> rasch_core::Result<()> {
    ///         self.seen = Some(ctx.counter("seen"));
    ///         Ok(())
    ///     }
    ///     fn filter(&mut self, v: &i64) -> rasch_core::Result<bool> {
    ///         self.seen.as_ref().unwrap().inc();
    ///         Ok(v % 3 == 0)
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 9).filter_rich(CountingFilter::default()).discard();
    /// let result = env.execute("Counting")?;
    /// assert_eq!(result.accumulator("seen"), Some(9)); // summed over all subtasks
    /// # Ok(()) }
    /// ```
    pub fn filter_rich<F: FilterFunction<T> + Sync>(&self, f: F) -> DataStream<T> {
        self.transform(
            "Filter",
            one_input_factory::<T, T, _, _>(move |setup, out: BoxOutput<T>, _| {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                Ok(FilterOperator::new(f, out))
            }),
        )
    }

    /// Processes every element with a [`ProcessFunction`], which may emit to the main output,
    /// to side outputs (read them with [`get_side_output`](Self::get_side_output)) and read
    /// the element's timestamp and the current watermark. An `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::{Collector, OutputTag};
    /// use rasch_runtime::functions::{ProcessContext, ProcessFunction};
    ///
    /// #[derive(Clone)]
    /// struct Parse { bad: OutputTag<String> }
    /// impl ProcessFunction<String, u32> for Parse {
    ///     fn process_element(&mut self, s: String, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, u32>) -> rasch_core::Result<()> {
    ///         match s.parse() {
    ///             Ok(n) => out.collect(n),
    ///             Err(_) => ctx.output(&self.bad, s)?,
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let bad = OutputTag::new("bad");
    /// let numbers = env.from_collection(vec!["1".to_string(), "x".to_string(), "3".to_string()]).process(Parse { bad });
    /// assert_eq!(numbers.execute_and_collect()?, vec![1, 3]);
    /// # Ok(()) }
    /// ```
    pub fn process<U: Data, F: ProcessFunction<T, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.transform(
            "Process",
            one_input_factory::<T, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                Ok(ProcessOperator::new(f, out, sides, setup.batch_size))
            }),
        )
    }

    /// [`assign_timestamps_and_watermarks`](Self::assign_timestamps_and_watermarks) with the
    /// timestamp assigner as a closure whose argument type the compiler infers from the stream
    /// (with `WatermarkStrategy::with_timestamp_assigner` it must be written out, because the
    /// strategy is built before it meets the stream):
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use std::time::Duration;
    ///
    /// let env = StreamEnv::local();
    /// let stamped = env
    ///     .from_collection(vec![("a".to_string(), 1_000i64), ("b".to_string(), 1_500)])
    ///     .assign_event_time(WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_secs(1)), |e, _previous| e.1)
    ///     .execute_and_collect()
    ///     .unwrap();
    /// assert_eq!(stamped.len(), 2);
    /// ```
    pub fn assign_event_time<G, F>(&self, strategy: WatermarkStrategy<G, RecordTimestamp>, assigner: F) -> DataStream<T>
    where
        G: WatermarkGenerator<T>,
        F: Fn(&T, i64) -> i64 + Clone + Send + Sync + 'static,
    {
        self.assign_timestamps_and_watermarks(strategy.with_timestamp_assigner::<T, F>(assigner))
    }

    /// Assigns event timestamps and generates watermarks (Flink's
    /// `assignTimestampsAndWatermarks`). Periodic watermarks are emitted every
    /// `pipeline.auto-watermark-interval` (200 ms by default). Elements pass unchanged and in
    /// order; when the input ends, the maximum watermark follows, so every event-time window
    /// and timer downstream fires.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1); // the reduce sees the elements in order
    /// let strategy = WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|e: &(i64, u32), _previous| e.0);
    /// let sums = env.from_collection(vec![(1_000i64, 1u32), (1_500, 2), (2_500, 4)])
    ///     .assign_timestamps_and_watermarks(strategy)
    ///     .window_all(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .reduce(|a, b| (a.0, a.1 + b.1));
    /// assert_eq!(sums.execute_and_collect()?, vec![(1_000, 3), (2_500, 4)]);
    /// # Ok(()) }
    /// ```
    pub fn assign_timestamps_and_watermarks<G, A>(&self, strategy: WatermarkStrategy<G, A>) -> DataStream<T>
    where
        G: WatermarkGenerator<T>,
        A: TimestampAssigner<T>,
    {
        self.transform(
            "Timestamps/Watermarks",
            one_input_factory::<T, T, _, _>(move |setup, out: BoxOutput<T>, _| {
                let interval = setup.ctx.config.value(AUTO_WATERMARK_INTERVAL)?.as_millis() as i64;
                let idleness = strategy.idleness.map(|d| d.as_millis() as i64);
                Ok(TimestampsAndWatermarksOperator::new(
                    strategy.generator.clone(),
                    strategy.assigner.clone(),
                    idleness,
                    interval,
                    out,
                    setup.time.clone(),
                ))
            }),
        )
    }

    /// The side output `tag` of the operator that produced this stream: the elements its
    /// function emitted with `ctx.output(&tag, ..)`, with their timestamps. A tag nothing emits
    /// to gives an empty stream.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::{Collector, OutputTag};
    /// use rasch_runtime::functions::{ProcessContext, ProcessFunction};
    ///
    /// #[derive(Clone)]
    /// struct SplitOdd(OutputTag<i32>);
    /// impl ProcessFunction<i32, i32> for SplitOdd {
    ///     fn process_element(&mut self, v: i32, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, i32>) -> rasch_core::Result<()> {
    ///         if v % 2 == 0 { out.collect(v) } else { ctx.output(&self.0, v)? }
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let odd = OutputTag::new("odd");
    /// let evens = env.from_collection(vec![1, 2, 3, 4]).process(SplitOdd(odd.clone()));
    /// assert_eq!(evens.get_side_output(&odd).execute_and_collect()?, vec![1, 3]);
    /// # Ok(()) }
    /// ```
    pub fn get_side_output<X: Data>(&self, tag: &OutputTag<X>) -> DataStream<X> {
        let inputs = self
            .inputs
            .iter()
            .map(|i| StreamInput { node: i.node, generation: i.generation, side_output: Some(tag.id().to_string()), partitioner: None })
            .collect();
        DataStream { env: self.env.clone(), inputs, _type: PhantomData }
    }

    /// Partitions by a computed key: `key_by(|order| order.customer_id)`. Every element of a
    /// key goes to the same subtask (by key group), in the order its producing subtask sent
    /// them; keyed state and timers downstream are per key.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(4);
    /// let mut out = env.from_collection(vec![1, 2, 3, 4, 5]).key_by(|x| x % 2).reduce(|a, b| a + b).execute_and_collect()?;
    /// out.sort(); // rolling sums per key; keys interleave across subtasks
    /// assert_eq!(out, vec![1, 2, 4, 6, 9]); // odd: 1, 4, 9; even: 2, 6
    /// # Ok(()) }
    /// ```
    pub fn key_by<K: Key, F: Fn(&T) -> K + Clone + Send + Sync + 'static>(&self, f: F) -> KeyedStream<T, K, KeyFn<F>> {
        KeyedStream::new(self.clone(), KeyFn(f))
    }

    /// Partitions by a key borrowed from the element, avoiding a clone per record:
    /// `key_by_ref(|(word, _)| word)`. Partitions exactly as [`key_by`](Self::key_by) with the
    /// same key would.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let words = vec![("a".to_string(), 1), ("b".to_string(), 2), ("a".to_string(), 1)];
    /// let mut out = env.from_collection(words).key_by_ref(|(word, _)| word).sum(1).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![("a".to_string(), 1), ("a".to_string(), 2), ("b".to_string(), 2)]);
    /// # Ok(()) }
    /// ```
    pub fn key_by_ref<K: Key, F: for<'a> Fn(&'a T) -> &'a K + Clone + Send + Sync + 'static>(
        &self,
        f: F,
    ) -> KeyedStream<T, K, KeyRefFn<F>> {
        KeyedStream::new(self.clone(), KeyRefFn(f))
    }

    /// Merges streams of the same type (Flink's `union`): every element of every input, each
    /// input's order kept, no order across inputs. The union is not an operator: settings such
    /// as `set_parallelism` cannot be applied to it.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let a = env.from_collection(vec![1, 2]);
    /// let b = env.from_collection(vec![3]);
    /// let mut out = a.union(&[b]).map(|x| x * 10).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![10, 20, 30]);
    /// # Ok(()) }
    /// ```
    pub fn union(&self, others: &[DataStream<T>]) -> DataStream<T> {
        let mut merged = self.clone();
        for o in others {
            merged.inputs.extend(o.inputs.iter().cloned());
        }
        merged
    }

    /// Connects with another stream for two-input operations (`co_map`, `co_process`); the
    /// types may differ. No order between the two inputs is guaranteed.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let numbers = env.from_collection(vec![1, 2]);
    /// let words = env.from_collection(vec!["three".to_string()]);
    /// let mut out = numbers.connect(&words).co_map(|n| n.to_string(), |w| w).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!["1", "2", "three"]);
    /// # Ok(()) }
    /// ```
    pub fn connect<B: Data>(&self, other: &DataStream<B>) -> ConnectedStreams<T, B> {
        ConnectedStreams::new(self.clone(), other.clone())
    }

    pub(crate) fn partitioned(&self, p: Arc<dyn PartitionerSpec>) -> DataStream<T> {
        let inputs = self.inputs.iter().map(|i| StreamInput { partitioner: Some(p.clone()), ..i.clone() }).collect();
        DataStream { env: self.env.clone(), inputs, _type: PhantomData }
    }

    /// Round-robin over all downstream subtasks (Flink's `rebalance`): evens out skew; each
    /// element goes to exactly one subtask.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_collection(vec![1, 2, 3]).rebalance().map(|x| x + 1).set_parallelism(3).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![2, 3, 4]);
    /// # Ok(()) }
    /// ```
    pub fn rebalance(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("REBALANCE", Pattern::AllToAll, RoundRobin::default())))
    }

    /// Round-robin over a local subset of downstream subtasks (Flink's `rescale`): each
    /// upstream subtask feeds only its share of the downstream ones, so fewer channels are
    /// needed than with [`rebalance`](Self::rebalance).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stream = env.from_sequence(1, 4).set_parallelism(2);
    /// let mut out = stream.rescale().map(|x| x * 2).set_parallelism(4).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![2, 4, 6, 8]);
    /// # Ok(()) }
    /// ```
    pub fn rescale(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("RESCALE", Pattern::Pointwise, RoundRobin::default())))
    }

    /// Sends each element to a uniformly random downstream subtask (Flink's `shuffle`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let out = env.from_sequence(1, 100).shuffle().map(|x| x).set_parallelism(3).execute_and_collect()?;
    /// assert_eq!(out.iter().sum::<i64>(), 5050); // each element exactly once
    /// # Ok(()) }
    /// ```
    pub fn shuffle(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("SHUFFLE", Pattern::AllToAll, Shuffle::default())))
    }

    /// Every element to every downstream subtask (Flink's `broadcast`): with parallelism `n`
    /// downstream, each element is processed `n` times.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_collection(vec![1, 2]).broadcast().map(|x| x).set_parallelism(3).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![1, 1, 1, 2, 2, 2]);
    /// # Ok(()) }
    /// ```
    pub fn broadcast(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("BROADCAST", Pattern::AllToAll, Broadcast)))
    }

    /// To the downstream subtask of the same index, keeping each subtask's order (Flink's
    /// `forward`). Requires equal parallelism: otherwise `execute()` fails naming both
    /// operators.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    ///
    /// let env = StreamEnv::local();
    /// env.from_collection(vec![1, 2]).forward().map(|x| x).set_parallelism(2).discard();
    /// let err = env.execute("forward 1 -> 2").unwrap_err();
    /// assert!(err.to_string().contains("forward partitioning does not allow a change of parallelism"));
    /// ```
    pub fn forward(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("FORWARD", Pattern::Pointwise, Forward)))
    }

    /// Everything to the first downstream subtask (Flink's `global`); the other subtasks get
    /// nothing.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_sequence(1, 4).global().map(|x| x).set_parallelism(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![1, 2, 3, 4]);
    /// # Ok(()) }
    /// ```
    pub fn global(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("GLOBAL", Pattern::AllToAll, Forward)))
    }

    /// Routes by `partitioner(key, number_of_channels)` on the key `key` selects (Flink's
    /// `partitionCustom`): the subtask index it returns receives the element. The result is
    /// not a keyed stream.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let by_parity = env.from_sequence(1, 6).partition_custom(|k: &i64, n| (*k as usize) % n, |x| x % 2);
    /// let mut out = by_parity.map(|x| x).set_parallelism(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![1, 2, 3, 4, 5, 6]);
    /// # Ok(()) }
    /// ```
    pub fn partition_custom<K, P, F>(&self, partitioner: P, key: F) -> DataStream<T>
    where
        K: Key,
        P: Fn(&K, usize) -> usize + Clone + Send + Sync + 'static,
        F: Fn(&T) -> K + Clone + Send + Sync + 'static,
    {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("CUSTOM", Pattern::AllToAll, CustomSelector::new(KeyFn(key), partitioner))))
    }

    fn operator_node(&self, what: &str) -> Option<NodeId> {
        match self.inputs.as_slice() {
            [i] if i.partitioner.is_none() && i.side_output.is_none() => Some(i.node).filter(|_| self.env.check_generation(i.generation)),
            _ => {
                self.env.record_error(Error::InvalidJob(format!(
                    "{what} applies to an operator; call it before union(), get_side_output() or a partitioning such as rebalance()"
                )));
                None
            }
        }
    }

    /// Parallelism of the operator that produced this stream (Flink's `setParallelism`).
    /// Applies to an operator: after `union`, `get_side_output` or a partitioning, or with `0`,
    /// `execute()` fails saying why.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 100).map(|x| x * 2).name("Double").set_parallelism(3).discard();
    /// let result = env.execute("p3")?;
    /// assert_eq!(result.operator("Double").unwrap().parallelism, 3);
    /// # Ok(()) }
    /// ```
    pub fn set_parallelism(self, parallelism: usize) -> Self {
        if let Some(node) = self.operator_node("set_parallelism()") {
            if parallelism == 0 {
                let name = self.env.with_node(node, |n| n.name.clone());
                self.env.record_error(Error::InvalidJob(format!("operator '{name}': set_parallelism(0) — parallelism must be at least 1")));
            } else {
                self.env.with_operator(node, |n, _| n.parallelism = Some(parallelism));
            }
        }
        self
    }

    /// Max parallelism (number of key groups) of the operator that produced this stream: the
    /// upper bound of its parallelism, including after rescaling from a savepoint.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_collection(vec![(1, 1)]).key_by(|t| t.0).sum(1).set_max_parallelism(64).discard();
    /// env.execute("max parallelism")?;
    /// # Ok(()) }
    /// ```
    pub fn set_max_parallelism(self, max_parallelism: usize) -> Self {
        if let Some(node) = self.operator_node("set_max_parallelism()") {
            self.env.with_operator(node, |n, _| n.max_parallelism = Some(max_parallelism));
        }
        self
    }

    /// Name of the operator, shown in plans, metrics and errors (and in
    /// [`JobResult::operator`](crate::JobResult::operator)).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_collection(vec![1, 2, 3]).filter(|x| *x > 1).name("Big ones").discard();
    /// let result = env.execute("named")?;
    /// assert_eq!(result.operator("Big ones").unwrap().records_out, 2);
    /// # Ok(()) }
    /// ```
    pub fn name(self, name: &str) -> Self {
        if let Some(node) = self.operator_node("name()") {
            self.env.with_node(node, |n| n.name = name.to_string());
        }
        self
    }

    /// Stable id of the operator; savepoint state is mapped by it, so a changed job can resume
    /// from a savepoint of the old one as long as stateful operators keep their uids.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_collection(vec![(1, 2)]).key_by(|t| t.0).sum(1).uid("sum-per-key").discard();
    /// env.execute("with uid")?;
    /// # Ok(()) }
    /// ```
    pub fn uid(self, uid: &str) -> Self {
        if let Some(node) = self.operator_node("uid()") {
            // The upstream half of a two-node operator files its state under a uid of its own.
            self.env.with_operator(node, |n, half| n.uid = Some(if half { format!("{uid}/slices") } else { uid.to_string() }));
        }
        self
    }

    /// Never chain this operator with its neighbours: it runs as a task of its own.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// env.from_collection(vec![1]).map(|x| x + 1).disable_chaining().discard();
    /// assert_eq!(env.job_graph("unchained map")?.vertices.len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn disable_chaining(self) -> Self {
        if let Some(node) = self.operator_node("disable_chaining()") {
            self.env.with_node(node, |n| n.chaining = Chaining::Disabled);
        }
        self
    }

    /// Begin a new chain at this operator (downstream operators may still chain to it).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// env.from_collection(vec![1]).map(|x| x + 1).start_new_chain().filter(|_| true).discard();
    /// assert_eq!(env.job_graph("two chains")?.vertices.len(), 2); // source | map → filter → sink
    /// # Ok(()) }
    /// ```
    pub fn start_new_chain(self) -> Self {
        if let Some(node) = self.operator_node("start_new_chain()") {
            self.env.with_node(node, |n| n.chaining = Chaining::StartNewChain);
        }
        self
    }

    /// Writes into a user [`Sink`]: each sink subtask gets a writer of its own; with
    /// checkpointing, the writer takes part in checkpoints.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_connectors::CollectSink;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let (sink, handle) = CollectSink::new();
    /// env.from_collection(vec![1, 2]).sink_to(sink);
    /// env.execute("into a sink")?;
    /// assert_eq!(handle.take(), vec![1, 2]);
    /// # Ok(()) }
    /// ```
    pub fn sink_to<S: Sink<T>>(&self, sink: S) -> DataStreamSink {
        self.sink_named(sink, "Sink")
    }

    fn sink_named<S: Sink<T>>(&self, sink: S, name: &str) -> DataStreamSink {
        let sink = Arc::new(sink);
        let s: DataStream<()> = self.transform(
            name,
            one_input_factory::<T, (), _, _>(move |setup, _out: BoxOutput<()>, _| {
                SinkOperator::new(sink.create_writer(&setup.ctx)?, setup.operator_id.clone(), setup.restored.clone())
            }),
        );
        DataStreamSink { stream: s }
    }

    /// Calls `f` for every element (Flink's `addSink(SinkFunction)`); each sink subtask calls
    /// its own clone of `f`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use std::sync::{Arc, Mutex};
    /// # fn main() -> rasch_core::Result<()> {
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let s = seen.clone();
    /// env.from_collection(vec![1, 2]).add_sink(move |x| s.lock().unwrap().push(x));
    /// env.execute("add_sink")?;
    /// assert_eq!(*seen.lock().unwrap(), vec![1, 2]);
    /// # Ok(()) }
    /// ```
    pub fn add_sink<F: FnMut(T) + Clone + Send + Sync + 'static>(&self, f: F) -> DataStreamSink {
        self.sink_to(FnSink(f))
    }

    /// Drops every element (Flink's `DiscardingSink`); the job still runs every operator
    /// upstream of it.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 1_000).discard();
    /// env.execute("nowhere")?;
    /// # Ok(()) }
    /// ```
    pub fn discard(&self) -> DataStreamSink {
        self.sink_named(DiscardingSink, "Discarding Sink")
    }

    /// Writes every element into a file (parallelism 1) or a directory with one file per
    /// subtask named `1`..`n`, failing if the path exists (Flink's `writeAsText`). Each
    /// element becomes one line rendered with [`ToText`] (`("a", 3)` → `(a,3)`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let path = std::env::temp_dir().join(format!("rasch-doc-write-{}.txt", std::process::id()));
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// env.from_collection(vec![("a".to_string(), 3)]).write_as_text(&path);
    /// env.execute("write")?;
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), "(a,3)\n");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn write_as_text(&self, path: impl Into<PathBuf>) -> DataStreamSink
    where
        T: ToText,
    {
        self.write_as_text_with_mode(path, WriteMode::NoOverwrite)
    }

    /// [`write_as_text`](Self::write_as_text) with an explicit overwrite mode:
    /// `WriteMode::Overwrite` replaces an existing file or directory.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_connectors::WriteMode;
    /// # fn main() -> rasch_core::Result<()> {
    /// let path = std::env::temp_dir().join(format!("rasch-doc-overwrite-{}.txt", std::process::id()));
    /// std::fs::write(&path, "old\n").unwrap();
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// env.from_collection(vec![1, 2]).write_as_text_with_mode(&path, WriteMode::Overwrite);
    /// env.execute("overwrite")?;
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), "1\n2\n");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn write_as_text_with_mode(&self, path: impl Into<PathBuf>, mode: WriteMode) -> DataStreamSink
    where
        T: ToText,
    {
        self.sink_named(TextFileSink::new(path.into(), mode), "Text File Sink")
    }
}

impl<T: Data + ToText> DataStream<T> {
    /// Prints every element to stdout, one line each rendered with [`ToText`], prefixed with
    /// `N> ` (the subtask, from 1) when the sink is parallel.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// env.from_collection(vec![("a".to_string(), 1)]).print(); // prints "(a,1)"
    /// env.execute("print")?;
    /// # Ok(()) }
    /// ```
    pub fn print(&self) -> DataStreamSink {
        self.sink_named(PrintSink::stdout(), "Print to Std. Out")
    }

    /// Prints every element to stderr, like [`print`](Self::print).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_collection(vec![1]).print_to_err();
    /// env.execute("print to stderr")?;
    /// # Ok(()) }
    /// ```
    pub fn print_to_err(&self) -> DataStreamSink {
        self.sink_named(PrintSink::stderr(), "Print to Std. Err")
    }

    /// Prints with an identifier prefix: `id:N> value` (`id> value` when not parallel).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_collection(vec![1]).print_with_identifier("numbers");
    /// env.execute("print with identifier")?;
    /// # Ok(()) }
    /// ```
    pub fn print_with_identifier(&self, identifier: &str) -> DataStreamSink {
        self.sink_named(PrintSink::stdout().with_identifier(identifier), "Print to Std. Out")
    }
}

impl<T: Data + Sync> DataStream<T> {
    /// Executes the job and returns every element of this stream (Flink's
    /// `executeAndCollect`); order across subtasks is unspecified — at parallelism 1 with a
    /// non-parallel source, it is the source's order. Like [`StreamEnv::execute`] it takes the
    /// whole graph of the environment, so other sinks run too. Fails if the job fails.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_sequence(1, 3).map(|x| x * x).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![1, 4, 9]);
    /// # Ok(()) }
    /// ```
    pub fn execute_and_collect(&self) -> Result<Vec<T>> {
        let (sink, handle) = CollectSink::new();
        self.sink_named(sink, "Collect Sink");
        self.env.execute("DataStream Collect")?;
        Ok(handle.take())
    }
}

/// The end of a stream; configure the sink operator through it.
///
/// ```
/// use rasch_api::StreamEnv;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// env.from_sequence(1, 10).discard().name("Drop").uid("drop").set_parallelism(1).disable_chaining();
/// assert_eq!(env.execute("sink settings")?.operator("Drop").unwrap().records_in, 10);
/// # Ok(()) }
/// ```
pub struct DataStreamSink {
    stream: DataStream<()>,
}

impl DataStreamSink {
    /// Parallelism of the sink (see [`DataStream::set_parallelism`]).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).discard().name("Drop").set_parallelism(1);
    /// assert_eq!(env.execute("p1 sink")?.operator("Drop").unwrap().parallelism, 1);
    /// # Ok(()) }
    /// ```
    pub fn set_parallelism(self, parallelism: usize) -> Self {
        DataStreamSink { stream: self.stream.set_parallelism(parallelism) }
    }
    /// Name of the sink, shown in plans, metrics and errors.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).discard().name("Drop");
    /// assert_eq!(env.execute("named sink")?.operator("Drop").unwrap().records_in, 10);
    /// # Ok(()) }
    /// ```
    pub fn name(self, name: &str) -> Self {
        DataStreamSink { stream: self.stream.name(name) }
    }
    /// Stable id of the sink; savepoint state of the sink is mapped by it.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).discard().uid("drop-v1");
    /// env.execute("sink with uid")?;
    /// # Ok(()) }
    /// ```
    pub fn uid(self, uid: &str) -> Self {
        DataStreamSink { stream: self.stream.uid(uid) }
    }
    /// Never chain the sink: it runs as a task of its own.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// env.from_collection(vec![1]).discard().disable_chaining();
    /// assert_eq!(env.job_graph("unchained sink")?.vertices.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn disable_chaining(self) -> Self {
        DataStreamSink { stream: self.stream.disable_chaining() }
    }
}
