//! `TextFileSink`: writes every record as a line of text to a file, or to one file per
//! subtask in a directory (Flink's `writeAsText`).
//!
//! **At-least-once**: it keeps the default (non-transactional) checkpoint methods, and a
//! restarted attempt rewrites its file from scratch. Use [`FileSink`](crate::FileSink) for
//! exactly-once file output.

use rasch_core::{Error, Record, Result, ToText};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Size of the write buffer of each writer.
const BUFFER_SIZE: usize = 256 << 10;

/// What a [`TextFileSink`] does when its output already exists (Flink's `WriteMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteMode {
    /// Fail the job if the output file already exists.
    #[default]
    NoOverwrite,
    /// Replace existing output.
    Overwrite,
}

/// A sink writing each value's [`ToText`] form plus `'\n'`.
///
/// * Parallelism 1: `path` is the output file (parent directories are created).
/// * Parallelism `n > 1`: `path` is a directory (created by every subtask) holding the files
///   `1` … `n`, one per subtask; each subtask only ever touches its own file.
///
/// With [`WriteMode::NoOverwrite`] the job fails, naming the path, if an output file already
/// exists (an existing directory is fine in parallel mode). With [`WriteMode::Overwrite`] each
/// subtask truncates its own file; a directory standing where the single output file should
/// be is removed, and so is a plain file standing where the output directory should be. To
/// avoid races between subtasks, other files in the directory are left alone, except that
/// subtask 0 removes stale files named by a number greater than the parallelism (left by an
/// earlier run with a higher parallelism). A restarted attempt (attempt > 0) replaces its
/// own file from the failed attempt in either mode.
///
/// Writes go through a 256 KiB buffer that is flushed when the task is idle and at the end
/// of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFileSink {
    path: PathBuf,
    mode: WriteMode,
}

impl TextFileSink {
    /// Writes to `path` with the given write mode.
    pub fn new(path: impl Into<PathBuf>, mode: WriteMode) -> Self {
        TextFileSink { path: path.into(), mode }
    }

    /// The output file or directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The write mode.
    pub fn mode(&self) -> WriteMode {
        self.mode
    }

    /// Creates the output directory for parallel writers.
    fn prepare_dir(&self, ctx: &RuntimeContext) -> Result<()> {
        let dir = &self.path;
        let cannot = |e| Error::io(format!("cannot create text sink directory '{}'", dir.display()), e);
        let mut attempts = 0;
        while let Err(e) = std::fs::create_dir_all(dir) {
            let is_file = std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir());
            if !is_file || attempts == 10 {
                return Err(cannot(e));
            }
            if self.mode == WriteMode::NoOverwrite {
                return Err(Error::InvalidJob(format!(
                    "text sink path '{}' already exists and is not a directory (write mode NoOverwrite)",
                    dir.display()
                )));
            }
            // Any subtask may remove a plain file where the directory belongs: no subtask's
            // output can be there. Losing the race to another subtask is fine.
            match std::fs::remove_file(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("cannot remove '{}'", dir.display()), e)),
            }
            attempts += 1;
        }
        if self.mode == WriteMode::Overwrite && ctx.subtask_index == 0 {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::io(format!("cannot list '{}'", dir.display()), e))?;
            for entry in entries.flatten() {
                let stale = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n > ctx.parallelism as u64);
                if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
                    let path = entry.path();
                    match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == ErrorKind::NotFound => {}
                        Err(e) => return Err(Error::io(format!("cannot remove stale file '{}'", path.display()), e)),
                    }
                }
            }
        }
        Ok(())
    }

    /// Prepares the single output file's location.
    fn prepare_file(&self) -> Result<()> {
        let path = &self.path;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot create directory '{}' for text sink", parent.display()), e))?;
        }
        if self.mode == WriteMode::Overwrite && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(path).map_err(|e| Error::io(format!("cannot remove directory '{}'", path.display()), e))?;
        }
        Ok(())
    }
}

impl<T: ToText + 'static> Sink<T> for TextFileSink {
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        let path = if ctx.parallelism <= 1 {
            self.prepare_file()?;
            self.path.clone()
        } else {
            self.prepare_dir(ctx)?;
            self.path.join((ctx.subtask_index + 1).to_string())
        };
        let create_new = self.mode == WriteMode::NoOverwrite && ctx.attempt == 0;
        let mut options = OpenOptions::new();
        options.write(true);
        if create_new {
            options.create_new(true);
        } else {
            options.create(true).truncate(true);
        }
        let file = match options.open(&path) {
            Ok(file) => file,
            Err(e) if create_new && e.kind() == ErrorKind::AlreadyExists => {
                return Err(Error::InvalidJob(format!("text sink output '{}' already exists (write mode NoOverwrite)", path.display())));
            }
            Err(e) => return Err(Error::io(format!("cannot create text file '{}'", path.display()), e)),
        };
        Ok(Box::new(TextFileWriter {
            out: BufWriter::with_capacity(BUFFER_SIZE, file),
            text: String::new(),
            path,
            _type: PhantomData::<fn(T)>,
        }))
    }
}

