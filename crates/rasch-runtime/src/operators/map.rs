//! `map`: one record in, one record out.

use super::contract::{Downstream, OneInputOperator};
use crate::functions::MapFunction;
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use rasch_core::{Record, Result};
use std::marker::PhantomData;

/// Applies a [`MapFunction`] to every record, keeping its timestamp.
pub struct MapOperator<T, U, F> {
    f: F,
    out: BoxOutput<U>,
    buf: Vec<Record<U>>,
    _input: PhantomData<fn(T)>,
}

impl<T, U, F> MapOperator<T, U, F> {
    /// A map operator emitting into `out`; `f` must already be opened.
    pub fn new(f: F, out: BoxOutput<U>) -> Self {
        MapOperator { f, out, buf: Vec::new(), _input: PhantomData }
    }
}

impl<T: 'static, U: 'static, F: MapFunction<T, U>> OneInputOperator for MapOperator<T, U, F> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::main(&mut self.out)
    }
    #[inline]
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.buf.reserve(batch.len());
        for r in batch.drain(..) {
            let value = self.f.map(r.value)?;
            self.buf.push(Record { value, ts: r.ts });
        }
        self.out.push(&mut self.buf)
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::MapFn;
    use crate::output::tests::Recorder;

    #[test]
    fn maps_and_keeps_timestamps() {
        let rec = Recorder::<i64>::default();
        let mut op = MapOperator::new(MapFn(|x: i32| x as i64 * 2), Box::new(rec.clone()));
        let mut batch = vec![Record::with_timestamp(1, 10), Record::new(2)];
        op.push(&mut batch).unwrap();
        assert!(batch.is_empty());
        assert_eq!(*rec.records.borrow(), vec![Record::with_timestamp(2, 10), Record::new(4)]);
    }
}
