//! `CollectSink`: gathers the values of a stream in memory, for tests and examples (cf.
//! Flink's `executeAndCollect`).
//!
//! **Exactly-once, by two-phase commit.** Written values first go to the writer's own pending
//! buffer, invisible to the [`CollectHandle`]. At a checkpoint, `prepare_commit` turns the
//! buffer into one committable (the values, postcard-serialized, tagged with an id unique in
//! the process); `commit` appends a committable's values to the shared output once: the process
//! remembers the ids committed by any collect sink and ignores repeats (a job restored from a
//! savepoint recovers committables its predecessor may already have committed). (Unique ids rather than
//! `(checkpoint id, subtask)` keep a sink reused by a second job — whose final checkpoint has
//! the same id — correct.) `recover` commits the committables of the restored checkpoint and
//! drops anything the writer had not yet committed.
//!
//! Jobs without checkpointing need no special path: the runtime calls `prepare_commit` and
//! `commit` once more when a job ends successfully (the final checkpoint), which publishes
//! everything written since the last checkpoint. Values are therefore visible through the
//! handle only after a checkpoint completes or the job has finished; a job that fails leaves
//! out what it wrote after its last completed checkpoint.

use rasch_core::{Data, Error, Record, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A sink that appends the committed values of every writer to a shared `Vec`, readable
/// through its [`CollectHandle`]. Values of one subtask keep their order; values of different
/// subtasks interleave by committed checkpoint.
pub struct CollectSink<T> {
    shared: Arc<Mutex<Shared<T>>>,
}

/// Reads what a [`CollectSink`] collected (committed values only).
pub struct CollectHandle<T> {
    shared: Arc<Mutex<Shared<T>>>,
}

/// The output shared by the sink, its writers and its handles.
struct Shared<T> {
    values: Vec<T>,
    /// The id of every committable appended so far.
    committed: HashSet<u64>,
}

/// What `prepare_commit` hands to the checkpoint: one subtask's values of one checkpoint.
#[derive(Serialize, Deserialize)]
struct Committable<T> {
    /// Unique in the process (from [`NEXT_COMMITTABLE_ID`]).
    id: u64,
    values: Vec<T>,
}

/// The id of the next committable of any collect sink.
static NEXT_COMMITTABLE_ID: AtomicU64 = AtomicU64::new(0);

/// Ids of every committable committed by any collect sink of this process, so that a
/// committable is committed once even when a restored job's sink recovers it again.
static COMMITTED_ANYWHERE: Mutex<std::collections::BTreeSet<u64>> = Mutex::new(std::collections::BTreeSet::new());

fn lock<T>(m: &Mutex<Shared<T>>) -> MutexGuard<'_, Shared<T>> {
    // A writer that panicked mid-append left valid data; keep going.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T> CollectSink<T> {
    /// A sink and the handle to read its values.
    pub fn new() -> (Self, CollectHandle<T>) {
        let shared = Arc::new(Mutex::new(Shared { values: Vec::new(), committed: HashSet::new() }));
        (CollectSink { shared: Arc::clone(&shared) }, CollectHandle { shared })
    }
}

impl<T> Clone for CollectSink<T> {
    fn clone(&self) -> Self {
        CollectSink { shared: Arc::clone(&self.shared) }
    }
}

impl<T> CollectHandle<T> {
    /// Takes every value committed so far, leaving the output empty. (Committables already
    /// appended stay remembered, so committing them again adds nothing.)
    pub fn take(&self) -> Vec<T> {
        std::mem::take(&mut lock(&self.shared).values)
    }

    /// Number of committed values not taken yet.
    pub fn len(&self) -> usize {
        lock(&self.shared).values.len()
    }

    /// True when nothing has been committed (or everything was taken).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Clone for CollectHandle<T> {
    fn clone(&self) -> Self {
        CollectHandle { shared: Arc::clone(&self.shared) }
    }
}

impl<T: Data> Sink<T> for CollectSink<T> {
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        Ok(Box::new(CollectWriter { shared: Arc::clone(&self.shared), subtask: ctx.subtask_index, pending: Vec::new() }))
    }
}

/// The writer of one subtask: values wait in `pending` until a checkpoint.
struct CollectWriter<T> {
    shared: Arc<Mutex<Shared<T>>>,
    subtask: usize,
    pending: Vec<T>,
}

