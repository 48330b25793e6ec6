//! [`ParquetSource`]: a bounded, parallel source reading Parquet files, one split per row group.

use crate::text_file::list_files;
use ::parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use ::parquet::file::reader::{FileReader, SerializedFileReader};
use rasch_core::{Data, Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Rows decoded per Arrow batch.
const BATCH_ROWS: usize = 4096;

/// Reads the Parquet file at a path, or every file directly in a directory (names starting
/// with `.` or `_` skipped, as the [`TextFileSource`](crate::TextFileSource) does), into `T`
/// by serde: each column fills the field of its name.
///
/// Every row group of every file is one [`ParquetSplit`]; a checkpoint records how many rows
/// of the current row group were emitted, and a restored reader continues right after them.
#[derive(Debug)]
pub struct ParquetSource<T> {
    path: PathBuf,
    nested: bool,
    _record: PhantomData<fn() -> T>,
}

impl<T> Clone for ParquetSource<T> {
    fn clone(&self) -> Self {
        ParquetSource { path: self.path.clone(), nested: self.nested, _record: PhantomData }
    }
}

impl<T> ParquetSource<T> {
    /// Also reads the files in subdirectories, recursively (e.g. a
    /// [`FileSink`](crate::FileSink)'s buckets); names starting with `.` or `_` are skipped.
    pub fn with_nested_directories(mut self) -> Self {
        self.nested = true;
        self
    }

    /// Reads the file or directory at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ParquetSource { path: path.into(), nested: false, _record: PhantomData }
    }

    /// The file or directory this source reads.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// One row group of a Parquet file, and the rows of it already emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParquetSplit {
    /// The file.
    pub path: PathBuf,
    /// The row group's index in the file.
    pub row_group: usize,
    /// Rows of the row group already emitted (0 for a split not read yet).
    pub rows_done: u64,
}

fn parquet_error(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::MalformedInput { location: format!("Parquet file '{}'", path.display()), message: format!("{what}: {e}") }
}

impl<T: Data + DeserializeOwned> Source<T> for ParquetSource<T> {
    type Split = ParquetSplit;

    fn boundedness(&self) -> Boundedness {
        Boundedness::Bounded
    }

    fn create_splits(&self, _parallelism: usize) -> Result<Vec<ParquetSplit>> {
        let mut splits = Vec::new();
        for (path, _) in list_files(&self.path, "Parquet file", self.nested)? {
            let file = File::open(&path).map_err(|e| Error::io(format!("cannot read Parquet file '{}'", path.display()), e))?;
            let reader = SerializedFileReader::new(file).map_err(|e| parquet_error(&path, "cannot read the footer", e))?;
            for row_group in 0..reader.metadata().num_row_groups() {
                splits.push(ParquetSplit { path: path.clone(), row_group, rows_done: 0 });
            }
        }
        Ok(splits)
    }

    fn create_reader(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<T, ParquetSplit>>> {
        Ok(Box::new(ParquetReader { pending: VecDeque::new(), active: None, decoded: VecDeque::new() }))
    }
}

/// The row group being read.
struct Active {
    split: ParquetSplit,
    batches: ParquetRecordBatchReader,
}

struct ParquetReader<T> {
    pending: VecDeque<ParquetSplit>,
    active: Option<Active>,
    /// Rows decoded from the current batch, not yet emitted.
    decoded: VecDeque<T>,
}

fn open(split: &ParquetSplit) -> Result<ParquetRecordBatchReader> {
    let path = &split.path;
    let file = File::open(path).map_err(|e| Error::io(format!("cannot read Parquet file '{}'", path.display()), e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_error(path, "cannot read the footer", e))?;
    let rows =
        builder.metadata().row_groups().get(split.row_group).map(|g| g.num_rows()).ok_or_else(|| {
            parquet_error(path, "cannot read row group", format!("there is no row group {} in the file", split.row_group))
        })?;
    let skip = usize::try_from(split.rows_done).unwrap_or(usize::MAX).min(rows.max(0) as usize);
    builder
        .with_row_groups(vec![split.row_group])
        .with_offset(skip)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| parquet_error(path, &format!("cannot read row group {}", split.row_group), e))
}

impl<T: Data + DeserializeOwned> SourceReader<T, ParquetSplit> for ParquetReader<T> {
    fn add_splits(&mut self, splits: Vec<ParquetSplit>) -> Result<()> {
        self.pending.extend(splits);
        Ok(())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, T>) -> Result<PollStatus> {
        loop {
            let Some(active) = &mut self.active else {
                match self.pending.pop_front() {
                    None => return Ok(PollStatus::EndOfInput),
                    Some(split) => {
                        let batches = open(&split)?;
                        self.active = Some(Active { split, batches });
                        continue;
                    }
                }
            };
            while !self.decoded.is_empty() {
                if output.is_full() {
                    return Ok(PollStatus::MoreAvailable);
                }
                output.collect(self.decoded.pop_front().expect("not empty"));
                active.split.rows_done += 1;
            }
            match active.batches.next() {
                None => self.active = None,
                Some(batch) => {
                    let s = &active.split;
                    let at = |what: &str| format!("row group {}, rows from {}: {what}", s.row_group, s.rows_done);
                    let batch = batch.map_err(|e| parquet_error(&s.path, &at("cannot read"), e))?;
                    let rows: Vec<T> =
                        serde_arrow::from_record_batch(&batch).map_err(|e| parquet_error(&s.path, &at("cannot decode"), e))?;
                    self.decoded.extend(rows);
                }
            }
        }
    }

    /// The current row group with the rows emitted so far, then the splits not started yet.
    fn snapshot_state(&mut self) -> Result<Vec<ParquetSplit>> {
        Ok(self.active.iter().map(|a| a.split.clone()).chain(self.pending.iter().cloned()).collect())
    }

    fn close(&mut self) -> Result<()> {
        self.active = None;
        self.decoded.clear();
        Ok(())
    }
}
