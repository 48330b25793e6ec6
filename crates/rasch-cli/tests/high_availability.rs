//! High availability with etcd, with real processes: an etcd server (Debian's `etcd-server`,
//! installed by `scripts/install-etcd.sh`) on free loopback ports, two JobManagers (a leader
//! and a standby), TaskManagers and the checkpointed exactly-once `rolling_sum` job. The leader
//! is killed with SIGKILL in the middle of the job; the standby must take over, recover the job
//! from its latest completed checkpoint, and the committed output must be exactly the
//! failure-free output. Without etcd the tests fail (they never pass silently).

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's `etcd-server` puts the server.
const ETCD: &str = "/usr/bin/etcd";

/// An etcd server of this test, stopped by its PID on drop.
struct Etcd {
    child: Option<Child>,
    client_port: u16,
    peer_port: u16,
    data_dir: PathBuf,
}

impl Etcd {
    fn start(dir: &Path) -> Etcd {
        assert!(
            Path::new(ETCD).exists(),
            "{ETCD} is missing: run scripts/install-etcd.sh (Debian's etcd-server) — the high-availability tests need a real etcd"
        );
        let mut etcd = Etcd { child: None, client_port: free_port(), peer_port: free_port(), data_dir: dir.join("etcd-data") };
        etcd.resume(dir);
        etcd
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// Starts (or restarts) the server on the same ports and data directory.
    fn resume(&mut self, dir: &Path) {
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("etcd.log")).unwrap();
        let child = Command::new(ETCD)
            .args(["--name", "rasch-test", "--data-dir"])
            .arg(&self.data_dir)
            .args(["--listen-client-urls", &self.url(), "--advertise-client-urls", &self.url()])
            .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("rasch-test={peer}")])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {ETCD}: {e}"));
        self.child = Some(child);
        let port = self.client_port;
        wait_until("etcd to answer /health", Duration::from_secs(30), || {
            http_get(port, "/health").is_some_and(|(s, body)| s == 200 && body.contains("true"))
        });
    }

    /// Stops the server (SIGKILL by PID), keeping its data.
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.stop();
        // etcd preallocates 64 MB write-ahead logs; its log file stays for a failed test.
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A process of this test, killed by PID on drop unless taken.
struct Daemon(Option<Child>);

impl Daemon {
    /// The process, now owned by the caller.
    fn take(mut self) -> Child {
        self.0.take().expect("taken once")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `GET path` on 127.0.0.1:`port`: status, body and the `Location` header; `None` if nothing
/// answers.
fn http_get_full(port: u16, path: &str) -> Option<(u16, String, Option<String>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok())?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let location = head.lines().find_map(|l| l.strip_prefix("location: ").or_else(|| l.strip_prefix("Location: "))).map(str::to_string);
    Some((status, body.to_string(), location))
}

fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    http_get_full(port, path).map(|(s, b, _)| (s, b))
}

/// A JobManager with its REST API on `rest` (its RPC port comes from the HA port range).
fn jobmanager(dir: &Path, rest: u16, name: &str) -> Daemon {
    let log = dir.join(format!("{name}.out"));
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_rasch"))
        .args(["jobmanager", "-D", &format!("rest.port={rest}")])
        .env("RASCH_CONF_DIR", dir.join("conf"))
        .env("RASCH_LOG_FILE", &log)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    Daemon(Some(child))
}

/// Whether the JobManager with REST port `rest` leads: it answers `/overview` itself.
fn leads(rest: u16) -> bool {
    http_get(rest, "/overview").is_some_and(|(s, _)| s == 200)
}

fn ha_config(dir_tag: &str, etcd_url: &str, storage: &Path, checkpoints: &Path) -> String {
    format!(
        "high-availability.type: etcd\nhigh-availability.etcd.endpoints: {etcd_url}\nhigh-availability.storageDir: {}\n\
         high-availability.cluster-id: /{dir_tag}\nhigh-availability.jobmanager.port: 0\nhigh-availability.etcd.lease-ttl: 2 s\n\
         execution.checkpointing.dir: {}\nrestart-strategy.type: fixed-delay\nrestart-strategy.fixed-delay.attempts: 5\n\
         restart-strategy.fixed-delay.delay: 200 ms\n",
        storage.display(),
        checkpoints.display()
    )
}

