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
/// Transformations take `&self`, so a stream can feed several operators; settings such as
/// [`set_parallelism`](DataStream::set_parallelism) apply to the operator that produced it.
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
    pub fn env(&self) -> &StreamEnv {
        &self.env
    }

    /// Adds a one-input operator consuming this stream.
    pub fn transform<U: Data>(&self, name: &str, factory: Arc<dyn OperatorFactory>) -> DataStream<U> {
        let node = self.env.add_node::<U>(name, factory);
        for input in &self.inputs {
            self.env.add_edge::<T>(input, node, 0);
        }
        DataStream::from_node(self.env.clone(), node)
    }

    /// Transforms every element with `f`.
    pub fn map<U: Data, F: FnMut(T) -> U + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.map_rich(MapFn(f))
    }

    /// Transforms every element with a fallible `f`: an `Err` fails the job (or restarts it, as
    /// the restart strategy says) with a user error that keeps `f`'s error as its cause, instead
    /// of a panic — `stream.try_map(|line: String| line.trim().parse::<u64>())`.
    pub fn try_map<U: Data, E, F>(&self, f: F) -> DataStream<U>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(T) -> std::result::Result<U, E> + Clone + Send + Sync + 'static,
    {
        self.map_rich(TryMapFn(f))
    }

    /// Transforms every element with a rich [`MapFunction`] (with `open`/`close`).
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

    /// Emits every element of the iterator `f` returns.
    pub fn flat_map<U: Data, I: IntoIterator<Item = U>, F: FnMut(T) -> I + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.flat_map_rich(FlatMapFn(f))
    }

    /// Emits every element of the iterator a fallible `f` returns; an `Err` fails the job as in
    /// [`try_map`](Self::try_map).
    pub fn try_flat_map<U: Data, I: IntoIterator<Item = U>, E, F>(&self, f: F) -> DataStream<U>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(T) -> std::result::Result<I, E> + Clone + Send + Sync + 'static,
    {
        self.flat_map_rich(TryFlatMapFn(f))
    }

    /// Emits into a collector, Flink style: `|line, out| for w in line.split(' ') { out.collect(..) }`.
    pub fn flat_map_collect<U: Data, F: FnMut(T, &mut Collector<'_, U>) + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.flat_map_rich(CollectFn(f))
    }

    /// Flat-maps with a rich [`FlatMapFunction`].
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

    /// Keeps the elements for which `f` returns true.
    pub fn filter<F: FnMut(&T) -> bool + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<T> {
        self.filter_rich(FilterFn(f))
    }

    /// Filters with a rich [`FilterFunction`].
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

    /// Processes every element with a [`ProcessFunction`], which may emit to side outputs.
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
    /// `pipeline.auto-watermark-interval` (200 ms by default).
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

    /// The side output `tag` of the operator that produced this stream.
    pub fn get_side_output<X: Data>(&self, tag: &OutputTag<X>) -> DataStream<X> {
        let inputs = self
            .inputs
            .iter()
            .map(|i| StreamInput { node: i.node, generation: i.generation, side_output: Some(tag.id().to_string()), partitioner: None })
            .collect();
        DataStream { env: self.env.clone(), inputs, _type: PhantomData }
    }

    /// Partitions by a computed key: `key_by(|order| order.customer_id)`.
    pub fn key_by<K: Key, F: Fn(&T) -> K + Clone + Send + Sync + 'static>(&self, f: F) -> KeyedStream<T, K, KeyFn<F>> {
        KeyedStream::new(self.clone(), KeyFn(f))
    }

    /// Partitions by a key borrowed from the element, avoiding a clone per record:
    /// `key_by_ref(|(word, _)| word)`.
    pub fn key_by_ref<K: Key, F: for<'a> Fn(&'a T) -> &'a K + Clone + Send + Sync + 'static>(
        &self,
        f: F,
    ) -> KeyedStream<T, K, KeyRefFn<F>> {
        KeyedStream::new(self.clone(), KeyRefFn(f))
    }

    /// Merges streams of the same type (Flink's `union`); no order across inputs.
    pub fn union(&self, others: &[DataStream<T>]) -> DataStream<T> {
        let mut merged = self.clone();
        for o in others {
            merged.inputs.extend(o.inputs.iter().cloned());
        }
        merged
    }

    /// Connects with another stream for two-input operations (`co_map`, `co_process`).
    pub fn connect<B: Data>(&self, other: &DataStream<B>) -> ConnectedStreams<T, B> {
        ConnectedStreams::new(self.clone(), other.clone())
    }

    pub(crate) fn partitioned(&self, p: Arc<dyn PartitionerSpec>) -> DataStream<T> {
        let inputs = self.inputs.iter().map(|i| StreamInput { partitioner: Some(p.clone()), ..i.clone() }).collect();
        DataStream { env: self.env.clone(), inputs, _type: PhantomData }
    }

    /// Round-robin over all downstream subtasks.
    pub fn rebalance(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("REBALANCE", Pattern::AllToAll, RoundRobin::default())))
    }

    /// Round-robin over a local subset of downstream subtasks.
    pub fn rescale(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("RESCALE", Pattern::Pointwise, RoundRobin::default())))
    }

    /// Uniformly random downstream subtask.
    pub fn shuffle(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("SHUFFLE", Pattern::AllToAll, Shuffle::default())))
    }

    /// Every element to every downstream subtask.
    pub fn broadcast(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("BROADCAST", Pattern::AllToAll, Broadcast)))
    }

    /// To the downstream subtask of the same index; requires equal parallelism.
    pub fn forward(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("FORWARD", Pattern::Pointwise, Forward)))
    }

    /// Everything to the first downstream subtask.
    pub fn global(&self) -> DataStream<T> {
        self.partitioned(Arc::new(Partitioner::<T, _>::new("GLOBAL", Pattern::AllToAll, Forward)))
    }

    /// Routes by `partitioner(key, number_of_channels)` on the key `key` selects.
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

    /// Parallelism of the operator that produced this stream.
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

    /// Max parallelism (number of key groups) of the operator that produced this stream.
    pub fn set_max_parallelism(self, max_parallelism: usize) -> Self {
        if let Some(node) = self.operator_node("set_max_parallelism()") {
            self.env.with_operator(node, |n, _| n.max_parallelism = Some(max_parallelism));
        }
        self
    }

    /// Name of the operator, shown in plans, metrics and errors.
    pub fn name(self, name: &str) -> Self {
        if let Some(node) = self.operator_node("name()") {
            self.env.with_node(node, |n| n.name = name.to_string());
        }
        self
    }

    /// Stable id of the operator; savepoint state is mapped by it.
    pub fn uid(self, uid: &str) -> Self {
        if let Some(node) = self.operator_node("uid()") {
            // The upstream half of a two-node operator files its state under a uid of its own.
            self.env.with_operator(node, |n, half| n.uid = Some(if half { format!("{uid}/slices") } else { uid.to_string() }));
        }
        self
    }

    /// Never chain this operator with its neighbours.
    pub fn disable_chaining(self) -> Self {
        if let Some(node) = self.operator_node("disable_chaining()") {
            self.env.with_node(node, |n| n.chaining = Chaining::Disabled);
        }
        self
    }

    /// Begin a new chain at this operator (downstream operators may still chain to it).
    pub fn start_new_chain(self) -> Self {
        if let Some(node) = self.operator_node("start_new_chain()") {
            self.env.with_node(node, |n| n.chaining = Chaining::StartNewChain);
        }
        self
    }

    /// Writes into a user [`Sink`].
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

    /// Calls `f` for every element (Flink's `addSink(SinkFunction)`).
    pub fn add_sink<F: FnMut(T) + Clone + Send + Sync + 'static>(&self, f: F) -> DataStreamSink {
        self.sink_to(FnSink(f))
    }

    /// Drops every element (Flink's `DiscardingSink`).
    pub fn discard(&self) -> DataStreamSink {
        self.sink_named(DiscardingSink, "Discarding Sink")
    }

    /// Writes every element into a file (parallelism 1) or a directory with one file per
    /// subtask, failing if the path exists (Flink's `writeAsText`).
    pub fn write_as_text(&self, path: impl Into<PathBuf>) -> DataStreamSink
    where
        T: ToText,
    {
        self.write_as_text_with_mode(path, WriteMode::NoOverwrite)
    }

    /// [`write_as_text`](Self::write_as_text) with an explicit overwrite mode.
    pub fn write_as_text_with_mode(&self, path: impl Into<PathBuf>, mode: WriteMode) -> DataStreamSink
    where
        T: ToText,
    {
        self.sink_named(TextFileSink::new(path.into(), mode), "Text File Sink")
    }
}