struct TextFileWriter<T> {
    out: BufWriter<File>,
    /// The rendered batch, reused across batches.
    text: String,
    path: PathBuf,
    _type: PhantomData<fn(T)>,
}

impl<T> TextFileWriter<T> {
    fn error(&self, e: std::io::Error) -> Error {
        Error::io(format!("cannot write text file '{}'", self.path.display()), e)
    }
}

impl<T: ToText + 'static> SinkWriter<T> for TextFileWriter<T> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.text.clear();
        for r in batch.iter() {
            r.value.write_text(&mut self.text);
            self.text.push('\n');
        }
        batch.clear();
        let result = self.out.write_all(self.text.as_bytes());
        if self.text.capacity() > 4 << 20 {
            self.text = String::new();
        }
        result.map_err(|e| self.error(e))
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| self.error(e))
    }

    fn close(&mut self) -> Result<()> {
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn temp_dir(name: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("rasch-text-sink-{}-{name}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write_all<T: ToText + 'static>(sink: &TextFileSink, parallelism: usize, per_subtask: Vec<Vec<T>>) -> Result<()> {
        let mut writers = Vec::new();
        for i in 0..parallelism {
            writers.push(Sink::<T>::create_writer(sink, &RuntimeContext::for_test(i, parallelism))?);
        }
        for (w, values) in writers.iter_mut().zip(per_subtask) {
            let mut batch: Vec<Record<T>> = values.into_iter().map(Record::new).collect();
            w.write(&mut batch)?;
            assert!(batch.is_empty());
            w.finish()?;
            w.close()?;
        }
        Ok(())
    }

    #[test]
    fn parallelism_one_writes_one_file() {
        let dir = temp_dir("single");
        let path = dir.join("nested").join("out.txt");
        let sink = TextFileSink::new(&path, WriteMode::NoOverwrite);
        write_all(&sink, 1, vec![vec![("a".to_string(), 1), ("b".to_string(), 2)]]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "(a,1)\n(b,2)\n");

        let e = write_all(&sink, 1, vec![vec![1]]).unwrap_err();
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        assert!(e.to_string().contains("already exists"), "{e}");

        let sink = TextFileSink::new(&path, WriteMode::Overwrite);
        write_all(&sink, 1, vec![vec![42]]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "42\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parallel_writers_write_numbered_files() {
        let dir = temp_dir("parallel");
        let out = dir.join("out");
        let sink = TextFileSink::new(&out, WriteMode::NoOverwrite);
        write_all(&sink, 3, vec![vec![1, 2], vec![], vec![3]]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("1")).unwrap(), "1\n2\n");
        assert_eq!(std::fs::read_to_string(out.join("2")).unwrap(), "");
        assert_eq!(std::fs::read_to_string(out.join("3")).unwrap(), "3\n");

        let e = write_all(&sink, 3, vec![vec![1], vec![2], vec![3]]).unwrap_err();
        assert!(e.to_string().contains(&out.join("1").display().to_string()), "{e}");

        // Overwrite with a lower parallelism: stale higher-numbered files go away.
        std::fs::write(out.join("notes"), "keep").unwrap();
        let sink = TextFileSink::new(&out, WriteMode::Overwrite);
        write_all(&sink, 2, vec![vec![7], vec![8]]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("1")).unwrap(), "7\n");
        assert_eq!(std::fs::read_to_string(out.join("2")).unwrap(), "8\n");
        assert!(!out.join("3").exists());
        assert!(out.join("notes").exists());

        // Overwrite replaces a directory by a file and a file by a directory.
        write_all(&TextFileSink::new(&out, WriteMode::Overwrite), 1, vec![vec![1]]).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "1\n");
        write_all(&TextFileSink::new(&out, WriteMode::Overwrite), 2, vec![vec![1], vec![2]]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("2")).unwrap(), "2\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_overwrite_refuses_a_file_where_the_directory_belongs() {
        let dir = temp_dir("file-as-dir");
        let out = dir.join("out");
        std::fs::write(&out, "x").unwrap();
        let e = write_all(&TextFileSink::new(&out, WriteMode::NoOverwrite), 2, vec![vec![1], vec![2]]).unwrap_err();
        assert!(e.to_string().contains(&out.display().to_string()), "{e}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "x");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn large_batches_are_written_completely() {
        let dir = temp_dir("large");
        let path = dir.join("big");
        let values: Vec<u64> = (0..200_000).collect();
        write_all(&TextFileSink::new(&path, WriteMode::NoOverwrite), 1, vec![values.clone()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().map(|l| l.parse::<u64>().unwrap()).collect::<Vec<_>>(), values);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
