//! `ConnectedStreams`: two streams (possibly of different types) feeding one operator.

use crate::datastream::DataStream;
use rasch_core::{Data, Key};
use rasch_runtime::functions::{CoFlatMapFn, CoFlatMapFunction, CoMapFn, CoMapFunction, CoProcessFunction, KeyFn};
use rasch_runtime::operators::{CoFlatMapAdapter, CoMapAdapter, two_input_factory};
use rasch_runtime::partition::{KeyGroupSelector, Partitioner, Pattern};
use std::sync::Arc;

/// Two connected streams (Flink's `ConnectedStreams<A, B>`): one operator reads both, with
/// one function per input. Each input keeps its own order; there is no order between the
/// two inputs. Without [`key_by`](Self::key_by), the inputs keep their partitioning (forward
/// at equal parallelism, else rebalance).
///
/// ```
/// use rasch_api::StreamEnv;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// let celsius = env.from_collection(vec![20.0]);
/// let fahrenheit = env.from_collection(vec![212.0]);
/// let mut out = celsius.connect(&fahrenheit).co_map(|c| c, |f| (f - 32.0) * 5.0 / 9.0).execute_and_collect()?;
/// out.sort_by(f64::total_cmp);
/// assert_eq!(out, vec![20.0, 100.0]);
/// # Ok(()) }
/// ```
pub struct ConnectedStreams<A, B> {
    first: DataStream<A>,
    second: DataStream<B>,
}

impl<A: Data, B: Data> ConnectedStreams<A, B> {
    pub(crate) fn new(first: DataStream<A>, second: DataStream<B>) -> Self {
        ConnectedStreams { first, second }
    }

    /// Partitions both inputs by key so that equal keys meet in the same subtask (by key
    /// group, as [`DataStream::key_by`] does). The operator keeps no keyed state; for that, see
    /// [`KeyedStream::connect`](crate::KeyedStream::connect).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let ids = env.from_collection(vec![1u32, 2]);
    /// let names = env.from_collection(vec![(2u32, "two".to_string()), (1, "one".to_string())]);
    /// let mut out = ids.connect(&names).key_by(|id| *id, |n| n.0).co_map(|id| (id, None::<String>), |n| (n.0, Some(n.1))).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, None), (1, Some("one".to_string())), (2, None), (2, Some("two".to_string()))]);
    /// # Ok(()) }
    /// ```
    pub fn key_by<K, F1, F2>(&self, key1: F1, key2: F2) -> ConnectedStreams<A, B>
    where
        K: Key,
        F1: Fn(&A) -> K + Clone + Send + Sync + 'static,
        F2: Fn(&B) -> K + Clone + Send + Sync + 'static,
    {
        let first = self.first.partitioned(Arc::new(Partitioner::<A, _>::new(
            "HASH",
            Pattern::AllToAll,
            KeyGroupSelector::<A, K, _>::new(KeyFn(key1)),
        )));
        let second = self.second.partitioned(Arc::new(Partitioner::<B, _>::new(
            "HASH",
            Pattern::AllToAll,
            KeyGroupSelector::<B, K, _>::new(KeyFn(key2)),
        )));
        ConnectedStreams { first, second }
    }

    /// Maps each input to a common type: `map1` for the first input's elements, `map2` for the
    /// second's, one output each.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let a = env.from_collection(vec![1, 2]);
    /// let b = env.from_collection(vec!["x".to_string()]);
    /// let mut out = a.connect(&b).co_map(|n| n.to_string(), |s| s.to_uppercase()).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!["1", "2", "X"]);
    /// # Ok(()) }
    /// ```
    pub fn co_map<U, F1, F2>(&self, map1: F1, map2: F2) -> DataStream<U>
    where
        U: Data,
        F1: FnMut(A) -> U + Clone + Send + Sync + 'static,
        F2: FnMut(B) -> U + Clone + Send + Sync + 'static,
    {
        self.co_map_rich(CoMapFn(map1, map2))
    }

