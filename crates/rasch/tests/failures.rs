//! Failures and bad input: every one ends the job promptly with an error that names what went
//! wrong and where — never a hang, never a silent partial result.

use rasch::prelude::*;
use std::time::{Duration, Instant};

#[test]
fn a_panicking_map_fails_the_job_naming_operator_and_subtask() {
    let env = StreamEnv::local();
    env.set_parallelism(2);
    // An unbounded source: the job can only end because the failure cancels it.
    env.datagen(None, None, |i| i as i64)
        .map(|v: i64| {
            if v == 5_000 {
                panic!("cannot handle record {v}");
            }
            v
        })
        .name("Fragile Map")
        .rebalance()
        .discard();
    let start = Instant::now();
    let err = env.execute("panics").unwrap_err().to_string();
    assert!(start.elapsed() < Duration::from_secs(3), "took {:?}", start.elapsed());
    assert!(err.contains("operator 'Fragile Map' failed: panicked: cannot handle record 5000"), "{err}");
    assert!(err.contains("(1/2)") || err.contains("(2/2)"), "names the subtask: {err}");
}

#[derive(Clone)]
struct FailingSinkFn;
impl MapFunction<i64, i64> for FailingSinkFn {
    fn map(&mut self, v: i64) -> rasch::Result<i64> {
        if v == 77 { Err(rasch::Error::user(format!("value {v} is not allowed"))) } else { Ok(v) }
    }
}

#[test]
fn an_error_returned_by_a_function_fails_the_job_within_a_second() {
    let env = StreamEnv::local();
    env.set_parallelism(2);
    env.datagen(None, None, |i| i as i64).rebalance().map_rich(FailingSinkFn).name("Validator").discard();
    let start = Instant::now();
    let err = env.execute("errors").unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1), "took {:?}", start.elapsed());
    assert_eq!(err.kind(), rasch::ErrorKind::User);
    let text = err.to_string();
    assert!(text.contains("task 'Validator -> Discarding Sink'"), "{text}");
    assert!(text.contains("operator 'Validator' failed: value 77 is not allowed"), "{text}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let env = StreamEnv::local();
    env.read_text_file("/definitely/not/here.txt").discard();
    let err = env.execute("missing").unwrap_err().to_string();
    assert!(err.contains("/definitely/not/here.txt"), "{err}");
}

#[test]
fn invalid_utf8_names_the_file_and_byte_offset() {
    let dir = std::env::temp_dir().join(format!("rasch-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.txt");
    let mut bytes = b"good line\nanother good line\n".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"bad \xff\xfe line\n");
    std::fs::write(&file, &bytes).unwrap();
    let env = StreamEnv::local();
    env.set_parallelism(1);
    env.read_text_file(&file).discard();
    let err = env.execute("utf8").unwrap_err().to_string();
    assert!(err.contains("bad.txt"), "{err}");
    assert!(err.contains(&offset.to_string()), "names byte offset {offset}: {err}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_unreachable_socket_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let env = StreamEnv::local();
    env.socket_text_stream("127.0.0.1", port).discard();
    let err = env.execute("socket").unwrap_err().to_string();
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
}

#[test]
fn invalid_parallelism_and_configuration_are_rejected_before_running() {
    let env = StreamEnv::local();
    env.from_sequence(1, 10).map(|x| x).set_parallelism(0).discard();
    let err = env.execute("p0").unwrap_err().to_string();
    assert!(err.contains("parallelism must be at least 1"), "{err}");

    let env = StreamEnv::local();
    env.set_config("parallelism.defualt", "2");
    env.from_sequence(1, 10).discard();
    let err = env.execute("typo").unwrap_err().to_string();
    assert!(err.contains("did you mean 'parallelism.default'"), "{err}");

    let env = StreamEnv::local();
    env.socket_text_stream("localhost", 9).set_parallelism(2).discard();
    let err = env.execute("non-parallel").unwrap_err().to_string();
    assert!(err.contains("non-parallel"), "{err}");

    let env = StreamEnv::local();
    env.from_sequence(1, 10).set_parallelism(2).forward().map(|x| x).set_parallelism(3).discard();
    let err = env.execute("forward").unwrap_err().to_string();
    assert!(err.contains("forward partitioning does not allow a change of parallelism"), "{err}");

    let env = StreamEnv::local();
    env.from_collection(vec![("a".to_string(), 1u64)]).key_by(|t| t.0.clone()).sum(0).discard();
    let err = env.execute("sum-string").unwrap_err().to_string();
    assert!(err.contains("sum(0)") && err.contains("not numeric"), "{err}");

    let env = StreamEnv::local();
    env.from_sequence(1, 10).map(|x| x).uid("same").map(|x| x).uid("same").discard();
    let err = env.execute("dup-uid").unwrap_err().to_string();
    assert!(err.contains("uid 'same'"), "{err}");
}
