//! Measurement helpers: peak memory from /proc, latency percentiles, the final JSON line.

use serde_json::{Map, Value, json};

/// Peak resident set size of this process in bytes (`VmHWM`), if the OS reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The `q`-quantile (0..=1) of `samples` (sorted in place).
pub fn percentile(samples: &mut [u64], q: f64) -> u64 {
    if samples.is_empty() {
        return 0;
    }
    samples.sort_unstable();
    let idx = ((samples.len() - 1) as f64 * q).round() as usize;
    samples[idx]
}

/// Prints the summary and, last, the JSON object that scripts read.
pub fn finish(bench: &str, parallelism: usize, records: u64, seconds: f64, extra: Map<String, Value>) {
    let rate = records as f64 / seconds.max(1e-9);
    let peak = peak_rss_bytes();
    eprintln!(
        "{bench}: p={parallelism} records={records} seconds={seconds:.3} rate={:.2} M/s peak_rss={} MB",
        rate / 1e6,
        peak.map(|b| format!("{:.1}", b as f64 / 1048576.0)).unwrap_or_else(|| "?".into())
    );
    let mut obj = json!({
        "bench": bench,
        "parallelism": parallelism,
        "records": records,
        "seconds": seconds,
        "records_per_sec": rate.round(),
        "peak_rss_bytes": peak,
    });
    if let Value::Object(m) = &mut obj {
        m.extend(extra);
    }
    println!("{obj}");
}
