//! Window joins and co-groups of two streams (Flink's `JoinedStreams` / `CoGroupedStreams`):
//! `a.join(&b).where_(k1).equal_to(k2).window(assigner).apply(|l, r| ..)`. As in Flink, both
//! inputs are tagged ([`TaggedUnion`]), unioned, keyed by the extracted key and windowed; the
//! window function splits each firing window by tag and calls the user function for every pair
//! (join) or once per key and window (co-group).

use crate::datastream::DataStream;
use rasch_core::{Data, Key, Result};
use rasch_runtime::collector::Collector;
use rasch_runtime::windows::{ProcessWindowFunction, WindowAssigner, WindowContext};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::time::Duration;

/// An element of the first (`One`) or second (`Two`) input of a window join or co-group.
///
/// ```
/// use rasch_api::TaggedUnion;
///
/// let tagged: Vec<TaggedUnion<i32, String>> = vec![TaggedUnion::One(1), TaggedUnion::Two("x".into())];
/// assert!(matches!(tagged[0], TaggedUnion::One(1)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaggedUnion<A, B> {
    /// From the first input.
    One(A),
    /// From the second input.
    Two(B),
}

/// Marks a window join: `TwoStreams<A, B, JoinMode>` is [`JoinedStreams`].
///
/// ```
/// use rasch_api::{JoinMode, StreamEnv, TwoStreams};
///
/// let env = StreamEnv::local();
/// let joined: TwoStreams<i32, char, JoinMode> = env.from_collection(vec![1]).join(&env.from_collection(vec!['x']));
/// # let _ = joined;
/// ```
pub struct JoinMode;
/// Marks a window co-group: `TwoStreams<A, B, CoGroupMode>` is [`CoGroupedStreams`].
///
/// ```
/// use rasch_api::{CoGroupMode, StreamEnv, TwoStreams};
///
/// let env = StreamEnv::local();
/// let grouped: TwoStreams<i32, char, CoGroupMode> = env.from_collection(vec![1]).co_group(&env.from_collection(vec!['x']));
/// # let _ = grouped;
/// ```
pub struct CoGroupMode;

/// Two streams to join or co-group in windows; `M` is [`JoinMode`] or [`CoGroupMode`]. Made by
/// [`DataStream::join`] or [`DataStream::co_group`]; then [`where_`](Self::where_),
/// [`equal_to`](Where::equal_to), [`window`](EqualTo::window) and `apply`.
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::windows::TumblingEventTimeWindows;
/// use std::time::Duration;
///
/// let env = StreamEnv::local();
/// let (a, b) = (env.from_collection(vec![1]), env.from_collection(vec![(1, 'x')]));
/// let _pairs = a.join(&b)                                  // TwoStreams (JoinedStreams)
///     .where_(|x| *x)                                       // Where
///     .equal_to(|y| y.0)                                    // EqualTo
///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1))) // WithWindow
///     .apply(|x, y| (*x, y.1));                             // DataStream<(i32, char)>
/// ```
pub struct TwoStreams<A, B, M> {
    first: DataStream<A>,
    second: DataStream<B>,
    _mode: PhantomData<fn() -> M>,
}

/// Flink's `JoinedStreams<A, B>`: what [`DataStream::join`] returns.
///
/// ```
/// use rasch_api::{JoinedStreams, StreamEnv};
///
/// let env = StreamEnv::local();
/// let joined: JoinedStreams<i32, char> = env.from_collection(vec![1]).join(&env.from_collection(vec!['x']));
/// # let _ = joined;
/// ```
pub type JoinedStreams<A, B> = TwoStreams<A, B, JoinMode>;
/// Flink's `CoGroupedStreams<A, B>`: what [`DataStream::co_group`] returns.
///
/// ```
/// use rasch_api::{CoGroupedStreams, StreamEnv};
///
/// let env = StreamEnv::local();
/// let grouped: CoGroupedStreams<i32, char> = env.from_collection(vec![1]).co_group(&env.from_collection(vec!['x']));
/// # let _ = grouped;
/// ```
pub type CoGroupedStreams<A, B> = TwoStreams<A, B, CoGroupMode>;

impl<A: Data> DataStream<A> {
    /// Joins with `other` in windows: `.where_(k1).equal_to(k2).window(assigner).apply(f)` calls
    /// `f(left, right)` for every pair of elements with equal keys in the same window (an inner
    /// join: elements without a partner emit nothing). Both inputs are tagged, unioned, keyed
    /// and windowed; the windows need the timestamps and watermarks of event time (or a
    /// processing-time assigner).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut pairs = clicks.join(&views)
    ///     .where_(|c| c.0)
    ///     .equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|c, v| (c.0, c.1, v.1))
    ///     .execute_and_collect()?;
    /// pairs.sort();
    /// assert_eq!(pairs, vec![('a', 1_000, 1_100)]); // ('a', 2_500) is in the next window
    /// # Ok(()) }
    /// ```
    pub fn join<B: Data>(&self, other: &DataStream<B>) -> JoinedStreams<A, B> {
        TwoStreams { first: self.clone(), second: other.clone(), _mode: PhantomData }
    }

