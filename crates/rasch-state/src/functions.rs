//! `AggregateFunction`: incremental aggregation with an accumulator (Flink's), used by
//! `AggregatingState` and by window `aggregate`.

/// Aggregates inputs into an accumulator and produces a result from it.
pub trait AggregateFunction<IN, ACC, OUT>: Clone + Send + Sync + 'static {
    /// A fresh, empty accumulator.
    fn create_accumulator(&self) -> ACC;
    /// Adds a value to an accumulator.
    fn add(&self, value: IN, accumulator: ACC) -> ACC;
    /// The result of an accumulator.
    fn get_result(&self, accumulator: &ACC) -> OUT;
    /// Combines two accumulators (merging windows, slices).
    fn merge(&self, a: ACC, b: ACC) -> ACC;
}

/// An [`AggregateFunction`] from four closures.
#[derive(Clone)]
pub struct AggregateFn<C, A, R, M> {
    /// Creates an accumulator.
    pub create: C,
    /// Adds a value.
    pub add: A,
    /// Produces the result.
    pub result: R,
    /// Merges two accumulators.
    pub merge: M,
}

impl<IN, ACC, OUT, C, A, R, M> AggregateFunction<IN, ACC, OUT> for AggregateFn<C, A, R, M>
where
    C: Fn() -> ACC + Clone + Send + Sync + 'static,
    A: Fn(IN, ACC) -> ACC + Clone + Send + Sync + 'static,
    R: Fn(&ACC) -> OUT + Clone + Send + Sync + 'static,
    M: Fn(ACC, ACC) -> ACC + Clone + Send + Sync + 'static,
{
    fn create_accumulator(&self) -> ACC {
        (self.create)()
    }
    fn add(&self, value: IN, accumulator: ACC) -> ACC {
        (self.add)(value, accumulator)
    }
    fn get_result(&self, accumulator: &ACC) -> OUT {
        (self.result)(accumulator)
    }
    fn merge(&self, a: ACC, b: ACC) -> ACC {
        (self.merge)(a, b)
    }
}
