//! Operators, one file each, and the factories that instantiate them inside a task.
//!
//! A factory is stored in the stream graph (shared by all subtasks, `Send + Sync`); inside a
//! task thread it builds one operator instance per subtask, wired to its downstream output.
//!
//! An operator implements the contract of its shape — [`OneInputOperator`] or [`CoOperator`]:
//! `process_batch` plus the hooks it needs — and the contract passes watermarks, barriers, end
//! of input, timers and close on to its downstream.

mod broadcast_process;
mod broadcast_state;
mod co_contract;
mod co_keyed_process;
mod co_process;
mod contract;
mod emitter;
mod fields;
mod filter;
mod flat_map;
mod join_interval;
mod keyed_process;
mod map;
mod process;
mod reduce;
mod sink;
mod source;
mod timestamps;
mod two_input_guard;
mod typed_agg;
mod window;
#[cfg(test)]
mod window_props;
mod window_session;
mod window_session_state;
#[cfg(test)]
mod window_session_tests;
mod window_slicing;
mod window_slicing_process;
#[cfg(test)]
mod window_tests;

pub use broadcast_process::{
    BroadcastProcessFunction, BroadcastProcessOperator, KeyedBroadcastProcessFunction, KeyedBroadcastProcessOperator,
};
pub use broadcast_state::{
    BroadcastContext, BroadcastState, BroadcastStateDescriptor, BroadcastStates, KeyedReadOnlyBroadcastContext, ReadOnlyBroadcastContext,
    ReadOnlyBroadcastState,
};
pub use co_contract::CoOperator;
pub use co_keyed_process::{KeyedCoProcessFunction, KeyedCoProcessOperator};
pub use co_process::{CoFlatMapAdapter, CoMapAdapter, CoProcessOperator, TwoInputOperator, two_input_factory};
pub use contract::{Control, Downstream, OneInputOperator};
pub use fields::{AggOp, FieldAggregate, FieldReduce, FieldValue};
pub use filter::FilterOperator;
pub use flat_map::FlatMapOperator;
pub use join_interval::{IntervalJoinOperator, IntervalJoinSpec, JoinContext, JoinFn, ProcessJoinFunction};
pub use keyed_process::KeyedProcessOperator;
pub use map::MapOperator;
pub use process::ProcessOperator;
pub use reduce::KeyedReduceOperator;
pub use sink::SinkOperator;
pub use source::{SourceDriver, SourceOperator, source_factory};
pub use timestamps::TimestampsAndWatermarksOperator;
pub use two_input_guard::{GuardedTwoInput, two_input_operator_factory};
pub use typed_agg::{Combine, Combining, MaxByKey, MinByKey, SumBy};
pub use window::{WindowOperator, WindowSpec};
pub use window_session::SessionWindowOperator;
pub use window_slicing::{AggregateFold, ReduceFold, SliceFold, SliceSpec, SlicingWindowOperator};
pub use window_slicing_process::SlicedWindowProcessOperator;

use crate::collector::SideOutputs;
use crate::context::RuntimeContext;
use crate::metrics::OperatorMetrics;
use crate::output::{BoxOutput, Guarded, Output};
use crate::task::TwoInputTaskBuilder;
use rasch_core::{Error, Result};
use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

/// The shape of an operator, which decides how it can be chained and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorKind {
    /// Produces records; always the head of a task.
    Source,
    /// One input; can be chained behind its upstream.
    OneInput,
    /// Two inputs (connect); always the head of a task.
    TwoInput,
}

/// An operator instance as built for one subtask.
pub enum OperatorInstance {
    /// A source and its driver.
    Source(Box<dyn SourceDriver>),
    /// A one-input operator: a boxed `BoxOutput<IN>`.
    OneInput(Box<dyn Any>),
    /// A two-input operator, waiting for its input gates.
    TwoInput(Box<dyn TwoInputTaskBuilder>),
}

/// What an operator factory gets to build one instance.
pub struct OperatorSetup {
    /// Runtime context handed to user functions.
    pub ctx: RuntimeContext,
    /// The instance's counters.
    pub metrics: Arc<OperatorMetrics>,
    /// Records per batch.
    pub batch_size: usize,
    /// The task's processing-time service (clock and timer wake-ups).
    pub time: std::rc::Rc<crate::time::ProcessingTimeService>,
    /// The operator's stable id: its state in snapshots is filed under it.
    pub operator_id: std::sync::Arc<str>,
    /// State restored from a checkpoint or savepoint, if the job was restored.
    pub restored: Option<crate::checkpoint::OperatorState>,
}

/// Builds operator instances; stored in the stream graph.
pub trait OperatorFactory: Send + Sync {
    /// The operator's shape.
    fn kind(&self) -> OperatorKind;
    /// Largest parallelism the operator supports (`Some(1)` for non-parallel sources).
    fn max_parallelism(&self) -> Option<usize> {
        None
    }
    /// Builds the instance for one subtask. `main` is a boxed `BoxOutput<OUT>`.
    fn create(&self, setup: &OperatorSetup, main: Box<dyn Any>, sides: SideOutputs) -> Result<OperatorInstance>;
}

/// Downcasts a boxed `BoxOutput<T>`.
pub fn downcast_output<T: 'static>(out: Box<dyn Any>) -> Result<BoxOutput<T>> {
    out.downcast::<BoxOutput<T>>().map(|b| *b).map_err(|_| Error::Internal(format!("expected an output of {}", std::any::type_name::<T>())))
}

/// A factory for one-input operators from a build closure.
pub struct OneInputFactory<IN, OUT, B> {
    build: B,
    _types: PhantomData<fn(IN) -> OUT>,
}

/// Makes a one-input operator factory. `build` receives the runtime context, the main output
/// and the side outputs, and returns the operator (which opens its user function).
pub fn one_input_factory<IN, OUT, O, B>(build: B) -> Arc<dyn OperatorFactory>
where
    IN: 'static,
    OUT: 'static,
    O: Output<IN>,
    B: Fn(&OperatorSetup, BoxOutput<OUT>, SideOutputs) -> Result<O> + Send + Sync + 'static,
{
    Arc::new(OneInputFactory { build, _types: PhantomData::<fn(IN) -> OUT> })
}

impl<IN, OUT, O, B> OperatorFactory for OneInputFactory<IN, OUT, B>
where
    IN: 'static,
    OUT: 'static,
    O: Output<IN>,
    B: Fn(&OperatorSetup, BoxOutput<OUT>, SideOutputs) -> Result<O> + Send + Sync + 'static,
{
    fn kind(&self) -> OperatorKind {
        OperatorKind::OneInput
    }
    fn create(&self, setup: &OperatorSetup, main: Box<dyn Any>, sides: SideOutputs) -> Result<OperatorInstance> {
        let main = downcast_output::<OUT>(main)?;
        let name = setup.ctx.operator_name.clone();
        let op = (self.build)(setup, main, sides).map_err(|e| e.in_operator(&name))?;
        let guarded: BoxOutput<IN> = Box::new(Guarded::new(op, name, setup.metrics.clone()));
        Ok(OperatorInstance::OneInput(Box::new(guarded)))
    }
}
