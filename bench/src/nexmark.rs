//! `rasch-bench nexmark --query qN --events N`: one Nexmark query through `rasch sql -f`, the
//! whole process timed (start, planning, run, exit), with its peak memory.
//!
//! The input is `gen.py --events N --seed 42 --rate 1000` (generated once into
//! `$TMPDIR/rasch-bench/`); the script is `settings_<mode>.sql` + `ddl.sql` + `qN.sql` from
//! the shared Nexmark directory, unchanged but for the placeholders. q11 runs in streaming
//! mode (as Flink's reference run does), the others in `--mode` (default batch).

use rasch::Params;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the benchmark.
pub fn run(p: &Params) -> Result<(), String> {
    let query = p.get("query").ok_or("--query qN is required")?.to_string();
    let events: u64 = p.get("events").unwrap_or("100000").parse().map_err(|e| format!("--events: {e}"))?;
    let parallelism: usize = p.get("parallelism").unwrap_or("2").parse().map_err(|e| format!("--parallelism: {e}"))?;
    let nexmark = PathBuf::from(p.get("nexmark-dir").unwrap_or("../shared/nexmark"));
    let mode = if query == "q11" { "streaming" } else { p.get("mode").unwrap_or("batch") }.to_string();
    let rasch = match p.get("rasch") {
        Some(r) => PathBuf::from(r),
        None => std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("rasch"),
    };
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
    let out = tmp.join(format!("out-{query}"));
    let _ = std::fs::remove_dir_all(&out);
    let mut script = String::new();
    for f in [format!("settings_{mode}.sql"), "ddl.sql".into(), format!("{query}.sql")] {
        let path = nexmark.join("queries").join(&f);
        script.push_str(&std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?);
        script.push('\n');
    }
    let script = script.replace("${NEXMARK_INPUT}", &input.to_string_lossy()).replace("${OUTPUT_DIR}", &out.to_string_lossy());
    let script_path = tmp.join(format!("{query}.sql"));
    std::fs::write(&script_path, script).map_err(|e| e.to_string())?;

    let start = Instant::now();
    let mut child = Command::new(&rasch)
        .args(["sql", "-D", &format!("parallelism.default={parallelism}"), "-f"])
        .arg(&script_path)
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", rasch.display()))?;
    let mut peak_kb = 0u64;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) => break s,
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("rasch sql failed ({status})"));
    }
    let (rows, sha) = digest(&out.join(&query))?;
    println!(
        "{query}: {events} events in {seconds:.3} s ({:.0} events/s), peak RSS {} MiB, {rows} rows, sha256 {sha}",
        events as f64 / seconds,
        peak_kb / 1024
    );
    let rate = events as f64 / seconds.max(1e-9);
    let json = serde_json::json!({
        "bench": "nexmark", "query": query, "mode": mode, "parallelism": parallelism, "records": events,
        "seconds": seconds, "records_per_sec": rate.round(), "peak_rss_bytes": peak_kb * 1024, "rows": rows, "sha256": sha,
    });
    println!("{json}");
    Ok(())
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
    lines.sort();
    let mut h = Sha256::new();
    for l in &lines {
        h.update(l);
        h.update(b"\n");
    }
    Ok((lines.len(), h.finalize().iter().map(|b| format!("{b:02x}")).collect()))
}
