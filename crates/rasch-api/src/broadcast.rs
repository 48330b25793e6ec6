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
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::operators::BroadcastStateDescriptor;
///
/// let env = StreamEnv::local();
/// let rules = env.from_collection(vec![("max".to_string(), 10i64)]).broadcast_state(&BroadcastStateDescriptor::<String, i64>::new("limits"));
/// assert_eq!(rules.state_names(), vec!["limits"]);
/// ```
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
    /// Declares another broadcast state (Flink's `broadcast(descriptor1, descriptor2, ..)`);
    /// the connected operator keeps (and checkpoints) every declared state.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::operators::BroadcastStateDescriptor;
    ///
    /// let env = StreamEnv::local();
    /// let limits = BroadcastStateDescriptor::<String, i64>::new("limits");
    /// let names = BroadcastStateDescriptor::<u32, String>::new("names");
    /// let rules = env.from_collection(vec![1]).broadcast_state(&limits).with_state(&names);
    /// assert_eq!(rules.state_names(), vec!["limits", "names"]);
    /// ```
    pub fn with_state<UK, UV>(mut self, descriptor: &BroadcastStateDescriptor<UK, UV>) -> Self {
        self.declared.push(descriptor.name().into());
        self
    }

    /// The declared broadcast state names, in declaration order.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::operators::BroadcastStateDescriptor;
    ///
    /// let env = StreamEnv::local();
    /// let rules = env.from_collection(vec![1]).broadcast_state(&BroadcastStateDescriptor::<u32, u32>::new("r"));
    /// assert_eq!(rules.state_names(), vec!["r"]);
    /// ```
    pub fn state_names(&self) -> Vec<&str> {
        self.declared.iter().map(|s| &**s).collect()
    }
}

impl<T: Data> DataStream<T> {
    /// Broadcasts this stream with a broadcast state (Flink's
    /// `broadcast(MapStateDescriptor)`): every element reaches every parallel instance of the
    /// connected operator, which keeps its own identical copy of the state. There is no order
    /// between broadcast elements and the other input's elements.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::operators::{BroadcastContext, BroadcastProcessFunction, BroadcastStateDescriptor, ReadOnlyBroadcastContext};
    ///
    /// fn limits() -> BroadcastStateDescriptor<String, i64> {
    ///     BroadcastStateDescriptor::new("limits")
    /// }
    ///
    /// /// Stores every rule, reports which subtask got it, passes events through.
    /// #[derive(Clone)]
    /// struct Rules;
    /// impl BroadcastProcessFunction<i64, (String, i64), String> for Rules {
    ///     fn process_element(&mut self, v: i64, _: &mut ReadOnlyBroadcastContext<'_>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         out.collect(format!("event {v}"));
    ///         Ok(())
    ///     }
    ///     fn process_broadcast_element(&mut self, rule: (String, i64), ctx: &mut BroadcastContext<'_>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         ctx.broadcast_state(&limits())?.put(rule.0.clone(), rule.1);
    ///         out.collect(format!("rule {}", rule.0));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let rules = env.from_collection(vec![("max".to_string(), 10)]).broadcast_state(&limits());
    /// let out = env.from_collection(vec![1i64, 2]).connect_broadcast(&rules).process(Rules).set_parallelism(3).execute_and_collect()?;
    /// assert_eq!(out.iter().filter(|s| *s == "rule max").count(), 3); // every instance got the rule
    /// assert_eq!(out.iter().filter(|s| s.starts_with("event")).count(), 2); // each event once
    /// # Ok(()) }
    /// ```
    pub fn broadcast_state<UK, UV>(&self, descriptor: &BroadcastStateDescriptor<UK, UV>) -> BroadcastStream<T> {
        BroadcastStream { stream: self.broadcast(), declared: vec![descriptor.name().into()] }
    }

