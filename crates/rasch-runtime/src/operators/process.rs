//! `process`: the general one-input operator with side outputs and access to timestamps
//! and the current watermark.

use super::contract::{Downstream, OneInputOperator};
use crate::collector::{Collector, SideOutputs};
use crate::functions::{ProcessContext, ProcessFunction};
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use rasch_core::{MIN_WATERMARK, Record, Result};
use std::marker::PhantomData;

/// Runs a [`ProcessFunction`].
pub struct ProcessOperator<T, U, F> {
    f: F,
    out: BoxOutput<U>,
    sides: SideOutputs,
    buf: Vec<Record<U>>,
    watermark: i64,
    batch_size: usize,
    _input: PhantomData<fn(T)>,
}

impl<T, U, F> ProcessOperator<T, U, F> {
    /// A process operator with main output `out` and side outputs `sides`.
    pub fn new(f: F, out: BoxOutput<U>, sides: SideOutputs, batch_size: usize) -> Self {
        ProcessOperator { f, out, sides, buf: Vec::new(), watermark: MIN_WATERMARK, batch_size, _input: PhantomData }
    }
}

impl<T: 'static, U: 'static, F: ProcessFunction<T, U>> OneInputOperator for ProcessOperator<T, U, F> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.out, &mut self.sides)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        for r in batch.drain(..) {
            let mut ctx = ProcessContext { timestamp: r.ts, watermark: self.watermark, sides: &mut self.sides };
            self.f.process_element(r.value, &mut ctx, &mut Collector::new(&mut self.buf, r.ts))?;
            if self.buf.len() >= self.batch_size {
                self.out.push(&mut self.buf)?;
            }
        }
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.watermark = watermark;
        self.downstream().watermark(watermark)
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::OutputTag;
    use crate::output::tests::Recorder;

    #[derive(Clone)]
    struct EvenOdd(OutputTag<i32>);
    impl ProcessFunction<i32, i32> for EvenOdd {
        fn process_element(&mut self, v: i32, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, i32>) -> Result<()> {
            if v % 2 == 0 {
                out.collect(v)
            } else {
                ctx.output(&self.0, v)?
            }
            Ok(())
        }
    }

    #[test]
    fn routes_to_main_and_side_outputs() {
        let main = Recorder::<i32>::default();
        let odd = Recorder::<i32>::default();
        let mut sides = SideOutputs::new();
        sides.add::<i32>("odd", Box::new(odd.clone()));
        let mut op = ProcessOperator::new(EvenOdd(OutputTag::new("odd")), Box::new(main.clone()), sides, 16);
        op.push(&mut (0..6).map(Record::new).collect()).unwrap();
        op.end_input().unwrap();
        assert_eq!(main.values(), vec![0, 2, 4]);
        assert_eq!(odd.values(), vec![1, 3, 5]);
        assert!(*odd.ended.borrow());
    }
}
