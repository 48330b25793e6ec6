//! Parquet round trips: written by the `FileSink`, read back by [`ParquetSource`] (also across
//! restores) and by the `parquet` crate directly.

use super::*;
use crate::FileSink;
use crate::file_sink::{BucketContext, bucket_fn};
use crate::test_util::{read_with_restores, run_source};
use ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use arrow_array::{Array, Float64Array, Int64Array, StringArray, UInt64Array};
use rasch_core::Record;
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use rasch_runtime::source::Source;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Trade {
    id: u64,
    symbol: String,
    price: f64,
    qty: Option<i64>,
}

fn trade(i: u64) -> Trade {
    Trade { id: i, symbol: format!("S{}", i % 7), price: i as f64 * 0.25, qty: (!i.is_multiple_of(3)).then_some(i as i64 - 50) }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rasch-parquet-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn committed_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn sink_writes_parquet_that_the_source_and_the_parquet_crate_read_back() {
    let dir = temp_dir("round-trip");
    let format = ParquetFormat::<Trade>::new().unwrap().with_batch_rows(64).with_row_group_rows(300);
    let sink = FileSink::for_bulk_format(&dir, format);
    let mut w: Box<dyn SinkWriter<Trade>> = sink.create_writer(&RuntimeContext::for_test(0, 1)).unwrap();
    w.write(&mut (0..500).map(|i| Record::new(trade(i))).collect()).unwrap();
    w.flush().unwrap();
    assert!(committed_files(&dir).iter().all(|p| p.file_name().unwrap().to_string_lossy().starts_with('.')));
    w.write(&mut (500..1000).map(|i| Record::new(trade(i))).collect()).unwrap();
    let c = w.prepare_commit(1).unwrap();
    assert_eq!(c.len(), 1, "a bulk format rolls only at checkpoints");
    w.commit(c).unwrap();
    w.write(&mut (1000..1100).map(|i| Record::new(trade(i))).collect()).unwrap();
    let c = w.prepare_commit(2).unwrap();
    w.commit(c).unwrap();
    let files = committed_files(&dir);
    let names: Vec<_> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["part-0-0.parquet", "part-0-1.parquet"]);

    // The parquet crate alone: row groups, row counts and the column values.
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&files[0]).unwrap()).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 4, "1000 rows in groups of at most 300");
    let mut i = 0u64;
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        let ids = batch.column_by_name("id").unwrap().as_any().downcast_ref::<UInt64Array>().unwrap();
        let symbols = batch.column_by_name("symbol").unwrap().as_any().downcast_ref::<StringArray>().unwrap();
        let prices = batch.column_by_name("price").unwrap().as_any().downcast_ref::<Float64Array>().unwrap();
        let qty = batch.column_by_name("qty").unwrap().as_any().downcast_ref::<Int64Array>().unwrap();
        for r in 0..batch.num_rows() {
            assert_eq!((ids.value(r), symbols.value(r), prices.value(r)), (i, format!("S{}", i % 7).as_str(), i as f64 * 0.25));
            assert_eq!(qty.is_null(r), i.is_multiple_of(3), "row {i}");
            if !qty.is_null(r) {
                assert_eq!(qty.value(r), i as i64 - 50);
            }
            i += 1;
        }
    }
    assert_eq!(i, 1000);

    // The source: one split per row group, read in parallel and across restores.
    let source = ParquetSource::<Trade>::new(&dir);
    let splits = source.create_splits(2).unwrap();
    assert_eq!(splits.len(), 5);
    let mut got: Vec<Trade> = run_source(&source, 2, 50).unwrap().concat();
    got.sort_by_key(|t| t.id);
    assert_eq!(got, (0..1100).map(trade).collect::<Vec<_>>());
    for cuts in [&[0usize, 1][..], &[299, 1, 1], &[300, 1], &[450, 700]] {
        let got = read_with_restores(&source, splits.clone(), cuts).unwrap();
        assert_eq!(got, (0..1100).map(trade).collect::<Vec<_>>(), "cuts {cuts:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn buckets_and_recovery_with_parquet() {
    let dir = temp_dir("recover");
    let by_symbol = bucket_fn(|t: &Trade, _: &BucketContext, out: &mut String| out.push_str(&t.symbol));
    let sink = FileSink::for_bulk_format(&dir, ParquetFormat::<Trade>::new().unwrap()).with_bucket_assigner(by_symbol);
    let mut w: Box<dyn SinkWriter<Trade>> = sink.create_writer(&RuntimeContext::for_test(0, 1)).unwrap();
    w.write(&mut (0..70).map(|i| Record::new(trade(i))).collect()).unwrap();
    let c1 = w.prepare_commit(1).unwrap();
    w.write(&mut (70..140).map(|i| Record::new(trade(i))).collect()).unwrap();
    drop(w); // crash before checkpoint 2
    let mut w: Box<dyn SinkWriter<Trade>> = sink.create_writer(&RuntimeContext::for_test(0, 1)).unwrap();
    w.recover(c1).unwrap();
    for s in 0..7 {
        let bucket = dir.join(format!("S{s}"));
        let mut got = run_source(&ParquetSource::<Trade>::new(&bucket), 1, 100).unwrap().concat();
        got.sort_by_key(|t| t.id);
        assert_eq!(got, (0..70).filter(|i| i % 7 == s).map(trade).collect::<Vec<_>>(), "bucket S{s}");
        assert!(committed_files(&bucket).iter().all(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')));
    }
    // All buckets at once: nested directories; without, the base directory holds no file.
    let mut all = run_source(&ParquetSource::<Trade>::new(&dir).with_nested_directories(), 3, 100).unwrap().concat();
    all.sort_by_key(|t| t.id);
    assert_eq!(all, (0..70).map(trade).collect::<Vec<_>>());
    assert!(ParquetSource::<Trade>::new(&dir).create_splits(1).unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_is_not_parquet_is_named_in_the_error() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("x.parquet"), b"not parquet at all").unwrap();
    let e = ParquetSource::<Trade>::new(&dir).create_splits(1).unwrap_err().to_string();
    assert!(e.contains("x.parquet") && e.contains("cannot read the footer"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
