//! `flat_map`: one record in, any number out.

use super::contract::{Downstream, OneInputOperator};
use crate::collector::Collector;
use crate::functions::FlatMapFunction;
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use rasch_core::{Record, Result};
use std::marker::PhantomData;

/// Applies a [`FlatMapFunction`]; emitted records inherit the input record's timestamp.
pub struct FlatMapOperator<T, U, F> {
    f: F,
    out: BoxOutput<U>,
    buf: Vec<Record<U>>,
    batch_size: usize,
    _input: PhantomData<fn(T)>,
}

impl<T, U, F> FlatMapOperator<T, U, F> {
    /// A flat-map operator emitting into `out` in batches of about `batch_size`.
    pub fn new(f: F, out: BoxOutput<U>, batch_size: usize) -> Self {
        FlatMapOperator { f, out, buf: Vec::new(), batch_size, _input: PhantomData }
    }
}

impl<T: 'static, U: 'static, F: FlatMapFunction<T, U>> OneInputOperator for FlatMapOperator<T, U, F> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::main(&mut self.out)
    }
    #[inline]
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        for r in batch.drain(..) {
            self.f.flat_map(r.value, &mut Collector::new(&mut self.buf, r.ts))?;
            if self.buf.len() >= self.batch_size {
                self.out.push(&mut self.buf)?;
            }
        }
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        Ok(())
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::FlatMapFn;
    use crate::output::tests::Recorder;

    #[test]
    fn splits_lines_into_words() {
        let rec = Recorder::<String>::default();
        let f = FlatMapFn(|l: String| l.split(' ').map(str::to_string).collect::<Vec<_>>());
        let mut op = FlatMapOperator::new(f, Box::new(rec.clone()), 2);
        op.push(&mut vec![Record::new("a b c".to_string()), Record::new("d".to_string())]).unwrap();
        assert_eq!(rec.values(), vec!["a", "b", "c", "d"]);
    }
}
