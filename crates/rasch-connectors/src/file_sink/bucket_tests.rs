//! Tests of buckets, encoders and compression in the file sink (and reading its output back).

use super::*;
use crate::formats::{CsvLines, JsonLines, OnMalformed, Parsed};
use crate::{FileSplit, TextFileSource};
use rasch_core::Record;
use rasch_runtime::source::Source;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Event {
    id: u64,
    name: String,
}

fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("rasch-buckets-{}-{name}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `dir`, as paths relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()).read_to_string(&mut text).unwrap();
    text
}

const HOUR: i64 = 3_600_000;
/// 2024-01-01T00:00:00Z.
const JAN_1: i64 = 1_704_067_200_000;

fn events(ids: std::ops::Range<u64>) -> Vec<Record<Event>> {
    ids.map(|id| Record { value: Event { id, name: format!("e,{id}") }, ts: JAN_1 + id as i64 * 7 * HOUR }).collect()
}

#[test]
fn event_time_buckets_with_gzip_json_lines() {
    let dir = temp_dir("json-gz");
    let assigner = DateTimeBucketAssigner::new("'dt='yyyy-MM-dd").unwrap().with_time(BucketTime::EventTime);
    let sink = FileSink::for_row_format(&dir)
        .with_encoder(JsonLines::<Event>::new(OnMalformed::Fail))
        .with_compression(Compression::Gzip)
        .with_bucket_assigner(assigner);
    let mut w: Box<dyn SinkWriter<Event>> = sink.create_writer(&RuntimeContext::for_test(1, 2)).unwrap();
    // Every 7 hours: ids 0..=3 on Jan 1, 4..=6 on Jan 2, 7..=9 on Jan 3.
    w.write(&mut events(0..10)).unwrap();
    let c = w.prepare_commit(1).unwrap();
    assert_eq!(c.len(), 3, "one part per bucket");
    assert!(tree(&dir).iter().all(|n| n.contains("/.part-1-")), "{:?}", tree(&dir));
    w.commit(c).unwrap();
    let files = tree(&dir);
    assert_eq!(files, ["dt=2024-01-01/part-1-0.jsonl.gz", "dt=2024-01-02/part-1-1.jsonl.gz", "dt=2024-01-03/part-1-2.jsonl.gz"]);
    let ids = |f: &str| -> Vec<u64> { gunzip(&dir.join(f)).lines().map(|l| serde_json::from_str::<Event>(l).unwrap().id).collect() };
    assert_eq!([ids(&files[0]), ids(&files[1]), ids(&files[2])], [vec![0, 1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]);
    // The file source reads the compressed bucket back, also restoring mid-file.
    let source = TextFileSource::with_format(dir.join("dt=2024-01-02"), JsonLines::<Event>::new(OnMalformed::Fail));
    let splits = Source::<Parsed<Event>>::create_splits(&source, 4).unwrap();
    assert_eq!(splits, [FileSplit::new(dir.join(&files[1]), 0, u64::MAX)], "a gzip file is one split");
    for cut in 0..=3 {
        let got = crate::test_util::read_with_restores(&source, splits.clone(), &[cut, 1]).unwrap();
        let want: Vec<_> = events(4..7).into_iter().map(|r| Parsed::Record(r.value)).collect();
        assert_eq!(got, want, "cut after {cut}");
    }
    // Every bucket at once, through nested directories.
    let all = TextFileSource::with_format(&dir, JsonLines::<Event>::new(OnMalformed::Fail)).with_nested_directories();
    let mut got: Vec<u64> = crate::test_util::run_source(&all, 2, 100)
        .unwrap()
        .concat()
        .into_iter()
        .map(|p| match p {
            Parsed::Record(e) => e.id,
            Parsed::Malformed(m) => panic!("{m:?}"),
        })
        .collect();
    got.sort();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    // A record without a timestamp cannot be bucketed by event time.
    let e = w.write(&mut vec![Record::new(Event { id: 1, name: "x".into() })]).unwrap_err().to_string();
    assert!(e.contains("without a timestamp"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crash_and_recover_with_buckets_keeps_exactly_the_committed_data() {
    let dir = temp_dir("recover");
    let sink = FileSink::for_row_format(&dir).with_encoder(CsvLines::<Event>::new(OnMalformed::Fail)).with_bucket_assigner(bucket_fn(
        |e: &Event, _: &BucketContext, out: &mut String| out.push_str(if e.id.is_multiple_of(2) { "even" } else { "odd/x" }),
    ));
    let mut w: Box<dyn SinkWriter<Event>> = sink.create_writer(&RuntimeContext::for_test(0, 1)).unwrap();
    w.write(&mut events(0..4)).unwrap();
    let c1 = w.prepare_commit(1).unwrap(); // completes, but its commit is lost
    w.write(&mut events(4..8)).unwrap();
    let _c2 = w.prepare_commit(2).unwrap(); // never completes
    w.write(&mut events(8..10)).unwrap();
    w.flush().unwrap();
    drop(w); // crash
    assert!(tree(&dir).iter().all(|n| n.contains("/.part-")), "{:?}", tree(&dir));

    let mut w: Box<dyn SinkWriter<Event>> = sink.create_writer(&RuntimeContext::for_test(0, 1)).unwrap();
    w.recover(c1).unwrap();
    assert_eq!(tree(&dir), ["even/part-0-0.csv", "odd/x/part-0-1.csv"], "leftovers of the failed attempt are gone");
    // The counter continues after every part the failed attempt had started (0..=5).
    w.write(&mut events(4..10)).unwrap();
    let c = w.prepare_commit(2).unwrap();
    w.commit(c).unwrap();
    assert_eq!(tree(&dir), ["even/part-0-0.csv", "even/part-0-6.csv", "odd/x/part-0-1.csv", "odd/x/part-0-7.csv"]);
    let read = |bucket: &str| -> Vec<u64> {
        let source = TextFileSource::with_format(dir.join(bucket), CsvLines::<Event>::new(OnMalformed::Fail));
        crate::test_util::run_source(&source, 1, 100)
            .unwrap()
            .concat()
            .into_iter()
            .map(|p| match p {
                Parsed::Record(e) => e.id,
                Parsed::Malformed(m) => panic!("{m:?}"),
            })
            .collect()
    };
    assert_eq!(read("even"), [0, 2, 4, 6, 8]);
    assert_eq!(read("odd/x"), [1, 3, 5, 7, 9]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_bucket_ids_fail_the_write() {
    let dir = temp_dir("invalid");
    let sink = FileSink::for_row_format(&dir)
        .with_bucket_assigner(bucket_fn(|_: &String, _: &BucketContext, out: &mut String| out.push_str("../escape")));
    let mut w: Box<dyn SinkWriter<String>> = sink.create_writer(&RuntimeContext::for_test(0, 1)).unwrap();
    let e = w.write(&mut vec![Record::new("x".to_string())]).unwrap_err().to_string();
    assert!(e.contains("invalid bucket id '../escape'"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
