//! What a new user meets in the first hour: record types derived through the re-exported serde,
//! job arguments read with `?`, fallible functions that fail a job with a readable error
//! instead of a panic, and a `Debug` form of errors that a person can read (it is what
//! `fn main() -> rasch::Result<()>` prints).

use rasch::ErrorKind;
use rasch::prelude::*;

/// A record type defined with no serde dependency of the job's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "rasch::serde")]
struct Reading {
    sensor: String,
    value: u64,
}

fn parse(line: String) -> std::result::Result<Reading, std::num::ParseIntError> {
    let (sensor, value) = line.split_once(',').unwrap_or((line.as_str(), ""));
    Ok(Reading { sensor: sensor.to_string(), value: value.trim().parse()? })
}

/// The job's `main`, as a user writes it: arguments with `?`, a typed default, a required value.
fn job(args: &[&str]) -> rasch::Result<Vec<Reading>> {
    let params = Params::from_iter(args.iter().copied())?;
    let limit: u64 = params.get_or("limit", 100)?;
    let prefix: String = params.required("prefix")?;
    let env = StreamEnv::local();
    env.set_parallelism(1);
    let lines = vec![format!("{prefix}-a,1"), format!("{prefix}-b,250"), format!("{prefix}-c,7")];
    env.from_collection(lines).try_map(parse).filter(move |r: &Reading| r.value <= limit).execute_and_collect()
}

#[test]
fn derived_records_typed_arguments_and_fallible_maps_work_together() {
    let got = job(&["--prefix", "s", "--limit", "10"]).unwrap();
    assert_eq!(got, vec![Reading { sensor: "s-a".into(), value: 1 }, Reading { sensor: "s-c".into(), value: 7 }]);
    // The typed default applies when the argument is absent.
    assert_eq!(job(&["--prefix", "t"]).unwrap().len(), 2);
}

#[test]
fn bad_arguments_are_user_errors_that_name_the_argument() {
    let missing = job(&["--limit", "10"]).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::User);
    assert!(missing.to_string().contains("missing required parameter --prefix"), "{missing}");
    let bad = job(&["--prefix", "s", "--limit", "ten"]).unwrap_err();
    assert!(bad.to_string().contains("parameter --limit has value 'ten', which is not a valid u64"), "{bad}");
}

#[test]
fn a_failing_try_map_fails_the_job_with_its_cause_and_a_readable_debug_form() {
    let env = StreamEnv::local();
    env.set_parallelism(1);
    let err = env.from_collection(vec!["a,1".to_string(), "b,x".to_string()]).try_map(parse).execute_and_collect().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::User, "{err}");
    let chain = err.report().chain;
    assert!(chain.iter().any(|c| c == "the map function failed"), "{chain:?}");
    assert_eq!(chain.last().map(String::as_str), Some("invalid digit found in string"), "the parse error is the root cause");
    // `Debug` (what `main` prints on `Err`) shows the message, then each cause on its own line.
    let shown = format!("{err:?}");
    assert!(shown.contains("\n\nCaused by:\n"), "{shown}");
    assert!(shown.contains("invalid digit found in string"), "{shown}");
    assert!(shown.ends_with("(a user error)"), "{shown}");
    assert!(format!("{err:#?}").contains("Task {"), "the alternate form keeps the structure");
}

#[test]
fn try_flat_map_emits_every_element_or_fails() {
    let env = StreamEnv::local();
    env.set_parallelism(1);
    let split = |line: String| line.split(' ').map(str::parse::<u32>).collect::<std::result::Result<Vec<_>, _>>();
    let mut got = env.from_collection(vec!["1 2".to_string(), "3".to_string()]).try_flat_map(split).execute_and_collect().unwrap();
    got.sort();
    assert_eq!(got, vec![1, 2, 3]);
    let env = StreamEnv::local();
    let err = env.from_collection(vec!["1 z".to_string()]).try_flat_map(split).execute_and_collect().unwrap_err();
    assert!(err.report().chain.iter().any(|c| c == "the flat-map function failed"), "{err}");
}

