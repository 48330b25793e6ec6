//! The writer of one [`FileSink`](super::FileSink) subtask: routes records to buckets, rolls
//! each bucket's part files and runs the two-phase commit.

use super::RollingPolicy;
use super::bucket::{self, BucketAssigner, BucketContext};
use super::format::{FileFormat, PartWriter};
use super::part::{self, PartCommittable, PartKind};
use rasch_core::{Error, Record, Result};
use rasch_runtime::sink::SinkWriter;
use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The open in-progress part file of a bucket.
struct InProgress<W> {
    out: W,
    path: PathBuf,
    counter: u64,
    opened: Instant,
    last_write: Instant,
}

/// One bucket: its directory and its in-progress file, if any.
struct Bucket<W> {
    dir: PathBuf,
    current: Option<InProgress<W>>,
}

/// Writes one subtask's records into part files of the buckets under `dir`.
pub(super) struct FileSinkWriter<T, F: FileFormat<T>, B> {
    dir: PathBuf,
    subtask: usize,
    policy: RollingPolicy,
    format: F,
    assigner: B,
    suffix: String,
    /// One counter for all buckets of the subtask, so names never collide across restores.
    next_counter: u64,
    buckets: HashMap<String, Bucket<F::Writer>>,
    /// Pending files rolled since the last `prepare_commit`.
    rolled: Vec<PartCommittable>,
    /// The bucket id of one record, reused.
    bucket_id: String,
    _type: PhantomData<fn(T)>,
}

impl<T, F: FileFormat<T>, B: BucketAssigner<T>> FileSinkWriter<T, F, B> {
    /// Creates `dir` if needed and continues the part counter after the subtask's files there.
    pub fn new(dir: &Path, subtask: usize, policy: RollingPolicy, format: F, assigner: B) -> Result<Self> {
        let dir = std::path::absolute(dir).map_err(|e| Error::io(format!("file sink: invalid directory '{}'", dir.display()), e))?;
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("file sink cannot create directory '{}'", dir.display()), e))?;
        let next_counter = part::next_counter(&dir, subtask)?;
        let suffix = format.suffix();
        Ok(FileSinkWriter {
            dir,
            subtask,
            policy,
            format,
            assigner,
            suffix,
            next_counter,
            buckets: HashMap::new(),
            rolled: Vec::new(),
            bucket_id: String::new(),
            _type: PhantomData,
        })
    }

    /// Writes one record into its bucket, rolling first by size if needed.
    fn write_one(&mut self, record: Record<T>, processing_time: i64, now: Instant) -> Result<()> {
        let ctx = BucketContext::new(record.ts, processing_time);
        self.bucket_id.clear();
        self.assigner.bucket_id(&record.value, &ctx, &mut self.bucket_id)?;
        let (subtask, max_size) = (self.subtask, self.policy.max_part_size());
        let mut counter = self.next_counter;
        let (format, suffix) = (&self.format, self.suffix.as_str());
        let bucket = {
            if !self.buckets.contains_key(self.bucket_id.as_str()) {
                bucket::validate_bucket_id(&self.bucket_id)?;
                let dir = self.dir.join(&self.bucket_id);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| Error::io(format!("file sink cannot create bucket directory '{}'", dir.display()), e))?;
                self.buckets.insert(self.bucket_id.clone(), Bucket { dir, current: None });
            }
            self.buckets.get_mut(self.bucket_id.as_str()).expect("inserted above")
        };
        if bucket.current.as_ref().zip(max_size).is_some_and(|(c, max)| c.out.size() >= max) {
            roll(bucket, subtask, suffix, &mut self.rolled)?;
        }
        let cur = match bucket.current {
            Some(ref mut c) => c,
            None => {
                let c = open(format, &bucket.dir, subtask, counter, suffix, now)?;
                counter += 1;
                bucket.current.insert(c)
            }
        };
        cur.last_write = now;
        cur.out.write(record.value)?;
        self.next_counter = counter;
        Ok(())
    }

    /// Rolls every in-progress file that has been open or inactive for too long.
    fn roll_due(&mut self, now: Instant) -> Result<()> {
        let over = |since: Instant, limit: Option<std::time::Duration>| limit.is_some_and(|l| now.saturating_duration_since(since) >= l);
        for bucket in self.buckets.values_mut() {
            let due = bucket
                .current
                .as_ref()
                .is_some_and(|c| over(c.opened, self.policy.rollover_interval()) || over(c.last_write, self.policy.inactivity_interval()));
            if due {
                roll(bucket, self.subtask, &self.suffix, &mut self.rolled)?;
            }
        }
        Ok(())
    }

    /// Flushes every in-progress file's buffer (still hidden).
    fn flush_all(&mut self) -> Result<()> {
        for c in self.buckets.values_mut().filter_map(|b| b.current.as_mut()) {
            c.out.flush()?;
        }
        Ok(())
    }
}

