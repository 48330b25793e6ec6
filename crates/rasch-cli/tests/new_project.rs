//! `rasch new` end to end: the created crate builds against this checkout, its own tests pass,
//! and `cargo run` runs its job on the embedded local mode. The crate builds in
//! `target/new-project` (kept between runs; a fresh clone builds Rasch there once, ~3 minutes
//! on two cores).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn cargo(dir: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/new-project"))
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}

#[test]
fn a_new_job_crate_builds_passes_its_tests_and_runs() {
    let parent = std::env::temp_dir().join(format!("rasch-new-{}", std::process::id()));
    std::fs::remove_dir_all(&parent).ok();
    std::fs::create_dir_all(&parent).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rasch"))
        .args(["new", "sensor-max", "--path"])
        .arg(workspace())
        .arg("--dir")
        .arg(&parent)
        .output()
        .unwrap();
    assert!(out.status.success(), "rasch new failed: {}", String::from_utf8_lossy(&out.stderr));
    let dir = parent.join("sensor-max");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created job crate 'sensor-max'"));
    assert!(dir.join("Cargo.lock").is_file(), "the checkout's lock file pins the dependency versions");

    let test = cargo(&dir, &["test"]);
    let text = format!("{}{}", String::from_utf8_lossy(&test.stdout), String::from_utf8_lossy(&test.stderr));
    assert!(test.status.success(), "cargo test in the new crate failed:\n{text}");
    assert!(text.contains("test result: ok. 2 passed"), "{text}");

    let run = cargo(&dir, &["run"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "cargo run failed:\n{}", String::from_utf8_lossy(&run.stderr));
    // The sample's last running maximum per sensor (Flink's `N> ` prefix at parallelism 2).
    for max in ["(kitchen,23)", "(garden,14)", "(attic,30)"] {
        assert!(stdout.lines().any(|l| l.ends_with(max)), "no {max} in:\n{stdout}");
    }

    // A second crate of the same name in the same place is refused.
    let again = Command::new(env!("CARGO_BIN_EXE_rasch")).args(["new", "sensor-max", "--dir"]).arg(&parent).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    std::fs::remove_dir_all(&parent).ok();
}
