//! Collectors that user functions emit into: the main `Collector` and typed side outputs
//! addressed by an `OutputTag`.

use crate::DEFAULT_BATCH_SIZE;
use crate::output::BoxOutput;
use rasch_core::{Error, Record, Result};
use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

/// Emits records to an operator's main output. Records inherit the timestamp of the input
/// record being processed unless one is given.
pub struct Collector<'a, T> {
    buf: &'a mut Vec<Record<T>>,
    ts: i64,
}

impl<'a, T> Collector<'a, T> {
    /// A collector appending to `buf`, stamping records with `ts`.
    #[inline]
    pub fn new(buf: &'a mut Vec<Record<T>>, ts: i64) -> Self {
        Collector { buf, ts }
    }
    /// Emits a value with the current record's timestamp.
    #[inline]
    pub fn collect(&mut self, value: T) {
        self.buf.push(Record { value, ts: self.ts });
    }
    /// Emits a value with an explicit event-time timestamp.
    #[inline]
    pub fn collect_with_timestamp(&mut self, value: T, ts: i64) {
        self.buf.push(Record { value, ts });
    }
}

/// Names a side output of element type `T` (Flink's `OutputTag<T>`).
pub struct OutputTag<T> {
    id: Arc<str>,
    _type: PhantomData<fn() -> T>,
}

impl<T> OutputTag<T> {
    /// A tag with a unique id, e.g. `OutputTag::<String>::new("late-data")`.
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        OutputTag { id: id.into(), _type: PhantomData }
    }
    /// The tag's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl<T> Clone for OutputTag<T> {
    fn clone(&self) -> Self {
        OutputTag { id: self.id.clone(), _type: PhantomData }
    }
}

impl<T> std::fmt::Debug for OutputTag<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutputTag({})", self.id)
    }
}

trait SideOutput {
    fn as_any(&mut self) -> &mut dyn Any;
    fn push_buffered(&mut self) -> Result<()>;
    fn watermark(&mut self, watermark: i64) -> Result<()>;
    fn end_input(&mut self) -> Result<()>;
    fn flush(&mut self) -> Result<()>;
    fn close(&mut self) -> Result<()>;
    fn on_processing_time(&mut self, now: i64) -> Result<()>;
    fn watermark_status(&mut self, status: rasch_core::WatermarkStatus) -> Result<()>;
    /// A checkpoint barrier reached this operator: add its state to `snapshot`, pass it on.
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()>;
    /// Checkpoint `checkpoint_id` completed everywhere (the commit point of 2PC sinks).
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()>;
}

struct TypedSide<T> {
    buf: Vec<Record<T>>,
    out: BoxOutput<T>,
}

impl<T: 'static> SideOutput for TypedSide<T> {
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
    fn push_buffered(&mut self) -> Result<()> {
        if self.buf.is_empty() { Ok(()) } else { self.out.push(&mut self.buf) }
    }
    fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.push_buffered()?;
        self.out.watermark(watermark)
    }
    fn end_input(&mut self) -> Result<()> {
        self.push_buffered()?;
        self.out.end_input()
    }
    fn flush(&mut self) -> Result<()> {
        self.push_buffered()?;
        self.out.flush()
    }
    fn close(&mut self) -> Result<()> {
        self.out.close()
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.out.on_processing_time(now)
    }
    fn watermark_status(&mut self, status: rasch_core::WatermarkStatus) -> Result<()> {
        self.push_buffered()?;
        self.out.watermark_status(status)
    }
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.push_buffered()?;
        self.out.snapshot(snapshot)
    }
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.push_buffered()?;
        self.out.notify_checkpoint_complete(checkpoint_id)
    }
}

/// The side outputs of one operator, by tag id. Tags without consumers are dropped silently,
/// as in Flink.
#[derive(Default)]
pub struct SideOutputs {
    outputs: Vec<(Arc<str>, Box<dyn SideOutput>)>,
}

impl SideOutputs {
    /// No side outputs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the consumer of the side output `tag_id`.
    pub fn add<T: 'static>(&mut self, tag_id: &str, out: BoxOutput<T>) {
        self.outputs.push((tag_id.into(), Box::new(TypedSide { buf: Vec::new(), out })));
    }

    /// True when no side output has a consumer.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// Emits `value` to the side output named by `tag`.
    pub fn emit<T: 'static>(&mut self, tag: &OutputTag<T>, value: T, ts: i64) -> Result<()> {
        let Some((_, side)) = self.outputs.iter_mut().find(|(id, _)| **id == *tag.id) else {
            return Ok(());
        };
        let typed = side.as_any().downcast_mut::<TypedSide<T>>().ok_or_else(|| {
            Error::InvalidJob(format!(
                "side output '{}' is consumed with a different element type than {}",
                tag.id,
                std::any::type_name::<T>()
            ))
        })?;
        typed.buf.push(Record { value, ts });
        if typed.buf.len() >= DEFAULT_BATCH_SIZE {
            typed.push_buffered()?;
        }
        Ok(())
    }

    /// Pushes buffered side records downstream (after each input batch).
    pub fn push_buffered(&mut self) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.push_buffered())
    }
    /// Forwards a watermark to every side output.
    pub fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.watermark(watermark))
    }
    /// Ends every side output.
    pub fn end_input(&mut self) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.end_input())
    }
    /// Flushes every side output.
    pub fn flush(&mut self) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.flush())
    }
    /// Closes every side output.
    pub fn close(&mut self) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.close())
    }
    /// Passes processing time to every side output.
    pub fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.on_processing_time(now))
    }
    /// Passes a checkpoint barrier to every side output.
    pub fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.snapshot(snapshot))
    }
    /// Passes a checkpoint-complete notification to every side output.
    pub fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.notify_checkpoint_complete(checkpoint_id))
    }
    /// Passes an idleness change to every side output.
    pub fn watermark_status(&mut self, status: rasch_core::WatermarkStatus) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|(_, s)| s.watermark_status(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::Recorder;

    #[test]
    fn side_outputs_route_by_tag_and_type() {
        let rec = Recorder::<String>::default();
        let mut sides = SideOutputs::new();
        sides.add::<String>("late", Box::new(rec.clone()));
        sides.emit(&OutputTag::<String>::new("late"), "x".to_string(), 7).unwrap();
        sides.emit(&OutputTag::<String>::new("unconsumed"), "y".to_string(), 7).unwrap();
        assert!(sides.emit(&OutputTag::<i32>::new("late"), 1, 7).is_err());
        sides.push_buffered().unwrap();
        assert_eq!(rec.values(), vec!["x".to_string()]);
        assert_eq!(rec.records.borrow()[0].ts, 7);
    }
}
