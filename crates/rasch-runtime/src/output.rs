//! `Output<T>`: the one interface between operators in a task. An operator *is* the output of
//! its upstream; chains, fan-outs, counters and network writers all implement it. Operators
//! do not implement it by hand: they implement
//! [`OneInputOperator`](crate::operators::OneInputOperator), which provides it.

use crate::metrics::OperatorMetrics;
use rasch_core::{Error, Record, Result, WatermarkStatus};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Receives the elements of a stream of `T` inside a task.
///
/// Calls arrive in stream order from a single thread. `push` must take every record out of
/// `batch` (leaving it empty, capacity intact) so the caller can reuse the buffer.
pub trait Output<T>: 'static {
    /// Processes a batch of records.
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()>;
    /// Processes a batch of hash-partitioned records whose key groups (`key_groups[i]` for
    /// `batch[i]`) the sender already computed. Keyed operators use them instead of hashing
    /// the keys again; everyone else ignores them. Both vectors are left empty.
    #[inline]
    fn push_keyed(&mut self, batch: &mut Vec<Record<T>>, key_groups: &mut Vec<u16>) -> Result<()> {
        key_groups.clear();
        self.push(batch)
    }
    /// Event time has advanced to `watermark`.
    fn watermark(&mut self, watermark: i64) -> Result<()>;
    /// No more input will arrive: finish (emit final results) and pass it on.
    fn end_input(&mut self) -> Result<()>;
    /// Sends partly filled network batches now (the task is about to wait).
    fn flush(&mut self) -> Result<()>;
    /// Releases resources and calls user `close` hooks, then passes it on.
    fn close(&mut self) -> Result<()>;
    /// Processing time reached `now`: fire due processing-time timers, then pass it on.
    fn on_processing_time(&mut self, now: i64) -> Result<()>;
    /// The input became idle or active again; pass it on.
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()>;
    /// A checkpoint barrier reached this operator: add its state to `snapshot`, pass it on.
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()>;
    /// Checkpoint `checkpoint_id` completed everywhere (the commit point of 2PC sinks).
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()>;
}

/// A boxed output, as stored by operators.
pub type BoxOutput<T> = Box<dyn Output<T>>;

/// Sends every batch to several outputs (cloning for all but the last).
pub struct FanOut<T> {
    outputs: Vec<BoxOutput<T>>,
    scratch: Vec<Record<T>>,
}

impl<T: Clone + 'static> FanOut<T> {
    /// Combines outputs; a single output is returned as-is by [`fan_out`].
    pub fn new(outputs: Vec<BoxOutput<T>>) -> Self {
        FanOut { outputs, scratch: Vec::new() }
    }
}

/// One output for a list of outputs: discards for none, the output itself for one.
pub fn fan_out<T: Clone + 'static>(mut outputs: Vec<BoxOutput<T>>) -> BoxOutput<T> {
    match outputs.len() {
        0 => Box::new(Discard),
        1 => outputs.pop().expect("one output"),
        _ => Box::new(FanOut::new(outputs)),
    }
}

impl<T: Clone + 'static> Output<T> for FanOut<T> {
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        let (last, rest) = self.outputs.split_last_mut().expect("fan-out has outputs");
        for out in rest {
            self.scratch.extend_from_slice(batch);
            out.push(&mut self.scratch)?;
        }
        last.push(batch)
    }
    fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.watermark(watermark))
    }
    fn end_input(&mut self) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.end_input())
    }
    fn flush(&mut self) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.flush())
    }
    fn close(&mut self) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.close())
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.on_processing_time(now))
    }
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.watermark_status(status))
    }
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.snapshot(snapshot))
    }
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.outputs.iter_mut().try_for_each(|o| o.notify_checkpoint_complete(checkpoint_id))
    }
}

/// Drops everything: the output of an operator nobody consumes.
pub struct Discard;

impl<T: 'static> Output<T> for Discard {
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        batch.clear();
        Ok(())
    }
    fn watermark(&mut self, _: i64) -> Result<()> {
        Ok(())
    }
    fn end_input(&mut self) -> Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
    fn on_processing_time(&mut self, _: i64) -> Result<()> {
        Ok(())
    }
    fn watermark_status(&mut self, _: WatermarkStatus) -> Result<()> {
        Ok(())
    }
    fn snapshot(&mut self, _snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        Ok(())
    }
    fn notify_checkpoint_complete(&mut self, _checkpoint_id: u64) -> Result<()> {
        Ok(())
    }
}

/// Counts the records an operator emits (`numRecordsOut`).
pub struct Counting<T> {
    inner: BoxOutput<T>,
    metrics: Arc<OperatorMetrics>,
}

impl<T: 'static> Counting<T> {
    /// Wraps `inner`, adding each batch's length to `metrics.records_out`.
    pub fn new(inner: BoxOutput<T>, metrics: Arc<OperatorMetrics>) -> Self {
        Counting { inner, metrics }
    }
}

impl<T: 'static> Output<T> for Counting<T> {
    #[inline]
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.metrics.records_out.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.inner.push(batch)
    }
    #[inline]
    fn push_keyed(&mut self, batch: &mut Vec<Record<T>>, key_groups: &mut Vec<u16>) -> Result<()> {
        self.metrics.records_out.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.inner.push_keyed(batch, key_groups)
    }
    fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.inner.watermark(watermark)
    }
    fn end_input(&mut self) -> Result<()> {
        self.inner.end_input()
    }
    fn flush(&mut self) -> Result<()> {
        self.inner.flush()
    }
    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.inner.on_processing_time(now)
    }
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.inner.watermark_status(status)
    }
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.inner.snapshot(snapshot)
    }
    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.inner.notify_checkpoint_complete(checkpoint_id)
    }
}

