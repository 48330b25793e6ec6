//! Interval joins of two keyed streams: `a.interval_join(&b).between(-2_000, 1_000).process(f)`
//! joins each left element at `t` with the right elements of its key at `t - 2 s ..= t + 1 s`
//! (Flink's `KeyedStream.intervalJoin`), in event time.

use crate::datastream::DataStream;
use crate::keyed::KeyedStream;
use rasch_core::{Data, Error, Key};
use rasch_runtime::collector::OutputTag;
use rasch_runtime::functions::KeySelector;
use rasch_runtime::operators::{IntervalJoinOperator, IntervalJoinSpec, JoinFn, ProcessJoinFunction, two_input_operator_factory};
use rasch_runtime::output::BoxOutput;
use std::marker::PhantomData;
use std::time::Duration;

/// A join bound: milliseconds as an integer (may be negative) or a (non-negative) `Duration`
/// (saturating at `i64::MAX` ms).
///
/// ```
/// use rasch_api::IntoMillis;
/// use std::time::Duration;
///
/// assert_eq!((-5_000i64).into_millis(), -5_000);
/// assert_eq!(Duration::from_secs(2).into_millis(), 2_000);
/// ```
pub trait IntoMillis {
    /// The bound in milliseconds.
    fn into_millis(self) -> i64;
}

impl IntoMillis for i64 {
    fn into_millis(self) -> i64 {
        self
    }
}

impl IntoMillis for i32 {
    fn into_millis(self) -> i64 {
        self as i64
    }
}

impl IntoMillis for Duration {
    fn into_millis(self) -> i64 {
        self.as_millis().min(i64::MAX as u128) as i64
    }
}

impl<A: Data, K: Key, S1: KeySelector<A, K>> KeyedStream<A, K, S1> {
    /// Starts an interval join with another keyed stream of the same key type (Flink's
    /// `intervalJoin`); set the bounds with [`IntervalJoin::between`]. Event time: both inputs
    /// need timestamps. Each side's elements are kept in keyed state until the watermark makes
    /// a match impossible; an element already behind the watermark when it arrives is late and
    /// dropped (or sent to a side output).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let mut out = orders.interval_join(&payments).between(0, 1_000).apply(|o, p| (o.0, o.1, p.1)).execute_and_collect()?;
    /// out.sort(); // ('b', 1_900) is 100 ms *before* its order: outside [0, 1 s]
    /// assert_eq!(out, vec![('a', 1_000, 1_500)]);
    /// # Ok(()) }
    /// ```
    pub fn interval_join<B: Data, S2: KeySelector<B, K>>(&self, other: &KeyedStream<B, K, S2>) -> IntervalJoin<A, B, K, S1, S2> {
        IntervalJoin {
            left: self.stream().clone(),
            right: other.stream().clone(),
            key1: self.selector().clone(),
            key2: other.selector().clone(),
            _key: PhantomData,
        }
    }
}

/// An interval join waiting for its bounds (see [`KeyedStream::interval_join`]).
///
/// ```
/// use rasch_api::StreamEnv;
///
/// let env = StreamEnv::local();
/// let (a, b) = (env.from_collection(vec![1]).key_by(|x| *x), env.from_collection(vec![1]).key_by(|x| *x));
/// let _joined = a.interval_join(&b).between(-1_000, 1_000).apply(|x, y| x + y);
/// ```
pub struct IntervalJoin<A, B, K, S1, S2> {
    left: DataStream<A>,
    right: DataStream<B>,
    key1: S1,
    key2: S2,
    _key: PhantomData<fn() -> K>,
}

