//! Smoke-runs the remaining example programs and checks what they print.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples").join(name)
}

fn run(name: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new(example(name)).args(args).output().unwrap();
    assert!(out.status.success(), "{name} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn side_outputs_example_separates_rejected_lines() {
    let lines = run("side_outputs", &[]);
    // Flink's format with an identifier: `id:N> value` when parallel, `id> value` otherwise.
    let mut rejected: Vec<&str> = lines.iter().filter(|l| l.starts_with("rejected")).map(|l| l.split_once("> ").unwrap().1).collect();
    rejected.sort();
    assert_eq!(rejected, vec!["no comma", "pears,x"]);
    let totals: Vec<&str> = lines.iter().filter(|l| l.starts_with("total")).map(|l| l.split("> ").nth(1).unwrap()).collect();
    assert!(totals.contains(&"(apples,7)") && totals.contains(&"(pears,5)"), "{totals:?}");
}

#[test]
fn rolling_max_example_prints_with_subtask_prefixes() {
    let lines = run("rolling_max", &[]);
    assert_eq!(lines.len(), 20, "one update per reading: {lines:?}");
    assert!(lines.iter().all(|l| l.starts_with("1> ") || l.starts_with("2> ")), "{lines:?}");
    // The last update per sensor is its true maximum, computed here independently.
    for sensor in 0..3u64 {
        let max = (0..20u64).filter(|i| i % 3 == sensor).map(|i| 20.0 + ((i * 7919) % 17) as f64).fold(f64::MIN, f64::max);
        let name = format!("(sensor-{sensor},");
        let last = lines.iter().rfind(|l| l.contains(&name)).unwrap();
        assert!(last.ends_with(&format!(",{max})")), "{last} should carry max {max}");
    }
}

#[test]
fn socket_word_count_counts_what_arrives_on_the_socket() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let feeder = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(b"to be or not\nto be\n").unwrap();
        // Closing the connection ends the source (no retries), so the job finishes.
    });
    let child = Command::new(example("socket_word_count"))
        .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
        .env("RASCH_EXECUTION_MODE", "local")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut finals = std::collections::HashMap::new();
    for line in text.lines() {
        let body = line.split_once("> ").map(|(_, b)| b).unwrap_or(line);
        let (w, c) = body.trim_matches(|c| c == '(' || c == ')').split_once(',').unwrap();
        finals.insert(w.to_string(), c.parse::<u64>().unwrap());
    }
    assert_eq!(finals, [("to", 2), ("be", 2), ("or", 1), ("not", 1)].into_iter().map(|(w, c)| (w.to_string(), c)).collect());
}
