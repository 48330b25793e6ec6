//! What a TaskManager tells the JobManager about its memory with every heartbeat: the resident
//! memory of itself and its workers, and the host's physical and available memory, read from
//! Linux's `/proc` (zeros elsewhere).

use rasch_runtime::remote::protocol::TaskManagerResources;

/// The value in kB of `key` in a `/proc` file of `key: value kB` lines, in bytes.
fn kb_field(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))?;
    line[key.len() + 1..].split_whitespace().next()?.parse::<u64>().ok().map(|kb| kb * 1024)
}

/// Resident memory of process `pid` in bytes (`VmRSS` of `/proc/<pid>/status`), if known.
fn rss_of(pid: u32) -> Option<u64> {
    kb_field(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?, "VmRSS")
}

/// A sample for this TaskManager, whose workers have the process ids `workers`.
pub(crate) fn sample(workers: &[u32]) -> TaskManagerResources {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let rss = std::iter::once(std::process::id()).chain(workers.iter().copied()).filter_map(rss_of).sum();
    TaskManagerResources {
        rss_bytes: rss,
        physical_memory: kb_field(&meminfo, "MemTotal").unwrap_or(0),
        available_memory: kb_field(&meminfo, "MemAvailable").unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields_are_read_in_bytes() {
        let text = "MemTotal:       24681012 kB\nMemAvailable:    1000 kB\nVmRSS:\t  2048 kB\n";
        assert_eq!(kb_field(text, "MemTotal"), Some(24_681_012 * 1024));
        assert_eq!(kb_field(text, "MemAvailable"), Some(1_024_000));
        assert_eq!(kb_field(text, "VmRSS"), Some(2 << 20));
        assert_eq!(kb_field(text, "Mem"), None, "a prefix of a key is not the key");
        if cfg!(target_os = "linux") {
            let s = sample(&[]);
            assert!(s.rss_bytes > 0 && s.physical_memory >= s.available_memory && s.available_memory > 0, "{s:?}");
        }
    }
}
