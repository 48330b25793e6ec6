//! Avro round trips: written by the `FileSink`, read back by [`AvroSource`] (also across
//! restores) and by `apache-avro`'s reader directly.

use super::*;
use crate::FileSink;
use crate::test_util::{read_with_restores, run_source};
use apache_avro::types::Value;
use rasch_core::Record;
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use rasch_runtime::source::Source;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Trade {
    id: i64,
    symbol: String,
    price: f64,
    qty: Option<i64>,
}

const SCHEMA: &str = r#"{"type": "record", "name": "Trade", "fields": [
    {"name": "id", "type": "long"}, {"name": "symbol", "type": "string"},
    {"name": "price", "type": "double"}, {"name": "qty", "type": ["null", "long"]}]}"#;

fn trade(i: i64) -> Trade {
    Trade { id: i, symbol: format!("S{}", i % 5), price: i as f64 / 8.0, qty: (i % 3 != 1).then_some(i * 2) }
}

#[test]
fn sink_writes_avro_that_the_source_and_apache_avro_read_back() {
    let dir: PathBuf = std::env::temp_dir().join(format!("rasch-avro-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sink = FileSink::for_bulk_format(&dir, AvroFormat::<Trade>::new(SCHEMA).unwrap());
    for subtask in 0..2 {
        let mut w: Box<dyn SinkWriter<Trade>> = sink.create_writer(&RuntimeContext::for_test(subtask, 2)).unwrap();
        let ids = (subtask as i64 * 1000)..(subtask as i64 * 1000 + 300);
        w.write(&mut ids.map(|i| Record::new(trade(i))).collect()).unwrap();
        let c = w.prepare_commit(1).unwrap();
        w.commit(c).unwrap();
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["part-0-0.avro", "part-1-0.avro"]);

    // apache-avro's own reader, with the schema from the file header.
    let reader = apache_avro::Reader::new(std::fs::File::open(dir.join("part-1-0.avro")).unwrap()).unwrap();
    let values: Vec<Value> = reader.map(Result::unwrap).collect();
    assert_eq!(values.len(), 300);
    let Value::Record(fields) = &values[1] else { panic!("{:?}", values[1]) };
    assert_eq!(fields[0], ("id".to_string(), Value::Long(1001)));
    assert_eq!(fields[1], ("symbol".to_string(), Value::String("S1".into())));
    assert_eq!(fields[3], ("qty".to_string(), Value::Union(1, Box::new(Value::Long(2002)))));

    let source = AvroSource::<Trade>::new(&dir);
    let want: Vec<Trade> = (0..300).chain(1000..1300).map(trade).collect();
    let mut got = run_source(&source, 2, 64).unwrap().concat();
    got.sort_by_key(|t| t.id);
    assert_eq!(got, want);
    let splits = source.create_splits(1).unwrap();
    for cuts in [&[0usize, 1][..], &[1, 299, 1], &[300], &[450, 2]] {
        assert_eq!(read_with_restores(&source, splits.clone(), cuts).unwrap(), want, "cuts {cuts:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_schemas_and_files_are_named() {
    let e = AvroFormat::<Trade>::new(r#"{"type": "record"}"#).unwrap_err().to_string();
    assert!(e.contains("invalid schema"), "{e}");
    let dir = std::env::temp_dir().join(format!("rasch-avro-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("x.avro"), b"not avro").unwrap();
    let e = run_source(&AvroSource::<Trade>::new(&dir), 1, 10).unwrap_err().to_string();
    assert!(e.contains("x.avro") && e.contains("cannot read the header"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
