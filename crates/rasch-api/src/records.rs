//! Reading records, not lines: JSON-lines and CSV files deserialized with serde, strictly (a
//! malformed line fails the job, naming file and offset) or leniently (it goes to a side output
//! and is counted in the `numMalformedRecords` accumulator).

use crate::datastream::DataStream;
use crate::env::StreamEnv;
use rasch_connectors::formats::{CsvLines, JsonLines, MalformedRecord, OnMalformed, Parsed};
use rasch_connectors::{LineFormat, TextFileSource};
use rasch_core::{Data, Result};
use rasch_runtime::collector::{Collector, OutputTag};
use rasch_runtime::context::{Counter, RuntimeContext};
use rasch_runtime::functions::{ProcessContext, ProcessFunction};
use serde::de::DeserializeOwned;
use std::path::PathBuf;

/// The accumulator counting malformed lines a lenient reader skipped.
pub const MALFORMED_RECORDS: &str = rasch_connectors::formats::MALFORMED_RECORDS;

/// Sends records on and malformed lines to a side output, counting them.
#[derive(Clone)]
struct RouteMalformed {
    tag: Option<OutputTag<MalformedRecord>>,
    counter: Option<Counter>,
}

impl<T: Data> ProcessFunction<Parsed<T>, T> for RouteMalformed {
    fn open(&mut self, ctx: &RuntimeContext) -> Result<()> {
        self.counter = Some(ctx.counter(MALFORMED_RECORDS));
        Ok(())
    }
    #[inline]
    fn process_element(&mut self, value: Parsed<T>, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, T>) -> Result<()> {
        match value {
            Parsed::Record(r) => out.collect(r),
            Parsed::Malformed(m) => {
                if let Some(c) = &self.counter {
                    c.inc();
                }
                if let Some(tag) = &self.tag {
                    ctx.output(tag, m)?;
                }
            }
        }
        Ok(())
    }
}

impl StreamEnv {
    /// The records of a JSON-lines file or directory (one JSON value per line, read in parallel
    /// byte ranges like [`read_text_file`](Self::read_text_file)); a malformed line fails the
    /// job with an error naming the file, the byte offset of the line and the JSON error.
    pub fn read_json_lines<T: Data + DeserializeOwned>(&self, path: impl Into<PathBuf>) -> DataStream<T> {
        self.json_lines(path.into(), OnMalformed::Fail, None)
    }

    /// Like [`read_json_lines`](Self::read_json_lines), but a malformed line is skipped: it is
    /// counted in the [`MALFORMED_RECORDS`] accumulator and sent, with its location and error,
    /// to the side output `malformed` (`stream.get_side_output(&malformed)`).
    pub fn read_json_lines_lenient<T: Data + DeserializeOwned>(
        &self,
        path: impl Into<PathBuf>,
        malformed: &OutputTag<MalformedRecord>,
    ) -> DataStream<T> {
        self.json_lines(path.into(), OnMalformed::Skip, Some(malformed.clone()))
    }

    /// The records of a CSV file or directory, one per line, fields in `T`'s field order
    /// (`CsvLines::new(OnMalformed::Fail).header(true).delimiter(b';')`). With
    /// `OnMalformed::Fail` a malformed line fails the job naming the file and the byte offset;
    /// with `Skip` it is counted in [`MALFORMED_RECORDS`] and dropped (see
    /// [`read_csv_lenient`](Self::read_csv_lenient) to keep it).
    pub fn read_csv<T: Data + DeserializeOwned>(&self, path: impl Into<PathBuf>, format: CsvLines<T>) -> DataStream<T> {
        self.records(path.into(), "CSV", format, None)
    }

    /// Like [`read_csv`](Self::read_csv), but malformed lines go to the side output `malformed`
    /// (and are counted).
    pub fn read_csv_lenient<T: Data + DeserializeOwned>(
        &self,
        path: impl Into<PathBuf>,
        format: CsvLines<T>,
        malformed: &OutputTag<MalformedRecord>,
    ) -> DataStream<T> {
        self.records(path.into(), "CSV", format.on_malformed(OnMalformed::Skip), Some(malformed.clone()))
    }

    fn json_lines<T: Data + DeserializeOwned>(
        &self,
        path: PathBuf,
        on: OnMalformed,
        tag: Option<OutputTag<MalformedRecord>>,
    ) -> DataStream<T> {
        self.records(path, "JSON Lines", JsonLines::<T>::new(on), tag)
    }

    fn records<T: Data, F: LineFormat<Out = Parsed<T>>>(
        &self,
        path: PathBuf,
        kind: &str,
        format: F,
        tag: Option<OutputTag<MalformedRecord>>,
    ) -> DataStream<T> {
        let name = format!("Read {kind} {}", path.display());
        let source = TextFileSource::with_format(path, format);
        self.from_source(source, &name).process(RouteMalformed { tag, counter: None }).name(&format!("Decode {kind}"))
    }
}