impl<T: Data + ToText> DataStream<T> {
    /// Prints every element to stdout, prefixed with `N> ` (the subtask) when parallel.
    pub fn print(&self) -> DataStreamSink {
        self.sink_named(PrintSink::stdout(), "Print to Std. Out")
    }

    /// Prints every element to stderr.
    pub fn print_to_err(&self) -> DataStreamSink {
        self.sink_named(PrintSink::stderr(), "Print to Std. Err")
    }

    /// Prints with an identifier prefix: `id:N> value`.
    pub fn print_with_identifier(&self, identifier: &str) -> DataStreamSink {
        self.sink_named(PrintSink::stdout().with_identifier(identifier), "Print to Std. Out")
    }
}

impl<T: Data + Sync> DataStream<T> {
    /// Executes the job and returns every element of this stream (Flink's
    /// `executeAndCollect`); order across subtasks is unspecified.
    pub fn execute_and_collect(&self) -> Result<Vec<T>> {
        let (sink, handle) = CollectSink::new();
        self.sink_named(sink, "Collect Sink");
        self.env.execute("DataStream Collect")?;
        Ok(handle.take())
    }
}

/// The end of a stream; configure the sink operator through it.
pub struct DataStreamSink {
    stream: DataStream<()>,
}

impl DataStreamSink {
    /// Parallelism of the sink.
    pub fn set_parallelism(self, parallelism: usize) -> Self {
        DataStreamSink { stream: self.stream.set_parallelism(parallelism) }
    }
    /// Name of the sink.
    pub fn name(self, name: &str) -> Self {
        DataStreamSink { stream: self.stream.name(name) }
    }
    /// Stable id of the sink.
    pub fn uid(self, uid: &str) -> Self {
        DataStreamSink { stream: self.stream.uid(uid) }
    }
    /// Never chain the sink.
    pub fn disable_chaining(self) -> Self {
        DataStreamSink { stream: self.stream.disable_chaining() }
    }
}
