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
/// `KeyedStream`s): equal keys of both inputs meet in the same subtask, each input's elements
/// of a key in the order they were sent; there is no order between the two inputs.
///
/// ```
/// use rasch_api::StreamEnv;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// let a = env.from_collection(vec![1, 2, 3]).key_by(|x| x % 2);
/// let b = env.from_collection(vec![10, 11]).key_by(|x| x % 2);
/// let mut out = a.connect(&b).co_map(|x| x, |y| y).execute_and_collect()?;
/// out.sort();
/// assert_eq!(out, vec![1, 2, 3, 10, 11]);
/// # Ok(()) }
/// ```
pub struct KeyedConnectedStreams<A, B, K, S1, S2> {
    first: DataStream<A>,
    second: DataStream<B>,
    key1: S1,
    key2: S2,
    _key: PhantomData<fn() -> K>,
}

impl<A: Data, K: Key, S1: KeySelector<A, K>> KeyedStream<A, K, S1> {
    /// Connects with another keyed stream of the same key type (Flink's
    /// `keyedStream.connect(otherKeyedStream)`), for [`KeyedConnectedStreams::process`]: keyed
    /// state and timers of a key are shared by both inputs.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::keyed::KeyedContext;
    /// use rasch_runtime::operators::KeyedCoProcessFunction;
    /// use rasch_state::ValueState;
    ///
    /// /// Numbers the elements of each key across both inputs.
    /// #[derive(Clone)]
    /// struct CountBoth { n: ValueState<u32> }
    /// impl CountBoth {
    ///     fn next(&self, ctx: &mut KeyedContext<'_, char>) -> rasch_core::Result<(char, u32)> {
    ///         let n = self.n.value(ctx)?.unwrap_or(0) + 1;
    ///         self.n.update(ctx, n)?;
    ///         Ok((*ctx.current_key(), n))
    ///     }
    /// }
    /// impl KeyedCoProcessFunction<char, char, (char, i32), (char, u32)> for CountBoth {
    ///     fn process_element1(&mut self, _: char, ctx: &mut KeyedContext<'_, char>, out: &mut Collector<'_, (char, u32)>) -> rasch_core::Result<()> {
    ///         out.collect(self.next(ctx)?);
    ///         Ok(())
    ///     }
    ///     fn process_element2(&mut self, _: (char, i32), ctx: &mut KeyedContext<'_, char>, out: &mut Collector<'_, (char, u32)>) -> rasch_core::Result<()> {
    ///         out.collect(self.next(ctx)?);
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let letters = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let pairs = env.from_collection(vec![('a', 1), ('b', 2)]).key_by(|p| p.0);
    /// let mut out = letters.connect(&pairs).process(CountBoth { n: ValueState::new("n") }).execute_and_collect()?;
    /// out.sort(); // which input comes first for a key is not defined; the numbers are
    /// assert_eq!(out, vec![('a', 1), ('a', 2), ('a', 3), ('b', 1), ('b', 2)]);
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let a = env.from_collection(vec![1]).key_by(|x| *x);
    /// let b = env.from_collection(vec![2]).key_by(|x| *x);
    /// assert_eq!(a.connect(&b).first_input().execute_and_collect()?, vec![1]);
    /// # Ok(()) }
    /// ```
    pub fn first_input(&self) -> &DataStream<A> {
        &self.first
    }

    /// The hash-partitioned second input.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let a = env.from_collection(vec![1]).key_by(|x| *x);
    /// let b = env.from_collection(vec![2]).key_by(|x| *x);
    /// assert_eq!(a.connect(&b).second_input().execute_and_collect()?, vec![2]);
    /// # Ok(()) }
    /// ```
    pub fn second_input(&self) -> &DataStream<B> {
        &self.second
    }

    /// Adds a two-input operator reading both (hash-partitioned) inputs: `factory` builds one
    /// operator per subtask.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::functions::CoMapFn;
    /// use rasch_runtime::operators::{CoMapAdapter, two_input_factory};
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let a = env.from_collection(vec![1]).key_by(|x| *x);
    /// let b = env.from_collection(vec![2]).key_by(|x| *x);
    /// let factory = two_input_factory::<i32, i32, i32, _>(CoMapAdapter(CoMapFn(|x: i32| x, |y: i32| -y)));
    /// let mut out = a.connect(&b).transform::<i32>("Negate second", factory).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![-2, 1]);
    /// # Ok(()) }
    /// ```
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
    /// both inputs for the current key, side outputs (Flink's `KeyedCoProcessOperator`). When
    /// both inputs end, the final watermark fires every event-time timer.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::keyed::KeyedContext;
    /// use rasch_runtime::operators::KeyedCoProcessFunction;
    /// use rasch_state::ValueState;
    ///
    /// /// Numbers the elements of each key across both inputs.
    /// #[derive(Clone)]
    /// struct CountBoth { n: ValueState<u32> }
    /// impl CountBoth {
    ///     fn next(&self, ctx: &mut KeyedContext<'_, char>) -> rasch_core::Result<(char, u32)> {
    ///         let n = self.n.value(ctx)?.unwrap_or(0) + 1;
    ///         self.n.update(ctx, n)?;
    ///         Ok((*ctx.current_key(), n))
    ///     }
    /// }
    /// impl KeyedCoProcessFunction<char, char, (char, i32), (char, u32)> for CountBoth {
    ///     fn process_element1(&mut self, _: char, ctx: &mut KeyedContext<'_, char>, out: &mut Collector<'_, (char, u32)>) -> rasch_core::Result<()> {
    ///         out.collect(self.next(ctx)?);
    ///         Ok(())
    ///     }
    ///     fn process_element2(&mut self, _: (char, i32), ctx: &mut KeyedContext<'_, char>, out: &mut Collector<'_, (char, u32)>) -> rasch_core::Result<()> {
    ///         out.collect(self.next(ctx)?);
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let letters = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let pairs = env.from_collection(vec![('a', 1), ('b', 2)]).key_by(|p| p.0);
    /// let mut out = letters.connect(&pairs).process(CountBoth { n: ValueState::new("n") }).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 1), ('a', 2), ('a', 3), ('b', 1), ('b', 2)]);
    /// # Ok(()) }
    /// ```
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