#[test]
fn killing_the_leader_lets_the_standby_recover_the_job_exactly_once() {
    // The etcd server needs the directory before the cluster's configuration names it.
    let base = std::env::temp_dir().join(format!("rasch-ha-failover-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let etcd = Etcd::start(&base);
    let extra = ha_config("failover", &etcd.url(), &base.join("ha"), &base.join("checkpoints"));
    let (dir, _, rpc) = cluster_dir("ha-failover", 2, &extra);
    let (rest_a, rest_b) = (free_port(), free_port());

    // A leads; B, started after it, stands by and redirects REST requests to A.
    let a = jobmanager(&dir, rest_a, "jobmanager-a");
    wait_until("JobManager A to lead", Duration::from_secs(30), || leads(rest_a));
    let b = jobmanager(&dir, rest_b, "jobmanager-b");
    wait_until("JobManager B to answer", Duration::from_secs(30), || http_get(rest_b, "/overview").is_some());
    let (status, _, location) = http_get_full(rest_b, "/jobs/overview").unwrap();
    assert_eq!((status, location.as_deref()), (307, Some(format!("http://127.0.0.1:{rest_a}/jobs/overview").as_str())));

    // TaskManagers find the leader through etcd (their configured RPC port is not A's).
    let mut cluster = TestCluster { dir: dir.clone(), rest: rest_a, rpc, jobmanager: a.take(), taskmanagers: Vec::new() };
    cluster.add_taskmanager();
    cluster.add_taskmanager();
    cluster.wait_for_taskmanagers(2);

    // The CLI finds the leader through etcd too (no -m, no REST port of its own).
    let out = dir.join("sums");
    let (n, keys) = (80_000u64, 29u64);
    let (count, key_count) = (n.to_string(), keys.to_string());
    let job = cluster.submit_rolling_sum(
        &["-d", "-p", "2"],
        &out,
        &["--count", &count, "--keys", &key_count, "--rate", "10000", "--checkpoint-interval", "200"],
    );
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(60));
    wait_until("two completed checkpoints", Duration::from_secs(30), || cluster.completed_checkpoints(&job) >= 2);
    assert_ne!(cluster.job_state(&job), "FINISHED", "the job ended before the leader could be killed; make it longer");

    // SIGKILL the leader in the middle of the job.
    let killed = Instant::now();
    cluster.jobmanager.kill().unwrap();
    cluster.jobmanager.wait().unwrap();
    cluster.rest = rest_b;
    cluster.jobmanager = b.take();
    wait_until("JobManager B to lead", Duration::from_secs(30), || leads(rest_b));
    let elected = killed.elapsed();
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(60));
    let running = killed.elapsed();
    eprintln!("failover: B leads {} ms after the kill, the job runs again after {} ms", elected.as_millis(), running.as_millis());
    assert!(elected < Duration::from_secs(10), "the standby took {elected:?} to take over (lease time to live: 2 s)");
    let log = std::fs::read_to_string(dir.join("jobmanager-b.out")).unwrap();
    assert!(log.contains(&format!("recovering job {job} from checkpoint")), "B did not recover from a checkpoint:\n{log}");
    cluster.wait_for_taskmanagers(2);

    cluster.wait_for_state(&job, "FINISHED", Duration::from_secs(120));
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(n, keys));

    // REST and the CLI answer from the new leader.
    let listed = cluster.rasch_ok(&["list", "-a"]);
    assert!(listed.contains(&format!("{job} : ")) && listed.contains("(FINISHED)"), "{listed}");
    drop(etcd);
    let _ = std::fs::remove_dir_all(&base);
}

/// Starts `rasch <args>` with the configuration in `dir/conf` and waits for it.
fn rasch_in_dir(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rasch")).args(args).env("RASCH_CONF_DIR", dir.join("conf")).output().unwrap()
}