    /// Co-groups with `other` in windows: `.where_(k1).equal_to(k2).window(assigner).apply(f)`
    /// calls `f(key, lefts, rights, out)` once per key and window that has elements from
    /// either input (one side may be empty: outer joins are co-groups).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut groups = clicks.co_group(&views)
    ///     .where_(|c| c.0)
    ///     .equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|key, cs, vs, out| out.collect((*key, cs.len(), vs.len())))
    ///     .execute_and_collect()?;
    /// groups.sort();
    /// assert_eq!(groups, vec![('a', 0, 1), ('a', 1, 1), ('b', 1, 0)]);
    /// # Ok(()) }
    /// ```
    pub fn co_group<B: Data>(&self, other: &DataStream<B>) -> CoGroupedStreams<A, B> {
        TwoStreams { first: self.clone(), second: other.clone(), _mode: PhantomData }
    }
}

impl<A: Data, B: Data, M> TwoStreams<A, B, M> {
    /// The key of the first input.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut pairs = clicks.join(&views)
    ///     .where_(|c| c.0)
    ///     .equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|c, v| (c.0, c.1, v.1))
    ///     .execute_and_collect()?;
    /// pairs.sort();
    /// assert_eq!(pairs, vec![('a', 1_000, 1_100)]); // ('a', 2_500) is in the next window
    /// # Ok(()) }
    /// ```
    pub fn where_<K: Key, F1: Fn(&A) -> K + Clone + Send + Sync + 'static>(self, key1: F1) -> Where<A, B, M, K, F1> {
        Where { streams: self, key1, _key: PhantomData }
    }
}

/// A window join or co-group with the first key selector (see [`DataStream::join`]).
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::windows::TumblingEventTimeWindows;
/// use std::time::Duration;
///
/// let env = StreamEnv::local();
/// let (a, b) = (env.from_collection(vec![1]), env.from_collection(vec![(1, 'x')]));
/// let where_ = a.co_group(&b).where_(|x| *x);
/// let _grouped = where_.equal_to(|y| y.0).window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
///     .apply(|key, xs, ys, out| out.collect((*key, xs.len(), ys.len())));
/// ```
pub struct Where<A, B, M, K, F1> {
    streams: TwoStreams<A, B, M>,
    key1: F1,
    _key: PhantomData<fn() -> K>,
}

impl<A: Data, B: Data, M, K: Key, F1: Fn(&A) -> K + Clone + Send + Sync + 'static> Where<A, B, M, K, F1> {
    /// The key of the second input, of the same type; elements meet when the keys are equal.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut groups = clicks.co_group(&views)
    ///     .where_(|c| c.0)
    ///     .equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|key, cs, vs, out| out.collect((*key, cs.len(), vs.len())))
    ///     .execute_and_collect()?;
    /// groups.sort();
    /// assert_eq!(groups, vec![('a', 0, 1), ('a', 1, 1), ('b', 1, 0)]);
    /// # Ok(()) }
    /// ```
    pub fn equal_to<F2: Fn(&B) -> K + Clone + Send + Sync + 'static>(self, key2: F2) -> EqualTo<A, B, M, K, F1, F2> {
        EqualTo { streams: self.streams, key1: self.key1, key2, _key: PhantomData }
    }
}

/// A window join or co-group with both key selectors (see [`DataStream::join`]).
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::windows::TumblingEventTimeWindows;
/// use std::time::Duration;
///
/// let env = StreamEnv::local();
/// let (a, b) = (env.from_collection(vec![1]), env.from_collection(vec![(1, 'x')]));
/// let equal_to = a.join(&b).where_(|x| *x).equal_to(|y| y.0);
/// let _pairs = equal_to.window(TumblingEventTimeWindows::of(Duration::from_secs(1))).apply(|x, y| (*x, y.1));
/// ```
pub struct EqualTo<A, B, M, K, F1, F2> {
    streams: TwoStreams<A, B, M>,
    key1: F1,
    key2: F2,
    _key: PhantomData<fn() -> K>,
}

