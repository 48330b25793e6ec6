//! Windows (Flink's DataStream windows): window types, assigners, triggers, evictors, window
//! functions and session merging. The operator that runs them is
//! [`WindowOperator`](crate::operators::WindowOperator).

mod assigners;
mod context;
mod continuous;
mod evicting;
mod evictors;
mod functions;
mod merging;
mod sessions;
mod trigger;
mod triggers;
mod window;

pub use assigners::{
    AssignerContext, GlobalWindows, SlidingEventTimeWindows, SlidingProcessingTimeWindows, TumblingEventTimeWindows,
    TumblingProcessingTimeWindows, WindowAssigner,
};
pub use context::KeyedTriggerContext;
pub use continuous::{ContinuousEventTimeTrigger, ContinuousProcessingTimeTrigger};
pub use evicting::EvictingContents;
pub use evictors::{CountEvictor, DeltaEvictor, Evictor, EvictorContext, TimeEvictor};
pub use functions::{
    AggregateContents, ApplyFn, ListContents, PassThrough, ProcessWindowFn, ProcessWindowFunction, ReduceContents, WindowContents,
    WindowContext,
};
pub use merging::{add_window, retire_window};
pub use sessions::{EventTimeSessionWindows, ProcessingTimeSessionWindows};
pub use trigger::{Trigger, TriggerContext, TriggerResult};
pub use triggers::{CountTrigger, EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, PurgingTrigger};
pub use window::{GlobalWindow, TimeWindow, Window};
