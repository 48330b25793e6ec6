//! CSV, one record per line (RFC 4180 quoting within a line; a quoted field may not span lines,
//! because files are read in parallel byte ranges cut at line ends), deserialized with serde by
//! field position. With a header, the first line of every file is skipped. The
//! [`FileSink`](crate::FileSink) writes records in the same form (without a header line).

use super::{OnMalformed, Parsed};
use crate::file_sink::Encoder;
use crate::text_file::LineFormat;
use rasch_core::{Data, Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::path::Path;

/// The CSV [`LineFormat`]: each non-blank line is one `T`, its fields in `T`'s field order.
#[derive(Debug)]
pub struct CsvLines<T> {
    delimiter: u8,
    header: bool,
    on_malformed: OnMalformed,
    _record: PhantomData<fn() -> T>,
}

impl<T> Clone for CsvLines<T> {
    fn clone(&self) -> Self {
        CsvLines { delimiter: self.delimiter, header: self.header, on_malformed: self.on_malformed, _record: PhantomData }
    }
}

impl<T> CsvLines<T> {
    /// Comma-separated, without a header; a malformed line is handled as `on_malformed` says.
    pub fn new(on_malformed: OnMalformed) -> Self {
        CsvLines { delimiter: b',', header: false, on_malformed, _record: PhantomData }
    }

    /// Fields separated by `delimiter` (e.g. `b';'` or `b'\t'`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// What to do with a line that does not decode.
    pub fn on_malformed(mut self, on_malformed: OnMalformed) -> Self {
        self.on_malformed = on_malformed;
        self
    }

    /// Whether the first line of every file is a header (skipped).
    pub fn header(mut self, header: bool) -> Self {
        self.header = header;
        self
    }
}

impl<T: Data + DeserializeOwned> LineFormat for CsvLines<T> {
    type Out = Parsed<T>;

    fn decode(&self, line: &[u8], path: &Path, offset: u64) -> Result<Option<Parsed<T>>> {
        if (self.header && offset == 0) || line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).delimiter(self.delimiter).from_reader(line);
        match reader.deserialize::<T>().next() {
            Some(Ok(record)) => Ok(Some(Parsed::Record(record))),
            Some(Err(e)) => super::malformed(self.on_malformed, line, path, offset, format!("invalid CSV record: {e}")),
            None => super::malformed(self.on_malformed, line, path, offset, "invalid CSV record: no record".into()),
        }
    }
}

impl<T: Serialize + 'static> Encoder<T> for CsvLines<T> {
    /// One CSV line (quoted where needed) ending in `\n`; no header is written.
    fn encode(&self, value: &T, out: &mut Vec<u8>) -> Result<()> {
        let mut writer =
            csv::WriterBuilder::new().has_headers(false).delimiter(self.delimiter).terminator(csv::Terminator::Any(b'\n')).from_writer(out);
        writer.serialize(value).map_err(|e| Error::Serialization(format!("cannot write a record as CSV: {e}")))?;
        writer.flush().map_err(|e| Error::Serialization(format!("cannot write a record as CSV: {e}")))
    }

    fn suffix(&self) -> &'static str {
        ".csv"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Trade {
        symbol: String,
        qty: u32,
        note: Option<String>,
    }

    #[test]
    fn encodes_lines_that_decode_back() {
        let format = CsvLines::<Trade>::new(OnMalformed::Fail);
        let mut out = Vec::new();
        let trades = [
            Trade { symbol: "ACME, Inc.".into(), qty: 5, note: Some("said \"hi\"".into()) },
            Trade { symbol: "XYZ".into(), qty: 7, note: None },
        ];
        for t in &trades {
            format.encode(t, &mut out).unwrap();
        }
        assert_eq!(String::from_utf8(out.clone()).unwrap(), "\"ACME, Inc.\",5,\"said \"\"hi\"\"\"\nXYZ,7,\n");
        let decoded: Vec<_> =
            out.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| format.decode(l, Path::new("x"), 1).unwrap()).collect();
        assert_eq!(decoded, trades.map(|t| Some(Parsed::Record(t))));
    }

    #[test]
    fn fields_by_position_quotes_headers_and_errors() {
        let path = Path::new("/data/trades.csv");
        let csv = CsvLines::<Trade>::new(OnMalformed::Fail).header(true);
        assert_eq!(csv.decode(b"symbol,qty,note", path, 0).unwrap(), None, "the header line");
        let quoted = csv.decode(br#""ACME, Inc.",5,"said ""hi""""#, path, 16).unwrap();
        assert_eq!(quoted, Some(Parsed::Record(Trade { symbol: "ACME, Inc.".into(), qty: 5, note: Some("said \"hi\"".into()) })));
        assert_eq!(csv.decode(b"XYZ,7,", path, 40).unwrap(), Some(Parsed::Record(Trade { symbol: "XYZ".into(), qty: 7, note: None })));
        let e = csv.decode(b"XYZ,seven,", path, 50).unwrap_err().to_string();
        assert!(e.contains("file '/data/trades.csv', line at byte offset 50") && e.contains("invalid CSV record"), "{e}");
        let tabs = CsvLines::<Trade>::new(OnMalformed::Skip).delimiter(b'\t');
        assert_eq!(
            tabs.decode(b"A\t1\tx", path, 0).unwrap(),
            Some(Parsed::Record(Trade { symbol: "A".into(), qty: 1, note: Some("x".into()) }))
        );
        assert!(matches!(tabs.decode(b"A\tone", path, 9).unwrap(), Some(Parsed::Malformed(m)) if m.line == "A\tone"));
    }
}
