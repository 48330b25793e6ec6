//! Plumbing shared by two-input operators other than `co_process`: a guard that counts input
//! records, catches panics and names the operator in errors, and a factory from a build closure.

use super::{OperatorFactory, OperatorInstance, OperatorKind, OperatorSetup, TwoInputOperator, downcast_output};
use crate::collector::SideOutputs;
use crate::metrics::OperatorMetrics;
use crate::output::{BoxOutput, panic_message};
use crate::task::{TwoInputTask, TwoInputTaskBuilder};
use rasch_core::{Error, Record, Result, WatermarkStatus};
use std::any::Any;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Wraps a two-input operator: counts `numRecordsIn`, records the watermark, turns panics
/// into errors and names the operator in errors it raises itself.
pub struct GuardedTwoInput<A, B, O> {
    op: O,
    name: Arc<str>,
    metrics: Arc<OperatorMetrics>,
    _inputs: PhantomData<fn(A, B)>,
}

impl<A: 'static, B: 'static, O: TwoInputOperator<A, B>> GuardedTwoInput<A, B, O> {
    /// Guards `op`, known to users as `name`.
    pub fn new(op: O, name: Arc<str>, metrics: Arc<OperatorMetrics>) -> Self {
        GuardedTwoInput { op, name, metrics, _inputs: PhantomData }
    }

    fn guard(&mut self, f: impl FnOnce(&mut O) -> Result<()>) -> Result<()> {
        let op = &mut self.op;
        match catch_unwind(AssertUnwindSafe(|| f(op))) {
            Ok(r) => r.map_err(|e| e.in_operator(&self.name)),
            Err(p) => Err(Error::User(format!("panicked: {}", panic_message(&p))).in_operator(&self.name)),
        }
    }
}

impl<A: 'static, B: 'static, O: TwoInputOperator<A, B>> TwoInputOperator<A, B> for GuardedTwoInput<A, B, O> {
    fn push1(&mut self, batch: &mut Vec<Record<A>>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|op| op.push1(batch))
    }
    fn push2(&mut self, batch: &mut Vec<Record<B>>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|op| op.push2(batch))
    }
    fn push1_keyed(&mut self, batch: &mut Vec<Record<A>>, key_groups: &mut Vec<u16>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|op| op.push1_keyed(batch, key_groups))
    }
    fn push2_keyed(&mut self, batch: &mut Vec<Record<B>>, key_groups: &mut Vec<u16>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|op| op.push2_keyed(batch, key_groups))
    }
    fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.metrics.watermark.store(watermark, Ordering::Relaxed);
        self.guard(|op| op.watermark(watermark))
    }
    fn end_input(&mut self) -> Result<()> {
        self.guard(|op| op.end_input())
    }
    fn flush(&mut self) -> Result<()> {
        self.guard(|op| op.flush())
    }
    fn close(&mut self) -> Result<()> {
        self.guard(|op| op.close())
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.guard(|op| op.on_processing_time(now))
    }
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.guard(|op| op.watermark_status(status))
    }
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.guard(|op| op.snapshot(snapshot))
    }
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.guard(|op| op.notify_checkpoint_complete(checkpoint_id))
    }
}

struct TwoInputOpFactory<A, B, U, Bld> {
    build: Bld,
    _types: PhantomData<fn(A, B) -> U>,
}

/// Makes a two-input operator factory. `build` receives the setup, the main output and the side
/// outputs and returns the operator (having opened its user function); the factory guards it
/// and wraps it in a two-input task.
pub fn two_input_operator_factory<A, B, U, O, Bld>(build: Bld) -> Arc<dyn OperatorFactory>
where
    A: 'static,
    B: 'static,
    U: 'static,
    O: TwoInputOperator<A, B>,
    Bld: Fn(&OperatorSetup, BoxOutput<U>, SideOutputs) -> Result<O> + Send + Sync + 'static,
{
    Arc::new(TwoInputOpFactory { build, _types: PhantomData::<fn(A, B) -> U> })
}

impl<A, B, U, O, Bld> OperatorFactory for TwoInputOpFactory<A, B, U, Bld>
where
    A: 'static,
    B: 'static,
    U: 'static,
    O: TwoInputOperator<A, B>,
    Bld: Fn(&OperatorSetup, BoxOutput<U>, SideOutputs) -> Result<O> + Send + Sync + 'static,
{
    fn kind(&self) -> OperatorKind {
        OperatorKind::TwoInput
    }
    fn create(&self, setup: &OperatorSetup, main: Box<dyn Any>, sides: SideOutputs) -> Result<OperatorInstance> {
        let name = setup.ctx.operator_name.clone();
        let out = downcast_output::<U>(main)?;
        let op = (self.build)(setup, out, sides).map_err(|e| e.in_operator(&name))?;
        let guarded = GuardedTwoInput::new(op, name, setup.metrics.clone());
        let builder: Box<dyn TwoInputTaskBuilder> = Box::new(TwoInputTask::<A, B>::builder(Box::new(guarded)));
        Ok(OperatorInstance::TwoInput(builder))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::context::RuntimeContext;
    use crate::time::ProcessingTimeService;
    use rasch_core::ManualClock;

    /// The setup of subtask 0 of 1, on a manual clock at 0.
    pub fn setup() -> OperatorSetup {
        OperatorSetup {
            ctx: RuntimeContext::for_test(0, 1),
            metrics: Arc::new(OperatorMetrics::default()),
            batch_size: 1024,
            time: ProcessingTimeService::new(Arc::new(ManualClock::new(0))),
            operator_id: "test-operator".into(),
            restored: None,
        }
    }
}