impl<A: Data, B: Data, K: Key, S1: KeySelector<A, K>, S2: KeySelector<B, K>> IntervalJoin<A, B, K, S1, S2> {
    /// Joins a left element at `t` with right elements at `t + lower ..= t + upper` (both
    /// bounds inclusive unless made exclusive). `lower` must not exceed `upper`, or `execute()`
    /// fails.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let mut out = orders.interval_join(&payments).between(-200, Duration::from_secs(1)).apply(|o, p| (o.0, p.1)).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![('a', 1_500), ('b', 1_900)]);
    /// # Ok(()) }
    /// ```
    pub fn between(self, lower: impl IntoMillis, upper: impl IntoMillis) -> IntervalJoined<A, B, K, S1, S2> {
        let (lower, upper) = (lower.into_millis(), upper.into_millis());
        if lower > upper {
            self.left.env().record_error(Error::InvalidJob(format!(
                "interval join: the lower bound ({lower} ms) must not be greater than the upper bound ({upper} ms)"
            )));
        }
        IntervalJoined { join: self, lower, upper, lower_inclusive: true, upper_inclusive: true, late_left: None, late_right: None }
    }
}

/// An interval join with bounds (Flink's `IntervalJoined`): configure it, then `process` it
/// (see [`KeyedStream::interval_join`]).
///
/// ```
/// use rasch_api::StreamEnv;
///
/// let env = StreamEnv::local();
/// let (a, b) = (env.from_collection(vec![1]).key_by(|x| *x), env.from_collection(vec![1]).key_by(|x| *x));
/// let bounded = a.interval_join(&b).between(0, 500).upper_bound_exclusive();
/// let _joined = bounded.apply(|x, y| x + y);
/// ```
pub struct IntervalJoined<A, B, K, S1, S2> {
    join: IntervalJoin<A, B, K, S1, S2>,
    lower: i64,
    upper: i64,
    lower_inclusive: bool,
    upper_inclusive: bool,
    late_left: Option<OutputTag<A>>,
    late_right: Option<OutputTag<B>>,
}

impl<A: Data, B: Data, K: Key, S1: KeySelector<A, K>, S2: KeySelector<B, K>> IntervalJoined<A, B, K, S1, S2> {
    /// Right elements exactly at `t + lower` do not join. Bounds that then contain no time
    /// difference fail `execute()`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let out = orders.interval_join(&payments).between(500, 1_000).lower_bound_exclusive().apply(|o, p| (o.0, p.1)).execute_and_collect()?;
    /// assert!(out.is_empty()); // ('a', 1_500) is exactly 500 ms after its order
    /// # Ok(()) }
    /// ```
    pub fn lower_bound_exclusive(mut self) -> Self {
        self.lower_inclusive = false;
        self
    }

    /// Right elements exactly at `t + upper` do not join.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let out = orders.interval_join(&payments).between(0, 500).upper_bound_exclusive().apply(|o, p| (o.0, p.1)).execute_and_collect()?;
    /// assert!(out.is_empty()); // ('a', 1_500) is exactly 500 ms after its order
    /// # Ok(()) }
    /// ```
    pub fn upper_bound_exclusive(mut self) -> Self {
        self.upper_inclusive = false;
        self
    }

    /// Sends late left elements (timestamp behind the watermark) to the side output `tag`
    /// instead of dropping them. Whether an element is late depends on when the watermarks
    /// of both inputs reach the join, so the example only shows the wiring.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::OutputTag;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let late_orders = OutputTag::new("late orders");
    /// let joined = orders.interval_join(&payments).between(0, 1_000).side_output_left_late_data(&late_orders).apply(|o, p| (o.0, p.1));
    /// joined.get_side_output(&late_orders).discard();
    /// assert_eq!(joined.execute_and_collect()?, vec![('a', 1_500)]); // in order: nothing late
    /// # Ok(()) }
    /// ```
    pub fn side_output_left_late_data(mut self, tag: &OutputTag<A>) -> Self {
        self.late_left = Some(tag.clone());
        self
    }

