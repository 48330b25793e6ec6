//! Positional field aggregations for tuples and scalars — Flink's `sum(1)`, `min(1)`,
//! `max(1)`, `minBy(1)`, `maxBy(1)`.

use crate::functions::ReduceFunction;
use rasch_core::Result;
use std::cmp::Ordering;
use std::marker::PhantomData;

/// Which positional aggregation to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggOp {
    /// Adds the field; other fields keep the first record's values.
    Sum,
    /// Keeps the smallest field value; other fields keep the first record's values.
    Min,
    /// Keeps the largest field value; other fields keep the first record's values.
    Max,
    /// Keeps the whole record with the smallest field (the first one on ties).
    MinBy,
    /// Keeps the whole record with the largest field (the first one on ties).
    MaxBy,
}

impl AggOp {
    /// The API name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::MinBy => "min_by",
            AggOp::MaxBy => "max_by",
        }
    }
}

/// A field type that positional aggregations understand.
pub trait FieldValue: Clone {
    /// Whether `sum` is possible (numbers).
    const NUMERIC: bool;
    /// Adds `other` into `self`; only called when `NUMERIC`.
    fn add(&mut self, other: &Self);
    /// Orders two field values.
    fn compare(&self, other: &Self) -> Ordering;
}

macro_rules! numeric_field {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            const NUMERIC: bool = true;
            #[inline]
            fn add(&mut self, other: &Self) { *self += *other; }
            #[inline]
            fn compare(&self, other: &Self) -> Ordering { self.partial_cmp(other).unwrap_or(Ordering::Equal) }
        }
    )*};
}
numeric_field!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl FieldValue for String {
    const NUMERIC: bool = false;
    fn add(&mut self, _: &Self) {}
    fn compare(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}

impl FieldValue for rasch_core::CompactString {
    const NUMERIC: bool = false;
    fn add(&mut self, _: &Self) {}
    fn compare(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}

impl FieldValue for bool {
    const NUMERIC: bool = false;
    fn add(&mut self, _: &Self) {}
    fn compare(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
}

/// A record type with positional fields that can be aggregated: tuples of [`FieldValue`]s
/// (up to 6 fields) and the scalar field types themselves (position 0).
pub trait FieldAggregate: Sized {
    /// Number of fields.
    const ARITY: usize;
    /// Whether `op` can be applied to field `pos`; the error says why not.
    fn check(pos: usize, op: AggOp) -> std::result::Result<(), String>;
    /// Folds `value` into `self` by field `pos` with `op`.
    fn aggregate(&mut self, value: Self, pos: usize, op: AggOp);
}

#[inline]
fn apply<F: FieldValue>(acc: &mut F, value: &F, op: AggOp) -> bool {
    match op {
        AggOp::Sum => {
            acc.add(value);
            false
        }
        AggOp::Min => {
            if value.compare(acc) == Ordering::Less {
                *acc = value.clone();
            }
            false
        }
        AggOp::Max => {
            if value.compare(acc) == Ordering::Greater {
                *acc = value.clone();
            }
            false
        }
        AggOp::MinBy => value.compare(acc) == Ordering::Less,
        AggOp::MaxBy => value.compare(acc) == Ordering::Greater,
    }
}

macro_rules! tuple_aggregate {
    ($arity:expr; $($idx:tt : $t:ident),+) => {
        impl<$($t: FieldValue),+> FieldAggregate for ($($t,)+) {
            const ARITY: usize = $arity;
            fn check(pos: usize, op: AggOp) -> std::result::Result<(), String> {
                match pos {
                    $($idx => if op == AggOp::Sum && !$t::NUMERIC {
                        Err(format!("sum({pos}): field {pos} of {} is not numeric", std::any::type_name::<Self>()))
                    } else { Ok(()) },)+
                    _ => Err(format!("{}({pos}): {} has only {} fields", op.name(), std::any::type_name::<Self>(), $arity)),
                }
            }
            #[inline]
            fn aggregate(&mut self, value: Self, pos: usize, op: AggOp) {
                let replace = match pos {
                    $($idx => apply(&mut self.$idx, &value.$idx, op),)+
                    _ => false,
                };
                if replace {
                    *self = value;
                }
            }
        }
    };
}
tuple_aggregate!(1; 0: A);
tuple_aggregate!(2; 0: A, 1: B);
tuple_aggregate!(3; 0: A, 1: B, 2: C);
tuple_aggregate!(4; 0: A, 1: B, 2: C, 3: D);
tuple_aggregate!(5; 0: A, 1: B, 2: C, 3: D, 4: E);
tuple_aggregate!(6; 0: A, 1: B, 2: C, 3: D, 4: E, 5: F);

macro_rules! scalar_aggregate {
    ($($t:ty),*) => {$(
        impl FieldAggregate for $t {
            const ARITY: usize = 1;
            fn check(pos: usize, op: AggOp) -> std::result::Result<(), String> {
                if pos == 0 { Ok(()) } else { Err(format!("{}({pos}): {} has only field 0", op.name(), stringify!($t))) }
            }
            #[inline]
            fn aggregate(&mut self, value: Self, _pos: usize, op: AggOp) {
                if apply(self, &value, op) {
                    *self = value;
                }
            }
        }
    )*};
}
scalar_aggregate!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

/// A [`ReduceFunction`] applying a positional aggregation.
pub struct FieldReduce<T> {
    pos: usize,
    op: AggOp,
    _type: PhantomData<fn(T) -> T>,
}

impl<T> Clone for FieldReduce<T> {
    fn clone(&self) -> Self {
        FieldReduce { pos: self.pos, op: self.op, _type: PhantomData }
    }
}

impl<T: FieldAggregate> FieldReduce<T> {
    /// Aggregates field `pos` with `op`; fails if the field does not exist or cannot be summed.
    pub fn new(pos: usize, op: AggOp) -> std::result::Result<Self, String> {
        T::check(pos, op)?;
        Ok(FieldReduce { pos, op, _type: PhantomData })
    }
}

impl<T: FieldAggregate> FieldReduce<T> {
    /// Folds `value` into `accumulated` in place (what `reduce` does, without moving the
    /// accumulator out and back).
    #[inline]
    pub fn reduce_into(&self, accumulated: &mut T, value: T) {
        accumulated.aggregate(value, self.pos, self.op);
    }
}

impl<T: FieldAggregate + Send + 'static> ReduceFunction<T> for FieldReduce<T> {
    #[inline]
    fn reduce(&mut self, mut accumulated: T, value: T) -> Result<T> {
        accumulated.aggregate(value, self.pos, self.op);
        Ok(accumulated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold<T: FieldAggregate + Send + Clone + 'static>(values: &[T], pos: usize, op: AggOp) -> T {
        let mut f = FieldReduce::<T>::new(pos, op).unwrap();
        values[1..].iter().cloned().fold(values[0].clone(), |a, v| f.reduce(a, v).unwrap())
    }

    #[test]
    fn tuple_fields_aggregate_like_flink() {
        let v = vec![("a".to_string(), 3i64, 1), ("b".to_string(), 1, 2), ("c".to_string(), 5, 3)];
        assert_eq!(fold(&v, 1, AggOp::Sum), ("a".to_string(), 9, 1));
        assert_eq!(fold(&v, 1, AggOp::Min), ("a".to_string(), 1, 1));
        assert_eq!(fold(&v, 1, AggOp::Max), ("a".to_string(), 5, 1));
        assert_eq!(fold(&v, 1, AggOp::MinBy), ("b".to_string(), 1, 2));
        assert_eq!(fold(&v, 1, AggOp::MaxBy), ("c".to_string(), 5, 3));
        assert_eq!(fold(&[3.5f64, 1.0], 0, AggOp::Sum), 4.5);
    }

    #[test]
    fn ties_keep_the_first_record() {
        let v = vec![(1, "first".to_string()), (1, "second".to_string())];
        assert_eq!(fold(&v, 0, AggOp::MinBy).1, "first");
        assert_eq!(fold(&v, 0, AggOp::MaxBy).1, "first");
    }

    #[test]
    fn invalid_fields_are_rejected() {
        let e = FieldReduce::<(String, i64)>::new(0, AggOp::Sum).err().unwrap();
        assert!(e.contains("field 0") && e.contains("not numeric"), "{e}");
        let e = FieldReduce::<(String, i64)>::new(2, AggOp::Max).err().unwrap();
        assert!(e.contains("only 2 fields"), "{e}");
        assert!(FieldReduce::<i64>::new(1, AggOp::Sum).is_err());
    }
}
