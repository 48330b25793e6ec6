//! Thread listings of processes, read from Linux's `/proc` (empty elsewhere): what Flink's
//! thread dumps show (`GET /jobmanager/thread-dump`, `/taskmanagers/:id/thread-dump`), as far
//! as a native process can tell without stopping its threads: name, id, state and the kernel
//! function a waiting thread sleeps in.

use rasch_runtime::remote::protocol::ThreadInfo;

/// The threads of process `pid`, by thread id; empty if the process is gone or not on Linux.
pub fn threads_of(pid: u32) -> Vec<ThreadInfo> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut threads: Vec<ThreadInfo> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|tid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
            let (name, state) = parse_stat(&stat)?;
            let waiting_in = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/wchan"))
                .ok()
                .map(|w| w.trim().to_string())
                .filter(|w| !w.is_empty() && w != "0");
            Some(ThreadInfo { pid, tid, name, state, waiting_in })
        })
        .collect();
    threads.sort_by_key(|t| t.tid);
    threads
}

/// The name and state of a `/proc/<pid>/task/<tid>/stat` line: `tid (name) S …`. The name may
/// itself contain spaces and parentheses, so it ends at the *last* `)`.
fn parse_stat(stat: &str) -> Option<(String, char)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let state = stat.get(close + 1..)?.trim_start().chars().next()?;
    Some((name, state))
}

/// Java's name for a Linux scheduler state, as Flink's thread dumps print it.
pub fn java_state(state: char) -> &'static str {
    match state {
        'R' => "RUNNABLE",
        'S' | 'I' => "WAITING",
        'D' => "BLOCKED",
        'T' | 't' => "STOPPED",
        'Z' | 'X' | 'x' => "TERMINATED",
        _ => "UNKNOWN",
    }
}

/// One thread in the text form of a Java thread dump entry: `"name" Id=tid STATE` with the
/// process and, for a waiting thread, the kernel function as its only frame.
pub fn stringify(t: &ThreadInfo, process: &str) -> String {
    let mut s = format!("\"{}\" Id={} {} (process {} {})\n", t.name, t.tid, java_state(t.state), process, t.pid);
    if let Some(w) = &t.waiting_in {
        s.push_str(&format!("\tat [kernel] {w}\n"));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        assert_eq!(parse_stat("123 (rasch-net-send) S 1 2 3"), Some(("rasch-net-send".into(), 'S')));
        assert_eq!(parse_stat("7 (a (b) c) R 1"), Some(("a (b) c".into(), 'R')));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_lists_its_named_threads() {
        if !cfg!(target_os = "linux") {
            eprintln!("SKIPPED: thread listings read Linux's /proc");
            return;
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let handle = std::thread::Builder::new().name("dump-me".into()).spawn(move || rx.recv()).unwrap();
        // Once it blocks in recv() it sleeps in the kernel: WAITING.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let (mine, threads) = loop {
            let threads = threads_of(std::process::id());
            // The new thread names itself once it runs, and sleeps once it blocks in recv().
            let mine = threads.iter().find(|t| t.name == "dump-me").cloned();
            match mine {
                Some(m) if java_state(m.state) == "WAITING" => break (m, threads),
                _ if std::time::Instant::now() > deadline => panic!("no waiting thread 'dump-me' within 10 s: {threads:?}"),
                _ => {}
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let _ = tx.send(());
        handle.join().unwrap().unwrap();
        assert_eq!(mine.pid, std::process::id());
        assert_eq!(java_state(mine.state), "WAITING", "{mine:?}");
        assert!(threads.iter().any(|t| t.tid == std::process::id()), "the main thread's id is the process id: {threads:?}");
        let text = stringify(&mine, "TaskManager");
        assert!(text.starts_with(&format!("\"dump-me\" Id={} WAITING (process TaskManager {})\n", mine.tid, mine.pid)), "{text}");
        assert!(threads_of(u32::MAX).is_empty());
    }
}
