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

/// The accumulator counting malformed lines a lenient reader skipped (summed over subtasks
/// in [`JobResult::accumulator`](crate::JobResult::accumulator)); see
/// [`StreamEnv::read_json_lines_lenient`].
///
/// ```
/// assert_eq!(rasch_api::MALFORMED_RECORDS, "numMalformedRecords");
/// ```
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
    /// Blank lines are not records. Order across subtasks is unspecified.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    /// struct Bid { item: u32, price: u64 }
    /// # fn main() -> rasch_core::Result<()> {
    /// let path = std::env::temp_dir().join(format!("rasch-doc-bids.jsonl-{}", std::process::id()));
    /// std::fs::write(&path, "{\"item\":1,\"price\":10}\n{\"item\":2,\"price\":20}\n").unwrap();
    /// let env = StreamEnv::local();
    /// let mut bids = env.read_json_lines::<Bid>(&path).execute_and_collect()?;
    /// bids.sort_by_key(|b| b.item);
    /// assert_eq!(bids, vec![Bid { item: 1, price: 10 }, Bid { item: 2, price: 20 }]);
    ///
    /// std::fs::write(&path, "{\"item\":1}\n").unwrap(); // no price
    /// let env = StreamEnv::local();
    /// env.read_json_lines::<Bid>(&path).discard();
    /// assert!(env.execute("strict").unwrap_err().to_string().contains("byte offset 0"));
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn read_json_lines<T: Data + DeserializeOwned>(&self, path: impl Into<PathBuf>) -> DataStream<T> {
        self.json_lines(path.into(), OnMalformed::Fail, None)
    }

    /// Like [`read_json_lines`](Self::read_json_lines), but a malformed line is skipped: it is
    /// counted in the [`MALFORMED_RECORDS`] accumulator and sent, with its location and error,
    /// to the side output `malformed` (`stream.get_side_output(&malformed)`).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    /// struct Bid { item: u32, price: u64 }
    /// use rasch_api::MALFORMED_RECORDS;
    /// use rasch_connectors::CollectSink;
    /// use rasch_runtime::collector::OutputTag;
    /// # fn main() -> rasch_core::Result<()> {
    /// let path = std::env::temp_dir().join(format!("rasch-doc-lenient.jsonl-{}", std::process::id()));
    /// std::fs::write(&path, "{\"item\":1,\"price\":10}\noops\n").unwrap();
    /// let env = StreamEnv::local();
    /// let malformed = OutputTag::new("malformed");
    /// let bids = env.read_json_lines_lenient::<Bid>(&path, &malformed);
    /// let (sink, bad) = CollectSink::new();
    /// bids.get_side_output(&malformed).sink_to(sink);
    /// bids.discard();
    /// let result = env.execute("lenient")?;
    /// assert_eq!(result.accumulator(MALFORMED_RECORDS), Some(1));
    /// assert_eq!(bad.take()[0].line, "oops");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    /// struct Bid { item: u32, price: u64 }
    /// use rasch_connectors::formats::{CsvLines, OnMalformed};
    /// # fn main() -> rasch_core::Result<()> {
    /// let path = std::env::temp_dir().join(format!("rasch-doc-bids.csv-{}", std::process::id()));
    /// std::fs::write(&path, "item;price\n1;10\n").unwrap();
    /// let env = StreamEnv::local();
    /// let bids = env.read_csv::<Bid>(&path, CsvLines::new(OnMalformed::Fail).header(true).delimiter(b';'));
    /// assert_eq!(bids.execute_and_collect()?, vec![Bid { item: 1, price: 10 }]);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn read_csv<T: Data + DeserializeOwned>(&self, path: impl Into<PathBuf>, format: CsvLines<T>) -> DataStream<T> {
        self.records(path.into(), "CSV", format, None)
    }

    /// Like [`read_csv`](Self::read_csv), but malformed lines go to the side output `malformed`
    /// (and are counted in [`MALFORMED_RECORDS`]).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    /// struct Bid { item: u32, price: u64 }
    /// use rasch_connectors::formats::{CsvLines, OnMalformed};
    /// use rasch_runtime::collector::OutputTag;
    /// # fn main() -> rasch_core::Result<()> {
    /// let path = std::env::temp_dir().join(format!("rasch-doc-lenient.csv-{}", std::process::id()));
    /// std::fs::write(&path, "1,10\nx,y\n").unwrap();
    /// let env = StreamEnv::local();
    /// let malformed = OutputTag::new("malformed");
    /// let bids = env.read_csv_lenient::<Bid>(&path, CsvLines::new(OnMalformed::Fail), &malformed);
    /// bids.discard();
    /// let bad = bids.get_side_output(&malformed).execute_and_collect()?;
    /// assert_eq!(bad[0].line, "x,y");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
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
