//! Savepoints: stop a running job with a savepoint, resume it at parallelism 1, 3 and 4 (keyed
//! state is redistributed by key group, source positions continue), and get exactly the
//! output of an uninterrupted run; state of unknown operators is refused unless allowed.

use rasch::connectors::CollectSink;
use rasch::prelude::*;
use std::collections::HashMap;
use std::time::Duration;

const N: u64 = 30_000;
const KEYS: u64 = 23;

/// Running sums per key and per-key counts of 1-second event-time windows, at `parallelism`.
fn build(env: &StreamEnv, parallelism: usize) -> rasch::connectors::CollectHandle<String> {
    env.set_parallelism(parallelism);
    let values = env
        .datagen(Some(N), Some(60_000.0), |i| i)
        .set_parallelism(1)
        .uid("source")
        .assign_timestamps_and_watermarks(WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|i: &u64, _| *i as i64))
        .set_parallelism(1)
        .uid("timestamps");
    let sums = values
        .map(|i: u64| (i % KEYS, i))
        .set_parallelism(1)
        .key_by(|t| t.0)
        .sum(1)
        .uid("sums")
        .map(|(k, s): (u64, u64)| format!("sum {k} {s}"));
    let windows = values
        .key_by(|i| i % KEYS)
        .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
        .aggregate(AggregateFn {
            create: || (0u64, 0u64, 0u64),
            add: |i: u64, (_, _, n): (u64, u64, u64)| (i % KEYS, i / 1_000, n + 1),
            result: |a: &(u64, u64, u64)| *a,
            merge: |a: (u64, u64, u64), b: (u64, u64, u64)| (a.0, a.1, a.2 + b.2),
        })
        .uid("windows")
        .map(|(k, w, n): (u64, u64, u64)| format!("window {k} {w} {n}"));
    // Sessions (the session fast path): keys are active every other second, so each key has a
    // session per active second, some open while the savepoint is taken.
    let sessions = values
        .filter(|i| (i / 1_000) % 2 == 0)
        .key_by(|i| i % KEYS)
        .window(EventTimeSessionWindows::with_gap(Duration::from_millis(100)))
        .aggregate(AggregateFn {
            create: || (0u64, u64::MAX, 0u64),
            add: |i: u64, (_, first, n): (u64, u64, u64)| (i % KEYS, first.min(i), n + 1),
            result: |a: &(u64, u64, u64)| *a,
            merge: |a: (u64, u64, u64), b: (u64, u64, u64)| (a.0, a.1.min(b.1), a.2 + b.2),
        })
        .uid("sessions")
        .map(|(k, first, n): (u64, u64, u64)| format!("session {k} {first} {n}"));
    // Sliding windows evaluated by a process function on the sliced path; its global state
    // numbers each key's windows, so a window lost or repeated across the savepoint changes
    // every later line of its key.
    let numbered = values
        .key_by(|i| i % KEYS)
        .window(SlidingEventTimeWindows::of(Duration::from_secs(2), Duration::from_secs(1)))
        .aggregate_with_process(
            AggregateFn { create: || 0u64, add: |_: u64, n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b },
            NumberWindows { seen: ValueState::new("windows-seen") },
        )
        .uid("numbered");
    let (sink, handle) = CollectSink::new();
    sums.union(&[windows, sessions, numbered]).sink_to(sink).uid("sink");
    handle
}

/// `numbered <key> <window end> <count> <windows of the key so far>`.
#[derive(Clone)]
struct NumberWindows {
    seen: ValueState<u64>,
}

impl ProcessWindowFunction<u64, String, u64, TimeWindow> for NumberWindows {
    fn process(
        &mut self,
        key: &u64,
        ctx: &mut WindowContext<'_, u64, TimeWindow>,
        counts: &[u64],
        out: &mut Collector<'_, String>,
    ) -> rasch::Result<()> {
        let seen = self.seen.value(&mut ctx.global_state())?.unwrap_or(0) + 1;
        self.seen.update(&mut ctx.global_state(), seen)?;
        out.collect(format!("numbered {key} {} {} {seen}", ctx.window().end, counts[0]));
        Ok(())
    }
}

fn counts(lines: Vec<String>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    lines.into_iter().for_each(|l| *m.entry(l).or_insert(0) += 1);
    m
}

fn uninterrupted() -> HashMap<String, usize> {
    let env = StreamEnv::local();
    let handle = build(&env, 2);
    env.execute("uninterrupted").unwrap();
    counts(handle.take())
}