    /// Connects with a broadcast stream (Flink's `connect(BroadcastStream)`); this stream keeps
    /// its default partitioning (forward, or rebalance when parallelism differs).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::operators::{BroadcastContext, BroadcastProcessFunction, BroadcastStateDescriptor, ReadOnlyBroadcastContext};
    ///
    /// fn limits() -> BroadcastStateDescriptor<String, i64> {
    ///     BroadcastStateDescriptor::new("limits")
    /// }
    ///
    /// /// Stores every rule, reports which subtask got it, passes events through.
    /// #[derive(Clone)]
    /// struct Rules;
    /// impl BroadcastProcessFunction<i64, (String, i64), String> for Rules {
    ///     fn process_element(&mut self, v: i64, _: &mut ReadOnlyBroadcastContext<'_>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         out.collect(format!("event {v}"));
    ///         Ok(())
    ///     }
    ///     fn process_broadcast_element(&mut self, rule: (String, i64), ctx: &mut BroadcastContext<'_>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         ctx.broadcast_state(&limits())?.put(rule.0.clone(), rule.1);
    ///         out.collect(format!("rule {}", rule.0));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let rules = env.from_collection(vec![("max".to_string(), 10)]).broadcast_state(&limits());
    /// let out = env.from_collection(vec![1i64, 2]).connect_broadcast(&rules).process(Rules).set_parallelism(3).execute_and_collect()?;
    /// assert_eq!(out.iter().filter(|s| *s == "rule max").count(), 3); // every instance got the rule
    /// assert_eq!(out.iter().filter(|s| s.starts_with("event")).count(), 2); // each event once
    /// # Ok(()) }
    /// ```
    pub fn connect_broadcast<B: Data>(&self, broadcast: &BroadcastStream<B>) -> BroadcastConnectedStream<T, B> {
        BroadcastConnectedStream { first: self.clone(), broadcast: broadcast.clone() }
    }
}

