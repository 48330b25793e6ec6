//! Tests of the exactly-once file sink.

use super::*;
use rasch_core::Record;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("rasch-file-sink-{}-{name}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn writer(sink: &FileSink, subtask: usize, parallelism: usize) -> Box<dyn SinkWriter<String>> {
    sink.create_writer(&RuntimeContext::for_test(subtask, parallelism)).unwrap()
}

fn write(w: &mut dyn SinkWriter<String>, values: &[&str]) {
    let mut batch: Vec<Record<String>> = values.iter().map(|v| Record::new(v.to_string())).collect();
    w.write(&mut batch).unwrap();
    assert!(batch.is_empty());
}

/// Every file name in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

/// The visible part files as (name, lines), by subtask then counter.
fn visible(dir: &Path) -> Vec<(String, Vec<String>)> {
    let mut parts: Vec<(usize, u64, String)> = names(dir)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .map(|n| {
            let p = part::parse_name(&n).unwrap_or_else(|| panic!("unexpected visible file {n}"));
            (p.subtask, p.counter, n)
        })
        .collect();
    parts.sort();
    parts
        .into_iter()
        .map(|(_, _, n)| {
            let text = std::fs::read_to_string(dir.join(&n)).unwrap();
            (n, text.lines().map(str::to_string).collect())
        })
        .collect()
}

/// All visible lines, by subtask then counter.
fn visible_lines(dir: &Path) -> Vec<String> {
    visible(dir).into_iter().flat_map(|(_, lines)| lines).collect()
}

fn hidden(dir: &Path) -> Vec<String> {
    names(dir).into_iter().filter(|n| n.starts_with('.')).collect()
}

