//! Two-input operators (`connect` → `co_map` / `co_flat_map` / `co_process`).

use super::co_contract::CoOperator;
use super::contract::Downstream;
use super::{OperatorFactory, OperatorInstance, OperatorKind, OperatorSetup, downcast_output};
use crate::collector::{Collector, SideOutputs};
use crate::functions::{CoFlatMapFunction, CoMapFunction, CoProcessFunction, ProcessContext};
use crate::metrics::OperatorMetrics;
use crate::output::{BoxOutput, panic_message};
use crate::task::{TwoInputTask, TwoInputTaskBuilder};
use rasch_core::{Error, MIN_WATERMARK, Record, Result};
use std::any::Any;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// An operator with two typed inputs; always the head of its task.
pub trait TwoInputOperator<A, B>: 'static {
    /// Processes a batch of the first input.
    fn push1(&mut self, batch: &mut Vec<Record<A>>) -> Result<()>;
    /// Processes a batch of the second input.
    fn push2(&mut self, batch: &mut Vec<Record<B>>) -> Result<()>;
    /// A hash-partitioned batch of the first input with each record's key group (see
    /// [`Output::push_keyed`](crate::output::Output::push_keyed)); keyed operators use them.
    #[inline]
    fn push1_keyed(&mut self, batch: &mut Vec<Record<A>>, key_groups: &mut Vec<u16>) -> Result<()> {
        key_groups.clear();
        self.push1(batch)
    }
    /// A hash-partitioned batch of the second input with each record's key group.
    #[inline]
    fn push2_keyed(&mut self, batch: &mut Vec<Record<B>>, key_groups: &mut Vec<u16>) -> Result<()> {
        key_groups.clear();
        self.push2(batch)
    }
    /// The combined watermark (minimum of both inputs) advanced.
    fn watermark(&mut self, watermark: i64) -> Result<()>;
    /// Both inputs ended.
    fn end_input(&mut self) -> Result<()>;
    /// Sends partly filled batches downstream.
    fn flush(&mut self) -> Result<()>;
    /// Closes the function and the chain.
    fn close(&mut self) -> Result<()>;
    /// Processing time reached `now`.
    fn on_processing_time(&mut self, now: i64) -> Result<()>;
    /// Both inputs became idle, or one became active again.
    fn watermark_status(&mut self, status: rasch_core::WatermarkStatus) -> Result<()>;
    /// A checkpoint barrier reached this operator: add its state to `snapshot`, pass it on.
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()>;
    /// Checkpoint `checkpoint_id` completed everywhere (the commit point of 2PC sinks).
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()>;
}

/// Runs a [`CoProcessFunction`].
pub struct CoProcessOperator<A, B, U, F> {
    f: F,
    out: BoxOutput<U>,
    sides: SideOutputs,
    buf: Vec<Record<U>>,
    watermark: i64,
    name: Arc<str>,
    metrics: Arc<OperatorMetrics>,
    _inputs: PhantomData<fn(A, B)>,
}

impl<A: 'static, B: 'static, U: 'static, F: CoProcessFunction<A, B, U>> CoProcessOperator<A, B, U, F> {
    fn guard(&mut self, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        match catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(r) => r.map_err(|e| e.in_operator(&self.name)),
            Err(p) => Err(Error::User(format!("panicked: {}", panic_message(&p))).in_operator(&self.name)),
        }
    }

    fn emit(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }
}