impl<A, B, M, K, F1, F2> EqualTo<A, B, M, K, F1, F2>
where
    A: Data,
    B: Data,
    K: Key,
    F1: Fn(&A) -> K + Clone + Send + Sync + 'static,
    F2: Fn(&B) -> K + Clone + Send + Sync + 'static,
{
    /// The windows, e.g. `TumblingEventTimeWindows::of(Duration::from_secs(5))`: only elements
    /// in the same window meet. Join results are stamped with the window's max timestamp.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::SlidingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut pairs = clicks.join(&views).where_(|c| c.0).equal_to(|v| v.0)
    ///     .window(SlidingEventTimeWindows::of(Duration::from_secs(2), Duration::from_secs(1)))
    ///     .apply(|c, v| (c.1, v.1))
    ///     .execute_and_collect()?;
    /// pairs.sort();
    /// assert_eq!(pairs, vec![(1_000, 1_100), (1_000, 1_100), (1_000, 2_500)]); // two windows hold the first pair
    /// # Ok(()) }
    /// ```
    pub fn window<W: WindowAssigner<TaggedUnion<A, B>>>(self, assigner: W) -> WithWindow<A, B, M, K, F1, F2, W> {
        WithWindow { on: self, assigner, allowed_lateness: Duration::ZERO }
    }
}

/// A window join or co-group, ready for `apply` (Flink's `WithWindow`; see
/// [`DataStream::join`]).
///
/// ```
/// use rasch_api::StreamEnv;
/// use rasch_runtime::windows::TumblingEventTimeWindows;
/// use std::time::Duration;
///
/// let env = StreamEnv::local();
/// let (a, b) = (env.from_collection(vec![1]), env.from_collection(vec![(1, 'x')]));
/// let with_window = a.join(&b).where_(|x| *x).equal_to(|y| y.0).window(TumblingEventTimeWindows::of(Duration::from_secs(1)));
/// let _pairs = with_window.allowed_lateness(Duration::from_secs(1)).apply(|x, y| (*x, y.1));
/// ```
pub struct WithWindow<A, B, M, K, F1, F2, W> {
    on: EqualTo<A, B, M, K, F1, F2>,
    assigner: W,
    allowed_lateness: Duration,
}

impl<A, B, M, K, F1, F2, W> WithWindow<A, B, M, K, F1, F2, W>
where
    A: Data,
    B: Data,
    K: Key,
    F1: Fn(&A) -> K + Clone + Send + Sync + 'static,
    F2: Fn(&B) -> K + Clone + Send + Sync + 'static,
    W: WindowAssigner<TaggedUnion<A, B>>,
{
    /// Keeps windows for `lateness` after the watermark passed their end; late elements fire
    /// them again (emitting the window's pairs again, with the new ones).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut pairs = clicks.join(&views).where_(|c| c.0).equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .allowed_lateness(Duration::from_secs(5))
    ///     .apply(|c, v| (c.1, v.1))
    ///     .execute_and_collect()?;
    /// pairs.sort();
    /// assert_eq!(pairs, vec![(1_000, 1_100)]); // nothing came late
    /// # Ok(()) }
    /// ```
    pub fn allowed_lateness(mut self, lateness: Duration) -> Self {
        self.allowed_lateness = lateness;
        self
    }

    fn windowed<U: Data, P: ProcessWindowFunction<TaggedUnion<A, B>, U, K, W::W> + Sync>(&self, f: P) -> DataStream<U> {
        let (k1, k2) = (self.on.key1.clone(), self.on.key2.clone());
        let one = self.on.streams.first.map(TaggedUnion::<A, B>::One).name("Map (tag first)");
        let two = self.on.streams.second.map(TaggedUnion::<A, B>::Two).name("Map (tag second)");
        let keyed = one.union(&[two]).key_by(move |t: &TaggedUnion<A, B>| match t {
            TaggedUnion::One(a) => k1(a),
            TaggedUnion::Two(b) => k2(b),
        });
        keyed.window(self.assigner.clone()).allowed_lateness(self.allowed_lateness).process(f)
    }
}

/// Splits a window's elements by input.
fn split<A, B>(elements: &[TaggedUnion<A, B>]) -> (Vec<&A>, Vec<&B>) {
    let (mut ones, mut twos) = (Vec::new(), Vec::new());
    for e in elements {
        match e {
            TaggedUnion::One(a) => ones.push(a),
            TaggedUnion::Two(b) => twos.push(b),
        }
    }
    (ones, twos)
}

/// The window function of a join: `f(left, right, out)` for every pair in the window.
#[derive(Clone)]
pub struct JoinWindowFn<F>(F);

