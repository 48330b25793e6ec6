//! The writer of one [`FileSink`](super::FileSink) subtask: rolls part files and runs the
//! two-phase commit.

use super::RollingPolicy;
use super::part::{self, PartCommittable, PartKind};
use rasch_core::{Error, Record, Result, ToText};
use rasch_runtime::sink::SinkWriter;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Size of the write buffer of the in-progress file.
const BUFFER_SIZE: usize = 64 << 10;

/// The open in-progress part file.
struct InProgress {
    out: BufWriter<File>,
    path: PathBuf,
    counter: u64,
    /// Bytes written (buffered or not).
    size: u64,
    opened: Instant,
    last_write: Instant,
}

/// Writes one subtask's records into part files of `dir`.
pub(super) struct FileSinkWriter<T> {
    dir: PathBuf,
    subtask: usize,
    policy: RollingPolicy,
    next_counter: u64,
    current: Option<InProgress>,
    /// Pending files rolled since the last `prepare_commit`.
    rolled: Vec<PartCommittable>,
    /// One rendered record.
    text: String,
    _type: PhantomData<fn(T)>,
}

impl<T> FileSinkWriter<T> {
    /// Creates `dir` if needed and continues the part counter after the subtask's files there.
    pub fn new(dir: &Path, subtask: usize, policy: RollingPolicy) -> Result<Self> {
        let dir = std::path::absolute(dir).map_err(|e| Error::io(format!("file sink: invalid directory '{}'", dir.display()), e))?;
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("file sink cannot create directory '{}'", dir.display()), e))?;
        let next_counter = part::next_counter(&dir, subtask)?;
        Ok(FileSinkWriter {
            dir,
            subtask,
            policy,
            next_counter,
            current: None,
            rolled: Vec::new(),
            text: String::new(),
            _type: PhantomData,
        })
    }

    fn open(&mut self, now: Instant) -> Result<&mut InProgress> {
        let counter = self.next_counter;
        self.next_counter = counter.checked_add(1).ok_or_else(|| {
            Error::InvalidJob(format!("file sink '{}': subtask {} ran out of part counters", self.dir.display(), self.subtask))
        })?;
        let path = self.dir.join(part::in_progress_name(self.subtask, counter));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(format!("file sink cannot create part file '{}'", path.display()), e))?;
        let out = BufWriter::with_capacity(BUFFER_SIZE, file);
        Ok(self.current.insert(InProgress { out, path, counter, size: 0, opened: now, last_write: now }))
    }

    /// Closes the in-progress file (if any) durably and renames it to pending.
    fn roll(&mut self) -> Result<()> {
        let Some(cur) = self.current.take() else { return Ok(()) };
        let write_error = |e| Error::io(format!("file sink cannot write part file '{}'", cur.path.display()), e);
        let file = cur.out.into_inner().map_err(|e| write_error(e.into_error()))?;
        file.sync_all().map_err(write_error)?;
        drop(file);
        let pending = self.dir.join(part::pending_name(self.subtask, cur.counter));
        std::fs::rename(&cur.path, &pending)
            .map_err(|e| Error::io(format!("file sink cannot rename part file '{}' to '{}'", cur.path.display(), pending.display()), e))?;
        let final_path = self.dir.join(part::final_name(self.subtask, cur.counter));
        self.rolled.push(PartCommittable { pending, final_path });
        Ok(())
    }

    /// Rolls the in-progress file if it has been open or inactive for too long.
    fn roll_if_due(&mut self, now: Instant) -> Result<()> {
        let due = self.current.as_ref().is_some_and(|c| {
            let over =
                |since: Instant, limit: Option<std::time::Duration>| limit.is_some_and(|l| now.saturating_duration_since(since) >= l);
            over(c.opened, self.policy.rollover_interval) || over(c.last_write, self.policy.inactivity_interval)
        });
        if due { self.roll() } else { Ok(()) }
    }

    /// Flushes the in-progress file's buffer to the file (still hidden).
    fn flush_current(&mut self) -> Result<()> {
        match &mut self.current {
            Some(c) => c.out.flush().map_err(|e| Error::io(format!("file sink cannot write part file '{}'", c.path.display()), e)),
            None => Ok(()),
        }
    }
}

impl<T: ToText + 'static> SinkWriter<T> for FileSinkWriter<T> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        self.roll_if_due(now)?;
        for r in batch.drain(..) {
            if self.current.as_ref().zip(self.policy.max_part_size).is_some_and(|(c, max)| c.size >= max) {
                self.roll()?;
            }
            let mut text = std::mem::take(&mut self.text);
            text.clear();
            r.value.write_text(&mut text);
            text.push('\n');
            let cur = match self.current {
                Some(ref mut c) => c,
                None => self.open(now)?,
            };
            let result = cur.out.write_all(text.as_bytes());
            cur.size += text.len() as u64;
            cur.last_write = now;
            if let Err(e) = result {
                return Err(Error::io(format!("file sink cannot write part file '{}'", cur.path.display()), e));
            }
            if text.capacity() <= 1 << 20 {
                self.text = text;
            }
        }
        Ok(())
    }

    /// Rolls on time if due, and flushes the buffer of the in-progress file (still hidden).
    fn flush(&mut self) -> Result<()> {
        self.roll_if_due(Instant::now())?;
        self.flush_current()
    }

    /// Flushes the in-progress file; nothing becomes visible before the final commit.
    fn finish(&mut self) -> Result<()> {
        self.flush_current()
    }

    /// Flushes and closes the in-progress file, which stays hidden.
    fn close(&mut self) -> Result<()> {
        let result = self.flush_current();
        self.current = None;
        result
    }

    /// Rolls the in-progress file and returns one committable per pending file since the
    /// previous checkpoint.
    fn prepare_commit(&mut self, _checkpoint_id: u64) -> Result<Vec<Vec<u8>>> {
        self.roll()?;
        if !self.rolled.is_empty() {
            part::sync_dir(&self.dir);
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
        if !parts.is_empty() {
            part::sync_dir(&self.dir);
        }
        Ok(())
    }

    /// Commits the restored committables, deletes this subtask's other in-progress and
    /// pending files, and continues the counter after the subtask's highest part file.
    fn recover(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        let parts = PartCommittable::decode_all(&committables)?;
        // Anything this writer holds is not in the checkpoint: abort it.
        self.current = None;
        self.rolled.clear();
        for p in &parts {
            p.commit()?;
        }
        let keep: HashSet<&Path> = parts.iter().map(|p| p.pending.as_path()).collect();
        let mut next = 0;
        for (path, name) in part::list_parts(&self.dir, self.subtask)? {
            if name.kind != PartKind::Finished && !keep.contains(path.as_path()) {
                part::remove_leftover(&path)?;
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
        part::sync_dir(&self.dir);
        Ok(())
    }
}