/// `sum_by`, `max_by_key` and `min_by_key` pick their field with a closure (a wrong field does
/// not compile) and give exactly what Flink's positional `sum(1)`, `maxBy(2)` and `minBy(1)`
/// give, in STREAMING (every update) and BATCH (final values, combined before the exchange).
#[test]
fn typed_aggregations_equal_the_positional_ones() {
    let rows: Vec<(String, u64, i64)> = (0..2_000u64).map(|i| (format!("k{}", i % 7), i % 13, (i * 7919 % 101) as i64)).collect();
    for mode in [RuntimeMode::Streaming, RuntimeMode::Batch] {
        let run = |typed: bool, which: usize| {
            let env = StreamEnv::local();
            env.set_parallelism(2);
            env.set_runtime_mode(mode);
            let keyed = env.from_collection(rows.clone()).key_by(|t: &(String, u64, i64)| t.0.clone());
            let out = match (typed, which) {
                (true, 0) => keyed.sum_by(|t| &mut t.1),
                (false, 0) => keyed.sum(1),
                (true, 1) => keyed.max_by_key(|t| t.2),
                (false, 1) => keyed.max_by(2),
                (true, _) => keyed.min_by_key(|t| t.1),
                (false, _) => keyed.min_by(1),
            };
            let mut got = out.execute_and_collect().unwrap();
            got.sort();
            got
        };
        for which in 0..3 {
            let (typed, positional) = (run(true, which), run(false, which));
            assert!(!typed.is_empty());
            let expected_len = if mode == RuntimeMode::Batch { 7 } else { rows.len() };
            assert_eq!((typed.len(), positional.len()), (expected_len, expected_len), "{mode:?}: one value per key or per record");
            // Sums agree exactly in any arrival order; max/min-by keep the first of ties, which
            // depends on arrival order at parallelism 2 (their final values are checked below).
            if which == 0 {
                assert_eq!(typed, positional, "{mode:?} sum");
            }
        }
        if mode == RuntimeMode::Batch {
            // The final per-key maxima and minima are independent of order.
            let finals = |v: Vec<(String, u64, i64)>, f: fn(&(String, u64, i64)) -> i64| {
                let mut m = std::collections::BTreeMap::new();
                v.iter().for_each(|t| {
                    m.insert(t.0.clone(), f(t));
                });
                m
            };
            let expect_max: std::collections::BTreeMap<String, i64> = rows.iter().fold(Default::default(), |mut m, t| {
                let e = m.entry(t.0.clone()).or_insert(i64::MIN);
                *e = (*e).max(t.2);
                m
            });
            assert_eq!(finals(run(true, 1), |t| t.2), expect_max);
            let expect_min: std::collections::BTreeMap<String, i64> = rows.iter().fold(Default::default(), |mut m, t| {
                let e = m.entry(t.0.clone()).or_insert(i64::MAX);
                *e = (*e).min(t.1 as i64);
                m
            });
            assert_eq!(finals(run(true, 2), |t| t.1 as i64), expect_min);
        }
    }
}

/// A stream of a pipeline whose graph was already taken (by `job_graph` or `execute`) gives an
/// error that says so, not a panic.
#[test]
fn reusing_a_stream_after_its_graph_was_taken_is_an_error_not_a_panic() {
    let env = StreamEnv::local();
    let doubled = env.from_collection(vec![1u64, 2, 3]).map(|x| x * 2);
    env.job_graph("first").unwrap();
    let err = doubled.map(|x| x + 1).execute_and_collect().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::User);
    assert!(err.to_string().contains("already executed or turned into a job graph"), "{err}");
}

