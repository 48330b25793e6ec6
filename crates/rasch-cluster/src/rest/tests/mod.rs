//! Router tests against the in-memory backend. Field names are checked against the Flink 1.20.3
//! samples (`/work/shared/flink-rest-samples`), copied here as key lists.

use super::*;
use crate::blob::valid_id;
use crate::rest::model::*;
use crate::testing::InMemoryBackend;
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::Value;
use tower::ServiceExt;

struct Fixture {
    backend: Arc<InMemoryBackend>,
    blobs: Arc<BlobStore>,
    opts: RestOptions,
}

impl Fixture {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("rasch-rest-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Fixture { backend: Arc::new(InMemoryBackend::new()), blobs: Arc::new(BlobStore::open(dir).unwrap()), opts: RestOptions::default() }
    }

    async fn call(&self, method: Method, uri: &str, content_type: Option<&str>, body: Vec<u8>) -> (u16, Vec<u8>) {
        let app = router(self.backend.clone(), self.blobs.clone(), self.opts.clone());
        let mut req = Request::builder().method(method).uri(uri).header("host", "localhost:8081");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = app.oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        (status, bytes.to_vec())
    }

    async fn get(&self, uri: &str) -> (u16, Value) {
        let (s, b) = self.call(Method::GET, uri, None, Vec::new()).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn post(&self, uri: &str, json: &str) -> (u16, Value) {
        let (s, b) = self.call(Method::POST, uri, Some("application/json"), json.as_bytes().to_vec()).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    async fn upload(&self, name: &str, content: &[u8]) -> (u16, Value) {
        let boundary = "----raschboundary7MA4YWxk";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        let (s, b) = self.call(Method::POST, "/jars/upload", Some(&ct), body).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.blobs.dir());
    }
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

fn assert_error(status: u16, body: &Value, expected: u16, needle: &str) {
    assert_eq!(status, expected, "{body}");
    let msg = body["errors"][0].as_str().unwrap_or_else(|| panic!("no errors array in {body}"));
    assert!(msg.contains(needle), "'{msg}' does not contain '{needle}'");
}

#[tokio::test]
async fn overview_and_config_have_flink_fields() {
    let f = Fixture::new("overview");
    let (s, v) = f.get("/overview").await;
    assert_eq!(s, 200);
    assert_eq!(
        keys(&v),
        sorted(&[
            "taskmanagers",
            "slots-total",
            "slots-available",
            "jobs-running",
            "jobs-finished",
            "jobs-cancelled",
            "jobs-failed",
            "flink-version",
            "flink-commit"
        ])
    );
    let (s, v) = f.get("/config").await;
    assert_eq!(s, 200);
    assert_eq!(keys(&v), sorted(&["refresh-interval", "timezone-name", "timezone-offset", "flink-version", "flink-revision", "features"]));
    assert_eq!(keys(&v["features"]), sorted(&["web-submit", "web-cancel", "web-rescale", "web-history"]));
}

#[tokio::test]
async fn jobs_and_job_details_have_flink_fields() {
    let f = Fixture::new("jobs");
    let id = f.backend.add_job("insert-into snk", "FINISHED");
    let (s, v) = f.get("/jobs").await;
    assert_eq!(s, 200);
    assert_eq!(v["jobs"][0], serde_json::json!({"id": id, "status": "FINISHED"}));
    let (_, v) = f.get("/jobs/overview").await;
    let job = &v["jobs"][0];
    for k in ["jid", "name", "state", "duration", "tasks", "start-time", "end-time", "last-modification"] {
        assert!(job.get(k).is_some(), "{k} missing in {job}");
    }
    assert_eq!(job["tasks"]["total"], 1);
    let (s, v) = f.get(&format!("/jobs/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(
        keys(&v),
        sorted(&[
            "jid",
            "name",
            "isStoppable",
            "state",
            "job-type",
            "start-time",
            "end-time",
            "duration",
            "maxParallelism",
            "now",
            "timestamps",
            "vertices",
            "status-counts",
            "plan"
        ])
    );
    let (s, v) = f.get(&format!("/jobs/{id}/plan")).await;
    assert_eq!(s, 200);
    assert_eq!(v["plan"]["jid"], id.as_str());
    let (s, v) = f.get(&format!("/jobs/{id}/exceptions")).await;
    assert_eq!(s, 200);
    assert!(v["exceptionHistory"]["entries"].is_array());
    let (s, v) = f.get(&format!("/jobs/{id}/config")).await;
    assert_eq!(s, 200);
    assert!(v["execution-config"]["job-parallelism"].is_number());
    let (s, v) = f.get(&format!("/jobs/{id}/checkpoints")).await;
    assert_eq!(s, 200);
    assert_eq!(keys(&v), sorted(&["counts", "summary", "latest", "history"]));
    let (s, v) = f.get(&format!("/jobs/{id}/checkpoints/config")).await;
    assert_eq!(s, 200);
    assert_eq!(v["mode"], "exactly_once");
}

#[test]
fn vertex_metrics_serialize_nan_like_flink() {
    let m = IoMetrics { accumulated_busy_time: f64::NAN, ..IoMetrics::default() };
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["accumulated-busy-time"], "NaN");
    assert_eq!(
        keys(&v),
        sorted(&[
            "read-bytes",
            "read-bytes-complete",
            "write-bytes",
            "write-bytes-complete",
            "read-records",
            "read-records-complete",
            "write-records",
            "write-records-complete",
            "accumulated-backpressured-time",
            "accumulated-idle-time",
            "accumulated-busy-time"
        ])
    );
    let back: IoMetrics = serde_json::from_value(v).unwrap();
    assert!(back.accumulated_busy_time.is_nan());
    let vs = serde_json::to_value(JobVertexSummary::default()).unwrap();
    assert_eq!(
        keys(&vs),
        sorted(&[
            "id",
            "slotSharingGroupId",
            "name",
            "maxParallelism",
            "parallelism",
            "status",
            "start-time",
            "end-time",
            "duration",
            "tasks",
            "metrics"
        ])
    );
}

#[tokio::test]
async fn taskmanagers_have_flink_fields() {
    let f = Fixture::new("tms");
    let (s, v) = f.get("/taskmanagers").await;
    assert_eq!(s, 200);
    let tm = &v["taskmanagers"][0];
    assert_eq!(
        keys(tm),
        sorted(&[
            "id",
            "path",
            "dataPort",
            "jmxPort",
            "timeSinceLastHeartbeat",
            "slotsNumber",
            "freeSlots",
            "totalResource",
            "freeResource",
            "hardware",
            "memoryConfiguration"
        ])
    );
    assert_eq!(
        keys(&tm["totalResource"]),
        sorted(&["cpuCores", "taskHeapMemory", "taskOffHeapMemory", "managedMemory", "networkMemory", "extendedResources"])
    );
    assert_eq!(keys(&tm["hardware"]), sorted(&["cpuCores", "physicalMemory", "freeMemory", "managedMemory"]));
    assert_eq!(
        keys(&tm["memoryConfiguration"]),
        sorted(&[
            "frameworkHeap",
            "taskHeap",
            "frameworkOffHeap",
            "taskOffHeap",
            "networkMemory",
            "managedMemory",
            "jvmMetaspace",
            "jvmOverhead",
            "totalFlinkMemory",
            "totalProcessMemory"
        ])
    );
    let id = tm["id"].as_str().unwrap().to_string();
    let (s, d) = f.get(&format!("/taskmanagers/{id}")).await;
    assert_eq!(s, 200);
    assert!(d.get("allocatedSlots").is_some() && d.get("metrics").is_some() && d.get("dataPort").is_some());
    let (s, v) = f.get("/taskmanagers/nope").await;
    assert_error(s, &v, 404, "TaskManager nope not found");
    let (s, v) = f.get(&format!("/taskmanagers/{id}/log")).await;
    assert_error(s, &v, 404, "no log file");
    let log = f.blobs.dir().join("tm.log");
    std::fs::write(&log, "hello log\n").unwrap();
    f.backend.set_log(log);
    let (s, body) = f.call(Method::GET, &format!("/taskmanagers/{id}/log"), None, Vec::new()).await;
    assert_eq!((s, body.as_slice()), (200, &b"hello log\n"[..]));
    let (s, body) = f.call(Method::GET, "/jobmanager/log", None, Vec::new()).await;
    assert_eq!((s, body.as_slice()), (200, &b"hello log\n"[..]));
}

#[tokio::test]
async fn jobmanager_config_masks_secrets() {
    let f = Fixture::new("jmconfig");
    f.backend.set_config(vec![("rest.port".into(), "8081".into()), ("security.cluster.secret".into(), "hunter2".into())]);
    let (s, v) = f.get("/jobmanager/config").await;
    assert_eq!(s, 200);
    assert_eq!(v[0], serde_json::json!({"key": "rest.port", "value": "8081"}));
    assert_eq!(v[1]["value"], "******");
}

#[tokio::test]
async fn bad_requests_get_json_errors() {
    let f = Fixture::new("errors");
    let (s, v) = f.get("/no/such/path").await;
    assert_error(s, &v, 404, "Not found: /no/such/path");
    let (s, v) = f.get("/jobs/not-a-job-id").await;
    assert_error(s, &v, 400, "invalid job id 'not-a-job-id'");
    let (s, v) = f.get("/jobs/00000000000000000000000000000000").await;
    assert_error(s, &v, 404, "not found");
    let (s, v) = f.get("/jobs/%ff%fe").await;
    assert_eq!(s, 400, "{v}");
    assert!(v["errors"].is_array());
    let id = f.backend.add_job("j", "RUNNING");
    let (s, v) = f.get(&format!("/jobs/{id}/checkpoints/details/abc")).await;
    assert_error(s, &v, 400, "invalid checkpoint id 'abc'");
    let (s, v) = f.get(&format!("/jobs/{id}/vertices/xyz")).await;
    assert_error(s, &v, 400, "invalid vertex id");
    let (s, v) = f.get(&format!("/jobs/{id}/vertices/{id}")).await;
    assert_error(s, &v, 404, "vertex");
    let (s, v) = f.post(&format!("/jobs/{id}/savepoints"), "{not json").await;
    assert_error(s, &v, 400, "SavepointTriggerRequestBody");
    let (s, v) = f.post(&format!("/jobs/{id}/savepoints"), r#"{"cancel-job": "yes"}"#).await;
    assert_error(s, &v, 400, "cancel-job");
    let (s, b) = f.call(Method::POST, &format!("/jobs/{id}/stop"), None, vec![0xff, 0xfe, 0x00]).await;
    assert_eq!(s, 400, "{}", String::from_utf8_lossy(&b));
    let (s, b) = f.call(Method::POST, &format!("/jobs/{id}/stop"), None, vec![b' '; 2 << 20]).await;
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_error(s, &v, 413, "exceeds the limit");
    let (s, b) = f.call(Method::DELETE, "/overview", None, Vec::new()).await;
    assert_eq!(s, 405);
    assert!(String::from_utf8_lossy(&b).contains("errors"));
    let (s, b) = f.call(Method::PATCH, &format!("/jobs/{id}?mode=explode"), None, Vec::new()).await;
    assert_eq!(s, 400);
    assert!(String::from_utf8_lossy(&b).contains("invalid mode 'explode'"));
    let (s, v) = f.get(&format!("/jobs/{id}/savepoints/..%2f..%2fetc")).await;
    assert_error(s, &v, 400, "invalid trigger id");
    let (s, v) = f.get(&format!("/jobs/{id}/savepoints/0123")).await;
    assert_error(s, &v, 404, "no operation");
}

#[tokio::test]
async fn cancel_savepoint_stop_checkpoint_and_disposal() {
    let f = Fixture::new("ops");
    let id = f.backend.add_job("j", "RUNNING");
    let (s, v) = f.post(&format!("/jobs/{id}/savepoints"), r#"{"target-directory": "/sp", "cancel-job": false}"#).await;
    assert_eq!(s, 202, "{v}");
    let trigger = v["request-id"].as_str().unwrap().to_string();
    let (_, v) = f.get(&format!("/jobs/{id}/savepoints/{trigger}")).await;
    assert_eq!(v, serde_json::json!({"status": {"id": "IN_PROGRESS"}}));
    let (_, v) = f.get(&format!("/jobs/{id}/savepoints/{trigger}")).await;
    assert_eq!(v["status"]["id"], "COMPLETED");
    assert!(v["operation"]["location"].as_str().unwrap().starts_with("/sp/savepoint-"));

    let (s, v) = f.post(&format!("/jobs/{id}/checkpoints"), "").await;
    assert_eq!(s, 202, "{v}");
    let trigger = v["request-id"].as_str().unwrap().to_string();
    f.get(&format!("/jobs/{id}/checkpoints/{trigger}")).await;
    let (_, v) = f.get(&format!("/jobs/{id}/checkpoints/{trigger}")).await;
    assert!(v["operation"]["checkpointId"].is_u64(), "{v}");

    let (s, _) = f.call(Method::PATCH, &format!("/jobs/{id}?mode=cancel"), None, Vec::new()).await;
    assert_eq!(s, 202);
    assert_eq!(f.backend.job_state(&id).as_deref(), Some("CANCELED"));
    let (s, b) = f.call(Method::PATCH, &format!("/jobs/{id}"), None, Vec::new()).await;
    assert_eq!(s, 409, "{}", String::from_utf8_lossy(&b));

    let id2 = f.backend.add_job("k", "RUNNING");
    let (s, v) = f.post(&format!("/jobs/{id2}/stop"), r#"{"targetDirectory": "/sp2", "drain": true}"#).await;
    assert_eq!(s, 202, "{v}");

    let (s, v) = f.post("/savepoint-disposal", r#"{"savepoint-path": "/sp/missing"}"#).await;
    assert_eq!(s, 202);
    let trigger = v["request-id"].as_str().unwrap().to_string();
    f.get(&format!("/savepoint-disposal/{trigger}")).await;
    let (_, v) = f.get(&format!("/savepoint-disposal/{trigger}")).await;
    assert!(v["operation"]["failure-cause"]["stack-trace"].as_str().unwrap().contains("does not exist"), "{v}");
    let (s, v) = f.post("/savepoint-disposal", "{}").await;
    assert_error(s, &v, 400, "savepoint-path");
}

#[tokio::test]
async fn upload_list_run_delete() {
    let f = Fixture::new("jars");
    let (s, v) = f.upload("../../../etc/word_count", b"#!/bin/sh\necho hi\n").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "success");
    let jar = v["filename"].as_str().unwrap().to_string();
    assert!(valid_id(&jar));
    let (_, v) = f.get("/jars").await;
    assert_eq!(v["address"], "http://localhost:8081");
    assert_eq!(v["files"][0]["id"], jar.as_str());
    assert_eq!(v["files"][0]["name"], "word_count");
    // Nothing was written outside the blob directory.
    assert!(f.blobs.get(&jar).unwrap().starts_with(f.blobs.dir()));

    let (s, v) = f
        .post(
            &format!("/jars/{jar}/run"),
            r#"{"programArgsList": ["--input", "a b"], "parallelism": 3, "savepointPath": "/sp/1", "allowNonRestoredState": true}"#,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["jobid"].as_str().unwrap().len(), 32);
    let sub = f.backend.submissions().pop().unwrap();
    assert_eq!(sub.args, ["--input", "a b"]);
    assert_eq!(sub.parallelism, Some(3));
    assert_eq!(sub.savepoint_path.as_deref(), Some("/sp/1"));
    assert!(sub.allow_non_restored_state);

    let (s, _) = f.post(&format!("/jars/{jar}/run?parallelism=2&programArg=x,y&allowNonRestoredState=false"), "").await;
    assert_eq!(s, 200);
    let sub = f.backend.submissions().pop().unwrap();
    assert_eq!((sub.args, sub.parallelism), (vec!["x".to_string(), "y".to_string()], Some(2)));
    let (s, v) = f.post(&format!("/jars/{jar}/run?parallelism=many"), "").await;
    assert_error(s, &v, 400, "parallelism 'many'");
    let (s, v) = f.post(&format!("/jars/{jar}/run"), r#"{"parallelism": -1}"#).await;
    assert_error(s, &v, 400, "JarRunRequestBody");
    let (s, v) = f.post(&format!("/jars/{jar}/run"), r#"{"parallelism": 0}"#).await;
    assert_error(s, &v, 400, "parallelism 0");

    let (s, _) = f.call(Method::DELETE, &format!("/jars/{jar}"), None, Vec::new()).await;
    assert_eq!(s, 200);
    let (s, v) = f.post(&format!("/jars/{jar}/run"), "").await;
    assert_error(s, &v, 404, "upload it first");
}

#[tokio::test]
async fn traversal_attempts_are_refused() {
    let f = Fixture::new("traversal");
    for uri in [
        "/jars/..%2f..%2f..%2fetc%2fpasswd/run",
        "/jars/%2e%2e%2f%2e%2e%2fetc%2fpasswd/run",
        "/jars/%2fetc%2fpasswd/run",
        "/jars/..%00/run",
        "/jars/%00/run",
    ] {
        let (s, v) = f.post(uri, "").await;
        assert_error(s, &v, 400, "invalid jar id");
    }
    let (s, b) = f.call(Method::DELETE, "/jars/..%2f..%2fsecret", None, Vec::new()).await;
    assert_eq!(s, 400, "{}", String::from_utf8_lossy(&b));
    let (s, _) = f.call(Method::POST, "/jars/../../etc/passwd/run", None, Vec::new()).await;
    assert!((400..500).contains(&s));
    let (s, v) = f.get("/taskmanagers/..%2f..%2fetc%2fpasswd/log").await;
    assert_error(s, &v, 404, "not found");
    let (s, v) = f.upload("evil\0name", b"data").await;
    assert!((400..500).contains(&s), "{v}");
    let (s, v) = f.upload("..\\..\\x", b"data").await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = f.get("/jars").await;
    assert_eq!(v["files"][0]["name"], "x");
    let entries: Vec<_> = std::fs::read_dir(f.blobs.dir()).unwrap().collect();
    assert_eq!(entries.len(), 2, "blob + meta only");
}

#[tokio::test]
async fn upload_limit_and_disabled_submission() {
    let mut f = Fixture::new("limit");
    f.opts.max_content_length = 1024;
    let (s, v) = f.upload("big", &[7u8; 4096]).await;
    assert_error(s, &v, 413, "exceeds");
    let (s, v) = f.upload("small", &[7u8; 100]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(f.blobs.list().unwrap().len(), 1, "the refused upload left nothing behind");
    let (s, v) = f.post("/jars/upload", "{}").await;
    assert_error(s, &v, 400, "multipart");

    f.opts.web_submit = false;
    let (s, v) = f.upload("small", &[7u8; 100]).await;
    assert_error(s, &v, 403, "web.submit.enable");
    let jar = "a".repeat(64);
    let (s, v) = f.post(&format!("/jars/{jar}/run"), "").await;
    assert_error(s, &v, 403, "disabled");
    let (_, v) = f.get("/config").await;
    assert_eq!(v["features"]["web-submit"], false);
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let f = Fixture::new("metrics");
    let (s, body) = f.call(Method::GET, "/metrics", None, Vec::new()).await;
    assert_eq!(s, 200);
    assert!(String::from_utf8_lossy(&body).contains("# TYPE rasch_jobmanager_numRegisteredTaskManagers gauge"));
}

#[tokio::test]
async fn serve_answers_on_a_real_socket_and_shuts_down() {
    let f = Fixture::new("serve");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with_shutdown(listener, f.backend.clone(), f.blobs.clone(), f.opts.clone(), async {
        let _ = rx.await;
    }));
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Garbage first: the server must survive it.
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"\xff\xfe GARBAGE \x00\r\n\r\n").await.unwrap();
    let mut sink = Vec::new();
    let _ = c.read_to_end(&mut sink).await;
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /overview HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"slots-total\":2"), "{out}");
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

mod flink_clients;
