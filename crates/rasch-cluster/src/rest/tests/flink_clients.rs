//! What Flink's own clients call: every path under `/v1`, the endpoints Flink's dashboard and
//! CLI use beyond the basics (environment, accumulators, metrics with `get` and `agg`, data
//! sets, checkpoint subtasks), and Rasch's dashboard assets.

use super::*;

#[tokio::test]
async fn every_api_path_is_also_served_under_v1() {
    let f = Fixture::new("v1");
    let id = f.backend.add_job("streaming", "RUNNING");
    for path in ["/overview", "/config", "/jobs", "/jobs/overview", &format!("/jobs/{id}"), "/taskmanagers", "/jobmanager/config"] {
        let (plain, a) = f.get(path).await;
        let (versioned, b) = f.get(&format!("/v1{path}")).await;
        assert_eq!((plain, versioned), (200, 200), "{path}");
        if a.is_object() {
            assert_eq!(keys(&a), keys(&b), "{path}");
        } else {
            assert_eq!(a, b, "{path}");
        }
    }
    // Flink's CLI cancels with PATCH /v1/jobs/:jobid and saves with POST /v1/jobs/:jobid/savepoints.
    let (s, _) = f.call(Method::PATCH, &format!("/v1/jobs/{id}?mode=cancel"), None, Vec::new()).await;
    assert_eq!(s, 202);
    assert_eq!(f.backend.job_state(&id).as_deref(), Some("CANCELED"));
    let (s, v) = f.get("/v1/no/such/path").await;
    assert_error(s, &v, 404, "Not found: /v1/no/such/path");
    let (s, v) = f.call(Method::DELETE, "/v1/overview", None, Vec::new()).await;
    assert_eq!(s, 405, "{v:?}");
}