    /// Maps with a rich [`CoMapFunction`] (a clone per subtask, with `open`/`close`); an `Err`
    /// fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::functions::CoMapFunction;
    ///
    /// #[derive(Clone)]
    /// struct Either;
    /// impl CoMapFunction<i32, bool, String> for Either {
    ///     fn map1(&mut self, n: i32) -> rasch_core::Result<String> { Ok(format!("int {n}")) }
    ///     fn map2(&mut self, b: bool) -> rasch_core::Result<String> { Ok(format!("bool {b}")) }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_collection(vec![1]).connect(&env.from_collection(vec![true])).co_map_rich(Either).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!["bool true", "int 1"]);
    /// # Ok(()) }
    /// ```
    pub fn co_map_rich<U: Data, F: CoMapFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.co_process_named(CoMapAdapter(f), "Co-Map")
    }

    /// Flat-maps each input to a common type: every element of the iterator `f1` (first input)
    /// or `f2` (second input) returns.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let lines = env.from_collection(vec!["a b".to_string()]);
    /// let counts = env.from_collection(vec![2usize]);
    /// let mut out = lines.connect(&counts)
    ///     .co_flat_map(|l| l.split(' ').map(str::to_string).collect::<Vec<_>>(), |n| vec!["#".to_string(); n])
    ///     .execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!["#", "#", "a", "b"]);
    /// # Ok(()) }
    /// ```
    pub fn co_flat_map<U, I1, I2, F1, F2>(&self, f1: F1, f2: F2) -> DataStream<U>
    where
        U: Data,
        I1: IntoIterator<Item = U>,
        I2: IntoIterator<Item = U>,
        F1: FnMut(A) -> I1 + Clone + Send + Sync + 'static,
        F2: FnMut(B) -> I2 + Clone + Send + Sync + 'static,
    {
        self.co_flat_map_rich(CoFlatMapFn(f1, f2))
    }

    /// Flat-maps with a rich [`CoFlatMapFunction`] (a clone per subtask, with `open`/`close`);
    /// an `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::functions::CoFlatMapFunction;
    ///
    /// #[derive(Clone)]
    /// struct Expand;
    /// impl CoFlatMapFunction<u8, char, char> for Expand {
    ///     fn flat_map1(&mut self, n: u8, out: &mut Collector<'_, char>) -> rasch_core::Result<()> {
    ///         (0..n).for_each(|_| out.collect('*'));
    ///         Ok(())
    ///     }
    ///     fn flat_map2(&mut self, c: char, out: &mut Collector<'_, char>) -> rasch_core::Result<()> {
    ///         out.collect(c);
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_collection(vec![2u8]).connect(&env.from_collection(vec!['c'])).co_flat_map_rich(Expand).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!['*', '*', 'c']);
    /// # Ok(()) }
    /// ```
    pub fn co_flat_map_rich<U: Data, F: CoFlatMapFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.co_process_named(CoFlatMapAdapter(f), "Co-Flat Map")
    }

    /// Processes both inputs with a [`CoProcessFunction`]: timestamps, the watermark (the
    /// minimum of both inputs') and side outputs. An `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::{Collector, OutputTag};
    /// use rasch_runtime::functions::{CoProcessFunction, ProcessContext};
    ///
    /// #[derive(Clone)]
    /// struct Merge { words: OutputTag<String> }
    /// impl CoProcessFunction<i32, String, i32> for Merge {
    ///     fn process_element1(&mut self, n: i32, _: &mut ProcessContext<'_>, out: &mut Collector<'_, i32>) -> rasch_core::Result<()> {
    ///         out.collect(n);
    ///         Ok(())
    ///     }
    ///     fn process_element2(&mut self, w: String, ctx: &mut ProcessContext<'_>, _: &mut Collector<'_, i32>) -> rasch_core::Result<()> {
    ///         ctx.output(&self.words, w)
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let words = OutputTag::new("words");
    /// let merged = env.from_collection(vec![1]).connect(&env.from_collection(vec!["w".to_string()])).co_process(Merge { words: words.clone() });
    /// assert_eq!(merged.get_side_output(&words).execute_and_collect()?, vec!["w"]);
    /// # Ok(()) }
    /// ```
    pub fn co_process<U: Data, F: CoProcessFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.co_process_named(f, "Co-Process")
    }

    fn co_process_named<U: Data, F: CoProcessFunction<A, B, U> + Sync>(&self, f: F, name: &str) -> DataStream<U> {
        let env = self.first.env().clone();
        let node = env.add_node::<U>(name, two_input_factory::<A, B, U, F>(f));
        for input in &self.first.inputs {
            env.add_edge::<A>(input, node, 0);
        }
        for input in &self.second.inputs {
            env.add_edge::<B>(input, node, 1);
        }
        DataStream::from_node(env, node)
    }
}
