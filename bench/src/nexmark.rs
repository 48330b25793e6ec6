//! `rasch-bench nexmark --query qN --events N`: one Nexmark query through `rasch sql -f`, the
//! whole process timed (start, planning, run, exit), with its peak memory.
//! `rasch-bench nexmark-datastream --query qN --events N`: the same query as a typed DataStream
//! job (`examples/nexmark.rs`: q0, q1, q2, q5, q7, q8), timed the same way.
//!
//! The input is `gen.py --events N --seed 42 --rate 1000` (generated once into
//! `$TMPDIR/rasch-bench/`); the script is `settings_<mode>.sql` + `ddl.sql` + `qN.sql` from
//! the shared Nexmark directory, unchanged but for the placeholders. q11 runs in streaming
//! mode (as Flink's reference run does), the others in `--mode` (default batch).
//!
//! Both check the output against Flink's: the expected file of the 10 k-event set, or the
//! sha256 the Nexmark README lists for the 100 k-event set; a mismatch fails the benchmark.

use rasch::Params;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What every Nexmark benchmark reads: query, events, parallelism and the shared directory.
struct Setup {
    query: String,
    events: u64,
    parallelism: usize,
    nexmark: PathBuf,
    tmp: PathBuf,
    input: PathBuf,
}

impl Setup {
    /// Reads the flags and generates the input once.
    fn from(p: &Params) -> Result<Setup, String> {
        let query = p.get("query").ok_or("--query qN is required")?.to_string();
        let events: u64 = p.get("events").unwrap_or("100000").parse().map_err(|e| format!("--events: {e}"))?;
        let parallelism: usize = p.get("parallelism").unwrap_or("2").parse().map_err(|e| format!("--parallelism: {e}"))?;
        let nexmark = PathBuf::from(p.get("nexmark-dir").unwrap_or("../shared/nexmark"));
        let tmp = std::env::temp_dir().join("rasch-bench");
        std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
        let input = tmp.join(format!("nexmark-{events}.jsonl"));
        if !input.exists() {
            let st = Command::new("python3")
                .arg(nexmark.join("gen.py"))
                .args(["--events", &events.to_string(), "--seed", "42", "--rate", "1000", "--out"])
                .arg(&input)
                .status()
                .map_err(|e| format!("python3 gen.py: {e}"))?;
            if !st.success() {
                return Err("gen.py failed".into());
            }
        }
        Ok(Setup { query, events, parallelism, nexmark, tmp, input })
    }

    /// Flink's sorted output for this query and input, as (rows, sha256), if the shared
    /// directory has it: the expected file of the 10 k-event set, or the README's table for
    /// the 100 k-event set.
    fn flinks(&self) -> Result<Option<(usize, String)>, String> {
        match self.events {
            10_000 => {
                let file = self.nexmark.join(format!("expected/10000ev_seed42_r1000/{}.jsonl.gz", self.query));
                let out = Command::new("gzip").arg("-dc").arg(&file).output().map_err(|e| format!("gzip: {e}"))?;
                if !out.status.success() {
                    return Ok(None);
                }
                Ok(Some(digest_lines(out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect())))
            }
            100_000 => {
                let readme = std::fs::read_to_string(self.nexmark.join("README.md")).map_err(|e| format!("the Nexmark README: {e}"))?;
                Ok(readme.lines().find_map(|l| {
                    let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                    (cells.len() > 4 && cells[1] == self.query).then(|| Some((cells[2].parse().ok()?, cells[3].to_string()))).flatten()
                }))
            }
            _ => Ok(None),
        }
    }

