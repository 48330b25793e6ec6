//! `CollectSink`: gathers the values of a stream in memory, for tests and examples (cf.
//! Flink's `executeAndCollect`).

use rasch_core::{Record, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use std::sync::{Arc, Mutex, MutexGuard};

/// A sink that appends every value to a shared `Vec`, readable through its [`CollectHandle`]
/// after the job. Each writer appends a whole batch under one lock; values of one subtask
/// keep their order, values of different subtasks interleave by batch.
pub struct CollectSink<T> {
    shared: Arc<Mutex<Vec<T>>>,
}

/// Reads what a [`CollectSink`] collected.
pub struct CollectHandle<T> {
    shared: Arc<Mutex<Vec<T>>>,
}

fn lock<T>(m: &Mutex<Vec<T>>) -> MutexGuard<'_, Vec<T>> {
    // A writer that panicked mid-append left a valid Vec; keep going.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T> CollectSink<T> {
    /// A sink and the handle to read its values.
    pub fn new() -> (Self, CollectHandle<T>) {
        let shared = Arc::new(Mutex::new(Vec::new()));
        (CollectSink { shared: Arc::clone(&shared) }, CollectHandle { shared })
    }
}

impl<T> Clone for CollectSink<T> {
    fn clone(&self) -> Self {
        CollectSink { shared: Arc::clone(&self.shared) }
    }
}

impl<T> CollectHandle<T> {
    /// Takes every value collected so far, leaving the sink empty.
    pub fn take(&self) -> Vec<T> {
        std::mem::take(&mut *lock(&self.shared))
    }

    /// Number of values collected so far.
    pub fn len(&self) -> usize {
        lock(&self.shared).len()
    }

    /// True when nothing has been collected (or everything was taken).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Clone for CollectHandle<T> {
    fn clone(&self) -> Self {
        CollectHandle { shared: Arc::clone(&self.shared) }
    }
}

impl<T: Send + 'static> Sink<T> for CollectSink<T> {
    fn create_writer(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        Ok(Box::new(self.clone()))
    }
}

impl<T: Send + 'static> SinkWriter<T> for CollectSink<T> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if !batch.is_empty() {
            lock(&self.shared).extend(batch.drain(..).map(|r| r.value));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_batches_from_several_writers() {
        let (sink, handle) = CollectSink::<u32>::new();
        let mut w0 = sink.create_writer(&RuntimeContext::for_test(0, 2)).unwrap();
        let mut w1 = sink.create_writer(&RuntimeContext::for_test(1, 2)).unwrap();
        let mut b = vec![Record::new(1), Record::new(2)];
        w0.write(&mut b).unwrap();
        assert!(b.is_empty());
        w1.write(&mut vec![Record::new(3)]).unwrap();
        w0.write(&mut vec![Record::new(4)]).unwrap();
        w0.finish().unwrap();
        assert_eq!(handle.len(), 4);
        assert_eq!(handle.take(), vec![1, 2, 3, 4]);
        assert!(handle.is_empty());
    }

    #[test]
    fn collects_across_threads() {
        let (sink, handle) = CollectSink::<usize>::new();
        std::thread::scope(|s| {
            for t in 0..4 {
                let sink = &sink;
                s.spawn(move || {
                    let mut w = sink.create_writer(&RuntimeContext::for_test(t, 4)).unwrap();
                    for i in 0..100 {
                        w.write(&mut vec![Record::new(t * 1000 + i)]).unwrap();
                    }
                });
            }
        });
        let mut all = handle.take();
        all.sort();
        assert_eq!(all.len(), 400);
        assert_eq!(all[..3], [0, 1, 2]);
    }
}
