//! Runs the `parquet_to_json` example ("files in Parquet → JSON"): it writes trips as Parquet
//! with the FileSink, reads them with the Parquet source and writes JSON lines bucketed by city.
//! The JSON lines must be exactly the fares computed here independently, each in its city's
//! bucket, and the Parquet input must hold every trip once.
//!
//! Needs the `parquet` feature (`cargo test --features rasch/parquet`, as scripts/test.sh runs).

#[cfg(not(feature = "parquet"))]
#[test]
fn the_parquet_example_test_needs_the_parquet_feature() {
    panic!(
        "crates/rasch/tests/parquet_to_json.rs needs the `parquet` feature: cargo test --features rasch/parquet (scripts/test.sh runs it)"
    );
}

#[cfg(feature = "parquet")]
mod with_parquet {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    fn example(name: &str) -> PathBuf {
        let exe = std::env::current_exe().unwrap();
        exe.parent().unwrap().parent().unwrap().join("examples").join(name)
    }

    /// Visible files under `dir` (relative), recursively.
    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut dirs = vec![dir.to_path_buf()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    out.push(p.strip_prefix(dir).unwrap().to_path_buf());
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn parquet_trips_become_json_fares_bucketed_by_city() {
        const N: u64 = 5_000;
        let root = std::env::temp_dir().join(format!("rasch-parquet-to-json-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (input, output) = (root.join("trips"), root.join("fares"));
        let out = Command::new(example("parquet_to_json"))
            .args(["--input", input.to_str().unwrap(), "--output", output.to_str().unwrap(), "--generate", &N.to_string()])
            .output()
            .unwrap();
        assert!(out.status.success(), "parquet_to_json failed: {}", String::from_utf8_lossy(&out.stderr));

        let inputs = files(&input);
        assert!(!inputs.is_empty() && inputs.iter().all(|p| p.to_string_lossy().ends_with(".parquet")), "{inputs:?}");
        let outputs = files(&output);
        assert!(outputs.iter().all(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')), "{outputs:?}");
        let cities = ["berlin", "lisbon", "oslo"];
        let mut seen = BTreeMap::new();
        for file in &outputs {
            let bucket = file.parent().unwrap().to_string_lossy().into_owned();
            for line in std::fs::read_to_string(output.join(file)).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let id = v["id"].as_u64().unwrap();
                // The example's trip `id`, recomputed: fare 300 + (id % 29) * 40 cents over
                // 1 + (id % 17) / 2 km; tipped when id % 4 == 0 and id % 7 != 0.
                let city = cities[(id % 3) as usize];
                let per_km = (300 + (id % 29) * 40) as f64 / (1.0 + (id % 17) as f64 * 0.5);
                assert_eq!(bucket, format!("city={city}"), "{line}");
                assert_eq!(v["city"], city, "{line}");
                assert!((v["cents_per_km"].as_f64().unwrap() - per_km).abs() < 1e-9, "{line}");
                assert_eq!(v["tipped"], id.is_multiple_of(4) && !id.is_multiple_of(7), "{line}");
                *seen.entry(id).or_insert(0) += 1;
            }
        }
        assert_eq!(seen.len(), N as usize, "every trip once");
        assert!(seen.values().all(|n| *n == 1), "no duplicates");
        assert_eq!(seen.keys().copied().collect::<Vec<_>>(), (0..N).collect::<Vec<_>>());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