#[tokio::test]
async fn the_endpoints_flinks_dashboard_and_cli_call_answer() {
    let f = Fixture::new("extra");
    let id = f.backend.add_job("streaming", "RUNNING");
    let (s, v) = f.get("/v1/jobmanager/environment").await;
    assert_eq!(s, 200);
    assert_eq!(keys(&v), sorted(&["jvm", "classpath"]));
    assert_eq!(keys(&v["jvm"]), sorted(&["version", "arch", "options"]));
    let (s, v) = f.get(&format!("/jobs/{id}/jobmanager/environment")).await;
    assert_eq!((s, v["jvm"]["arch"].as_str()), (200, Some(std::env::consts::ARCH)));
    f.backend.set_config(vec![("rest.port".into(), "8081".into()), ("s3.secret-key".into(), "x".into())]);
    let (s, v) = f.get(&format!("/jobs/{id}/jobmanager/config")).await;
    assert_eq!(s, 200);
    assert!(v.as_array().unwrap().contains(&serde_json::json!({"key": "s3.secret-key", "value": "******"})), "{v}");
    let (s, v) = f.get(&format!("/jobs/{id}/accumulators")).await;
    assert_eq!(s, 200);
    assert_eq!(keys(&v), sorted(&["job-accumulators", "user-task-accumulators", "serialized-user-task-accumulators"]));
    let (s, v) = f.get("/datasets").await;
    assert_eq!((s, v), (200, serde_json::json!({"dataSets": []})));
    // Thread dumps: this process's threads, each as a Java thread dump entry; the main thread's
    // id is the process id.
    let (s, v) = f.get("/v1/jobmanager/thread-dump").await;
    assert_eq!(s, 200);
    let infos = v["threadInfos"].as_array().unwrap();
    for t in infos {
        let (name, text) = (t["threadName"].as_str().unwrap(), t["stringifiedThreadInfo"].as_str().unwrap());
        assert!(text.starts_with(&format!("\"{name}\" Id=")) && text.ends_with("\n\n"), "{t}");
    }
    let main = format!("Id={} ", std::process::id());
    assert!(infos.iter().any(|t| t["stringifiedThreadInfo"].as_str().unwrap().contains(&main)), "{v}");
    // Metrics: names without `get`, values (strings) with it, unknown names left out.
    let (s, v) = f.get("/jobmanager/metrics").await;
    assert_eq!(s, 200);
    assert!(v.as_array().unwrap().contains(&serde_json::json!({"id": "numRegisteredTaskManagers"})), "{v}");
    let (_, v) = f.get("/jobmanager/metrics?get=numRegisteredTaskManagers,nope").await;
    assert_eq!(v, serde_json::json!([{"id": "numRegisteredTaskManagers", "value": "1"}]));
    let (_, v) = f.get(&format!("/jobs/{id}/metrics?get=numRestarts")).await;
    assert_eq!(v, serde_json::json!([{"id": "numRestarts", "value": "0"}]));
    let (s, v) = f.get("/jobs/metrics?get=numRestarts&agg=sum,max").await;
    assert_eq!((s, v), (200, serde_json::json!([{"id": "numRestarts", "max": 0.0, "sum": 0.0}])));
    let (_, tms) = f.get("/taskmanagers").await;
    let tm = tms["taskmanagers"][0]["id"].as_str().unwrap().to_string();
    let (s, v) = f.get(&format!("/taskmanagers/{tm}/metrics?get=taskSlotsTotal")).await;
    assert_eq!((s, v), (200, serde_json::json!([{"id": "taskSlotsTotal", "value": "2"}])));
    let (s, v) = f.get("/taskmanagers/metrics?get=taskSlotsTotal&agg=sum").await;
    assert_eq!((s, v), (200, serde_json::json!([{"id": "taskSlotsTotal", "sum": 2.0}])));
    let (s, v) = f.get(&format!("/taskmanagers/{tm}/thread-dump")).await;
    assert!(s == 200 && !v["threadInfos"].as_array().unwrap().is_empty(), "{v}");
    let (s, v) = f.get("/taskmanagers/nope/thread-dump").await;
    assert_eq!(s, 404, "{v}");
    // Bad input: 400 with a reason, unknown ids 404.
    let (s, v) = f.get("/jobs/metrics?get=numRestarts&agg=median").await;
    assert_error(s, &v, 400, "invalid aggregation 'median'");
    let (s, v) = f.get("/taskmanagers/nope/metrics").await;
    assert_error(s, &v, 404, "TaskManager nope not found");
    let missing = "0123456789abcdef0123456789abcdef";
    for path in ["metrics", "accumulators", "jobmanager/config", "jobmanager/environment"] {
        let (s, v) = f.get(&format!("/jobs/{missing}/{path}")).await;
        assert_error(s, &v, 404, "not found");
    }
    let (s, v) = f.get(&format!("/jobs/{id}/checkpoints/details/1/subtasks/{missing}")).await;
    assert_error(s, &v, 404, "not found");
    let (s, v) = f.get(&format!("/jobs/{id}/checkpoints/details/x/subtasks/{missing}")).await;
    assert_error(s, &v, 400, "invalid checkpoint id 'x'");
    let (s, v) = f.get(&format!("/jobs/{id}/checkpoints/details/1/subtasks/nope")).await;
    assert_error(s, &v, 400, "invalid vertex id");
    for path in ["subtasks/metrics", "metrics", "subtasktimes", "taskmanagers", "accumulators", "subtasks/accumulators", "flamegraph"] {
        let (s, v) = f.get(&format!("/jobs/{id}/vertices/{missing}/{path}")).await;
        assert_error(s, &v, 404, "not found");
        let (s, v) = f.get(&format!("/jobs/{id}/vertices/xyz/{path}")).await;
        assert_error(s, &v, 400, "invalid vertex id");
    }
}

#[tokio::test]
async fn the_dashboard_is_served_from_embedded_assets() {
    let f = Fixture::new("assets");
    let app = router(f.backend.clone(), f.blobs.clone(), f.opts.clone());
    for (path, kind, needle) in [
        ("/", "text/html", "dashboard/app.js"),
        ("/index.html", "text/html", "dashboard/app.css"),
        ("/dashboard/app.js", "text/javascript", "refresh-interval"),
        ("/dashboard/lib.js", "text/javascript", "async function api("),
        ("/dashboard/job.js", "text/javascript", "function dag("),
        ("/dashboard/app.css", "text/css", "svg.dag"),
    ] {
        let resp = app.clone().oneshot(Request::builder().uri(path).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let ct = resp.headers()[axum::http::header::CONTENT_TYPE].to_str().unwrap().to_string();
        assert!(ct.starts_with(kind), "{path}: {ct}");
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains(needle), "{path}");
    }
    let (s, v) = f.get("/dashboard/..%2Fmod.rs").await;
    assert_error(s, &v, 404, "Not found");
}