/// JSON-lines files become records: strictly (a bad line fails the job, naming file and byte
/// offset) or leniently (bad lines go to a side output and are counted).
#[test]
fn json_lines_are_read_as_records_strictly_or_leniently() {
    let dir = std::env::temp_dir().join(format!("rasch-json-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("readings.jsonl");
    let mut text = String::new();
    let mut bad_offset = 0;
    for i in 0..5_000u64 {
        if i == 1_234 {
            bad_offset = text.len();
            text.push_str("{\"sensor\": \"s7\", \"value\": \"high\"}\n");
        }
        text.push_str(&format!("{{\"sensor\": \"s{}\", \"value\": {i}}}\n\n", i % 10));
    }
    std::fs::write(&path, &text).unwrap();

    let env = StreamEnv::local();
    let err = env.read_json_lines::<Reading>(&path).execute_and_collect().unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&format!("readings.jsonl', line at byte offset {bad_offset}")), "{message}");
    assert!(message.contains("invalid type: string \"high\", expected u64"), "{message}");

    let env = StreamEnv::local();
    env.set_parallelism(2);
    let malformed = OutputTag::<rasch::connectors::formats::MalformedRecord>::new("malformed");
    let readings = env.read_json_lines_lenient::<Reading>(&path, &malformed);
    let (good, good_handle) = rasch::connectors::CollectSink::new();
    let (bad, bad_handle) = rasch::connectors::CollectSink::new();
    readings.sink_to(good);
    readings.get_side_output(&malformed).sink_to(bad);
    let result = env.execute("lenient").unwrap();
    let mut values: Vec<u64> = good_handle.take().into_iter().map(|r: Reading| r.value).collect();
    values.sort();
    assert_eq!(values, (0..5_000).collect::<Vec<_>>(), "every good line once, blank lines skipped");
    let bad = bad_handle.take();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].location.ends_with(&format!("byte offset {bad_offset}")), "{:?}", bad[0]);
    assert_eq!(bad[0].line, "{\"sensor\": \"s7\", \"value\": \"high\"}");
    assert_eq!(result.accumulator(rasch::MALFORMED_RECORDS), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

/// CSV files become records by field position, with a header skipped per file; a bad line
/// fails the job naming file and offset, or (lenient) goes to the side output.
#[test]
fn csv_files_are_read_as_records() {
    use rasch::connectors::formats::{CsvLines, MalformedRecord, OnMalformed};
    let dir = std::env::temp_dir().join(format!("rasch-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.csv"), "sensor;value\ns1;10\n\"s;2\";20\n").unwrap();
    let bad_offset = "sensor;value\ns3;30\n".len();
    std::fs::write(dir.join("b.csv"), "sensor;value\ns3;30\ns4;forty\ns5;50\n").unwrap();
    let csv = || CsvLines::<Reading>::new(OnMalformed::Fail).header(true).delimiter(b';');

    let env = StreamEnv::local();
    let err = env.read_csv(&dir, csv()).execute_and_collect().unwrap_err().to_string();
    assert!(err.contains(&format!("b.csv', line at byte offset {bad_offset}")) && err.contains("invalid CSV record"), "{err}");

    let env = StreamEnv::local();
    let malformed = OutputTag::<MalformedRecord>::new("bad-csv");
    let readings = env.read_csv_lenient(&dir, csv(), &malformed);
    let (good, good_handle) = rasch::connectors::CollectSink::new();
    let (bad, bad_handle) = rasch::connectors::CollectSink::new();
    readings.sink_to(good);
    readings.get_side_output(&malformed).sink_to(bad);
    let result = env.execute("csv").unwrap();
    let mut got: Vec<(String, u64)> = good_handle.take().into_iter().map(|r: Reading| (r.sensor, r.value)).collect();
    got.sort();
    let want: Vec<(String, u64)> = vec![("s1".into(), 10), ("s3".into(), 30), ("s5".into(), 50), ("s;2".into(), 20)];
    assert_eq!(got, want);
    assert_eq!(bad_handle.take().iter().map(|m| m.line.clone()).collect::<Vec<_>>(), vec!["s4;forty".to_string()]);
    assert_eq!(result.accumulator(rasch::MALFORMED_RECORDS), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}
