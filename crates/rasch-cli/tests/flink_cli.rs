//! Apache Flink 1.20.3's own command line client (`bin/flink` from PyPI's `apache-flink`,
//! installed by `scripts/install-flink-client.sh`) drives a real Rasch cluster unchanged:
//! `list`, `list -a`, `savepoint`, `stop --savepointPath` and `cancel` with `-m host:port`.
//! The savepoint Flink's client asked for is then resumed by Rasch, and the output is compared
//! with the answer computed here. Skipped, loudly, only when PyPI cannot be reached.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Runs Flink's `bin/flink` against the cluster's REST port; returns what it printed.
fn flink(home: &Path, cluster: &TestCluster, args: &[&str]) -> String {
    let log_dir = cluster.dir.join("flink-client-log");
    let _ = std::fs::create_dir_all(&log_dir);
    let (verb, rest) = args.split_first().unwrap();
    let address = format!("127.0.0.1:{}", cluster.rest);
    let out = Command::new(home.join("bin/flink"))
        .arg(verb)
        .args(["-m", &address])
        .args(rest)
        .env("FLINK_LOG_DIR", &log_dir)
        .output()
        .expect("Flink's bin/flink runs");
    let text = said(&out);
    assert!(out.status.success(), "flink {args:?} failed ({}):\n{text}\n{}", out.status, cluster.logs());
    text
}

fn savepoint_path(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("Savepoint completed. Path: "))
        .unwrap_or_else(|| panic!("no savepoint path in:\n{text}"))
        .trim()
        .to_string()
}

#[test]
fn flinks_own_cli_lists_saves_stops_and_cancels_rasch_jobs() {
    let Some(home) = flink_home("Flink 1.20.3's CLI acceptance test") else { return };
    let java = Command::new("java").arg("-version").output();
    assert!(java.is_ok_and(|o| o.status.success()), "Flink's client needs Java 11+ on the PATH (`java -version` failed)");
    let cluster = TestCluster::start("flink-cli", 1, 3, "");
    // Slow enough that the job still runs after six invocations of a JVM client.
    let (n, keys) = (300_000u64, 7u64);
    let (first, second) = (cluster.dir.join("first"), cluster.dir.join("second"));
    let (count, key_count) = (n.to_string(), keys.to_string());
    let args = ["--count", &count, "--keys", &key_count, "--rate", "4000", "--checkpoint-interval", "300"];
    let job = cluster.submit_rolling_sum(&["-d", "-p", "2"], &first, &args);
    let other = cluster.submit_rolling_sum(&["-d", "-p", "1"], &cluster.dir.join("other"), &args);
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    cluster.wait_for_state(&other, "RUNNING", Duration::from_secs(30));

    let listed = flink(&home, &cluster, &["list"]);
    assert!(listed.contains(&format!("{job} : Rolling sums (RUNNING)")), "{listed}");
    assert!(listed.contains(&format!("{other} : Rolling sums (RUNNING)")), "{listed}");

    // A savepoint that leaves the job running.
    let savepoints = cluster.dir.join("savepoints");
    let text = flink(&home, &cluster, &["savepoint", &job, savepoints.to_str().unwrap()]);
    let kept = savepoint_path(&text);
    assert!(Path::new(&kept).join("_metadata").exists(), "{kept}");
    assert_eq!(cluster.job_state(&job), "RUNNING");

    // Cancel the other job.
    let text = flink(&home, &cluster, &["cancel", &other]);
    assert!(text.contains(&format!("Cancelled job {other}")), "{text}");
    cluster.wait_for_state(&other, "CANCELED", Duration::from_secs(20));

    // Stop with a savepoint, then resume it with Rasch: together exactly the expected output.
    let text = flink(&home, &cluster, &["stop", "--savepointPath", savepoints.to_str().unwrap(), &job]);
    let path = savepoint_path(&text);
    assert!(Path::new(&path).join("_metadata").exists(), "{path}");
    cluster.wait_for_state(&job, "FINISHED", Duration::from_secs(20));
    let before = committed_lines(&[first.as_path()]).values().sum::<usize>() as u64;
    assert!(before > 0 && before < n, "the stopped job committed {before} of {n} records");

    let listed = flink(&home, &cluster, &["list"]);
    assert!(listed.contains("No running jobs."), "{listed}");
    let listed = flink(&home, &cluster, &["list", "-a"]);
    assert!(listed.contains(&format!("{job} : Rolling sums (FINISHED)")), "{listed}");
    assert!(listed.contains(&format!("{other} : Rolling sums (CANCELED)")), "{listed}");

    // Resumed at full speed (the rate does not change the graph).
    let resumed = cluster.run_rolling_sum(&["-p", "2", "-s", &path], &second, &["--count", &count, "--keys", &key_count]);
    assert!(resumed.status.success(), "{}", said(&resumed));
    assert_same(&committed_lines(&[first.as_path(), second.as_path()]), &rolling_sums(n, keys));
}
