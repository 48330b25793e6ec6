//! The broadcast state pattern: `stream.broadcast_state(&descriptor)` makes a
//! [`BroadcastStream`]; connecting a regular or keyed stream with it gives a
//! [`BroadcastConnectedStream`] or [`KeyedBroadcastConnectedStream`] whose `process` runs a
//! (keyed) broadcast process function.

use crate::datastream::DataStream;
use crate::keyed::KeyedStream;
use rasch_core::{Data, Key};
use rasch_runtime::functions::KeySelector;
use rasch_runtime::keyed::KeyedRuntime;
use rasch_runtime::operators::{
    BroadcastProcessFunction, BroadcastProcessOperator, BroadcastStateDescriptor, BroadcastStates, KeyedBroadcastProcessFunction,
    KeyedBroadcastProcessOperator, OperatorFactory, two_input_operator_factory,
};
use rasch_runtime::output::BoxOutput;
use std::marker::PhantomData;
use std::sync::Arc;

/// A stream whose every element goes to every parallel instance of the operator it is
/// connected to, together with the broadcast states that operator keeps (Flink's
/// `BroadcastStream<T>`).
pub struct BroadcastStream<T> {
    stream: DataStream<T>,
    declared: Vec<Arc<str>>,
}

impl<T> Clone for BroadcastStream<T> {
    fn clone(&self) -> Self {
        BroadcastStream { stream: self.stream.clone(), declared: self.declared.clone() }
    }
}

impl<T: Data> BroadcastStream<T> {
    /// Declares another broadcast state (Flink's `broadcast(descriptor1, descriptor2, ..)`).
    pub fn with_state<UK, UV>(mut self, descriptor: &BroadcastStateDescriptor<UK, UV>) -> Self {
        self.declared.push(descriptor.name().into());
        self
    }

    /// The declared broadcast state names.
    pub fn state_names(&self) -> Vec<&str> {
        self.declared.iter().map(|s| &**s).collect()
    }
}

impl<T: Data> DataStream<T> {
    /// Broadcasts this stream with a broadcast state (Flink's
    /// `broadcast(MapStateDescriptor)`): every element reaches every parallel instance of the
    /// connected operator, which keeps its own identical copy of the state.
    pub fn broadcast_state<UK, UV>(&self, descriptor: &BroadcastStateDescriptor<UK, UV>) -> BroadcastStream<T> {
        BroadcastStream { stream: self.broadcast(), declared: vec![descriptor.name().into()] }
    }

    /// Connects with a broadcast stream (Flink's `connect(BroadcastStream)`); this stream keeps
    /// its default partitioning (forward, or rebalance when parallelism differs).
    pub fn connect_broadcast<B: Data>(&self, broadcast: &BroadcastStream<B>) -> BroadcastConnectedStream<T, B> {
        BroadcastConnectedStream { first: self.clone(), broadcast: broadcast.clone() }
    }
}

impl<T: Data, K: Key, S: KeySelector<T, K>> KeyedStream<T, K, S> {
    /// Connects with a broadcast stream (Flink's `keyedStream.connect(BroadcastStream)`), for a
    /// [`KeyedBroadcastProcessFunction`].
    pub fn connect_broadcast<B: Data>(&self, broadcast: &BroadcastStream<B>) -> KeyedBroadcastConnectedStream<T, B, K, S> {
        KeyedBroadcastConnectedStream {
            first: self.stream().clone(),
            selector: self.selector().clone(),
            broadcast: broadcast.clone(),
            _key: PhantomData,
        }
    }
}

fn two_input_node<A: Data, B: Data, U: Data>(
    first: &DataStream<A>,
    second: &DataStream<B>,
    name: &str,
    factory: Arc<dyn OperatorFactory>,
) -> DataStream<U> {
    let env = first.env().clone();
    let node = env.add_node::<U>(name, factory);
    for input in &first.inputs {
        env.add_edge::<A>(input, node, 0);
    }
    for input in &second.inputs {
        env.add_edge::<B>(input, node, 1);
    }
    DataStream::from_node(env, node)
}

/// A non-keyed stream connected with a broadcast stream (Flink's `BroadcastConnectedStream`).
pub struct BroadcastConnectedStream<A, B> {
    first: DataStream<A>,
    broadcast: BroadcastStream<B>,
}

impl<A: Data, B: Data> BroadcastConnectedStream<A, B> {
    /// Processes both inputs with a [`BroadcastProcessFunction`].
    pub fn process<U: Data, F: BroadcastProcessFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        let declared = self.broadcast.declared.clone();
        let factory = two_input_operator_factory::<A, B, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
            let mut f = f.clone();
            f.open(&setup.ctx)?;
            Ok(BroadcastProcessOperator::new(f, BroadcastStates::for_operator(declared.clone(), setup)?, setup.time.clone(), out, sides))
        });
        two_input_node(&self.first, &self.broadcast.stream, "Co-Process-Broadcast", factory)
    }
}

/// A keyed stream connected with a broadcast stream (Flink's `BroadcastConnectedStream` of a
/// `KeyedStream`).
pub struct KeyedBroadcastConnectedStream<A, B, K, S> {
    first: DataStream<A>,
    selector: S,
    broadcast: BroadcastStream<B>,
    _key: PhantomData<fn() -> K>,
}

impl<A: Data, B: Data, K: Key, S: KeySelector<A, K>> KeyedBroadcastConnectedStream<A, B, K, S> {
    /// Processes both inputs with a [`KeyedBroadcastProcessFunction`]: keyed state and timers on
    /// the keyed input, broadcast state on both.
    pub fn process<U: Data, F: KeyedBroadcastProcessFunction<K, A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        let declared = self.broadcast.declared.clone();
        let selector = self.selector.clone();
        let factory = two_input_operator_factory::<A, B, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
            let mut f = f.clone();
            f.open(&setup.ctx)?;
            let states = BroadcastStates::for_operator(declared.clone(), setup)?;
            Ok(KeyedBroadcastProcessOperator::new(selector.clone(), f, states, KeyedRuntime::new(setup)?, out, sides))
        });
        two_input_node(&self.first, &self.broadcast.stream, "Co-Process-Broadcast-Keyed", factory)
    }
}
