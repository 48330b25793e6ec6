//! A real cluster on 127.0.0.1: a JobManager and two TaskManagers as processes, jobs submitted
//! through the `rasch` CLI, outputs compared with answers computed here independently. The
//! tests kill TaskManagers, stop jobs with savepoints and resume them at other parallelisms,
//! slow a sink down in one worker, and throw garbage at the ports.

mod common;

use common::*;
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn word_count_at_parallelism_4_across_two_taskmanagers() {
    let (dir, _, _) = cluster_dir("wc", 2, "");
    std::fs::write(dir.join("conf/workers"), "localhost\n127.0.0.1\n").unwrap();
    // A text whose word counts we know.
    let words = ["stream", "state", "time", "window", "key", "barrier", "watermark"];
    let mut text = String::new();
    let mut want: HashMap<String, u64> = HashMap::new();
    for i in 0..20_000usize {
        let w = words[(i * 7 + i / 3) % words.len()];
        let w = if i % 11 == 0 { format!("{w}{}", i % 5) } else { w.to_string() };
        *want.entry(w.clone()).or_default() += 1;
        text.push_str(&w);
        text.push(if i % 9 == 8 { '\n' } else { ' ' });
    }
    std::fs::write(dir.join("input.txt"), &text).unwrap();

    let rasch = |args: &[&str]| rasch_in(&dir, args);
    let started = rasch(&["start-cluster"]);
    assert!(started.status.success(), "{}", said(&started));
    assert!(said(&started).contains("2 TaskManager(s) with 4 slot(s)"), "{}", said(&started));

    let output = dir.join("counts");
    let input = dir.join("input.txt");
    let run = rasch(&[
        "run",
        "-p",
        "4",
        example("word_count").to_str().unwrap(),
        "--",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    let run_text = said(&run);
    let stopped = rasch(&["stop-cluster"]);
    assert!(run.status.success(), "{run_text}");
    assert!(run_text.contains("has finished"), "{run_text}");
    let got: HashMap<String, u64> = committed_lines(&[output.as_path()])
        .into_keys()
        .map(|l| {
            let (w, n) = l.rsplit_once(',').unwrap();
            (w.to_string(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(got, want);
    // Four parallel output files: one per sink subtask.
    assert_eq!(std::fs::read_dir(&output).unwrap().count(), 4);
    assert!(stopped.status.success(), "{}", said(&stopped));
    assert!(std::fs::read_dir(dir.join("pid")).map(|d| d.count()).unwrap_or(0) == 0, "pid files remain");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn subtasks_spread_over_taskmanagers_and_rest_reports_them() {
    let cluster = TestCluster::start("rest", 2, 2, "");
    let out = cluster.dir.join("sums");
    let job = cluster.submit_rolling_sum(&["-p", "4"], &out, &["--count", "20000", "--keys", "13"]);
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(20_000, 13));
    let details = cluster.get_json(&format!("/jobs/{job}")).unwrap();
    assert_eq!(details["state"], "FINISHED");
    let vertices = details["vertices"].as_array().unwrap();
    assert_eq!(vertices.len(), 2);
    let sums = &vertices[1];
    assert_eq!(sums["parallelism"], 4);
    assert_eq!(sums["metrics"]["read-records"], 20_000);
    // numBytesIn/Out: the keyed exchange crosses the two TaskManagers' workers, so bytes flow,
    // and every byte the sources sent was received by the sums (the only network edge).
    let sent = vertices[0]["metrics"]["write-bytes"].as_u64().unwrap();
    assert!(sent > 0, "{details}");
    assert_eq!(sums["metrics"]["read-bytes"].as_u64().unwrap(), sent, "{details}");
    assert_eq!(sums["metrics"]["read-bytes-complete"], true, "{details}");
    let vertex = cluster.get_json(&format!("/jobs/{job}/vertices/{}", sums["id"].as_str().unwrap())).unwrap();
    // TaskManagers report their host's memory and their own resident memory.
    let tm_list = cluster.get_json("/taskmanagers").unwrap();
    let tm = &tm_list["taskmanagers"][0];
    assert!(tm["hardware"]["physicalMemory"].as_u64().unwrap() >= tm["hardware"]["freeMemory"].as_u64().unwrap(), "{tm}");
    assert!(tm["hardware"]["freeMemory"].as_u64().unwrap() > 0, "{tm}");
    let rss = cluster.get_json(&format!("/taskmanagers/{}/metrics?get=Status.Rasch.Memory.RSS", tm["id"].as_str().unwrap())).unwrap();
    assert!(rss[0]["value"].as_str().unwrap().parse::<u64>().unwrap() > 1 << 20, "{rss}");
    let tms: BTreeSet<&str> = vertex["subtasks"].as_array().unwrap().iter().map(|s| s["taskmanager-id"].as_str().unwrap()).collect();
    assert_eq!(tms.len(), 2, "subtasks should run on both TaskManagers: {vertex}");
    // Prometheus: Flink's names and labels; the sink operator read every record.
    let (status, body) = cluster.get("/metrics");
    assert_eq!(status, 200);
    let read: u64 = body
        .lines()
        .filter(|l| {
            l.starts_with("flink_taskmanager_job_task_operator_numRecordsIn{")
                && l.contains(&job)
                && l.contains("operator_name=\"File sink\"")
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(read, 20_000, "{body}");
    let prometheus_sent: u64 = body
        .lines()
        .filter(|l| l.starts_with("flink_taskmanager_job_task_numBytesOut{") && l.contains(&job))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(prometheus_sent, sent, "{body}");
    for name in [
        "flink_jobmanager_job_numRestarts{",
        "flink_jobmanager_job_lastCheckpointDuration{",
        "flink_jobmanager_numRegisteredTaskManagers 2",
    ] {
        assert!(body.contains(name), "{name} missing:\n{body}");
    }
    // Flink's REST metrics: per subtask, and aggregated over subtasks.
    let vid = sums["id"].as_str().unwrap();
    let per_subtask = cluster
        .get_json(&format!("/v1/jobs/{job}/vertices/{vid}/metrics?get=0.numRecordsIn,1.numRecordsIn,2.numRecordsIn,3.numRecordsIn"))
        .unwrap();
    let total: u64 = per_subtask.as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(total, 20_000, "{per_subtask}");
    let agg = cluster.get_json(&format!("/jobs/{job}/vertices/{vid}/subtasks/metrics?get=numRecordsIn&agg=sum,max")).unwrap();
    assert_eq!(agg[0]["sum"], 20_000.0, "{agg}");
    let bytes_in = cluster.get_json(&format!("/jobs/{job}/vertices/{vid}/subtasks/metrics?get=numBytesIn&agg=sum")).unwrap();
    assert_eq!(bytes_in[0]["sum"], sent as f64, "{bytes_in}");
    let (status, body) = cluster.get("/jobs/0123456789abcdef0123456789abcdef");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("errors"), "{body}");
}

#[test]
fn list_cancel_and_stop_with_savepoint_then_resume_at_another_parallelism() {
    let cluster = TestCluster::start("savepoint", 2, 2, "");
    let (n, keys) = (40_000u64, 17u64);
    let first = cluster.dir.join("first");
    let second = cluster.dir.join("second");
    let (count, key_count) = (n.to_string(), keys.to_string());
    let args = ["--count", &count, "--keys", &key_count, "--rate", "8000", "--checkpoint-interval", "300"];
    let job = cluster.submit_rolling_sum(&["-d", "-p", "2"], &first, &args);
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    let listed = cluster.rasch_ok(&["list"]);
    assert!(listed.contains(&job) && listed.contains("(RUNNING)"), "{listed}");
    // Thread dumps of the TaskManagers list their own threads and their workers', among them
    // a task thread `<vertex> (<subtask>/<parallelism>)` (cut to Linux's 15 bytes) of each vertex.
    let tms = cluster.get_json("/taskmanagers").unwrap();
    let details = cluster.get_json(&format!("/jobs/{job}")).unwrap();
    let task_threads: Vec<String> = details["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| (1..=2).map(move |j| format!("{} ({j}/2)", v["name"].as_str().unwrap())))
        .map(|name| name.bytes().take(15).map(char::from).collect())
        .collect();
    wait_until("task threads in the TaskManagers' thread dumps", Duration::from_secs(15), || {
        let entries: Vec<serde_json::Value> = tms["taskmanagers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| {
                let dump = cluster.get_json(&format!("/v1/taskmanagers/{}/thread-dump", t["id"].as_str().unwrap())).unwrap();
                dump["threadInfos"].as_array().unwrap().clone()
            })
            .collect();
        let of = |process: &'static str| {
            entries.iter().filter(move |e| e["stringifiedThreadInfo"].as_str().unwrap().contains(process)).collect::<Vec<_>>()
        };
        !of("(process TaskManager ").is_empty()
            && task_threads.iter().all(|t| of("(process worker ").iter().any(|e| e["threadName"] == t.as_str()))
    });

    // A second job, cancelled.
    let cancelled = cluster.submit_rolling_sum(&["-d", "-p", "1"], &cluster.dir.join("cancelled"), &args);
    cluster.wait_for_state(&cancelled, "RUNNING", Duration::from_secs(30));
    let text = cluster.rasch_ok(&["cancel", &cancelled]);
    assert!(text.contains("Cancelled job"), "{text}");
    cluster.wait_for_state(&cancelled, "CANCELED", Duration::from_secs(20));

    // Stop the first with a savepoint after a while, resume it at parallelism 3.
    wait_until("a few checkpoints", Duration::from_secs(20), || cluster.completed_checkpoints(&job) >= 2);
    let savepoints = cluster.dir.join("savepoints");
    // A manual checkpoint and a savepoint that leaves the job running; the savepoint is disposed.
    let text = cluster.rasch_ok(&["checkpoint", &job]);
    let id: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("Checkpoint(").and_then(|r| r.split_whitespace().nth(1)).and_then(|i| i.parse().ok()))
        .unwrap_or_else(|| panic!("{text}"));
    let details = cluster.get_json(&format!("/jobs/{job}/checkpoints/details/{id}")).unwrap();
    assert_eq!((details["status"].as_str(), details["is_savepoint"].as_bool()), (Some("COMPLETED"), Some(false)), "{details}");
    let text = cluster.rasch_ok(&["savepoint", &job, savepoints.to_str().unwrap()]);
    let kept =
        text.lines().find_map(|l| l.strip_prefix("Savepoint completed. Path: ")).unwrap_or_else(|| panic!("{text}")).trim().to_string();
    assert!(Path::new(&kept).join("_metadata").exists(), "{kept}");
    assert_eq!(cluster.job_state(&job), "RUNNING");
    cluster.rasch_ok(&["savepoint", "-d", &kept]);
    wait_until("the disposed savepoint to vanish", Duration::from_secs(10), || !Path::new(&kept).exists());
    let text = cluster.rasch_ok(&["stop", "--savepoint-path", savepoints.to_str().unwrap(), &job]);
    let path =
        text.lines().find_map(|l| l.strip_prefix("Savepoint completed. Path: ")).unwrap_or_else(|| panic!("{text}")).trim().to_string();
    cluster.wait_for_state(&job, "FINISHED", Duration::from_secs(20));
    let before = committed_lines(&[first.as_path()]).values().sum::<usize>() as u64;
    assert!(before > 0 && before < n, "the stopped job committed {before} of {n} records");

    let resumed = cluster.run_rolling_sum(&["-p", "3", "-s", &path], &second, &args);
    let text = said(&resumed);
    assert!(resumed.status.success(), "{text}");
    assert!(text.contains("has finished"), "{text}");
    assert_same(&committed_lines(&[first.as_path(), second.as_path()]), &rolling_sums(n, keys));
    let listed = cluster.rasch_ok(&["list", "-a"]);
    assert!(listed.contains(&format!("{cancelled} : Rolling sums (CANCELED)")), "{listed}");
}

#[test]
fn killing_a_taskmanager_restarts_the_job_from_its_checkpoint_exactly_once() {
    let mut cluster = TestCluster::start(
        "kill",
        2,
        2,
        "restart-strategy.type: fixed-delay\nrestart-strategy.fixed-delay.attempts: 5\nrestart-strategy.fixed-delay.delay: 200 ms\n",
    );
    let out = cluster.dir.join("sums");
    let (n, keys) = (60_000u64, 29u64);
    let (count, key_count) = (n.to_string(), keys.to_string());
    let job = cluster.submit_rolling_sum(
        &["-d", "-p", "2"],
        &out,
        &["--count", &count, "--keys", &key_count, "--rate", "10000", "--checkpoint-interval", "200"],
    );
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    wait_until("two completed checkpoints", Duration::from_secs(30), || cluster.completed_checkpoints(&job) >= 2);
    // Checkpoint statistics per vertex, with ack and alignment times.
    let stats = cluster.get_json(&format!("/jobs/{job}/checkpoints")).unwrap();
    let id = stats["latest"]["completed"]["id"].as_u64().unwrap();
    let details = cluster.get_json(&format!("/jobs/{job}/checkpoints/details/{id}")).unwrap();
    let tasks = details["tasks"].as_object().unwrap();
    assert_eq!(tasks.len(), 2, "{details}");
    assert!(tasks.values().all(|t| t["alignment_duration"].is_u64() && t["num_acknowledged_subtasks"] == t["num_subtasks"]), "{details}");
    // Per subtask, as Flink's dashboard expands a checkpoint's vertex.
    for (vertex, task) in tasks {
        let sub = cluster.get_json(&format!("/v1/jobs/{job}/checkpoints/details/{id}/subtasks/{vertex}")).unwrap();
        let subtasks = sub["subtasks"].as_array().unwrap();
        assert_eq!(subtasks.len() as u64, task["num_subtasks"].as_u64().unwrap(), "{sub}");
        assert!(subtasks.iter().all(|t| t["status"] == "completed" && t["alignment"]["duration"].is_u64()), "{sub}");
        assert_eq!(sub["summary"]["end_to_end_duration"]["max"], sub["end_to_end_duration"], "{sub}");
        assert_eq!(sub["state_size"], task["state_size"], "{sub}");
    }
    // Per vertex, the bytes add up to the checkpoint's; only the keyed sums hold state.
    let bytes: u64 = tasks.values().map(|t| t["state_size"].as_u64().unwrap()).sum();
    assert_eq!(bytes, details["state_size"].as_u64().unwrap(), "{details}");
    assert!(bytes > 0, "{details}");
    // Prometheus: the state size of each operator subtask in the latest checkpoint.
    let (_, metrics) = cluster.get("/metrics");
    let per_operator: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("flink_taskmanager_job_task_operator_lastCheckpointStateSize{") && l.contains(&job))
        .collect();
    assert!(per_operator.iter().any(|l| l.contains("operator_name=\"Rolling sum\"") && !l.ends_with(" 0")), "{metrics}");
    // SIGKILL the second TaskManager: its worker dies with it; the job restarts on the first.
    let victim = &mut cluster.taskmanagers[1];
    victim.kill().unwrap();
    victim.wait().unwrap();
    cluster.wait_for_state(&job, "FINISHED", Duration::from_secs(60));
    let exceptions = cluster.get_json(&format!("/jobs/{job}/exceptions")).unwrap();
    let entries = exceptions["exceptionHistory"]["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "the lost TaskManager should show up as an exception");
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(n, keys));
    // A restarted TaskManager joins again and takes new work.
    cluster.add_taskmanager();
    cluster.wait_for_taskmanagers(2);
}

#[test]
fn a_slow_sink_in_one_worker_slows_the_source_in_another() {
    let cluster = TestCluster::start("backpressure", 2, 1, "");
    let out = cluster.dir.join("sums");
    let job = cluster.submit_rolling_sum(&["-d", "-p", "2"], &out, &["--count", "100000000", "--keys", "64", "--sink-delay-us", "1000"]);
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(4));
    let details = cluster.get_json(&format!("/jobs/{job}")).unwrap();
    let vertices = details["vertices"].as_array().unwrap();
    let produced = vertices[0]["metrics"]["write-records"].as_u64().unwrap();
    let consumed = vertices[1]["metrics"]["read-records"].as_u64().unwrap();
    // Two sink subtasks at ~1000 records/s each for ~4 s: the source, unthrottled, would have
    // produced millions; back-pressure holds it to what the sinks took plus bounded buffers.
    assert!(consumed > 0, "{details}");
    assert!(produced < 200_000, "the source ran ahead: produced {produced}, consumed {consumed}");
    assert!(produced - consumed < 150_000, "too much in flight: produced {produced}, consumed {consumed}");
    // The source spends its time waiting for the network channel: back-pressured.
    let source = vertices[0]["id"].as_str().unwrap();
    let bp = cluster.get_json(&format!("/jobs/{job}/vertices/{source}/backpressure")).unwrap();
    assert_eq!(bp["backpressure-level"], "high", "{bp}");
    let (_, metrics) = cluster.get("/metrics");
    let line = metrics
        .lines()
        .find(|l| l.starts_with("flink_taskmanager_job_task_backPressuredTimeMsPerSecond{") && l.contains(source))
        .unwrap_or_else(|| panic!("{metrics}"));
    let ms: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(ms > 500.0, "{line}");
    // The same through Flink's REST metrics, as Flink's dashboard asks for them.
    let agg = cluster.get_json(&format!("/jobs/{job}/vertices/{source}/subtasks/metrics?get=backPressuredTimeMsPerSecond")).unwrap();
    assert!(agg[0]["max"].as_f64().unwrap() > 500.0, "{agg}");
    cluster.rasch_ok(&["cancel", &job]);
    cluster.wait_for_state(&job, "CANCELED", Duration::from_secs(20));
}

#[test]
fn garbage_on_the_ports_is_refused_and_the_cluster_keeps_working() {
    let mut cluster = TestCluster::start("garbage", 1, 2, "security.cluster.secret: s3cret\n");
    // RPC port: random bytes, a huge announced frame, a truncated frame, a hello with a wrong secret.
    let rpc = cluster.rpc;
    for junk in [&b"GET / HTTP/1.1\r\n\r\n"[..], &[0xff, 0xff, 0xff, 0xff, 1, 2, 3], &[0, 0, 0, 9, 1], &[0u8; 64]] {
        let mut s = TcpStream::connect(("127.0.0.1", rpc)).unwrap();
        let _ = s.write_all(junk);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.read_to_end(&mut sink);
    }
    // A TaskManager with the wrong secret is refused, with a message saying why.
    let wrong = Command::new(env!("CARGO_BIN_EXE_rasch"))
        .args(["taskmanager", "-D", "security.cluster.secret=wrong"])
        .env("RASCH_CONF_DIR", cluster.dir.join("conf"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let text = said(&wrong);
    assert!(!wrong.status.success() && text.contains("secret"), "{text}");
    // REST port: garbage, a bad method line, bad JSON, path traversal in jar ids.
    let (status, _) = cluster.http(b"\x00\x01\x02garbage\r\n\r\n");
    assert_eq!(status, 400, "a request line that is not HTTP gets 400 Bad Request");
    let (status, body) =
        cluster.http(b"POST /jars/..%2F..%2Fetc%2Fpasswd/run HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    assert!((400..500).contains(&status), "{status} {body}");
    let (status, body) = cluster.http(b"POST /jobs/abc/savepoints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{nope");
    assert!((400..500).contains(&status) && body.contains("errors"), "{status} {body}");
    // Everyone is still alive, and a job runs.
    assert!(cluster.jobmanager.try_wait().unwrap().is_none(), "the JobManager died");
    assert!(cluster.taskmanagers[0].try_wait().unwrap().is_none(), "the TaskManager died");
    let out = cluster.dir.join("sums");
    cluster.submit_rolling_sum(&[], &out, &["--count", "5000", "--keys", "3"]);
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(5000, 3));
}

#[test]
fn a_taskmanager_that_stops_answering_is_declared_lost_and_the_job_moves() {
    let cluster = TestCluster::start(
        "hang",
        2,
        2,
        "heartbeat.timeout: 1500\nrestart-strategy.type: fixed-delay\nrestart-strategy.fixed-delay.attempts: 5\nrestart-strategy.fixed-delay.delay: 200 ms\n",
    );
    let out = cluster.dir.join("sums");
    let (n, keys) = (50_000u64, 11u64);
    let (count, key_count) = (n.to_string(), keys.to_string());
    let job = cluster.submit_rolling_sum(
        &["-d", "-p", "2"],
        &out,
        &["--count", &count, "--keys", &key_count, "--rate", "10000", "--checkpoint-interval", "200"],
    );
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    wait_until("a completed checkpoint", Duration::from_secs(30), || cluster.completed_checkpoints(&job) >= 1);
    // Freeze the second TaskManager: no more heartbeats, but its worker process lives on.
    let pid = cluster.taskmanagers[1].id().to_string();
    assert!(Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    cluster.wait_for_taskmanagers(1);
    cluster.wait_for_state(&job, "FINISHED", Duration::from_secs(60));
    let _ = Command::new("kill").args(["-CONT", &pid]).status();
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(n, keys));
    let exceptions = cluster.get_json(&format!("/jobs/{job}/exceptions")).unwrap();
    assert!(exceptions.to_string().contains("lost"), "{exceptions}");
}

#[test]
fn a_panicking_job_fails_with_its_cause_and_the_taskmanagers_stay() {
    let mut cluster = TestCluster::start("panic", 2, 2, "");
    let out = cluster.dir.join("sums");
    let failed = cluster.run_rolling_sum(&["-p", "2"], &out, &["--count", "50000", "--panic-at", "1234"]);
    let text = said(&failed);
    assert_eq!(failed.status.code(), Some(1), "{text}");
    assert!(text.contains("record 1234 is poison"), "the root cause is reported: {text}");
    // The user's panic keeps its kind and cause chain from the worker to REST and the CLI.
    let job = text.split("JobID ").nth(1).and_then(|t| t.get(..32)).unwrap_or_else(|| panic!("no job id in:\n{text}"));
    let exceptions = cluster.get_json(&format!("/jobs/{job}/exceptions")).unwrap();
    let newest = &exceptions["exceptionHistory"]["entries"][0];
    assert_eq!(newest["errorKind"], "USER", "{exceptions}");
    assert_eq!(newest["failureLabels"]["type"], "USER", "{exceptions}");
    assert_eq!(newest["exceptionName"], "org.rasch.UserException", "{exceptions}");
    let causes: Vec<&str> = newest["causes"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
    assert_eq!(causes.len(), 3, "task, operator, panic: {exceptions}");
    assert!(causes[0].starts_with("task '") && causes[0].ends_with("(1/1) failed"), "{exceptions}");
    assert_eq!(causes[1..], ["operator 'Map' failed", "panicked: record 1234 is poison (--panic-at)"], "{exceptions}");
    assert!(newest["location"].as_str().is_some_and(|l| l.starts_with("worker ") && l.contains(" on TaskManager ")), "{exceptions}");
    let stacktrace = newest["stacktrace"].as_str().unwrap();
    assert!(
        stacktrace.ends_with("\nCaused by: operator 'Map' failed\nCaused by: panicked: record 1234 is poison (--panic-at)"),
        "{stacktrace}"
    );
    assert!(text.contains(&format!("Job {job} failed with a user error")), "{text}");
    let chain: String = causes.iter().map(|c| format!("\nCaused by: {c}")).collect();
    assert!(text.contains(&chain), "the CLI prints the whole chain:\n{text}");
    let listed = cluster.rasch_ok(&["list", "-a"]);
    assert!(listed.contains("(FAILED)"), "{listed}");
    // The panic killed a task in a worker, never a TaskManager: both are alive and registered.
    for tm in &mut cluster.taskmanagers {
        assert!(tm.try_wait().unwrap().is_none(), "a TaskManager died");
    }
    cluster.wait_for_taskmanagers(2);
    let out = cluster.dir.join("after");
    cluster.submit_rolling_sum(&["-p", "2"], &out, &["--count", "3000", "--keys", "5"]);
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(3000, 5));
}

/// Bytes received so far on the open TCP connections of process `pid`, as the kernel counts
/// them (`bytes_received` of `ss -tnpi`, iproute2), summed over its sockets.
fn bytes_received_by(pid: u32) -> u64 {
    let out = Command::new("ss").args(["-tnpi"]).output().expect("`ss` (iproute2) runs: it measures the JobManager's sockets");
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut mine, mut total) = (false, 0);
    for line in text.lines() {
        if !line.starts_with(char::is_whitespace) {
            mine = line.contains(&format!("pid={pid},"));
        } else if mine {
            total +=
                line.split_whitespace().find_map(|f| f.strip_prefix("bytes_received:")).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    total
}

/// Tasks write their own state files; the JobManager receives only handles. While a job with
/// 100,000 keys checkpoints every 300 ms, the bytes the JobManager's TCP connections receive
/// (the kernel's count) per completed checkpoint are measured against the state size the
/// checkpoint reports — and the state files are in the checkpoint directory, one per task.
#[test]
fn snapshot_bytes_never_reach_the_jobmanager() {
    let checkpoints = std::env::temp_dir().join(format!("rasch-cluster-handles-ckpt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&checkpoints);
    let cluster = TestCluster::start(
        "handles",
        2,
        1,
        &format!(
            "execution.checkpointing.dir: {}\nexecution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION\n",
            checkpoints.display()
        ),
    );
    let out = cluster.dir.join("sums");
    let job = cluster.submit_rolling_sum(
        &["-d", "-p", "2"],
        &out,
        &["--count", "100000000", "--keys", "100000", "--rate", "300000", "--checkpoint-interval", "300"],
    );
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    // From the first checkpoint after every key holds state.
    wait_until("a checkpoint of the loaded state", Duration::from_secs(60), || {
        cluster.get_json(&format!("/jobs/{job}/checkpoints")).and_then(|c| c["latest"]["completed"]["state_size"].as_u64()).unwrap_or(0)
            > 1_000_000
    });
    let jobmanager = cluster.jobmanager.id();
    let (read_before, done_before) = (bytes_received_by(jobmanager), cluster.completed_checkpoints(&job));
    assert!(read_before > 0, "the JobManager's connections were found and counted");
    wait_until("5 more checkpoints", Duration::from_secs(60), || cluster.completed_checkpoints(&job) >= done_before + 5);
    let (read_after, done_after) = (bytes_received_by(jobmanager), cluster.completed_checkpoints(&job));
    let stats = cluster.get_json(&format!("/jobs/{job}/checkpoints")).unwrap();
    let state_size = stats["latest"]["completed"]["state_size"].as_u64().unwrap();
    let per_checkpoint = (read_after - read_before) / (done_after - done_before);
    cluster.rasch_ok(&["cancel", &job]);
    assert!(
        per_checkpoint * 20 < state_size,
        "the JobManager received {per_checkpoint} bytes per checkpoint of {state_size} bytes of state: snapshot bytes reach it"
    );
    // The retained checkpoint: the tasks' state files next to a `_metadata` of handles only.
    let job_dir = checkpoints.join(&job);
    wait_until("the job to be cancelled", Duration::from_secs(30), || cluster.job_state(&job) == "CANCELED");
    let chk = std::fs::read_dir(&job_dir).unwrap().flatten().map(|e| e.path()).find(|p| p.join("_metadata").exists()).unwrap();
    let files: Vec<(String, u64)> = std::fs::read_dir(&chk)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().len()))
        .collect();
    let tasks: u64 = files.iter().filter(|(n, _)| n.starts_with("task-")).map(|(_, len)| len).sum();
    let metadata = files.iter().find(|(n, _)| n == "_metadata").map(|(_, len)| *len).unwrap();
    assert!(files.iter().filter(|(n, _)| n.starts_with("task-")).count() >= 2, "one state file per task: {files:?}");
    assert!(tasks > 1_000_000 && metadata * 100 < tasks, "state in task files ({tasks} bytes), handles in _metadata ({metadata} bytes)");
    eprintln!("JobManager received {per_checkpoint} bytes per checkpoint; state {state_size} bytes");
    let _ = std::fs::remove_dir_all(&checkpoints);
}