impl<T: Data, K: Key, S: KeySelector<T, K>> KeyedStream<T, K, S> {
    /// Connects with a broadcast stream (Flink's `keyedStream.connect(BroadcastStream)`), for a
    /// [`KeyedBroadcastProcessFunction`]: keyed state and timers on the keyed input,
    /// broadcast state on both.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::operators::{BroadcastContext, BroadcastStateDescriptor, KeyedBroadcastProcessFunction, KeyedReadOnlyBroadcastContext};
    ///
    /// #[derive(Clone)]
    /// struct PerKey;
    /// impl KeyedBroadcastProcessFunction<char, char, u32, String> for PerKey {
    ///     fn process_element(&mut self, c: char, ctx: &mut KeyedReadOnlyBroadcastContext<'_, char>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         out.collect(format!("key {}", ctx.current_key()));
    ///         Ok(())
    ///     }
    ///     fn process_broadcast_element(&mut self, v: u32, _: &mut BroadcastContext<'_>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         out.collect(format!("broadcast {v}"));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let control = env.from_collection(vec![7u32]).broadcast_state(&BroadcastStateDescriptor::<u32, u32>::new("control"));
    /// let keyed = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let mut out = keyed.connect_broadcast(&control).process(PerKey).set_parallelism(2).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!["broadcast 7", "broadcast 7", "key a", "key a", "key b"]);
    /// # Ok(()) }
    /// ```
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

/// A non-keyed stream connected with a broadcast stream (Flink's `BroadcastConnectedStream`);
/// made by [`DataStream::connect_broadcast`].
///
/// ```
/// use rasch_api::{BroadcastConnectedStream, StreamEnv};
/// use rasch_runtime::operators::BroadcastStateDescriptor;
///
/// let env = StreamEnv::local();
/// let rules = env.from_collection(vec![1u32]).broadcast_state(&BroadcastStateDescriptor::<u32, u32>::new("rules"));
/// let connected: BroadcastConnectedStream<i64, u32> = env.from_sequence(1, 3).connect_broadcast(&rules);
/// // connected.process(a BroadcastProcessFunction)
/// # let _ = connected;
/// ```
pub struct BroadcastConnectedStream<A, B> {
    first: DataStream<A>,
    broadcast: BroadcastStream<B>,
}

impl<A: Data, B: Data> BroadcastConnectedStream<A, B> {
    /// Processes both inputs with a [`BroadcastProcessFunction`]: `process_broadcast_element`
    /// may update the broadcast state (each instance applies every broadcast element to its
    /// own copy), `process_element` only reads it. An `Err` fails the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::operators::{BroadcastContext, BroadcastProcessFunction, BroadcastStateDescriptor, ReadOnlyBroadcastContext};
    ///
    /// fn limits() -> BroadcastStateDescriptor<String, i64> {
    ///     BroadcastStateDescriptor::new("limits")
    /// }
    ///
    /// /// Stores every rule, reports which subtask got it, passes events through.
    /// #[derive(Clone)]
    /// struct Rules;
    /// impl BroadcastProcessFunction<i64, (String, i64), String> for Rules {
    ///     fn process_element(&mut self, v: i64, _: &mut ReadOnlyBroadcastContext<'_>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         out.collect(format!("event {v}"));
    ///         Ok(())
    ///     }
    ///     fn process_broadcast_element(&mut self, rule: (String, i64), ctx: &mut BroadcastContext<'_>, out: &mut Collector<'_, String>) -> rasch_core::Result<()> {
    ///         ctx.broadcast_state(&limits())?.put(rule.0.clone(), rule.1);
    ///         out.collect(format!("rule {}", rule.0));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let rules = env.from_collection(vec![("max".to_string(), 10)]).broadcast_state(&limits());
    /// let out = env.from_collection(vec![1i64, 2]).connect_broadcast(&rules).process(Rules).set_parallelism(3).execute_and_collect()?;
    /// assert_eq!(out.iter().filter(|s| *s == "rule max").count(), 3); // every instance got the rule
    /// assert_eq!(out.iter().filter(|s| s.starts_with("event")).count(), 2); // each event once
    /// # Ok(()) }
    /// ```
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
/// `KeyedStream`); made by [`KeyedStream::connect_broadcast`].
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::operators::BroadcastStateDescriptor;
///
/// let env = StreamEnv::local();
/// let rules = env.from_collection(vec![1u32]).broadcast_state(&BroadcastStateDescriptor::<u32, u32>::new("rules"));
/// let connected = env.from_sequence(1, 3).key_by(|x| x % 2).connect_broadcast(&rules);
/// // connected.process(a KeyedBroadcastProcessFunction)
/// # let _ = connected;
/// ```
pub struct KeyedBroadcastConnectedStream<A, B, K, S> {
    first: DataStream<A>,
    selector: S,
    broadcast: BroadcastStream<B>,
    _key: PhantomData<fn() -> K>,
}

impl<A: Data, B: Data, K: Key, S: KeySelector<A, K>> KeyedBroadcastConnectedStream<A, B, K, S> {
    /// Processes both inputs with a [`KeyedBroadcastProcessFunction`]: keyed state and timers on
    /// the keyed input, broadcast state on both. When the inputs end, the final watermark fires
    /// every event-time timer.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::operators::{BroadcastContext, BroadcastStateDescriptor, KeyedBroadcastProcessFunction, KeyedReadOnlyBroadcastContext};
    /// use rasch_state::ValueState;
    ///
    /// #[derive(Clone)]
    /// struct Count { n: ValueState<u32> }
    /// impl KeyedBroadcastProcessFunction<char, char, u32, (char, u32)> for Count {
    ///     fn process_element(&mut self, c: char, ctx: &mut KeyedReadOnlyBroadcastContext<'_, char>, out: &mut Collector<'_, (char, u32)>) -> rasch_core::Result<()> {
    ///         let n = self.n.value(ctx)?.unwrap_or(0) + 1;
    ///         self.n.update(ctx, n)?;
    ///         out.collect((c, n));
    ///         Ok(())
    ///     }
    ///     fn process_broadcast_element(&mut self, _: u32, _: &mut BroadcastContext<'_>, _: &mut Collector<'_, (char, u32)>) -> rasch_core::Result<()> {
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let control = env.from_collection(vec![0u32]).broadcast_state(&BroadcastStateDescriptor::<u32, u32>::new("control"));
    /// let keyed = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let mut out = keyed.connect_broadcast(&control).process(Count { n: ValueState::new("n") }).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 1), ('a', 2), ('b', 1)]);
    /// # Ok(()) }
    /// ```
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
