//! Runs the real example binaries (built by `cargo test`): WordCount against an independently
//! computed answer, and plan mode printing a stable JobGraph.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/<test-binary> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    assert!(path.exists(), "example binary {} not built (cargo test builds examples)", path.display());
    path
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rasch-{tag}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn word_count_example_matches_an_independent_count() {
    let dir = temp_dir("wc");
    let input = dir.join("input.txt");
    let mut text = String::new();
    for i in 0..20_000u64 {
        text.push_str(&format!("alpha beta{} Gamma-{} delta\n", i % 13, (i * 31) % 101));
    }
    std::fs::write(&input, &text).unwrap();
    let mut expected: HashMap<String, u64> = HashMap::new();
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *expected.entry(w.to_lowercase()).or_default() += 1;
    }
    let output = dir.join("out");
    let status = Command::new(example("word_count"))
        .args(["--input", input.to_str().unwrap(), "--output", output.to_str().unwrap(), "--parallelism", "3"])
        .status()
        .unwrap();
    assert!(status.success());
    let mut got: HashMap<String, u64> = HashMap::new();
    for entry in std::fs::read_dir(&output).unwrap() {
        for line in std::fs::read_to_string(entry.unwrap().path()).unwrap().lines() {
            let (w, c) = line.rsplit_once(',').unwrap();
            assert!(got.insert(w.to_string(), c.parse().unwrap()).is_none(), "word {w} written twice");
        }
    }
    assert_eq!(got, expected);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn plan_mode_prints_the_job_graph_with_stable_ids() {
    let plan = |p: &str| {
        let out = Command::new(example("word_count")).args(["--parallelism", p]).env("RASCH_EXECUTION_MODE", "plan").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("plan is JSON")
    };
    let a = plan("2");
    let b = plan("2");
    assert_eq!(a, b, "plans are deterministic");
    assert_eq!(a["name"], "WordCount");
    let nodes = a["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{a:#}");
    assert_eq!(nodes[0]["description"], "Source: Collection Source");
    assert_eq!(nodes[0]["parallelism"], 1);
    assert_eq!(nodes[1]["description"], "Tokenizer");
    assert_eq!(nodes[1]["inputs"][0]["ship_strategy"], "REBALANCE");
    assert_eq!(nodes[2]["description"], "Counter -> Map -> Print to Std. Out");
    assert_eq!(nodes[2]["parallelism"], 2);
    assert_eq!(nodes[2]["inputs"][0]["ship_strategy"], "HASH");
    assert_eq!(nodes[2]["inputs"][0]["id"], nodes[1]["id"]);
    assert_eq!(nodes[2]["operators"].as_array().unwrap().len(), 3);
    assert_eq!(a["fingerprint"].as_str().unwrap().len(), 64);
    let c = plan("3");
    assert_ne!(a["fingerprint"], c["fingerprint"], "parallelism is part of the fingerprint");
    assert_eq!(a["nodes"][0]["id"], c["nodes"][0]["id"], "operator ids do not depend on parallelism");
}
