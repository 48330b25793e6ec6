//! `KeyedConnectedStreams`: two keyed streams with the same key type feeding one operator, so
//! that a [`KeyedCoProcessFunction`] sees the keyed state and timers of each key from both sides.

use crate::datastream::DataStream;
use crate::keyed::KeyedStream;
use rasch_core::{Data, Key};
use rasch_runtime::functions::{CoFlatMapFn, CoFlatMapFunction, CoMapFn, CoMapFunction, CoProcessFunction, KeySelector};
use rasch_runtime::keyed::KeyedRuntime;
use rasch_runtime::operators::{
    CoFlatMapAdapter, CoMapAdapter, KeyedCoProcessFunction, KeyedCoProcessOperator, OperatorFactory, two_input_factory,
    two_input_operator_factory,
};
use rasch_runtime::output::BoxOutput;
use std::marker::PhantomData;
use std::sync::Arc;

/// Two streams partitioned by keys of the same type `K` (Flink's `ConnectedStreams` of two
/// `KeyedStream`s): equal keys of both inputs meet in the same subtask.
pub struct KeyedConnectedStreams<A, B, K, S1, S2> {
    first: DataStream<A>,
    second: DataStream<B>,
    key1: S1,
    key2: S2,
    _key: PhantomData<fn() -> K>,
}

impl<A: Data, K: Key, S1: KeySelector<A, K>> KeyedStream<A, K, S1> {
    /// Connects with another keyed stream of the same key type (Flink's
    /// `keyedStream.connect(otherKeyedStream)`), for [`KeyedConnectedStreams::process`].
    pub fn connect<B: Data, S2: KeySelector<B, K>>(&self, other: &KeyedStream<B, K, S2>) -> KeyedConnectedStreams<A, B, K, S1, S2> {
        KeyedConnectedStreams {
            first: self.stream().clone(),
            second: other.stream().clone(),
            key1: self.selector().clone(),
            key2: other.selector().clone(),
            _key: PhantomData,
        }
    }
}

impl<A: Data, B: Data, K: Key, S1: KeySelector<A, K>, S2: KeySelector<B, K>> KeyedConnectedStreams<A, B, K, S1, S2> {
    /// The hash-partitioned first input.
    pub fn first_input(&self) -> &DataStream<A> {
        &self.first
    }

    /// The hash-partitioned second input.
    pub fn second_input(&self) -> &DataStream<B> {
        &self.second
    }

    /// Adds a two-input operator reading both (hash-partitioned) inputs.
    pub fn transform<U: Data>(&self, name: &str, factory: Arc<dyn OperatorFactory>) -> DataStream<U> {
        let env = self.first.env().clone();
        let node = env.add_node::<U>(name, factory);
        for input in &self.first.inputs {
            env.add_edge::<A>(input, node, 0);
        }
        for input in &self.second.inputs {
            env.add_edge::<B>(input, node, 1);
        }
        DataStream::from_node(env, node)
    }

    /// Processes both inputs with a [`KeyedCoProcessFunction`]: keyed state and timers shared by
    /// both inputs for the current key, side outputs (Flink's `KeyedCoProcessOperator`).
    pub fn process<U: Data, F: KeyedCoProcessFunction<K, A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        let (key1, key2) = (self.key1.clone(), self.key2.clone());
        self.transform(
            "KeyedCoProcess",
            two_input_operator_factory::<A, B, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
                let mut f = f.clone();
                f.open(&setup.ctx)?;
                Ok(KeyedCoProcessOperator::new(key1.clone(), key2.clone(), f, KeyedRuntime::new(setup)?, out, sides))
            }),
        )
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
        self.transform("Co-Map", two_input_factory::<A, B, U, _>(CoMapAdapter(f)))
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
        self.transform("Co-Flat Map", two_input_factory::<A, B, U, _>(CoFlatMapAdapter(f)))
    }

    /// Processes both inputs with a (non-keyed) [`CoProcessFunction`].
    pub fn co_process<U: Data, F: CoProcessFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.transform("Co-Process", two_input_factory::<A, B, U, _>(f))
    }
}

#[cfg(test)]
mod tests {
    use crate::StreamEnv;

    #[test]
    fn keyed_co_map_puts_equal_keys_of_both_inputs_in_one_subtask() {
        let env = StreamEnv::local();
        env.set_parallelism(3);
        let a = env.from_collection((0..300i64).collect()).key_by(|x| x % 10);
        let b = env.from_collection((0..300i64).map(|x| x.to_string()).collect()).key_by(|s: &String| s.parse::<i64>().unwrap() % 10);
        let out = a.connect(&b).co_map(|x| (x % 10, 1), |s: String| (s.parse::<i64>().unwrap() % 10, 2)).execute_and_collect().unwrap();
        assert_eq!(out.len(), 600);
    }
}