impl<T: Data> SinkWriter<T> for CollectWriter<T> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.pending.extend(batch.drain(..).map(|r| r.value));
        Ok(())
    }

    /// Moves the pending values into one committable (none when nothing is pending).
    fn prepare_commit(&mut self, checkpoint_id: u64) -> Result<Vec<Vec<u8>>> {
        if self.pending.is_empty() {
            return Ok(Vec::new());
        }
        let id = NEXT_COMMITTABLE_ID.fetch_add(1, Ordering::Relaxed);
        let committable = Committable { id, values: std::mem::take(&mut self.pending) };
        let bytes = postcard::to_stdvec(&committable).map_err(|e| {
            Error::Serialization(format!(
                "collect sink: cannot serialize the committable of subtask {} for checkpoint {checkpoint_id}: {e}",
                self.subtask
            ))
        })?;
        Ok(vec![bytes])
    }

    /// Appends each committable's values unless it was committed before.
    fn commit(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        // Decode everything first, so a corrupt committable commits nothing.
        let mut decoded = Vec::with_capacity(committables.len());
        for (i, bytes) in committables.iter().enumerate() {
            let c: Committable<T> = postcard::from_bytes(bytes)
                .map_err(|e| Error::Serialization(format!("collect sink: committable {i} ({} bytes) cannot be read: {e}", bytes.len())))?;
            decoded.push(c);
        }
        let mut shared = lock(&self.shared);
        let mut everywhere = COMMITTED_ANYWHERE.lock().unwrap_or_else(|p| p.into_inner());
        for c in decoded {
            // A committable restored from a savepoint into another sink instance may already
            // have been committed by the job that took the savepoint: commit it only once.
            if everywhere.insert(c.id) && shared.committed.insert(c.id) {
                shared.values.extend(c.values);
            }
        }
        Ok(())
    }

    /// Commits the restored committables and drops every value not committed yet.
    fn recover(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        self.pending.clear();
        self.commit(committables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer<T: Data>(sink: &CollectSink<T>, subtask: usize, parallelism: usize) -> Box<dyn SinkWriter<T>> {
        sink.create_writer(&RuntimeContext::for_test(subtask, parallelism)).unwrap()
    }

    /// The final checkpoint of a job: prepare and commit.
    fn finish_job<T: 'static>(w: &mut dyn SinkWriter<T>, checkpoint_id: u64) {
        w.finish().unwrap();
        let c = w.prepare_commit(checkpoint_id).unwrap();
        w.commit(c).unwrap();
        w.close().unwrap();
    }

    #[test]
    fn values_become_visible_on_commit_only() {
        let (sink, handle) = CollectSink::<u32>::new();
        let mut w0 = writer(&sink, 0, 2);
        let mut w1 = writer(&sink, 1, 2);
        let mut b = vec![Record::new(1), Record::new(2)];
        w0.write(&mut b).unwrap();
        assert!(b.is_empty());
        w1.write(&mut vec![Record::new(3)]).unwrap();
        w0.write(&mut vec![Record::new(4)]).unwrap();
        w0.flush().unwrap();
        w0.finish().unwrap();
        assert!(handle.is_empty(), "nothing is visible before a commit");
        let c0 = w0.prepare_commit(1).unwrap();
        let c1 = w1.prepare_commit(1).unwrap();
        assert!(handle.is_empty(), "nothing is visible before a commit");
        w1.commit(c1).unwrap();
        w0.commit(c0.clone()).unwrap();
        assert_eq!(handle.len(), 4);
        assert_eq!(handle.take(), vec![3, 1, 2, 4]);
        assert!(handle.is_empty());
        // Committing again (e.g. after a failure) adds nothing, even after a take.
        w0.commit(c0).unwrap();
        assert!(handle.is_empty());
        // Nothing pending: no committable.
        assert!(w0.prepare_commit(2).unwrap().is_empty());
    }

    #[test]
    fn recover_commits_restored_committables_and_drops_the_rest() {
        let (sink, handle) = CollectSink::<String>::new();
        let mut w = writer(&sink, 0, 1);
        w.write(&mut vec![Record::new("a".to_string())]).unwrap();
        let c1 = w.prepare_commit(1).unwrap();
        w.write(&mut vec![Record::new("b".to_string())]).unwrap();
        let _c2 = w.prepare_commit(2).unwrap(); // checkpoint 2 never completes
        w.write(&mut vec![Record::new("c".to_string())]).unwrap();
        drop(w); // the task fails: nothing was committed
        assert!(handle.is_empty());

        let mut w = writer(&sink, 0, 1);
        w.recover(c1.clone()).unwrap();
        assert_eq!(handle.take(), ["a"]);
        // The replayed input after checkpoint 1.
        w.write(&mut vec![Record::new("b".to_string()), Record::new("c".to_string())]).unwrap();
        finish_job(w.as_mut(), 2);
        assert_eq!(handle.take(), ["b", "c"]);
        // A second recovery from checkpoint 1 does not duplicate "a".
        writer(&sink, 0, 1).recover(c1).unwrap();
        assert!(handle.is_empty());
    }

    #[test]
    fn recover_drops_values_written_before_it() {
        let (sink, handle) = CollectSink::<u8>::new();
        let mut w = writer(&sink, 0, 1);
        w.write(&mut vec![Record::new(9)]).unwrap();
        w.recover(Vec::new()).unwrap();
        finish_job(w.as_mut(), 1);
        assert!(handle.is_empty());
    }

    #[test]
    fn corrupt_committable_is_an_error_and_commits_nothing() {
        let (sink, handle) = CollectSink::<u64>::new();
        let mut w = writer(&sink, 0, 1);
        w.write(&mut vec![Record::new(5)]).unwrap();
        let mut c = w.prepare_commit(1).unwrap();
        c.push(vec![0xff, 0xff, 0xff]);
        let e = w.commit(c).unwrap_err();
        assert!(e.to_string().contains("committable 1"), "{e}");
        assert!(handle.is_empty());
    }

    #[test]
    fn collects_across_threads() {
        let (sink, handle) = CollectSink::<usize>::new();
        std::thread::scope(|s| {
            for t in 0..4 {
                let sink = &sink;
                s.spawn(move || {
                    let mut w = writer(sink, t, 4);
                    for i in 0..100 {
                        w.write(&mut vec![Record::new(t * 1000 + i)]).unwrap();
                        if i % 30 == 29 {
                            let c = w.prepare_commit(i as u64).unwrap();
                            w.commit(c).unwrap();
                        }
                    }
                    finish_job(w.as_mut(), 1000);
                });
            }
        });
        let mut all = handle.take();
        all.sort();
        assert_eq!(all.len(), 400);
        assert_eq!(all[..3], [0, 1, 2]);
    }

    #[test]
    fn a_sink_reused_by_a_second_job_collects_its_final_commit_too() {
        let (sink, handle) = CollectSink::<u8>::new();
        for job in 0..2 {
            let mut w = writer(&sink, 0, 1);
            w.write(&mut vec![Record::new(job)]).unwrap();
            finish_job(w.as_mut(), u64::MAX);
        }
        assert_eq!(handle.take(), [0, 1]);
    }
}