#[test]
fn start_cluster_starts_every_jobmanager_of_conf_masters() {
    let base = std::env::temp_dir().join(format!("rasch-ha-masters-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let etcd = Etcd::start(&base);
    let extra = ha_config("masters", &etcd.url(), &base.join("ha"), &base.join("checkpoints"));
    let (dir, _, _) = cluster_dir("ha-masters", 1, &extra);
    let (rest_a, rest_b) = (free_port(), free_port());
    // Two JobManagers on this host, each with the REST port of its line.
    std::fs::write(dir.join("conf/masters"), format!("localhost:{rest_a}\n127.0.0.1:{rest_b}\n")).unwrap();
    std::fs::write(dir.join("conf/workers"), "localhost\nlocalhost\n").unwrap();
    let started = rasch_in_dir(&dir, &["start-cluster"]);
    let text = said(&started);
    // Whatever happens next, the daemons are stopped by the PIDs start-cluster recorded.
    struct Stop<'a>(&'a Path);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            let _ = rasch_in_dir(self.0, &["stop-cluster"]);
        }
    }
    let stop = Stop(&dir);
    assert!(started.status.success(), "{text}");
    assert_eq!(text.matches("Starting standalonesession daemon").count(), 2, "{text}");
    assert!(text.contains("Cluster is up") && text.contains("2 TaskManager(s)"), "{text}");
    let pids = std::fs::read_dir(dir.join("pid"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("-jobmanager.pid"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap_or_default();
    assert_eq!(pids.lines().count(), 2, "two JobManager pids: {pids}");
    // One leads, the other redirects to it.
    let (leader, standby) = if leads(rest_a) { (rest_a, rest_b) } else { (rest_b, rest_a) };
    assert!(leads(leader), "neither JobManager leads");
    let (status, _, location) = http_get_full(standby, "/overview").unwrap();
    assert_eq!((status, location), (307, Some(format!("http://127.0.0.1:{leader}/overview"))));
    // The CLI finds the leader through etcd.
    let listed = rasch_in_dir(&dir, &["list"]);
    assert!(listed.status.success(), "{}", said(&listed));
    drop(stop);
    assert!(!leads(leader) && http_get(standby, "/overview").is_none(), "stop-cluster left a JobManager running");
    drop(etcd);
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_standby_changes_nothing_and_an_etcd_outage_suspends_the_job_until_etcd_returns() {
    let base = std::env::temp_dir().join(format!("rasch-ha-outage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let mut etcd = Etcd::start(&base);
    let extra = ha_config("outage", &etcd.url(), &base.join("ha"), &base.join("checkpoints"));
    let (dir, _, rpc) = cluster_dir("ha-outage", 2, &extra);
    let (rest_a, rest_b, rest_c) = (free_port(), free_port(), free_port());
    let a = jobmanager(&dir, rest_a, "jobmanager-a");
    wait_until("JobManager A to lead", Duration::from_secs(30), || leads(rest_a));
    let mut b = jobmanager(&dir, rest_b, "jobmanager-b");
    let mut cluster = TestCluster { dir: dir.clone(), rest: rest_a, rpc, jobmanager: a.take(), taskmanagers: Vec::new() };
    cluster.add_taskmanager();
    cluster.add_taskmanager();
    cluster.wait_for_taskmanagers(2);
    let out = dir.join("sums");
    let (n, keys) = (200_000u64, 31u64);
    let (count, key_count) = (n.to_string(), keys.to_string());
    let job = cluster.submit_rolling_sum(
        &["-d", "-p", "2"],
        &out,
        &["--count", &count, "--keys", &key_count, "--rate", "10000", "--checkpoint-interval", "200"],
    );
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(60));
    wait_until("two completed checkpoints", Duration::from_secs(30), || cluster.completed_checkpoints(&job) >= 2);

    // SIGKILL the standby: the leader, its job and its checkpoints carry on.
    wait_until("JobManager B to stand by", Duration::from_secs(30), || http_get(rest_b, "/overview").is_some());
    let before = cluster.completed_checkpoints(&job);
    if let Some(c) = b.0.as_mut() {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    wait_until("two more checkpoints after the standby died", Duration::from_secs(30), || {
        cluster.completed_checkpoints(&job) >= before + 2
    });
    assert_eq!(cluster.job_state(&job), "RUNNING");
    assert!(cluster.jobmanager.try_wait().unwrap().is_none(), "the leader died with the standby");

    // A new standby, then etcd goes away: the leader cannot renew its lease and steps down
    // (it exits); the TaskManagers stop the job's workers. The job is suspended, not lost.
    let c = jobmanager(&dir, rest_c, "jobmanager-c");
    wait_until("JobManager C to stand by", Duration::from_secs(30), || http_get(rest_c, "/overview").is_some());
    etcd.stop();
    let stopped = Instant::now();
    wait_until("the leader to step down without etcd", Duration::from_secs(10), || cluster.jobmanager.try_wait().unwrap().is_some());
    let stepped_down = stopped.elapsed();
    let log = std::fs::read_to_string(dir.join("jobmanager-a.out")).unwrap();
    assert!(log.contains("leadership lost"), "{log}");
    assert!(stepped_down < Duration::from_secs(2), "the leader acted as leader {stepped_down:?} after etcd stopped (lease: 2 s)");
    std::thread::sleep(Duration::from_secs(3));
    assert!(!leads(rest_c), "C cannot lead while etcd is away");

    // etcd returns: C takes over and recovers the job from its latest checkpoint.
    etcd.resume(&base);
    cluster.rest = rest_c;
    cluster.jobmanager = c.take();
    wait_until("JobManager C to lead", Duration::from_secs(30), || leads(rest_c));
    eprintln!("leader stepped down {} ms after etcd stopped", stepped_down.as_millis());
    cluster.wait_for_state(&job, "FINISHED", Duration::from_secs(120));
    let log = std::fs::read_to_string(dir.join("jobmanager-c.out")).unwrap();
    assert!(log.contains(&format!("recovering job {job} from checkpoint")), "{log}");
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(n, keys));
    drop(etcd);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_deposed_leaders_writes_are_fenced_off() {
    use rasch_cluster::ha::etcd::EtcdHa;
    use rasch_cluster::ha::{CheckpointPointer, Epoch, HaServices, JobRecord, LeaderAddress};
    let base = std::env::temp_dir().join(format!("rasch-ha-fencing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let etcd = Etcd::start(&base);
    let me = |n: u16| LeaderAddress { rpc: format!("127.0.0.1:{n}"), rest: format!("127.0.0.1:{}", n + 1) };
    let job = |id: &str| JobRecord {
        job_id: id.into(),
        binary_sha256: "ab".repeat(32),
        binary_name: "job".into(),
        args: vec!["--x".into()],
        start_config: [("parallelism.default".to_string(), "2".to_string())].into(),
    };
    let a = EtcdHa::connect(vec![etcd.url()], "fencing", 1).unwrap();
    let first = a.campaign(&me(1000)).unwrap();
    assert_eq!(a.leader().unwrap(), Some(me(1000)));
    a.put_job(first.epoch, &job("j1")).unwrap();
    let pointer = CheckpointPointer { checkpoint_id: 7, job_dir: "/cp/j1".into() };
    a.put_checkpoint(first.epoch, "j1", &pointer).unwrap();
    // Another epoch than the leader key's is refused.
    assert!(a.put_job(Epoch(first.epoch.0 + 1), &job("j2")).is_err());

    // B waits while A renews its lease ...
    let b = std::sync::Arc::new(EtcdHa::connect(vec![etcd.url()], "fencing", 1).unwrap());
    let contender = b.clone();
    let campaign = std::thread::spawn(move || contender.campaign(&me(2000)).unwrap());
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!campaign.is_finished(), "B was elected while A renewed its lease");
    assert!(!first.lost());
    // ... and is elected once A is gone (its client and lease renewals with it).
    drop(a);
    let second = campaign.join().unwrap();
    assert!(second.epoch > first.epoch);
    assert_eq!(b.leader().unwrap(), Some(me(2000)));
    // What A recorded survives; what A would still write is refused.
    assert_eq!(b.jobs().unwrap(), vec![job("j1")]);
    assert_eq!(b.checkpoint("j1").unwrap(), Some(pointer));
    assert!(b.put_job(first.epoch, &job("j3")).is_err());
    assert!(b.remove_job(first.epoch, "j1").is_err());
    b.remove_job(second.epoch, "j1").unwrap();
    assert!(b.jobs().unwrap().is_empty() && b.checkpoint("j1").unwrap().is_none());
    drop(etcd);
    let _ = std::fs::remove_dir_all(&base);
}

/// The state of `job` as the JobManager with REST port `rest` reports it ("" if it does not).
fn job_state_at(rest: u16, job: &str) -> String {
    http_get(rest, &format!("/jobs/{job}"))
        .filter(|(s, _)| *s == 200)
        .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
        .and_then(|j| j["state"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Completed checkpoints of `job` at the JobManager with REST port `rest`.
fn checkpoints_at(rest: u16, job: &str) -> u64 {
    http_get(rest, &format!("/jobs/{job}/checkpoints"))
        .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
        .and_then(|c| c["counts"]["completed"].as_u64())
        .unwrap_or(0)
}

#[test]
fn the_leader_killed_twice_in_a_row_loses_nothing() {
    let base = std::env::temp_dir().join(format!("rasch-ha-twice-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let etcd = Etcd::start(&base);
    let extra = ha_config("twice", &etcd.url(), &base.join("ha"), &base.join("checkpoints"));
    let (dir, _, rpc) = cluster_dir("ha-twice", 2, &extra);
    let ports = [free_port(), free_port(), free_port()];
    let mut jms: Vec<Option<Daemon>> = Vec::new();
    jms.push(Some(jobmanager(&dir, ports[0], "jobmanager-0")));
    wait_until("the first JobManager to lead", Duration::from_secs(30), || leads(ports[0]));
    jms.push(Some(jobmanager(&dir, ports[1], "jobmanager-1")));
    jms.push(Some(jobmanager(&dir, ports[2], "jobmanager-2")));
    let placeholder = Command::new("sleep").arg("600").spawn().unwrap();
    let mut cluster = TestCluster { dir: dir.clone(), rest: ports[0], rpc, jobmanager: placeholder, taskmanagers: Vec::new() };
    cluster.add_taskmanager();
    cluster.add_taskmanager();
    cluster.wait_for_taskmanagers(2);
    let out = dir.join("sums");
    let (n, keys) = (150_000u64, 23u64);
    let (count, key_count) = (n.to_string(), keys.to_string());
    let job = cluster.submit_rolling_sum(
        &["-d", "-p", "2"],
        &out,
        &["--count", &count, "--keys", &key_count, "--rate", "10000", "--checkpoint-interval", "200"],
    );
    let mut leader = 0;
    for round in 0..2 {
        let rest = ports[leader];
        wait_until("the job to run", Duration::from_secs(60), || job_state_at(rest, &job) == "RUNNING");
        wait_until("two completed checkpoints", Duration::from_secs(30), || checkpoints_at(rest, &job) >= 2);
        assert_eq!(job_state_at(rest, &job), "RUNNING", "round {round}: the job ended too early; make it longer");
        // SIGKILL the leader; one of the others takes over.
        drop(jms[leader].take());
        wait_until("a new leader", Duration::from_secs(30), || (0..3).any(|i| jms[i].is_some() && leads(ports[i])));
        leader = (0..3).find(|&i| jms[i].is_some() && leads(ports[i])).unwrap();
        let log = std::fs::read_to_string(dir.join(format!("jobmanager-{leader}.out"))).unwrap();
        assert!(log.contains(&format!("recovering job {job} from checkpoint")), "round {round}:\n{log}");
    }
    cluster.rest = ports[leader];
    cluster.wait_for_state(&job, "FINISHED", Duration::from_secs(120));
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(n, keys));
    drop(jms);
    drop(etcd);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn restarting_the_whole_cluster_brings_the_running_job_back() {
    let base = std::env::temp_dir().join(format!("rasch-ha-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let etcd = Etcd::start(&base);
    let extra = ha_config("restart", &etcd.url(), &base.join("ha"), &base.join("checkpoints"));
    let (dir, _, _) = cluster_dir("ha-restart", 1, &extra);
    let (rest_a, rest_b) = (free_port(), free_port());
    std::fs::write(dir.join("conf/masters"), format!("localhost:{rest_a}\nlocalhost:{rest_b}\n")).unwrap();
    std::fs::write(dir.join("conf/workers"), "localhost\nlocalhost\n").unwrap();
    struct Stop<'a>(&'a Path);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            let _ = rasch_in_dir(self.0, &["stop-cluster"]);
        }
    }
    let stop = Stop(&dir);
    let started = rasch_in_dir(&dir, &["start-cluster"]);
    assert!(started.status.success(), "{}", said(&started));
    let out = dir.join("sums");
    let (n, keys) = (120_000u64, 19u64);
    let bin = example("rolling_sum");
    let (count, key_count) = (n.to_string(), keys.to_string());
    let submitted = rasch_in_dir(
        &dir,
        &[
            "run",
            "-d",
            "-p",
            "2",
            bin.to_str().unwrap(),
            "--",
            "--output",
            out.to_str().unwrap(),
            "--count",
            &count,
            "--keys",
            &key_count,
            "--rate",
            "10000",
            "--checkpoint-interval",
            "200",
        ],
    );
    assert!(submitted.status.success(), "{}", said(&submitted));
    let job = job_id(&said(&submitted));
    let leader = || [rest_a, rest_b].into_iter().find(|p| leads(*p));
    let rest = leader().expect("a leader");
    wait_until("the job to run", Duration::from_secs(60), || job_state_at(rest, &job) == "RUNNING");
    wait_until("two completed checkpoints", Duration::from_secs(30), || checkpoints_at(rest, &job) >= 2);
    assert_eq!(job_state_at(rest, &job), "RUNNING", "the job ended too early; make it longer");

    // Every JobManager and TaskManager stops; the job stays recorded in etcd.
    let stopped = rasch_in_dir(&dir, &["stop-cluster"]);
    assert!(stopped.status.success(), "{}", said(&stopped));
    assert!(leader().is_none());
    let started = rasch_in_dir(&dir, &["start-cluster"]);
    assert!(started.status.success(), "{}", said(&started));
    wait_until("a leader after the restart", Duration::from_secs(30), || leader().is_some());
    let rest = leader().unwrap();
    wait_until("the recovered job to finish", Duration::from_secs(120), || job_state_at(rest, &job) == "FINISHED");
    assert_same(&committed_lines(&[out.as_path()]), &rolling_sums(n, keys));
    drop(stop);
    drop(etcd);
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_dir_all(&dir);
}