    /// Maps each input to a common type, one output per element (no keyed state).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let letters = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let pairs = env.from_collection(vec![('a', 1), ('b', 2)]).key_by(|p| p.0);
    /// let mut out = letters.connect(&pairs).co_map(|c| c, |p| p.0.to_ascii_uppercase()).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!['A', 'B', 'a', 'a', 'b']);
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

    /// Maps with a rich [`CoMapFunction`] (a clone per subtask, with `open`/`close`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::functions::CoMapFunction;
    ///
    /// #[derive(Clone)]
    /// struct Keys;
    /// impl CoMapFunction<char, (char, i32), char> for Keys {
    ///     fn map1(&mut self, c: char) -> rasch_core::Result<char> { Ok(c) }
    ///     fn map2(&mut self, p: (char, i32)) -> rasch_core::Result<char> { Ok(p.0) }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let letters = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let pairs = env.from_collection(vec![('a', 1), ('b', 2)]).key_by(|p| p.0);
    /// let mut out = letters.connect(&pairs).co_map_rich(Keys).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!['a', 'a', 'a', 'b', 'b']);
    /// # Ok(()) }
    /// ```
    pub fn co_map_rich<U: Data, F: CoMapFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.transform("Co-Map", two_input_factory::<A, B, U, _>(CoMapAdapter(f)))
    }

    /// Flat-maps each input to a common type (no keyed state).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let letters = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let pairs = env.from_collection(vec![('a', 1), ('b', 2)]).key_by(|p| p.0);
    /// let mut out = letters.connect(&pairs).co_flat_map(|c| Some(c).filter(|c| *c == 'a'), |p| vec![p.0; p.1 as usize]).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!['a', 'a', 'a', 'b', 'b']);
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

    /// Flat-maps with a rich [`CoFlatMapFunction`] (a clone per subtask, with `open`/`close`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::functions::CoFlatMapFunction;
    ///
    /// #[derive(Clone)]
    /// struct OnlyPairs;
    /// impl CoFlatMapFunction<char, (char, i32), i32> for OnlyPairs {
    ///     fn flat_map1(&mut self, _: char, _: &mut Collector<'_, i32>) -> rasch_core::Result<()> { Ok(()) }
    ///     fn flat_map2(&mut self, p: (char, i32), out: &mut Collector<'_, i32>) -> rasch_core::Result<()> {
    ///         out.collect(p.1);
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let letters = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let pairs = env.from_collection(vec![('a', 1), ('b', 2)]).key_by(|p| p.0);
    /// let mut out = letters.connect(&pairs).co_flat_map_rich(OnlyPairs).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![1, 2]);
    /// # Ok(()) }
    /// ```
    pub fn co_flat_map_rich<U: Data, F: CoFlatMapFunction<A, B, U> + Sync>(&self, f: F) -> DataStream<U> {
        self.transform("Co-Flat Map", two_input_factory::<A, B, U, _>(CoFlatMapAdapter(f)))
    }

    /// Processes both inputs with a (non-keyed) [`CoProcessFunction`]: no keyed state or
    /// timers (use [`process`](Self::process) for those).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::functions::{CoProcessFunction, ProcessContext};
    ///
    /// #[derive(Clone)]
    /// struct Tag;
    /// impl CoProcessFunction<char, (char, i32), (u8, char)> for Tag {
    ///     fn process_element1(&mut self, c: char, _: &mut ProcessContext<'_>, out: &mut Collector<'_, (u8, char)>) -> rasch_core::Result<()> {
    ///         out.collect((1, c));
    ///         Ok(())
    ///     }
    ///     fn process_element2(&mut self, p: (char, i32), _: &mut ProcessContext<'_>, out: &mut Collector<'_, (u8, char)>) -> rasch_core::Result<()> {
    ///         out.collect((2, p.0));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let letters = env.from_collection(vec!['a', 'b', 'a']).key_by(|c| *c);
    /// let pairs = env.from_collection(vec![('a', 1), ('b', 2)]).key_by(|p| p.0);
    /// let mut out = letters.connect(&pairs).co_process(Tag).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 'a'), (1, 'a'), (1, 'b'), (2, 'a'), (2, 'b')]);
    /// # Ok(()) }
    /// ```
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