fn temp_dir(tag: &str) -> String {
    let d = std::env::temp_dir().join(format!("rasch-savepoints-{tag}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d.to_string_lossy().into_owned()
}

#[test]
fn stop_with_savepoint_and_resume_at_another_parallelism_gives_the_uninterrupted_output() {
    let expected = uninterrupted();
    for new_parallelism in [1, 3, 4] {
        let dir = temp_dir(&format!("p{new_parallelism}"));
        let env = StreamEnv::local();
        let first = build(&env, 2);
        let client = env.execute_async("before").unwrap();
        std::thread::sleep(Duration::from_millis(150));
        let savepoint = client.stop_with_savepoint(&dir, rasch::StopMode::Stop).unwrap();
        client.wait().unwrap();
        let mut got = counts(first.take());
        assert!(got.len() < expected.len(), "the job was stopped before it finished");

        let env = StreamEnv::local();
        env.set_config("execution.savepoint.path", savepoint.as_str());
        let second = build(&env, new_parallelism);
        env.execute("after").unwrap();
        let second = second.take();
        for (line, n) in counts(second) {
            *got.entry(line).or_insert(0) += n;
        }
        let wrong: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(3).map(|(k, v)| (k, v, got.get(k))).collect();
        assert!(
            wrong.is_empty() && got.len() == expected.len(),
            "p={new_parallelism}: {} lines differ, e.g. {wrong:?}",
            expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).count()
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn a_savepoint_of_a_running_job_lets_it_continue_and_can_be_disposed() {
    let dir = temp_dir("trigger");
    let env = StreamEnv::local();
    let handle = build(&env, 2);
    let client = env.execute_async("running").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let savepoint = client.trigger_savepoint(&dir).unwrap();
    assert!(std::path::Path::new(&savepoint).join("_metadata").exists(), "{savepoint}");
    client.wait().unwrap();
    assert_eq!(counts(handle.take()), uninterrupted(), "taking a savepoint does not change the output");
    rasch::savepoint::dispose(&savepoint).unwrap();
    assert!(!std::path::Path::new(&savepoint).exists());
    assert!(rasch::savepoint::dispose(&dir).is_err(), "a directory without _metadata is not a savepoint");
}

#[test]
fn state_of_operators_the_job_lacks_is_refused_unless_allowed() {
    let dir = temp_dir("unclaimed");
    let env = StreamEnv::local();
    let _ = build(&env, 2);
    let client = env.execute_async("full").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let savepoint = client.stop_with_savepoint(&dir, rasch::StopMode::Stop).unwrap();
    client.wait().unwrap();

    let smaller = |allow: bool| {
        let env = StreamEnv::local();
        env.set_config("execution.savepoint.path", savepoint.as_str());
        if allow {
            env.set_config("execution.savepoint.ignore-unclaimed-state", "true");
        }
        env.datagen(Some(10), None, |i| i).set_parallelism(1).uid("source").discard();
        env.execute("smaller")
    };
    let err = smaller(false).unwrap_err().to_string();
    assert!(err.contains("the job does not contain"), "{err}");
    smaller(true).unwrap();
}

/// The last running sum of every key: what a job that ran to the end must have reached.
fn final_sums(lines: impl IntoIterator<Item = String>) -> HashMap<u64, u64> {
    let mut last = HashMap::new();
    for l in lines {
        if let Some(rest) = l.strip_prefix("sum ") {
            let (k, s) = rest.split_once(' ').unwrap();
            let (k, s): (u64, u64) = (k.parse().unwrap(), s.parse().unwrap());
            let e = last.entry(k).or_insert(0);
            *e = (*e).max(s);
        }
    }
    last
}

#[test]
fn a_suspended_job_keeps_its_checkpoints_and_resumes_from_them() {
    let dir = temp_dir("suspend");
    let env = StreamEnv::local();
    env.enable_checkpointing(Duration::from_millis(50));
    env.set_config("execution.checkpointing.dir", dir.as_str());
    let first = build(&env, 2);
    let client = env.execute_async("suspended").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while client.checkpoints().iter().filter(|c| c.status.is_completed()).count() < 2 {
        assert!(std::time::Instant::now() < deadline, "no checkpoint completed");
        std::thread::sleep(Duration::from_millis(10));
    }
    let job_dir = format!("{dir}/{}", client.job_id());
    client.suspend();
    assert!(matches!(client.wait(), Err(rasch::Error::Suspended)), "the job ends SUSPENDED");
    assert!(first.take().len() < uninterrupted().len(), "it was suspended before it finished");
    let kept = std::fs::read_dir(&job_dir).unwrap().flatten().filter(|e| e.path().join("_metadata").exists()).count();
    assert!(kept >= 1, "its checkpoints are kept");

    let env = StreamEnv::local();
    env.set_config("execution.savepoint.path", job_dir.as_str());
    let second = build(&env, 3);
    env.execute("resumed").unwrap();
    assert_eq!(final_sums(second.take()), final_sums(uninterrupted().into_keys()), "the resumed job ends where an uninterrupted one does");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn session_state_of_the_generic_operator_is_not_dropped_by_the_fast_path() {
    let dir = temp_dir("sessions-generic");
    let job = |env: &StreamEnv, fast: bool| {
        let keyed = env
            .datagen(Some(N), Some(60_000.0), |i| i)
            .set_parallelism(1)
            .uid("source")
            .assign_timestamps_and_watermarks(
                WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|i: &u64, _| *i as i64),
            )
            .key_by(|i| i % KEYS)
            .window(EventTimeSessionWindows::with_gap(Duration::from_millis(100)));
        let count = AggregateFn { create: || 0u64, add: |_: u64, n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b };
        let counts = if fast { keyed.aggregate(count) } else { keyed.aggregate_with_process(count, rasch::windows::PassThrough) };
        counts.uid("sessions").discard();
    };
    let env = StreamEnv::local();
    job(&env, false);
    let client = env.execute_async("generic").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let savepoint = client.stop_with_savepoint(&dir, rasch::StopMode::Stop).unwrap();
    client.wait().unwrap();

    let env = StreamEnv::local();
    env.set_config("execution.savepoint.path", savepoint.as_str());
    job(&env, true);
    let err = env.execute("fast").unwrap_err().to_string();
    assert!(err.contains("written by the generic window operator"), "{err}");
    let env = StreamEnv::local();
    env.set_config("execution.savepoint.path", savepoint.as_str());
    job(&env, false);
    env.execute("generic again").unwrap();
}
