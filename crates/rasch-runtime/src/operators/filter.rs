//! `filter`: keeps the records a predicate accepts, in place (no copy).

use super::contract::{Downstream, OneInputOperator};
use crate::functions::FilterFunction;
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use rasch_core::{Record, Result};

/// Applies a [`FilterFunction`].
pub struct FilterOperator<T, F> {
    f: F,
    out: BoxOutput<T>,
}

impl<T, F> FilterOperator<T, F> {
    /// A filter operator emitting into `out`.
    pub fn new(f: F, out: BoxOutput<T>) -> Self {
        FilterOperator { f, out }
    }
}

impl<T: 'static, F: FilterFunction<T>> OneInputOperator for FilterOperator<T, F> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::main(&mut self.out)
    }
    #[inline]
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        let mut error = None;
        batch.retain(|r| {
            if error.is_some() {
                return false;
            }
            self.f.filter(&r.value).unwrap_or_else(|e| {
                error = Some(e);
                false
            })
        });
        if let Some(e) = error {
            return Err(e);
        }
        self.out.push(batch)
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::FilterFn;
    use crate::output::tests::Recorder;

    #[test]
    fn keeps_matching_records() {
        let rec = Recorder::<i32>::default();
        let mut op = FilterOperator::new(FilterFn(|x: &i32| x % 2 == 0), Box::new(rec.clone()));
        op.push(&mut (0..10).map(Record::new).collect()).unwrap();
        assert_eq!(rec.values(), vec![0, 2, 4, 6, 8]);
    }
}
