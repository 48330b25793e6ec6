//! Runs the event-time example programs and checks their output against what the README and
//! their comments promise.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples").join(name)
}

fn lines(name: &str) -> Vec<String> {
    let out = Command::new(example(name)).output().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    let mut l: Vec<String> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split_once("> ").map_or(l, |(_, b)| b).to_string()).collect();
    l.sort();
    l
}

#[test]
fn late_data_refires_allowed_stragglers_and_side_outputs_the_rest() {
    let out = Command::new(example("late_data")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let a_fires: Vec<&str> = text.lines().filter(|l| l.starts_with("window> a [0s, 10s)")).collect();
    assert_eq!(a_fires, vec!["window> a [0s, 10s): sum 3", "window> a [0s, 10s): sum 7", "window> a [0s, 10s): sum 12"]);
    assert!(text.contains("late> (a,2000,6)"));
    assert!(text.contains("window> b [20s, 30s): sum 30"));
}

#[test]
fn sessions_example_groups_clicks_by_gap() {
    assert_eq!(
        lines("sessions"),
        vec![
            "ann: session 0–55 min, 3 clicks",
            "ann: session 90–130 min, 2 clicks",
            "bob: session 3–33 min, 1 clicks",
            "bob: session 50–100 min, 2 clicks",
        ]
    );
}

#[test]
fn top_n_example_ranks_pages_per_sliding_window() {
    let out = lines("top_n");
    // 600 views over 120 minutes, one every 12 s; windows of 60 min every 10 min.
    assert!(out.contains(&"window ending 60 min: search=120, item-1=90, cart=30".to_string()), "{out:?}");
    assert!(out.contains(&"window ending 10 min: search=20, item-1=15, cart=5".to_string()), "{out:?}");
    assert_eq!(out.len(), 17, "windows ending at 10..=170 min (the last view is at minute 119.8): {out:?}");
}

#[test]
fn socket_window_word_count_counts_per_processing_time_window() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let feeder = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(b"to be or not to be\n").unwrap();
        // Keep the connection open until the 1-second window has fired.
        std::thread::sleep(Duration::from_millis(2_500));
    });
    let child = Command::new(example("socket_window_word_count"))
        .args(["--hostname", "127.0.0.1", "--port", &port.to_string(), "--window-seconds", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success());
    let mut got: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    got.sort();
    assert_eq!(got, vec!["(be,2)", "(not,1)", "(or,1)", "(to,2)"]);
}

#[test]
fn cep_fraud_example_alerts_reports_timeouts_and_late_transactions() {
    assert_eq!(
        lines("cep_fraud"),
        vec![
            "ALERT card 4000-1: test charge $0.50 at coffee-shop, then $1200.00 at electronics",
            "ALERT card 4000-4: test charge $0.10 at parking, then $300.00 at airline",
            "card 4000-2: $150.00 at travel-agent (minute 11)",
            "card 4000-2: test charge $0.99 at web-shop not followed up by minute 12",
            "card 4000-3: test charge $0.45 at vending not followed up by minute 17",
        ]
    );
}
