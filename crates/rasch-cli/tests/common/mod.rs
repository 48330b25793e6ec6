//! What the cluster tests share: a real cluster on 127.0.0.1 (a JobManager and TaskManagers
//! as processes of the `rasch` binary, killed by PID on drop), the `rasch` CLI, the example job
//! binaries, and the independently computed answers of the `rolling_sum` example.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe().unwrap().ancestors().nth(3).unwrap().to_path_buf()
}

/// A debug build of one of the `rasch` package's examples (built if missing).
pub fn example(name: &str) -> PathBuf {
    let path = target_dir().join("debug").join("examples").join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "rasch", "--example", name])
            .env("CARGO_TARGET_DIR", target_dir())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the {name} example failed");
    }
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A fresh directory with `conf/config.yaml` for a cluster on free loopback ports (debug job
/// binaries exceed Flink's 100 MB upload limit, so it is raised); returns it with the REST and
/// RPC ports.
pub fn cluster_dir(tag: &str, slots: usize, extra: &str) -> (PathBuf, u16, u16) {
    let dir = std::env::temp_dir().join(format!("rasch-cluster-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("conf")).unwrap();
    let (rest, rpc) = (free_port(), free_port());
    std::fs::write(
        dir.join("conf/config.yaml"),
        format!(
            "jobmanager:\n  rpc:\n    address: 127.0.0.1\n    port: {rpc}\nrest.port: {rest}\ntaskmanager.numberOfTaskSlots: {slots}\n\
             heartbeat.interval: 200\n{}rest.server.max-content-length: 1073741824\n\
             blob.storage.directory: {}\nenv.log.dir: {}\nenv.pid.dir: {}\n{extra}",
            if extra.contains("heartbeat.timeout") { "" } else { "heartbeat.timeout: 3000\n" },
            dir.join("blobs").display(),
            dir.join("log").display(),
            dir.join("pid").display()
        ),
    )
    .unwrap();
    (dir, rest, rpc)
}

/// Runs the `rasch` CLI with the configuration in `dir/conf`.
pub fn rasch_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rasch")).args(args).env("RASCH_CONF_DIR", dir.join("conf")).output().unwrap()
}

/// Everything a command printed.
pub fn said(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A JobManager and TaskManagers started by this test (killed on drop, by their PIDs).
pub struct TestCluster {
    pub dir: PathBuf,
    pub rest: u16,
    pub rpc: u16,
    pub jobmanager: Child,
    pub taskmanagers: Vec<Child>,
}

impl TestCluster {
    pub fn start(tag: &str, taskmanagers: usize, slots: usize, extra: &str) -> TestCluster {
        let (dir, rest, rpc) = cluster_dir(tag, slots, extra);
        let jobmanager = Self::spawn(&dir, "jobmanager", "jobmanager.out");
        let mut cluster = TestCluster { dir, rest, rpc, jobmanager, taskmanagers: Vec::new() };
        for _ in 0..taskmanagers {
            cluster.add_taskmanager();
        }
        cluster.wait_for_taskmanagers(taskmanagers);
        cluster
    }

    pub fn spawn(dir: &Path, role: &str, log: &str) -> Child {
        let out = std::fs::File::create(dir.join(log)).unwrap();
        Command::new(env!("CARGO_BIN_EXE_rasch"))
            .arg(role)
            .env("RASCH_CONF_DIR", dir.join("conf"))
            // The file its output goes to is the log REST serves.
            .env("RASCH_LOG_FILE", dir.join(log))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap()
    }

    pub fn add_taskmanager(&mut self) {
        let n = self.taskmanagers.len();
        let child = Self::spawn(&self.dir, "taskmanager", &format!("taskmanager-{n}.out"));
        self.taskmanagers.push(child);
    }

    pub fn wait_for_taskmanagers(&self, n: usize) {
        wait_until(&format!("{n} TaskManagers"), Duration::from_secs(20), || {
            self.get_json("/overview").is_some_and(|o| o["taskmanagers"].as_u64() == Some(n as u64))
        });
    }

    pub fn rasch(&self, args: &[&str]) -> Output {
        rasch_in(&self.dir, args)
    }

    pub fn rasch_ok(&self, args: &[&str]) -> String {
        let out = self.rasch(args);
        let text = said(&out);
        assert!(out.status.success(), "rasch {args:?} failed:\n{text}\n{}", self.logs());
        text
    }

    /// `rasch run <run_flags> rolling_sum -- --output <out> <job_args>`.
    pub fn run_rolling_sum(&self, run_flags: &[&str], out: &Path, job_args: &[&str]) -> Output {
        let bin = example("rolling_sum");
        let mut args = vec!["run"];
        args.extend_from_slice(run_flags);
        args.extend([bin.to_str().unwrap(), "--", "--output", out.to_str().unwrap()]);
        args.extend_from_slice(job_args);
        self.rasch(&args)
    }

    /// [`run_rolling_sum`](Self::run_rolling_sum) that must succeed; returns the job id.
    pub fn submit_rolling_sum(&self, run_flags: &[&str], out: &Path, job_args: &[&str]) -> String {
        let o = self.run_rolling_sum(run_flags, out, job_args);
        let text = said(&o);
        assert!(o.status.success(), "rolling_sum {run_flags:?} {job_args:?} failed:\n{text}\n{}", self.logs());
        job_id(&text)
    }

    pub fn logs(&self) -> String {
        let mut all = String::new();
        for entry in std::fs::read_dir(&self.dir).unwrap().flatten() {
            if entry.path().extension().is_some_and(|e| e == "out") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                all.push_str(&format!("--- {}\n{}\n", entry.path().display(), tail.into_iter().rev().collect::<Vec<_>>().join("\n")));
            }
        }
        all
    }

    pub fn http(&self, request: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.rest)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf).to_string();
        let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        self.http(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes())
    }

    pub fn get_json(&self, path: &str) -> Option<serde_json::Value> {
        TcpStream::connect(("127.0.0.1", self.rest)).ok()?;
        let (status, body) = self.get(path);
        (status == 200).then(|| serde_json::from_str(&body).ok()).flatten()
    }

    pub fn job_state(&self, job: &str) -> String {
        self.get_json(&format!("/jobs/{job}")).and_then(|j| j["state"].as_str().map(str::to_string)).unwrap_or_default()
    }

    pub fn wait_for_state(&self, job: &str, state: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let now = self.job_state(job);
            if now == state {
                return;
            }
            assert!(Instant::now() < deadline, "job {job} is {now}, expected {state}\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn completed_checkpoints(&self, job: &str) -> u64 {
        self.get_json(&format!("/jobs/{job}/checkpoints")).and_then(|c| c["counts"]["completed"].as_u64()).unwrap_or(0)
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for c in self.taskmanagers.iter_mut().chain(std::iter::once(&mut self.jobmanager)) {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Blob stores hold copies of ~100 MB debug binaries: keep them only to debug a failure.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

pub fn job_id(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("Job has been submitted with JobID "))
        .unwrap_or_else(|| panic!("no job id in:\n{out}"))
        .trim()
        .to_string()
}

/// Lines of the committed part files in `dir` (files starting with `.` are not committed).
pub fn committed_lines(dirs: &[&Path]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with('.') || e.path().is_dir() {
                continue;
            }
            for line in std::fs::read_to_string(e.path()).unwrap().lines() {
                *out.entry(line.to_string()).or_insert(0) += 1;
            }
        }
    }
    out
}

/// What `rolling_sum --count n --keys k` must commit: one line per record, `key,running sum`.
pub fn rolling_sums(n: u64, keys: u64) -> HashMap<String, usize> {
    let mut sums = vec![0u64; keys as usize];
    let mut out = HashMap::new();
    for i in 0..n {
        let k = (i % keys) as usize;
        sums[k] += i;
        *out.entry(format!("{k},{}", sums[k])).or_insert(0) += 1;
    }
    out
}

pub fn assert_same(got: &HashMap<String, usize>, want: &HashMap<String, usize>) {
    let missing = want.iter().filter(|(l, n)| got.get(*l) != Some(n)).count();
    let extra = got.iter().filter(|(l, n)| want.get(*l) != Some(n)).count();
    assert!(
        missing == 0 && extra == 0,
        "{missing} expected lines missing or miscounted, {extra} unexpected (got {} lines, want {})",
        got.values().sum::<usize>(),
        want.values().sum::<usize>()
    );
}

/// Runs one of the project's install scripts (`scripts/<name>`); returns the last line it
/// printed (where it installed), or `None` after saying loudly that `test` is skipped when
/// the script exits with status 3 (its package registry cannot be reached). Any other
/// failure fails the test.
pub fn install(name: &str, test: &str) -> Option<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts").join(name);
    let out = Command::new("bash").arg(&script).output().unwrap_or_else(|e| panic!("bash runs {}: {e}", script.display()));
    let text = said(&out);
    match out.status.code() {
        Some(0) => Some(String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim().to_string()),
        Some(3) => {
            eprintln!("\n*** SKIPPED: {test}: {name} cannot reach its package registry ***\n{text}");
            None
        }
        _ => panic!("scripts/{name} failed ({}):\n{text}", out.status),
    }
}

/// Flink 1.20.3's home (the `pyflink` directory with `bin/flink` and `lib/flink-dist-1.20.3.jar`),
/// from the cache or installed from PyPI by `scripts/install-flink-client.sh`.
pub fn flink_home(test: &str) -> Option<PathBuf> {
    install("install-flink-client.sh", test).map(PathBuf::from)
}

/// Where tests keep what a person may want to look at afterwards (screenshots).
pub fn artefacts(name: &str) -> PathBuf {
    let dir = target_dir().join("test-artefacts").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a dashboard test script (`tests/dashboard/<script>`) with node and `env`; fails the
/// test with everything it printed unless it succeeds.
pub fn run_node(script: &str, node_modules: &str, env: &[(&str, String)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboard").join(script);
    let out = Command::new("node")
        .arg(&path)
        .env("PLAYWRIGHT_MODULES", node_modules)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("node runs (the dashboard tests need Node.js)");
    let text = said(&out);
    assert!(out.status.success(), "{script} failed ({}):\n{text}", out.status);
    text
}