    /// Sends late right elements to the side output `tag` instead of dropping them.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::OutputTag;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let late_payments = OutputTag::new("late payments");
    /// let joined = orders.interval_join(&payments).between(0, 1_000).side_output_right_late_data(&late_payments).apply(|o, p| (o.0, p.1));
    /// joined.get_side_output(&late_payments).discard();
    /// assert_eq!(joined.execute_and_collect()?, vec![('a', 1_500)]);
    /// # Ok(()) }
    /// ```
    pub fn side_output_right_late_data(mut self, tag: &OutputTag<B>) -> Self {
        self.late_right = Some(tag.clone());
        self
    }

    /// Calls `f(left, right)` for every joined pair and emits its result, stamped with the
    /// larger of both timestamps. Pairs of a key come in the order their second element
    /// arrived.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let mut out = orders.interval_join(&payments).between(-1_000, 1_000).apply(|o, p| p.1 - o.1).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![-100, 500]);
    /// # Ok(()) }
    /// ```
    pub fn apply<U: Data, F: FnMut(&A, &B) -> U + Clone + Send + Sync + 'static>(self, f: F) -> DataStream<U> {
        self.process(JoinFn(f))
    }

    /// Processes every joined pair with a [`ProcessJoinFunction`] (Flink's `process`): both
    /// timestamps, side outputs; results are stamped with the larger timestamp. An `Err` fails
    /// the job.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::collector::Collector;
    /// use rasch_runtime::operators::{JoinContext, ProcessJoinFunction};
    ///
    /// #[derive(Clone)]
    /// struct Delay;
    /// impl ProcessJoinFunction<(char, i64), (char, i64), (char, i64)> for Delay {
    ///     fn process_element(&mut self, o: &(char, i64), _: &(char, i64), ctx: &mut JoinContext<'_>, out: &mut Collector<'_, (char, i64)>) -> rasch_core::Result<()> {
    ///         out.collect((o.0, ctx.right_timestamp() - ctx.left_timestamp()));
    ///         Ok(())
    ///     }
    /// }
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let orders = env.from_collection(vec![('a', 1_000i64), ('b', 2_000)]).assign_event_time(stamp(), |o, _| o.1).key_by(|o| o.0);
    /// let payments = env.from_collection(vec![('a', 1_500i64), ('b', 1_900), ('a', 9_000)]).assign_event_time(stamp(), |p, _| p.1).key_by(|p| p.0);
    /// let out = orders.interval_join(&payments).between(0, 1_000).process(Delay).execute_and_collect()?;
    /// assert_eq!(out, vec![('a', 500)]);
    /// # Ok(()) }
    /// ```
    pub fn process<U: Data, F: ProcessJoinFunction<A, B, U> + Sync>(self, f: F) -> DataStream<U> {
        let lower = if self.lower_inclusive { self.lower } else { self.lower.saturating_add(1) };
        let upper = if self.upper_inclusive { self.upper } else { self.upper.saturating_sub(1) };
        let env = self.join.left.env().clone();
        if lower > upper {
            env.record_error(Error::InvalidJob(format!(
                "interval join: the bounds {}{}, {}{} contain no time difference",
                if self.lower_inclusive { "[" } else { "(" },
                self.lower,
                self.upper,
                if self.upper_inclusive { "]" } else { ")" }
            )));
        }
        let IntervalJoined { join, late_left, late_right, .. } = self;
        let (key1, key2) = (join.key1.clone(), join.key2.clone());
        let factory = two_input_operator_factory::<A, B, U, _, _>(move |setup, out: BoxOutput<U>, sides| {
            let mut f = f.clone();
            f.open(&setup.ctx)?;
            let spec = IntervalJoinSpec { lower, upper, late_left: late_left.clone(), late_right: late_right.clone() };
            IntervalJoinOperator::new(key1.clone(), key2.clone(), f, spec, setup, out, sides)
        });
        let node = env.add_node::<U>("Interval Join", factory);
        for input in &join.left.inputs {
            env.add_edge::<A>(input, node, 0);
        }
        for input in &join.right.inputs {
            env.add_edge::<B>(input, node, 1);
        }
        DataStream::from_node(env, node)
    }
}