/// Creates a new in-progress file in `dir`.
fn open<T, F: FileFormat<T>>(
    format: &F,
    dir: &Path,
    subtask: usize,
    counter: u64,
    suffix: &str,
    now: Instant,
) -> Result<InProgress<F::Writer>> {
    let path = dir.join(part::in_progress_name(subtask, counter, suffix));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(format!("file sink cannot create part file '{}'", path.display()), e))?;
    let out = format.open(file, &path)?;
    Ok(InProgress { out, path, counter, opened: now, last_write: now })
}

/// Completes the bucket's in-progress file (if any) durably and renames it to pending.
fn roll<T, W: PartWriter<T>>(bucket: &mut Bucket<W>, subtask: usize, suffix: &str, rolled: &mut Vec<PartCommittable>) -> Result<()> {
    let Some(cur) = bucket.current.take() else { return Ok(()) };
    let file = cur.out.finish()?;
    file.sync_all().map_err(|e| Error::io(format!("file sink cannot write part file '{}'", cur.path.display()), e))?;
    drop(file);
    let pending = bucket.dir.join(part::pending_name(subtask, cur.counter, suffix));
    std::fs::rename(&cur.path, &pending)
        .map_err(|e| Error::io(format!("file sink cannot rename part file '{}' to '{}'", cur.path.display(), pending.display()), e))?;
    let final_path = bucket.dir.join(part::final_name(subtask, cur.counter, suffix));
    rolled.push(PartCommittable { pending, final_path });
    Ok(())
}

fn processing_time_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The directories holding the committables' files, each once.
fn dirs_of(parts: &[PartCommittable]) -> HashSet<&Path> {
    parts.iter().filter_map(|p| p.final_path.parent()).collect()
}

impl<T: 'static, F: FileFormat<T>, B: BucketAssigner<T>> SinkWriter<T> for FileSinkWriter<T, F, B> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        let processing_time = processing_time_millis();
        self.roll_due(now)?;
        for r in batch.drain(..) {
            self.write_one(r, processing_time, now)?;
        }
        Ok(())
    }

    /// Rolls on time if due, and flushes the buffers of the in-progress files (still hidden).
    fn flush(&mut self) -> Result<()> {
        self.roll_due(Instant::now())?;
        self.flush_all()
    }

    /// Flushes the in-progress files; nothing becomes visible before the final commit.
    fn finish(&mut self) -> Result<()> {
        self.flush_all()
    }

    /// Flushes and closes the in-progress files, which stay hidden.
    fn close(&mut self) -> Result<()> {
        let result = self.flush_all();
        self.buckets.clear();
        result
    }

    /// Rolls every in-progress file and returns one committable per pending file since the
    /// previous checkpoint. Buckets without an open file are forgotten (their directories stay).
    fn prepare_commit(&mut self, _checkpoint_id: u64) -> Result<Vec<Vec<u8>>> {
        for bucket in self.buckets.values_mut() {
            roll(bucket, self.subtask, &self.suffix, &mut self.rolled)?;
        }
        self.buckets.clear();
        for dir in dirs_of(&self.rolled) {
            part::sync_dir(dir);
        }
        let committables = self.rolled.iter().map(PartCommittable::encode).collect::<Result<Vec<_>>>()?;
        self.rolled.clear();
        Ok(committables)
    }

    /// Renames the committables' pending files to their final names (idempotent).
    fn commit(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        let parts = PartCommittable::decode_all(&committables)?;
        for p in &parts {
            p.commit()?;
        }
        for dir in dirs_of(&parts) {
            part::sync_dir(dir);
        }
        Ok(())
    }

    /// Commits the restored committables, deletes this subtask's other in-progress and
    /// pending files in every bucket, and continues the counter after the subtask's highest
    /// part file.
    fn recover(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        let parts = PartCommittable::decode_all(&committables)?;
        // Anything this writer holds is not in the checkpoint: abort it.
        self.buckets.clear();
        self.rolled.clear();
        for p in &parts {
            p.commit()?;
        }
        let keep: HashSet<&Path> = parts.iter().map(|p| p.pending.as_path()).collect();
        let mut next = 0;
        let mut touched = HashSet::new();
        for (path, name) in part::list_parts(&self.dir, self.subtask)? {
            if name.kind != PartKind::Finished && !keep.contains(path.as_path()) {
                part::remove_leftover(&path)?;
                touched.extend(path.parent().map(Path::to_path_buf));
            } else {
                next = next.max(name.counter.saturating_add(1));
            }
        }
        for p in &parts {
            let committed = p.final_path.file_name().and_then(|n| n.to_str()).and_then(part::parse_name);
            if let Some(name) = committed.filter(|n| n.subtask == self.subtask) {
                next = next.max(name.counter.saturating_add(1));
            }
        }
        self.next_counter = self.next_counter.max(next);
        touched.extend(dirs_of(&parts).into_iter().map(Path::to_path_buf));
        touched.insert(self.dir.clone());
        for dir in &touched {
            part::sync_dir(dir);
        }
        Ok(())
    }
}