/// Wraps an operator: counts `numRecordsIn`, turns panics into errors and names the operator
/// in every error it raises itself (errors from further down keep their own operator name).
pub struct Guarded<T, O> {
    operator: O,
    name: Arc<str>,
    metrics: Arc<OperatorMetrics>,
    _input: std::marker::PhantomData<fn(T)>,
}

impl<T: 'static, O: Output<T>> Guarded<T, O> {
    /// Guards `operator`, known to users as `name`.
    pub fn new(operator: O, name: Arc<str>, metrics: Arc<OperatorMetrics>) -> Self {
        Guarded { operator, name, metrics, _input: std::marker::PhantomData }
    }

    #[inline]
    fn guard(&mut self, f: impl FnOnce(&mut O) -> Result<()>) -> Result<()> {
        let op = &mut self.operator;
        match catch_unwind(AssertUnwindSafe(|| f(op))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.in_operator(&self.name)),
            Err(panic) => Err(Error::User(format!("panicked: {}", panic_message(&panic))).in_operator(&self.name)),
        }
    }
}

/// The message of a caught panic payload.
pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

impl<T: 'static, O: Output<T>> Output<T> for Guarded<T, O> {
    #[inline]
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|op| op.push(batch))
    }
    #[inline]
    fn push_keyed(&mut self, batch: &mut Vec<Record<T>>, key_groups: &mut Vec<u16>) -> Result<()> {
        self.metrics.records_in.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.guard(|op| op.push_keyed(batch, key_groups))
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Test output that records everything it receives.
    #[derive(Clone, Default)]
    pub struct Recorder<T> {
        pub records: Rc<RefCell<Vec<Record<T>>>>,
        pub watermarks: Rc<RefCell<Vec<i64>>>,
        pub ended: Rc<RefCell<bool>>,
    }

    impl<T: 'static> Output<T> for Recorder<T> {
        fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
            self.records.borrow_mut().append(batch);
            Ok(())
        }
        fn watermark(&mut self, w: i64) -> Result<()> {
            self.watermarks.borrow_mut().push(w);
            Ok(())
        }
        fn end_input(&mut self) -> Result<()> {
            *self.ended.borrow_mut() = true;
            Ok(())
        }
        fn flush(&mut self) -> Result<()> {
            Ok(())
        }
        fn close(&mut self) -> Result<()> {
            Ok(())
        }
        fn on_processing_time(&mut self, _: i64) -> Result<()> {
            Ok(())
        }
        fn watermark_status(&mut self, _: WatermarkStatus) -> Result<()> {
            Ok(())
        }
        fn snapshot(&mut self, _snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
            Ok(())
        }
        fn notify_checkpoint_complete(&mut self, _checkpoint_id: u64) -> Result<()> {
            Ok(())
        }
    }

    impl<T: Clone> Recorder<T> {
        pub fn values(&self) -> Vec<T> {
            self.records.borrow().iter().map(|r| r.value.clone()).collect()
        }
    }

    #[test]
    fn fan_out_clones_to_every_output() {
        let a = Recorder::<i32>::default();
        let b = Recorder::<i32>::default();
        let mut out = fan_out::<i32>(vec![Box::new(a.clone()), Box::new(b.clone())]);
        let mut batch = vec![Record::new(1), Record::new(2)];
        out.push(&mut batch).unwrap();
        assert!(batch.is_empty());
        assert_eq!(a.values(), vec![1, 2]);
        assert_eq!(b.values(), vec![1, 2]);
    }

    struct Panicker;
    impl Output<i32> for Panicker {
        fn push(&mut self, _: &mut Vec<Record<i32>>) -> Result<()> {
            panic!("bad record")
        }
        fn watermark(&mut self, _: i64) -> Result<()> {
            Err(Error::user("no watermarks"))
        }
        fn end_input(&mut self) -> Result<()> {
            Ok(())
        }
        fn flush(&mut self) -> Result<()> {
            Ok(())
        }
        fn close(&mut self) -> Result<()> {
            Ok(())
        }
        fn on_processing_time(&mut self, _: i64) -> Result<()> {
            Ok(())
        }
        fn watermark_status(&mut self, _: WatermarkStatus) -> Result<()> {
            Ok(())
        }
        fn snapshot(&mut self, _snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
            Ok(())
        }
        fn notify_checkpoint_complete(&mut self, _checkpoint_id: u64) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn guard_names_the_operator_and_catches_panics() {
        let metrics = Arc::new(OperatorMetrics::default());
        let mut g = Guarded::new(Panicker, "Map".into(), metrics.clone());
        let err = g.push(&mut vec![Record::new(1)]).unwrap_err().to_string();
        assert_eq!(err, "operator 'Map' failed: panicked: bad record");
        assert_eq!(metrics.records_in.load(Ordering::Relaxed), 1);
        let err = g.watermark(5).unwrap_err().to_string();
        assert_eq!(err, "operator 'Map' failed: no watermarks");
    }
}