#[test]
fn write_prepare_commit_makes_data_visible() {
    let dir = temp_dir("commit");
    let out = dir.join("out");
    let sink = FileSink::for_row_format(&out);
    let mut w = writer(&sink, 0, 1);
    write(w.as_mut(), &["a", "b"]);
    w.flush().unwrap();
    w.finish().unwrap();
    assert!(visible(&out).is_empty(), "finish must not publish");
    assert_eq!(hidden(&out).len(), 1);
    assert!(hidden(&out)[0].starts_with(".part-0-0.inprogress."), "{:?}", hidden(&out));
    let c = w.prepare_commit(1).unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(hidden(&out), [".part-0-0.pending"]);
    assert!(visible(&out).is_empty(), "prepare must not publish");
    w.commit(c.clone()).unwrap();
    assert_eq!(visible(&out), [("part-0-0".to_string(), vec!["a".to_string(), "b".to_string()])]);
    assert!(hidden(&out).is_empty());
    // Idempotent: committing again changes nothing.
    w.commit(c).unwrap();
    assert_eq!(names(&out), ["part-0-0"]);
    // A checkpoint without new records commits nothing; the next file gets the next counter.
    assert!(w.prepare_commit(2).unwrap().is_empty());
    write(w.as_mut(), &["c"]);
    let c = w.prepare_commit(3).unwrap();
    w.commit(c).unwrap();
    w.close().unwrap();
    assert_eq!(names(&out), ["part-0-0", "part-0-1"]);
    assert_eq!(visible_lines(&out), ["a", "b", "c"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crash_and_recover_keeps_exactly_the_committed_data() {
    let dir = temp_dir("recover");
    let policy = RollingPolicy::on_checkpoint().with_max_part_size(4);
    let sink = FileSink::for_row_format(&dir).with_rolling_policy(policy);
    let mut w = writer(&sink, 0, 1);
    write(w.as_mut(), &["a1", "a2"]); // one file: 3 bytes < 4 before "a2"
    let c1 = w.prepare_commit(1).unwrap(); // checkpoint 1 completes, but its commit is lost
    write(w.as_mut(), &["b1", "b2", "b3"]); // rolls by size: one pending, one in progress
    let _c2 = w.prepare_commit(2).unwrap(); // checkpoint 2 never completes
    write(w.as_mut(), &["c1", "c2", "c3"]);
    w.flush().unwrap();
    drop(w); // crash
    assert!(visible(&dir).is_empty());
    assert!(hidden(&dir).len() >= 4, "{:?}", hidden(&dir));

    // Restore from checkpoint 1; the sources replay from there.
    let mut w = writer(&sink, 0, 1);
    w.recover(c1.clone()).unwrap();
    assert_eq!(visible_lines(&dir), ["a1", "a2"]);
    assert!(hidden(&dir).is_empty(), "leftovers of the failed attempt: {:?}", hidden(&dir));
    write(w.as_mut(), &["b1", "b2", "b3", "c1", "c2", "c3"]);
    w.finish().unwrap();
    let c = w.prepare_commit(2).unwrap();
    w.commit(c).unwrap();
    assert_eq!(visible_lines(&dir), ["a1", "a2", "b1", "b2", "b3", "c1", "c2", "c3"]);
    assert!(hidden(&dir).is_empty());
    // Recovering once more from checkpoint 1 is harmless.
    writer(&sink, 0, 1).recover(c1).unwrap();
    assert_eq!(visible_lines(&dir), ["a1", "a2", "b1", "b2", "b3", "c1", "c2", "c3"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn counters_continue_after_existing_parts() {
    let dir = temp_dir("counters");
    std::fs::write(dir.join("part-0-7"), "old\n").unwrap();
    std::fs::write(dir.join("part-1-20"), "other subtask\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a part\n").unwrap();
    let sink = FileSink::for_row_format(&dir);
    let mut w = writer(&sink, 0, 2);
    write(w.as_mut(), &["new"]);
    let c = w.prepare_commit(1).unwrap();
    w.commit(c).unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("part-0-8")).unwrap(), "new\n");
    // After a recovery, the counter continues after the committed files as well.
    let mut w = writer(&sink, 0, 2);
    write(w.as_mut(), &["x"]);
    let c = w.prepare_commit(2).unwrap();
    drop(w);
    let mut w = writer(&sink, 0, 2);
    w.recover(c).unwrap();
    write(w.as_mut(), &["y"]);
    let c = w.prepare_commit(3).unwrap();
    w.commit(c).unwrap();
    assert_eq!(names(&dir), ["notes.txt", "part-0-10", "part-0-7", "part-0-8", "part-0-9", "part-1-20"]);
    assert_eq!(std::fs::read_to_string(dir.join("part-0-10")).unwrap(), "y\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rolls_on_size() {
    let dir = temp_dir("size");
    let sink = FileSink::for_row_format(&dir).with_rolling_policy(RollingPolicy::on_checkpoint().with_max_part_size(10));
    let mut w = writer(&sink, 0, 1);
    let values: Vec<String> = (0..20).map(|i| format!("v{i:02}")).collect(); // 4 bytes per line
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    write(w.as_mut(), &refs[..7]);
    write(w.as_mut(), &refs[7..]);
    let c = w.prepare_commit(1).unwrap();
    assert_eq!(c.len(), 7, "3 lines (12 bytes) per part: {:?}", hidden(&dir));
    w.commit(c).unwrap();
    let parts = visible(&dir);
    assert_eq!(parts.len(), 7);
    assert!(parts[..6].iter().all(|(_, lines)| lines.len() == 3), "{parts:?}");
    assert_eq!(visible_lines(&dir), values);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rolls_on_time_and_inactivity() {
    let dir = temp_dir("time");
    let interval = Duration::from_millis(60);
    let sink = FileSink::for_row_format(&dir).with_rolling_policy(RollingPolicy::on_checkpoint().with_rollover_interval(interval));
    let mut w = writer(&sink, 0, 1);
    write(w.as_mut(), &["a"]);
    write(w.as_mut(), &["b"]);
    std::thread::sleep(interval + Duration::from_millis(20));
    write(w.as_mut(), &["c"]); // the open file is too old: rolled before "c"
    assert_eq!(hidden(&dir).iter().filter(|n| n.ends_with(".pending")).count(), 1);
    let c = w.prepare_commit(1).unwrap();
    w.commit(c).unwrap();
    assert_eq!(visible(&dir).into_iter().map(|(_, l)| l.len()).collect::<Vec<_>>(), [2, 1]);

    let dir2 = temp_dir("inactivity");
    let sink = FileSink::for_row_format(&dir2).with_rolling_policy(RollingPolicy::on_checkpoint().with_inactivity_interval(interval));
    let mut w = writer(&sink, 0, 1);
    write(w.as_mut(), &["a"]);
    w.flush().unwrap();
    assert_eq!(hidden(&dir2).iter().filter(|n| n.ends_with(".pending")).count(), 0);
    std::thread::sleep(interval + Duration::from_millis(20));
    w.flush().unwrap(); // idle: the inactive file is rolled
    assert_eq!(hidden(&dir2).iter().filter(|n| n.ends_with(".pending")).count(), 1);
    write(w.as_mut(), &["b"]);
    let c = w.prepare_commit(1).unwrap();
    assert_eq!(c.len(), 2);
    w.commit(c).unwrap();
    assert_eq!(visible(&dir2).into_iter().map(|(_, l)| l).collect::<Vec<_>>(), [vec!["a".to_string()], vec!["b".to_string()]]);
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&dir2).unwrap();
}

#[test]
fn two_subtasks_share_a_directory() {
    let dir = temp_dir("subtasks");
    let sink = FileSink::for_row_format(&dir);
    let mut w0 = writer(&sink, 0, 2);
    let mut w1 = writer(&sink, 1, 2);
    write(w0.as_mut(), &["x0"]);
    write(w1.as_mut(), &["y0"]);
    let (c0, c1) = (w0.prepare_commit(1).unwrap(), w1.prepare_commit(1).unwrap());
    w0.commit(c0.clone()).unwrap();
    w1.commit(c1).unwrap();
    assert_eq!(names(&dir), ["part-0-0", "part-1-0"]);
    // Subtask 1 is writing when subtask 0 fails and recovers: subtask 1's files stay.
    write(w1.as_mut(), &["y1"]);
    w1.flush().unwrap();
    write(w0.as_mut(), &["x1"]);
    drop(w0);
    let mut w0 = writer(&sink, 0, 2);
    w0.recover(c0).unwrap();
    let in_progress: Vec<String> = hidden(&dir);
    assert_eq!(in_progress.len(), 1);
    assert!(in_progress[0].starts_with(".part-1-1.inprogress."), "{in_progress:?}");
    let c1 = w1.prepare_commit(2).unwrap();
    w1.commit(c1).unwrap();
    assert_eq!(visible_lines(&dir), ["x0", "y0", "y1"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn commit_of_a_vanished_pending_file_names_it() {
    let dir = temp_dir("vanished");
    let sink = FileSink::for_row_format(&dir);
    let mut w = writer(&sink, 0, 1);
    write(w.as_mut(), &["a"]);
    let c = w.prepare_commit(1).unwrap();
    let pending = dir.join(".part-0-0.pending");
    std::fs::remove_file(&pending).unwrap();
    let e = w.commit(c.clone()).unwrap_err().to_string();
    assert!(e.contains(".part-0-0.pending") && e.contains("part-0-0'") && e.contains("does not exist"), "{e}");
    let e = writer(&sink, 0, 1).recover(c).unwrap_err().to_string();
    assert!(e.contains(".part-0-0.pending"), "{e}");
    let e = w.commit(vec![vec![1, 2, 3]]).unwrap_err().to_string();
    assert!(e.contains("committable 0"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_configuration_is_rejected_naming_the_path() {
    let dir = temp_dir("invalid");
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let e = Sink::<String>::create_writer(&FileSink::for_row_format(&file), &RuntimeContext::for_test(0, 1)).err().unwrap();
    assert!(e.to_string().contains(&file.display().to_string()), "{e}");
    for policy in [
        RollingPolicy::on_checkpoint().with_max_part_size(0),
        RollingPolicy::on_checkpoint().with_rollover_interval(Duration::ZERO),
        RollingPolicy::default().with_inactivity_interval(Duration::ZERO),
    ] {
        let sink = FileSink::for_row_format(dir.join("out")).with_rolling_policy(policy);
        let e = Sink::<String>::create_writer(&sink, &RuntimeContext::for_test(0, 1)).err().unwrap();
        assert!(e.to_string().contains("greater than zero") && e.to_string().contains("out"), "{e}");
    }
    assert_eq!(RollingPolicy::default().max_part_size(), Some(128 << 20));
    assert_eq!(RollingPolicy::on_checkpoint().rollover_interval(), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn committed_output_reads_back_with_the_text_file_source() {
    let dir = temp_dir("read-back");
    let sink = FileSink::for_row_format(&dir).with_rolling_policy(RollingPolicy::on_checkpoint().with_max_part_size(6));
    let mut w = writer(&sink, 0, 1);
    write(w.as_mut(), &["1", "2", "3", "4", "5"]);
    let c = w.prepare_commit(1).unwrap();
    w.commit(c).unwrap();
    write(w.as_mut(), &["uncommitted"]);
    w.flush().unwrap();
    let mut got = crate::test_util::run_source(&crate::TextFileSource::new(&dir), 1, 10).unwrap().concat();
    got.sort();
    assert_eq!(got, ["1", "2", "3", "4", "5"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
