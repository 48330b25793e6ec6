//! The Nexmark DataStream example (`examples/nexmark.rs`) against Flink 1.20's own results:
//! the 10 k-event set of `../shared/nexmark` is generated with its generator, every query runs
//! as a real process at parallelism 2, and the sorted output lines must equal Flink's expected
//! file byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `$RASCH_NEXMARK_DIR`, else `shared/nexmark` beside the checkout, else the machine's
/// `/work/shared/nexmark` (a clean clone elsewhere, as CI makes, has no sibling `shared/`).
fn nexmark_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("RASCH_NEXMARK_DIR") {
        return PathBuf::from(dir);
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nexmark");
    if beside.is_dir() { beside } else { PathBuf::from("/work/shared/nexmark") }
}

fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples").join("nexmark")
}

fn sorted_lines(bytes: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(bytes).lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
    lines.sort();
    lines
}

#[test]
fn datastream_nexmark_queries_give_flinks_exact_results() {
    let shared = nexmark_dir();
    assert!(shared.join("gen.py").is_file(), "the Nexmark files are missing at {} (set RASCH_NEXMARK_DIR)", shared.display());
    let dir = std::env::temp_dir().join(format!("rasch-nexmark-ds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("events.jsonl");
    let generated = Command::new("python3")
        .arg(shared.join("gen.py"))
        .args(["--events", "10000", "--seed", "42", "--rate", "1000", "--out"])
        .arg(&input)
        .output()
        .expect("python3 runs the Nexmark generator");
    assert!(generated.status.success(), "gen.py failed: {}", String::from_utf8_lossy(&generated.stderr));

    for query in ["q0", "q1", "q2", "q5", "q7", "q8"] {
        let output = dir.join(query);
        let run = Command::new(example())
            .args(["--query", query, "--parallelism", "2", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .output()
            .unwrap();
        assert!(run.status.success(), "{query} failed: {}", String::from_utf8_lossy(&run.stderr));
        let mut got = Vec::new();
        let parts: Vec<PathBuf> =
            if output.is_dir() { std::fs::read_dir(&output).unwrap().map(|e| e.unwrap().path()).collect() } else { vec![output.clone()] };
        for part in parts {
            got.extend(std::fs::read(part).unwrap());
            got.push(b'\n');
        }
        let expected_file = shared.join(format!("expected/10000ev_seed42_r1000/{query}.jsonl.gz"));
        let expected = Command::new("gzip").arg("-dc").arg(&expected_file).output().expect("gzip decompresses the expected file");
        assert!(expected.status.success(), "cannot read {}", expected_file.display());
        let (got, expected) = (sorted_lines(&got), sorted_lines(&expected.stdout));
        assert!(!expected.is_empty());
        assert_eq!(got.len(), expected.len(), "{query}: row count");
        assert!(got == expected, "{query}: first difference at {:?}", got.iter().zip(&expected).find(|(a, b)| a != b));
    }
    std::fs::remove_dir_all(&dir).ok();
}
