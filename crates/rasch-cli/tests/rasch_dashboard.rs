//! Rasch's own dashboard, served by the JobManager at `/` from assets embedded in the binary,
//! clicked through in headless Chromium (`tests/dashboard/rasch_dashboard.mjs`) against a real
//! cluster running a real job: every page, live refresh, a savepoint, exceptions with their
//! cause chain, TaskManager and JobManager logs, a job submitted by uploading its binary and
//! cancelled, and a stop with savepoint — then checked here on disk and over REST. Two more
//! clusters show that `web.cancel.enable: false` and `web.submit.enable: false` take the
//! buttons away. Screenshots go to `target/test-artefacts/rasch-dashboard/`.

mod common;

use common::*;
use std::path::Path;
use std::time::Duration;

fn node_modules() -> Option<String> {
    install("install-chromium.sh", "Rasch's dashboard in Chromium")
}

#[test]
fn rasch_dashboard_every_page_in_chromium_against_a_running_job() {
    let Some(modules) = node_modules() else { return };
    let cluster = TestCluster::start("dashboard", 2, 2, "web.refresh-interval: 1000\n");
    let failed = cluster.run_rolling_sum(&["-p", "1"], &cluster.dir.join("failed"), &["--count", "50000", "--panic-at", "1234"]);
    let failed_text = said(&failed);
    let failed_job = failed_text.split("JobID ").nth(1).and_then(|t| t.get(..32)).unwrap_or_else(|| panic!("{failed_text}")).to_string();
    let out = cluster.dir.join("sums");
    let args = ["--count", "100000000", "--keys", "20", "--rate", "3000", "--checkpoint-interval", "500"];
    let job = cluster.submit_rolling_sum(&["-d", "-p", "2"], &out, &args);
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    wait_until("a completed checkpoint", Duration::from_secs(30), || cluster.completed_checkpoints(&job) >= 1);

    let shots = artefacts("rasch-dashboard");
    let savepoints = cluster.dir.join("savepoints");
    let text = run_node(
        "rasch_dashboard.mjs",
        &modules,
        &[
            ("BASE", format!("http://127.0.0.1:{}/", cluster.rest)),
            ("JOB_ID", job.clone()),
            ("FAILED_JOB_ID", failed_job),
            ("BINARY", example("rolling_sum").display().to_string()),
            ("OUTPUT", cluster.dir.join("submitted").display().to_string()),
            ("SAVEPOINTS", savepoints.display().to_string()),
            ("SCREENSHOTS", shots.display().to_string()),
            ("PROFILE", cluster.dir.join("chromium-profile").display().to_string()),
        ],
    );
    eprintln!("{text}\nscreenshots: {}", shots.display());
    assert!(text.trim_end().ends_with("OK"), "{text}");
    // What the clicks did, seen from outside the browser.
    let line = |prefix: &str| {
        text.lines().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("no '{prefix}' in:\n{text}")).trim().to_string()
    };
    for path in [line("savepoint: "), line("stopped: ")] {
        assert!(Path::new(&path).join("_metadata").exists(), "no savepoint at {path}");
    }
    assert_eq!(cluster.job_state(&job), "FINISHED");
    assert_eq!(cluster.job_state(&line("submitted: ")), "CANCELED");
}

#[test]
fn the_dashboard_respects_web_submit_and_web_cancel() {
    let Some(modules) = node_modules() else { return };
    // Cancelling switched off: a running job offers a savepoint, but neither cancel nor stop.
    let cluster = TestCluster::start("dashboard-nocancel", 1, 2, "web.cancel.enable: false\n");
    let job = cluster.submit_rolling_sum(&["-d", "-p", "1"], &cluster.dir.join("sums"), &["--count", "100000000", "--rate", "1000"]);
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    // Submission switched off: no submit page, and the server refuses uploads.
    let closed = TestCluster::start("dashboard-nosubmit", 0, 1, "web.submit.enable: false\n");
    let text = run_node(
        "rasch_dashboard_flags.mjs",
        &modules,
        &[
            ("NO_CANCEL", format!("http://127.0.0.1:{}/", cluster.rest)),
            ("JOB_ID", job.clone()),
            ("NO_SUBMIT", format!("http://127.0.0.1:{}/", closed.rest)),
            ("SCREENSHOTS", artefacts("rasch-dashboard-flags").display().to_string()),
            ("PROFILE", cluster.dir.join("chromium-profile").display().to_string()),
        ],
    );
    assert!(text.trim_end().ends_with("OK"), "{text}");
    assert_eq!(cluster.job_state(&job), "RUNNING");
    cluster.rasch_ok(&["cancel", &job]);
}
