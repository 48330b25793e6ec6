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
