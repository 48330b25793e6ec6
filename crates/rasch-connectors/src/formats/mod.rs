//! Record formats for text files: each line decodes into a record with serde. A line that does
//! not decode either fails the job — naming the file, the byte offset of the line and what is
//! wrong — or, when the reader is lenient, becomes a [`MalformedRecord`] that the API routes to
//! a side output and counts. Shared by the DataStream file sources and, later, the SQL
//! `filesystem` connector.

mod csv_lines;
mod json_lines;

pub use csv_lines::CsvLines;
pub use json_lines::JsonLines;

use rasch_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The accumulator counting malformed records a lenient reader skipped (files and Kafka).
pub const MALFORMED_RECORDS: &str = "numMalformedRecords";

/// What a reader does with a line that does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnMalformed {
    /// Fail the job with an error naming the file, the offset and the cause.
    #[default]
    Fail,
    /// Emit [`Parsed::Malformed`] (the API sends it to a side output and counts it).
    Skip,
}

/// A line that did not decode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedRecord {
    /// The file and the byte offset of the line (`file 'x.jsonl', line at byte offset 120`).
    pub location: String,
    /// The line as read (invalid UTF-8 replaced).
    pub line: String,
    /// Why it did not decode.
    pub error: String,
}

/// One decoded line: a record, or (lenient readers only) a line that did not decode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Parsed<T> {
    /// A record.
    Record(T),
    /// A malformed line.
    Malformed(MalformedRecord),
}

/// What a line that did not decode becomes under `on`: the job's error, naming the file and the
/// byte offset of the line, or a [`MalformedRecord`] for the side output.
pub(crate) fn malformed<T>(on: OnMalformed, line: &[u8], path: &Path, offset: u64, error: String) -> Result<Option<Parsed<T>>> {
    let location = format!("file '{}', line at byte offset {offset}", path.display());
    match on {
        OnMalformed::Fail => Err(Error::MalformedInput { location, message: error }),
        OnMalformed::Skip => {
            Ok(Some(Parsed::Malformed(MalformedRecord { location, line: String::from_utf8_lossy(line).into_owned(), error })))
        }
    }
}
