//! JSON lines: one JSON value per line, deserialized with serde (blank lines are skipped) and
//! serialized with serde by the [`FileSink`](crate::FileSink).

use super::{OnMalformed, Parsed};
use crate::file_sink::Encoder;
use crate::text_file::LineFormat;
use rasch_core::{Data, Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::path::Path;

/// The JSON-lines [`LineFormat`]: each non-blank line is one `T`.
#[derive(Debug)]
pub struct JsonLines<T> {
    on_malformed: OnMalformed,
    _record: PhantomData<fn() -> T>,
}

impl<T> Clone for JsonLines<T> {
    fn clone(&self) -> Self {
        JsonLines { on_malformed: self.on_malformed, _record: PhantomData }
    }
}

impl<T> JsonLines<T> {
    /// Decodes lines into `T`; a malformed line is handled as `on_malformed` says.
    pub fn new(on_malformed: OnMalformed) -> Self {
        JsonLines { on_malformed, _record: PhantomData }
    }
}

impl<T: Data + DeserializeOwned> LineFormat for JsonLines<T> {
    type Out = Parsed<T>;

    fn decode(&self, line: &[u8], path: &Path, offset: u64) -> Result<Option<Parsed<T>>> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        match serde_json::from_slice::<T>(line) {
            Ok(record) => Ok(Some(Parsed::Record(record))),
            Err(e) => super::malformed(self.on_malformed, line, path, offset, format!("invalid JSON record: {e}")),
        }
    }
}

impl<T: Serialize + 'static> Encoder<T> for JsonLines<T> {
    fn encode(&self, value: &T, out: &mut Vec<u8>) -> Result<()> {
        serde_json::to_writer(&mut *out, value).map_err(|e| Error::Serialization(format!("cannot write a record as JSON: {e}")))?;
        out.push(b'\n');
        Ok(())
    }

    fn suffix(&self) -> &'static str {
        ".jsonl"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Bid {
        auction: u64,
        price: u64,
    }

    #[test]
    fn encodes_one_line_per_record_that_decodes_back() {
        let format = JsonLines::<Bid>::new(OnMalformed::Fail);
        let mut out = Vec::new();
        format.encode(&Bid { auction: 1, price: 5 }, &mut out).unwrap();
        format.encode(&Bid { auction: 2, price: 7 }, &mut out).unwrap();
        assert_eq!(out, b"{\"auction\":1,\"price\":5}\n{\"auction\":2,\"price\":7}\n");
        let line = out.split(|b| *b == b'\n').nth(1).unwrap();
        assert_eq!(format.decode(line, Path::new("x"), 0).unwrap(), Some(Parsed::Record(Bid { auction: 2, price: 7 })));
    }

    #[test]
    fn records_blank_lines_and_malformed_lines() {
        let path = Path::new("/data/bids.jsonl");
        let strict = JsonLines::<Bid>::new(OnMalformed::Fail);
        assert_eq!(strict.decode(br#"{"auction": 1, "price": 5}"#, path, 0).unwrap(), Some(Parsed::Record(Bid { auction: 1, price: 5 })));
        assert_eq!(strict.decode(b"  ", path, 10).unwrap(), None);
        let e = strict.decode(br#"{"auction": 1, "price": "x"}"#, path, 42).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("file '/data/bids.jsonl', line at byte offset 42"), "{text}");
        assert!(text.contains("invalid type: string \"x\", expected u64 at line 1 column"), "{text}");
        let lenient = JsonLines::<Bid>::new(OnMalformed::Skip);
        match lenient.decode(b"{oops", path, 7).unwrap() {
            Some(Parsed::Malformed(m)) => {
                assert_eq!(m.line, "{oops");
                assert!(m.location.ends_with("byte offset 7"), "{}", m.location);
                assert!(m.error.starts_with("invalid JSON record: key must be a string"), "{}", m.error);
            }
            other => panic!("expected a malformed record, got {other:?}"),
        }
    }
}
