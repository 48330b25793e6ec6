//! The window benchmarks' `--input`/`--output` mode, checked against counts computed
//! independently here: tumbling, sliding and session windows over a CSV of out-of-order events.

use std::collections::BTreeMap;
use std::process::Command;

type Windows = BTreeMap<(i64, i64, i64), u64>;

fn events() -> Vec<(i64, i64)> {
    // 40 keys, timestamps advancing ~3 ms per event with up to 900 ms of disorder (< the
    // benchmark's 1 s bound, so nothing is late) and occasional multi-second gaps.
    (0..20_000i64).map(|i| (i % 40, i * 3 + (i / 5_000) * 4_000 - (i * 7919) % 900)).collect()
}

fn fixed(events: &[(i64, i64)], size: i64, slide: i64) -> Windows {
    let mut m = Windows::new();
    for &(k, ts) in events {
        let mut start = ts - ts.rem_euclid(slide);
        while start > ts - size {
            *m.entry((k, start, start + size)).or_default() += 1;
            start -= slide;
        }
    }
    m
}

fn sessions(events: &[(i64, i64)], gap: i64) -> Windows {
    let mut per_key: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for &(k, ts) in events {
        per_key.entry(k).or_default().push(ts);
    }
    let mut m = Windows::new();
    for (k, mut ts) in per_key {
        ts.sort();
        let (mut start, mut end, mut n) = (ts[0], ts[0] + gap, 0);
        for t in ts {
            if t >= end {
                m.insert((k, start, end), n);
                (start, n) = (t, 0);
            }
            end = end.max(t + gap);
            n += 1;
        }
        m.insert((k, start, end), n);
    }
    m
}

fn run(bench: &str, input: &std::path::Path, output: &std::path::Path) -> Windows {
    let status = Command::new(env!("CARGO_BIN_EXE_rasch-bench"))
        .args([bench, "--input", input.to_str().unwrap(), "--output", output.to_str().unwrap(), "--parallelism", "2"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{bench}: {}", String::from_utf8_lossy(&status.stderr));
    let mut m = Windows::new();
    for line in std::fs::read_to_string(output).unwrap().lines() {
        let f: Vec<i64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert!(m.insert((f[0], f[1], f[2]), f[3] as u64).is_none(), "{bench}: window {line} written twice");
    }
    m
}

#[test]
fn window_benchmarks_write_exactly_the_independently_computed_windows() {
    let dir = std::env::temp_dir().join(format!("rasch-bench-windows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("events.csv");
    let ev = events();
    std::fs::write(&input, ev.iter().map(|(k, t)| format!("{k},{t}\n")).collect::<String>()).unwrap();
    assert_eq!(run("window-count", &input, &dir.join("t.csv")), fixed(&ev, 1_000, 1_000));
    assert_eq!(run("sliding-count", &input, &dir.join("s.csv")), fixed(&ev, 10_000, 1_000));
    assert_eq!(run("session-count", &input, &dir.join("g.csv")), sessions(&ev, 500));
    std::fs::remove_dir_all(dir).ok();
}
