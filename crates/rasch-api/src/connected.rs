//! `ConnectedStreams`: two streams (possibly of different types) feeding one operator.

use crate::datastream::DataStream;
use rasch_core::{Data, Key};
use rasch_runtime::functions::{CoFlatMapFn, CoFlatMapFunction, CoMapFn, CoMapFunction, CoProcessFunction, KeyFn};
use rasch_runtime::operators::{CoFlatMapAdapter, CoMapAdapter, two_input_factory};
use rasch_runtime::partition::{KeyGroupSelector, Partitioner, Pattern};
use std::sync::Arc;

/// Two connected streams (Flink's `ConnectedStreams<A, B>`).
pub struct ConnectedStreams<A, B> {
    first: DataStream<A>,
    second: DataStream<B>,
}

impl<A: Data, B: Data> ConnectedStreams<A, B> {
    pub(crate) fn new(first: DataStream<A>, second: DataStream<B>) -> Self {
        ConnectedStreams { first, second }
    }

    /// Partitions both inputs by key so that equal keys meet in the same subtask.
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

    /// Maps each input to a common type.
    pub fn co_map<U, F1, F2>(&self, map1: F1, map2: F2) -> DataStream<U>
    where
        U: Data,
        F1: FnMut(A) -> U + Clone + Send + Sync + 'static,
        F2: FnMut(B) -> U + Clone + Send + Sync + 'static,
    {
        self.co_map_rich(CoMapFn(map1, map2))
    }

    /// Maps with a rich [`CoMapFunction`].
    pub fn co_map_rich<U: Data, F: CoMapFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.co_process_named(CoMapAdapter(f), "Co-Map")
    }

    /// Flat-maps each input to a common type.
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

    /// Flat-maps with a rich [`CoFlatMapFunction`].
    pub fn co_flat_map_rich<U: Data, F: CoFlatMapFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.co_process_named(CoFlatMapAdapter(f), "Co-Flat Map")
    }

    /// Processes both inputs with a [`CoProcessFunction`] (side outputs allowed).
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