impl<A: 'static, B: 'static, U: 'static, F: CoProcessFunction<A, B, U>> CoOperator for CoProcessOperator<A, B, U, F> {
    type In1 = A;
    type In2 = B;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.out, &mut self.sides)
    }
    fn process_batch1(&mut self, batch: &mut Vec<Record<A>>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|s| {
            for r in batch.drain(..) {
                let mut ctx = ProcessContext { timestamp: r.ts, watermark: s.watermark, sides: &mut s.sides };
                s.f.process_element1(r.value, &mut ctx, &mut Collector::new(&mut s.buf, r.ts))?;
            }
            s.emit()
        })
    }
    fn process_batch2(&mut self, batch: &mut Vec<Record<B>>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|s| {
            for r in batch.drain(..) {
                let mut ctx = ProcessContext { timestamp: r.ts, watermark: s.watermark, sides: &mut s.sides };
                s.f.process_element2(r.value, &mut ctx, &mut Collector::new(&mut s.buf, r.ts))?;
            }
            s.emit()
        })
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.watermark = watermark;
        self.metrics.watermark.store(watermark, Ordering::Relaxed);
        self.downstream().watermark(watermark)
    }
    fn on_close(&mut self) -> Result<()> {
        self.guard(|s| s.f.close())
    }
}

/// Runs a [`CoMapFunction`] as a co-process function.
#[derive(Clone)]
pub struct CoMapAdapter<F>(pub F);
impl<A, B, U, F: CoMapFunction<A, B, U>> CoProcessFunction<A, B, U> for CoMapAdapter<F> {
    fn process_element1(&mut self, v: A, _: &mut ProcessContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        out.collect(self.0.map1(v)?);
        Ok(())
    }
    fn process_element2(&mut self, v: B, _: &mut ProcessContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        out.collect(self.0.map2(v)?);
        Ok(())
    }
    fn open(&mut self, ctx: &crate::context::RuntimeContext) -> Result<()> {
        self.0.open(ctx)
    }
    fn close(&mut self) -> Result<()> {
        self.0.close()
    }
}

/// Runs a [`CoFlatMapFunction`] as a co-process function.
#[derive(Clone)]
pub struct CoFlatMapAdapter<F>(pub F);
impl<A, B, U, F: CoFlatMapFunction<A, B, U>> CoProcessFunction<A, B, U> for CoFlatMapAdapter<F> {
    fn process_element1(&mut self, v: A, _: &mut ProcessContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        self.0.flat_map1(v, out)
    }
    fn process_element2(&mut self, v: B, _: &mut ProcessContext<'_>, out: &mut Collector<'_, U>) -> Result<()> {
        self.0.flat_map2(v, out)
    }
    fn open(&mut self, ctx: &crate::context::RuntimeContext) -> Result<()> {
        self.0.open(ctx)
    }
    fn close(&mut self) -> Result<()> {
        self.0.close()
    }
}

struct CoProcessFactory<A, B, U, F> {
    f: F,
    _types: PhantomData<fn(A, B) -> U>,
}

/// The operator factory of a co-process function.
pub fn two_input_factory<A: 'static, B: 'static, U: 'static, F: CoProcessFunction<A, B, U> + Sync>(f: F) -> Arc<dyn OperatorFactory> {
    Arc::new(CoProcessFactory { f, _types: PhantomData::<fn(A, B) -> U> })
}

impl<A: 'static, B: 'static, U: 'static, F: CoProcessFunction<A, B, U> + Sync> OperatorFactory for CoProcessFactory<A, B, U, F> {
    fn kind(&self) -> OperatorKind {
        OperatorKind::TwoInput
    }
    fn create(&self, setup: &OperatorSetup, main: Box<dyn Any>, sides: SideOutputs) -> Result<OperatorInstance> {
        let name = setup.ctx.operator_name.clone();
        let out = downcast_output::<U>(main)?;
        let mut f = self.f.clone();
        f.open(&setup.ctx).map_err(|e| e.in_operator(&name))?;
        let op = CoProcessOperator::<A, B, U, F> {
            f,
            out,
            sides,
            buf: Vec::new(),
            watermark: MIN_WATERMARK,
            name,
            metrics: setup.metrics.clone(),
            _inputs: PhantomData,
        };
        let builder: Box<dyn TwoInputTaskBuilder> = Box::new(TwoInputTask::<A, B>::builder(Box::new(op)));
        Ok(OperatorInstance::TwoInput(builder))
    }
}
