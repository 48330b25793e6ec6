//! A SQL aggregation checkpoints and recovers like any DataStream job: with failures injected
//! into its input, the changelog committed by the exactly-once file sink replays to exactly the
//! result of a failure-free computation done independently here.

use rasch_api::StreamEnv;
use rasch_connectors::FileSink;
use rasch_sql::table_api::TableEnv;
use rasch_sql::types::{DataType, Field};
use rasch_sql::value::{Row, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const N: u64 = 20_000;
const KEYS: u64 = 13;

fn int(v: &Value) -> i64 {
    v.as_int().expect("an integer")
}

#[test]
fn group_aggregate_recovers_exactly_once_from_failures() {
    let dir = std::env::temp_dir().join(format!("rasch-sql-eo-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let injected = Arc::new(AtomicU32::new(0));
    let env = StreamEnv::local();
    env.set_parallelism(2);
    env.enable_checkpointing(Duration::from_millis(20));
    env.set_config("restart-strategy.type", "fixed-delay");
    env.set_config("restart-strategy.fixed-delay.attempts", "100");
    env.set_config("restart-strategy.fixed-delay.delay", "1 ms");
    let inj = injected.clone();
    let rows = env
        .datagen(Some(N), Some(40_000.0), |i| i)
        .set_parallelism(1)
        .map(move |i: u64| {
            // Three failures, at deterministic points spread over the input.
            if i % 6_007 == 5_000 && inj.fetch_add(1, Ordering::SeqCst) < 3 {
                panic!("injected failure at record {i}");
            }
            Row::insert(vec![Value::Int((i % KEYS) as i64), Value::Int(i as i64)])
        })
        .set_parallelism(1);
    let tenv = TableEnv::create(&env);
    let t = tenv.from_data_stream(&rows, vec![Field::new("k", DataType::BigInt), Field::new("v", DataType::BigInt)]);
    let agg = t.group_by("k").select("k, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT MOD(v, 10)) AS d").unwrap();
    tenv.to_changelog_stream(&agg)
        .unwrap()
        .map(|r: Row| format!("{} {}", r.kind.short_string(), r.values.iter().map(|v| int(v).to_string()).collect::<Vec<_>>().join(" ")))
        .sink_to(FileSink::for_row_format(&dir));
    let result = env.execute("sql exactly-once").unwrap();
    assert!(result.restarts() >= 1, "the injected failures restarted the job");

    // Replay the committed changelog: every -U must retract the key's current row.
    let mut state: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'));
    // One key's changes come from one subtask; within a part file they are in order, and a
    // subtask's part files (`part-<subtask>-<counter>`) are numbered in order.
    let number = |p: &std::path::PathBuf| -> (u64, u64) {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let mut it = name.trim_start_matches("part-").split('-').map(|n| n.parse::<u64>().unwrap_or(u64::MAX));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    files.sort_by_key(number);
    for f in files {
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            let mut parts = line.split(' ');
            let kind = parts.next().unwrap();
            let vals: Vec<i64> = parts.map(|p| p.parse().unwrap()).collect();
            match kind {
                "+I" | "+U" => {
                    state.insert(vals[0], vals.clone());
                }
                "-U" | "-D" => assert_eq!(state.remove(&vals[0]).as_ref(), Some(&vals), "a retraction of a row that is not current"),
                other => panic!("unexpected kind {other}"),
            }
        }
    }
    let mut expected: BTreeMap<i64, (i64, i64, BTreeSet<i64>)> = BTreeMap::new();
    for i in 0..N as i64 {
        let e = expected.entry(i % KEYS as i64).or_default();
        e.0 += 1;
        e.1 += i;
        e.2.insert(i % 10);
    }
    let expected: BTreeMap<i64, Vec<i64>> = expected.into_iter().map(|(k, (n, s, d))| (k, vec![k, n, s, d.len() as i64])).collect();
    assert_eq!(state, expected);
    std::fs::remove_dir_all(&dir).ok();
}