impl<A, B, U, K, Win, F> ProcessWindowFunction<TaggedUnion<A, B>, U, K, Win> for JoinWindowFn<F>
where
    F: FnMut(&A, &B, &mut Collector<'_, U>) + Clone + Send + 'static,
{
    fn process(
        &mut self,
        _: &K,
        _: &mut WindowContext<'_, K, Win>,
        elements: &[TaggedUnion<A, B>],
        out: &mut Collector<'_, U>,
    ) -> Result<()> {
        let (ones, twos) = split(elements);
        for a in &ones {
            for b in &twos {
                (self.0)(a, b, out);
            }
        }
        Ok(())
    }
}

/// The window function of a co-group: `f(key, lefts, rights, out)` once per key and window.
#[derive(Clone)]
pub struct CoGroupWindowFn<F>(F);

impl<A: Clone, B: Clone, U, K, Win, F> ProcessWindowFunction<TaggedUnion<A, B>, U, K, Win> for CoGroupWindowFn<F>
where
    F: FnMut(&K, Vec<A>, Vec<B>, &mut Collector<'_, U>) + Clone + Send + 'static,
{
    fn process(
        &mut self,
        key: &K,
        _: &mut WindowContext<'_, K, Win>,
        elements: &[TaggedUnion<A, B>],
        out: &mut Collector<'_, U>,
    ) -> Result<()> {
        let (ones, twos) = split(elements);
        (self.0)(key, ones.into_iter().cloned().collect(), twos.into_iter().cloned().collect(), out);
        Ok(())
    }
}

impl<A, B, K, F1, F2, W> WithWindow<A, B, JoinMode, K, F1, F2, W>
where
    A: Data,
    B: Data,
    K: Key,
    F1: Fn(&A) -> K + Clone + Send + Sync + 'static,
    F2: Fn(&B) -> K + Clone + Send + Sync + 'static,
    W: WindowAssigner<TaggedUnion<A, B>>,
{
    /// Emits `f(left, right)` for every pair of elements with equal keys in the same window
    /// (Flink's `apply(JoinFunction)`), stamped with the window's max timestamp.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut pairs = clicks.join(&views)
    ///     .where_(|c| c.0)
    ///     .equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|c, v| (c.0, c.1, v.1))
    ///     .execute_and_collect()?;
    /// pairs.sort();
    /// assert_eq!(pairs, vec![('a', 1_000, 1_100)]); // ('a', 2_500) is in the next window
    /// # Ok(()) }
    /// ```
    pub fn apply<U: Data, F: FnMut(&A, &B) -> U + Clone + Send + Sync + 'static>(&self, mut f: F) -> DataStream<U> {
        self.windowed(JoinWindowFn(move |a: &A, b: &B, out: &mut Collector<'_, U>| out.collect(f(a, b))))
    }

    /// Calls `f(left, right, out)` for every pair (Flink's `apply(FlatJoinFunction)`), which
    /// may emit any number of results.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut gaps = clicks.join(&views).where_(|c| c.0).equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .flat_apply(|c, v, out| if v.1 > c.1 { out.collect(v.1 - c.1) })
    ///     .execute_and_collect()?;
    /// gaps.sort();
    /// assert_eq!(gaps, vec![100]);
    /// # Ok(()) }
    /// ```
    pub fn flat_apply<U: Data, F: FnMut(&A, &B, &mut Collector<'_, U>) + Clone + Send + Sync + 'static>(&self, f: F) -> DataStream<U> {
        self.windowed(JoinWindowFn(f))
    }
}

impl<A, B, K, F1, F2, W> WithWindow<A, B, CoGroupMode, K, F1, F2, W>
where
    A: Data,
    B: Data,
    K: Key,
    F1: Fn(&A) -> K + Clone + Send + Sync + 'static,
    F2: Fn(&B) -> K + Clone + Send + Sync + 'static,
    W: WindowAssigner<TaggedUnion<A, B>>,
{
    /// Calls `f(key, lefts, rights, out)` once per key and window with the elements of each
    /// input in arrival order (Flink's `apply(CoGroupFunction)`); one side may be empty.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_runtime::watermarks::WatermarkStrategy;
    /// use rasch_runtime::windows::TumblingEventTimeWindows;
    /// use std::time::Duration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let stamp = || WatermarkStrategy::for_monotonous_timestamps();
    /// let clicks = env.from_collection(vec![('a', 1_000i64), ('b', 1_200)]).assign_event_time(stamp(), |c, _| c.1);
    /// let views = env.from_collection(vec![('a', 1_100i64), ('a', 2_500)]).assign_event_time(stamp(), |v, _| v.1);
    /// let mut groups = clicks.co_group(&views)
    ///     .where_(|c| c.0)
    ///     .equal_to(|v| v.0)
    ///     .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
    ///     .apply(|key, cs, vs, out| out.collect((*key, cs.len(), vs.len())))
    ///     .execute_and_collect()?;
    /// groups.sort();
    /// assert_eq!(groups, vec![('a', 0, 1), ('a', 1, 1), ('b', 1, 0)]);
    /// # Ok(()) }
    /// ```
    pub fn apply<U: Data, F: FnMut(&K, Vec<A>, Vec<B>, &mut Collector<'_, U>) + Clone + Send + Sync + 'static>(
        &self,
        f: F,
    ) -> DataStream<U> {
        self.windowed(CoGroupWindowFn(f))
    }
}
