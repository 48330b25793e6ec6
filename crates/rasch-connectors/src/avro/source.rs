//! [`AvroSource`]: a bounded, parallel source reading Avro object container files, one split
//! per file.

use crate::text_file::list_files;
use apache_avro::Reader;
use rasch_core::{Data, Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::File;
use std::io::BufReader;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Reads the Avro file at a path, or every file directly in a directory (names starting with
/// `.` or `_` skipped), into `T` by serde, with the schema written in each file.
///
/// Every file is one [`AvroSplit`]; a checkpoint records how many records of the current file
/// were emitted, and a restored reader skips exactly those.
#[derive(Debug)]
pub struct AvroSource<T> {
    path: PathBuf,
    nested: bool,
    _record: PhantomData<fn() -> T>,
}

impl<T> Clone for AvroSource<T> {
    fn clone(&self) -> Self {
        AvroSource { path: self.path.clone(), nested: self.nested, _record: PhantomData }
    }
}

impl<T> AvroSource<T> {
    /// Also reads the files in subdirectories, recursively (e.g. a
    /// [`FileSink`](crate::FileSink)'s buckets); names starting with `.` or `_` are skipped.
    pub fn with_nested_directories(mut self) -> Self {
        self.nested = true;
        self
    }

    /// Reads the file or directory at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AvroSource { path: path.into(), nested: false, _record: PhantomData }
    }
}

/// One Avro file, and the records of it already emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvroSplit {
    /// The file.
    pub path: PathBuf,
    /// Records already emitted (0 for a split not read yet).
    pub records_done: u64,
}

fn avro_error(path: &Path, record: u64, e: impl std::fmt::Display) -> Error {
    Error::MalformedInput { location: format!("Avro file '{}', record {record}", path.display()), message: e.to_string() }
}

impl<T: Data + DeserializeOwned> Source<T> for AvroSource<T> {
    type Split = AvroSplit;

    fn boundedness(&self) -> Boundedness {
        Boundedness::Bounded
    }

    fn create_splits(&self, _parallelism: usize) -> Result<Vec<AvroSplit>> {
        Ok(list_files(&self.path, "Avro file", self.nested)?.into_iter().map(|(path, _)| AvroSplit { path, records_done: 0 }).collect())
    }

    fn create_reader(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<T, AvroSplit>>> {
        Ok(Box::new(AvroReader::<T> { pending: VecDeque::new(), active: None, _record: PhantomData }))
    }
}

struct Active {
    split: AvroSplit,
    records: Reader<'static, BufReader<File>>,
}

struct AvroReader<T> {
    pending: VecDeque<AvroSplit>,
    active: Option<Active>,
    _record: PhantomData<fn() -> T>,
}

/// Opens the split's file and skips the records already emitted.
fn open(split: AvroSplit) -> Result<Active> {
    let file = File::open(&split.path).map_err(|e| Error::io(format!("cannot read Avro file '{}'", split.path.display()), e))?;
    let mut records =
        Reader::new(BufReader::new(file)).map_err(|e| avro_error(&split.path, 0, format_args!("cannot read the header: {e}")))?;
    for i in 0..split.records_done {
        match records.next() {
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(avro_error(&split.path, i, e)),
            None => {
                return Err(avro_error(
                    &split.path,
                    i,
                    format_args!("the checkpoint resumes after record {}, past the end", split.records_done),
                ));
            }
        }
    }
    Ok(Active { split, records })
}

impl<T: Data + DeserializeOwned> SourceReader<T, AvroSplit> for AvroReader<T> {
    fn add_splits(&mut self, splits: Vec<AvroSplit>) -> Result<()> {
        self.pending.extend(splits);
        Ok(())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, T>) -> Result<PollStatus> {
        loop {
            let Some(active) = &mut self.active else {
                match self.pending.pop_front() {
                    None => return Ok(PollStatus::EndOfInput),
                    Some(split) => {
                        self.active = Some(open(split)?);
                        continue;
                    }
                }
            };
            if output.is_full() {
                return Ok(PollStatus::MoreAvailable);
            }
            let (path, n) = (&active.split.path, active.split.records_done);
            match active.records.next() {
                None => self.active = None,
                Some(value) => {
                    let value = value.map_err(|e| avro_error(path, n, e))?;
                    let record: T = apache_avro::from_value(&value).map_err(|e| avro_error(path, n, e))?;
                    output.collect(record);
                    active.split.records_done += 1;
                }
            }
        }
    }

    /// The current file with the records emitted so far, then the files not started yet.
    fn snapshot_state(&mut self) -> Result<Vec<AvroSplit>> {
        Ok(self.active.iter().map(|a| a.split.clone()).chain(self.pending.iter().cloned()).collect())
    }

    fn close(&mut self) -> Result<()> {
        self.active = None;
        Ok(())
    }
}