    /// Times `cmd` to its exit with its peak memory, checks the rows under `out` against
    /// Flink's and prints the human line and the JSON record of `bench`.
    fn measure(&self, bench: &str, mode: &str, mut cmd: Command, out: &Path) -> Result<(), String> {
        let _ = std::fs::remove_dir_all(out);
        let start = Instant::now();
        let (status, peak_kb) = run_with_peak_memory(&mut cmd)?;
        let seconds = start.elapsed().as_secs_f64();
        if !status.success() {
            return Err(format!("{bench} {} failed ({status})", self.query));
        }
        let (rows, sha) = digest(out)?;
        let check = match self.flinks()? {
            Some((n, want)) if (n, want.as_str()) == (rows, sha.as_str()) => "equal to Flink's",
            Some((n, want)) => return Err(format!("{}: {rows} rows, sha256 {sha}; Flink's are {n} rows, sha256 {want}", self.query)),
            None => "not checked: Flink's result is known for 10 000 and 100 000 events",
        };
        let (query, events) = (&self.query, self.events);
        println!(
            "{query}: {events} events in {seconds:.3} s ({:.0} events/s), peak RSS {} MiB, {rows} rows, sha256 {sha} ({check})",
            events as f64 / seconds,
            peak_kb / 1024
        );
        let json = serde_json::json!({
            "bench": bench, "query": query, "mode": mode, "parallelism": self.parallelism, "records": events,
            "seconds": seconds, "records_per_sec": (events as f64 / seconds.max(1e-9)).round(), "peak_rss_bytes": peak_kb * 1024,
            "rows": rows, "sha256": sha,
        });
        println!("{json}");
        Ok(())
    }
}

/// Runs `cmd` to its exit, sampling its peak resident memory (`VmHWM`, kB).
fn run_with_peak_memory(cmd: &mut Command) -> Result<(ExitStatus, u64), String> {
    let mut child = cmd.stdout(Stdio::null()).spawn().map_err(|e| format!("{cmd:?}: {e}"))?;
    let mut peak_kb = 0u64;
    loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok((status, peak_kb));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A binary built next to this one (`target/<profile>/<relative>`).
fn sibling(relative: &str) -> Result<PathBuf, String> {
    Ok(std::env::current_exe().map_err(|e| e.to_string())?.with_file_name(relative))
}

/// Runs the DataStream benchmark: `examples/nexmark.rs` (build it with
/// `cargo build --release --example nexmark`).
pub fn run_datastream(p: &Params) -> Result<(), String> {
    let setup = Setup::from(p)?;
    let example = match p.get("example") {
        Some(e) => PathBuf::from(e),
        None => sibling("examples/nexmark")?,
    };
    if !example.is_file() {
        return Err(format!("{} is missing: build it with `cargo build --release --example nexmark`", example.display()));
    }
    let out = setup.tmp.join(format!("out-datastream-{}", setup.query));
    let mut cmd = Command::new(&example);
    cmd.args(["--query", &setup.query, "--parallelism", &setup.parallelism.to_string(), "--input"])
        .arg(&setup.input)
        .arg("--output")
        .arg(&out)
        .stderr(Stdio::null());
    setup.measure("nexmark-datastream", "batch", cmd, &out)
}

/// Runs the SQL benchmark.
pub fn run(p: &Params) -> Result<(), String> {
    let setup = Setup::from(p)?;
    let query = &setup.query;
    let mode = if query == "q11" { "streaming" } else { p.get("mode").unwrap_or("batch") }.to_string();
    let rasch = match p.get("rasch") {
        Some(r) => PathBuf::from(r),
        None => sibling("rasch")?,
    };
    let out = setup.tmp.join(format!("out-{query}"));
    let mut script = String::new();
    for f in [format!("settings_{mode}.sql"), "ddl.sql".into(), format!("{query}.sql")] {
        let path = setup.nexmark.join("queries").join(&f);
        script.push_str(&std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?);
        script.push('\n');
    }
    let script = script.replace("${NEXMARK_INPUT}", &setup.input.to_string_lossy()).replace("${OUTPUT_DIR}", &out.to_string_lossy());
    let script_path = setup.tmp.join(format!("{query}.sql"));
    std::fs::write(&script_path, script).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&rasch);
    cmd.args(["sql", "-D", &format!("parallelism.default={}", setup.parallelism), "-f"]).arg(&script_path);
    setup.measure("nexmark", &mode, cmd, &out.join(query))
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Row count and sha256 of the sorted lines of every visible file under `dir`.
fn digest(dir: &Path) -> Result<(usize, String), String> {
    let mut lines = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let p = e.map_err(|e| e.to_string())?.path();
            if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let text = std::fs::read(&p).map_err(|e| e.to_string())?;
                lines.extend(text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec));
            }
        }
    }
    Ok(digest_lines(lines))
}

/// Row count and sha256 of `lines` sorted in byte order, each followed by a newline.
fn digest_lines(mut lines: Vec<Vec<u8>>) -> (usize, String) {
    lines.sort();
    let mut h = Sha256::new();
    for l in &lines {
        h.update(l);
        h.update(b"\n");
    }
    (lines.len(), h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
