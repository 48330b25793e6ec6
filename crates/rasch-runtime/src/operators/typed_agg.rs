//! Keyed aggregations checked at compile time: the field is chosen by a closure, not a position,
//! so a wrong field is a compile error instead of a failure at `execute()`. Like the positional
//! ones they are associative ([`Combine`]), so BATCH mode pre-aggregates before the exchange.

use crate::functions::ReduceFunction;
use crate::operators::{FieldAggregate, FieldReduce};
use rasch_core::Result;
use std::ops::Add;

/// An associative in-place fold of one value into a key's accumulator — what a combiner may
/// apply on either side of an exchange.
pub trait Combine<T>: Clone + Send + Sync + 'static {
    /// Folds `value` into `accumulated`.
    fn reduce_into(&self, accumulated: &mut T, value: T);
}

impl<T: FieldAggregate + Send + Sync + 'static> Combine<T> for FieldReduce<T> {
    #[inline]
    fn reduce_into(&self, accumulated: &mut T, value: T) {
        FieldReduce::reduce_into(self, accumulated, value);
    }
}

/// `sum_by(|t| &mut t.1)`: adds the field the closure points at; the other fields come from
/// the key's first record (Flink's `sum(pos)`).
#[derive(Clone)]
pub struct SumBy<F>(pub F);

impl<T, N: Add<Output = N> + Copy, F: Fn(&mut T) -> &mut N + Clone + Send + Sync + 'static> Combine<T> for SumBy<F> {
    #[inline]
    fn reduce_into(&self, accumulated: &mut T, mut value: T) {
        let add = *(self.0)(&mut value);
        let field = (self.0)(accumulated);
        *field = *field + add;
    }
}

/// `max_by_key(|t| t.2)`: the whole record with the largest key so far, the first one on ties
/// (Flink's `maxBy(pos)`).
#[derive(Clone)]
pub struct MaxByKey<F>(pub F);

impl<T, O: Ord, F: Fn(&T) -> O + Clone + Send + Sync + 'static> Combine<T> for MaxByKey<F> {
    #[inline]
    fn reduce_into(&self, accumulated: &mut T, value: T) {
        if (self.0)(&value) > (self.0)(accumulated) {
            *accumulated = value;
        }
    }
}

/// `min_by_key(|t| t.2)`: the whole record with the smallest key so far, the first one on ties
/// (Flink's `minBy(pos)`).
#[derive(Clone)]
pub struct MinByKey<F>(pub F);

impl<T, O: Ord, F: Fn(&T) -> O + Clone + Send + Sync + 'static> Combine<T> for MinByKey<F> {
    #[inline]
    fn reduce_into(&self, accumulated: &mut T, value: T) {
        if (self.0)(&value) < (self.0)(accumulated) {
            *accumulated = value;
        }
    }
}

/// Any [`Combine`] as the rolling [`ReduceFunction`] of a keyed stream.
#[derive(Clone)]
pub struct Combining<C>(pub C);

impl<T: Send + 'static, C: Combine<T>> ReduceFunction<T> for Combining<C> {
    #[inline]
    fn reduce(&mut self, mut accumulated: T, value: T) -> Result<T> {
        self.0.reduce_into(&mut accumulated, value);
        Ok(accumulated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold<T: Clone, C: Combine<T>>(c: &C, values: &[T]) -> T {
        let mut acc = values[0].clone();
        for v in &values[1..] {
            c.reduce_into(&mut acc, v.clone());
        }
        acc
    }

    #[test]
    fn typed_folds_match_flinks_positional_ones() {
        let rows = [("a".to_string(), 3u64, 9i32), ("b".into(), 5, 2), ("c".into(), 1, 9), ("d".into(), 4, 1)];
        let positional = |pos, op| fold(&FieldReduce::<(String, u64, i32)>::new(pos, op).unwrap(), &rows);
        fn second(t: &mut (String, u64, i32)) -> &mut u64 {
            &mut t.1
        }
        assert_eq!(fold(&SumBy(second), &rows), positional(1, crate::operators::AggOp::Sum));
        assert_eq!(fold(&MaxByKey(|t: &(String, u64, i32)| t.2), &rows), ("a".to_string(), 3, 9), "the first on ties");
        assert_eq!(fold(&MaxByKey(|t: &(String, u64, i32)| t.2), &rows), positional(2, crate::operators::AggOp::MaxBy));
        assert_eq!(fold(&MinByKey(|t: &(String, u64, i32)| t.1), &rows), positional(1, crate::operators::AggOp::MinBy));
    }
}
