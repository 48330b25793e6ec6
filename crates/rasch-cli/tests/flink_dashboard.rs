//! Apache Flink 1.20.3's own web dashboard (the static files in `flink-dist-1.20.3.jar`'s
//! `web/`, from PyPI's `apache-flink`) served next to a real Rasch cluster's REST API, driven in
//! headless Chromium (`tests/dashboard/flink_dashboard.mjs`) through the overview, running and
//! completed jobs, the job graph and every vertex tab, exceptions, checkpoints, configuration,
//! the TaskManagers and the JobManager. Every REST call must answer 2xx/3xx; the graph must
//! show back-pressure, busy time and data skew. Screenshots go to
//! `target/test-artefacts/flink-dashboard/`.

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

#[test]
fn flinks_own_dashboard_renders_every_page_against_rasch_without_rest_errors() {
    let test = "Flink 1.20.3's dashboard in Chromium";
    let Some(home) = flink_home(test) else { return };
    let Some(node_modules) = install("install-chromium.sh", test) else { return };
    let cluster = TestCluster::start("flink-web", 1, 2, "");
    // Flink's dashboard files, as its JobManager would serve them.
    let web = cluster.dir.join("flink-web");
    let jar = home.join("lib/flink-dist-1.20.3.jar");
    let unzip = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.startswith('web/')]",
        ])
        .arg(&jar)
        .arg(&web)
        .output()
        .expect("python3 runs");
    assert!(unzip.status.success(), "extracting web/ from {}: {}", jar.display(), said(&unzip));
    assert!(web.join("web/index.html").exists(), "no web/index.html in {}", jar.display());

    let out = cluster.dir.join("sums");
    let args = ["--count", "100000000", "--keys", "50", "--rate", "3000", "--checkpoint-interval", "500"];
    let job = cluster.submit_rolling_sum(&["-d", "-p", "2"], &out, &args);
    cluster.wait_for_state(&job, "RUNNING", Duration::from_secs(30));
    wait_until("a completed checkpoint", Duration::from_secs(30), || cluster.completed_checkpoints(&job) >= 1);
    let details = cluster.get_json(&format!("/jobs/{job}")).unwrap();
    let vertex = details["vertices"][1]["id"].as_str().unwrap().to_string();
    let tm = cluster.get_json("/taskmanagers").unwrap()["taskmanagers"][0]["id"].as_str().unwrap().to_string();

    let shots = artefacts("flink-dashboard");
    let text = run_node(
        "flink_dashboard.mjs",
        &node_modules,
        &[
            ("WEB_DIR", web.join("web").display().to_string()),
            ("REST_URL", format!("http://127.0.0.1:{}", cluster.rest)),
            ("JOB_ID", job.clone()),
            ("VERTEX_ID", vertex),
            ("TM_ID", tm),
            ("SCREENSHOTS", shots.display().to_string()),
            ("PROFILE", cluster.dir.join("chromium-profile").display().to_string()),
        ],
    );
    assert!(text.contains("visited job-manager-config") && text.trim_end().ends_with("OK"), "{text}");
    eprintln!("{text}\nscreenshots: {}", shots.display());
    cluster.rasch_ok(&["cancel", &job]);
}
