//! Flink-compatible REST API and dashboard, served by the JobManager on `rest.port` (8081).
//!
//! The router only validates and translates; the cluster state comes from a [`RestBackend`].
//! Every error is a 4xx/5xx answer with `{"errors": ["..."]}` naming what was wrong; ids from
//! the network are validated before use and never become file paths (job binaries are looked up
//! by SHA-256 in the [`BlobStore`], logs are files the backend names).

pub mod backend;
pub mod model;

pub use backend::{RestBackend, RestError, SubmitJob};

use crate::blob::{BlobError, BlobStore, valid_id};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use model::*;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;

/// Largest JSON request body accepted by endpoints other than the upload (1 MiB).
pub const MAX_JSON_BODY: usize = 1 << 20;
/// At most this many bytes (the end) of a log file are served.
pub const MAX_LOG_BYTES: u64 = 8 << 20;
/// Rasch's version, reported in Flink's `flink-version` fields.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Settings of the REST endpoint (see [`crate::config::ClusterConfig::rest_options`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestOptions {
    /// `rest.server.max-content-length`: the largest upload in bytes.
    pub max_content_length: u64,
    /// `web.submit.enable`: allow `/jars/upload`, `/jars/:id/run`, `DELETE /jars/:id`.
    pub web_submit: bool,
    /// `web.cancel.enable`: offered to the dashboard in `/config`.
    pub web_cancel: bool,
    /// `web.refresh-interval` in ms.
    pub refresh_interval_ms: u64,
}

impl Default for RestOptions {
    fn default() -> Self {
        RestOptions { max_content_length: 104_857_600, web_submit: true, web_cancel: true, refresh_interval_ms: 3000 }
    }
}

#[derive(Clone)]
struct AppState {
    backend: Arc<dyn RestBackend>,
    blobs: Arc<BlobStore>,
    opts: Arc<RestOptions>,
}

/// Serves the REST API on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    backend: Arc<dyn RestBackend>,
    blobs: Arc<BlobStore>,
    opts: RestOptions,
) -> std::io::Result<()> {
    serve_with_shutdown(listener, backend, blobs, opts, std::future::pending()).await
}

/// Serves the REST API until `shutdown` completes, then finishes open requests and returns.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    backend: Arc<dyn RestBackend>,
    blobs: Arc<BlobStore>,
    opts: RestOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(backend, blobs, opts)).with_graceful_shutdown(shutdown).await
}

/// The REST router (for embedding and tests).
pub fn router(backend: Arc<dyn RestBackend>, blobs: Arc<BlobStore>, opts: RestOptions) -> Router {
    let upload_limit = usize::try_from(opts.max_content_length).unwrap_or(usize::MAX);
    let state = AppState { backend, blobs, opts: Arc::new(opts) };
    Router::new()
        .route("/", get(dashboard))
        .route("/index.html", get(dashboard))
        .route("/config", get(dashboard_config))
        .route("/overview", get(overview))
        .route("/jobs", get(jobs))
        .route("/jobs/overview", get(jobs_overview))
        .route("/jobs/{jobid}", get(job).patch(cancel_job))
        .route("/jobs/{jobid}/plan", get(job_plan))
        .route("/jobs/{jobid}/exceptions", get(job_exceptions))
        .route("/jobs/{jobid}/config", get(job_config))
        .route("/jobs/{jobid}/vertices/{vertexid}", get(vertex))
        .route("/jobs/{jobid}/vertices/{vertexid}/backpressure", get(vertex_backpressure))
        .route("/jobs/{jobid}/vertices/{vertexid}/watermarks", get(vertex_watermarks))
        .route("/jobs/{jobid}/checkpoints", get(checkpoints).post(trigger_checkpoint))
        .route("/jobs/{jobid}/checkpoints/config", get(checkpoint_config))
        .route("/jobs/{jobid}/checkpoints/details/{checkpointid}", get(checkpoint_details))
        .route("/jobs/{jobid}/checkpoints/{triggerid}", get(operation_status))
        .route("/jobs/{jobid}/savepoints", post(trigger_savepoint))
        .route("/jobs/{jobid}/savepoints/{triggerid}", get(operation_status))
        .route("/jobs/{jobid}/stop", post(stop_job))
        .route("/savepoint-disposal", post(dispose_savepoint))
        .route("/savepoint-disposal/{triggerid}", get(disposal_status))
        .route("/taskmanagers", get(taskmanagers))
        .route("/taskmanagers/{tmid}", get(taskmanager))
        .route("/taskmanagers/{tmid}/log", get(taskmanager_log))
        .route("/jobmanager/config", get(jobmanager_config))
        .route("/jobmanager/log", get(jobmanager_log))
        .route("/jars", get(list_jars))
        .route("/jars/upload", post(upload_jar).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/jars/{jarid}", axum::routing::delete(delete_jar))
        .route("/jars/{jarid}/run", post(run_jar))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .with_state(state)
}

// ---------------------------------------------------------------- helpers

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("could not serialize the answer: {e}")),
    }
}

fn ok<T: Serialize>(value: &T) -> Response {
    json(StatusCode::OK, value)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = ErrorResponse { errors: vec![message.into()] };
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"errors\":[\"error\"]}".to_vec());
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        error(status, self.message)
    }
}

type Reply = Result<Response, RestError>;

/// Shortens client-supplied text for error messages.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_job(id: &str) -> Result<(), RestError> {
    if is_hex32(id) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid job id '{}': expected 32 hexadecimal characters", shown(id))))
    }
}

fn check_vertex(id: &str) -> Result<(), RestError> {
    if is_hex32(id) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid vertex id '{}': expected 32 hexadecimal characters", shown(id))))
    }
}

fn check_trigger(id: &str) -> Result<(), RestError> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid trigger id '{}'", shown(id))))
    }
}

fn check_jar(id: &str) -> Result<(), RestError> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!(
            "invalid jar id '{}': expected the SHA-256 of the binary (64 lowercase hex characters)",
            shown(id)
        )))
    }
}

fn path_err(e: PathRejection) -> RestError {
    RestError::bad_request(format!("invalid path: {}", e.body_text()))
}

fn query_err(e: QueryRejection) -> RestError {
    RestError::bad_request(format!("invalid query parameters: {}", e.body_text()))
}

fn one(p: Result<Path<String>, PathRejection>) -> Result<String, RestError> {
    p.map(|Path(s)| s).map_err(path_err)
}

fn two(p: Result<Path<(String, String)>, PathRejection>) -> Result<(String, String), RestError> {
    p.map(|Path(s)| s).map_err(path_err)
}

/// Parses an optional JSON body (empty = default); errors name the expected type.
fn body<T: serde::de::DeserializeOwned + Default>(bytes: &Result<Bytes, BytesRejection>, what: &str) -> Result<T, RestError> {
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(RestError::new(413, format!("the request body exceeds the limit of {MAX_JSON_BODY} bytes")));
        }
        Err(e) => return Err(RestError::new(e.status().as_u16(), format!("cannot read the request body: {}", e.body_text()))),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." { String::new() } else { format!(" (field '{path}')") };
        RestError::bad_request(format!("request body does not match the expected format {what}{at}: {}", e.inner()))
    })?;
    de.end().map_err(|e| RestError::bad_request(format!("request body does not match the expected format {what}: {e}")))?;
    Ok(value)
}

fn job_not_found(job: &str) -> RestError {
    RestError::not_found(format!("Job {job} not found"))
}

fn found<T: Serialize>(v: Option<T>, missing: impl FnOnce() -> RestError) -> Reply {
    v.map(|v| ok(&v)).ok_or_else(missing)
}

// ---------------------------------------------------------------- handlers

async fn not_found(uri: axum::http::Uri) -> Response {
    error(StatusCode::NOT_FOUND, format!("Not found: {}", shown(uri.path())))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, format!("method {method} is not allowed on {}", shown(uri.path())))
}

async fn dashboard() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], include_str!("dashboard.html")).into_response()
}

async fn dashboard_config(State(s): State<AppState>) -> Response {
    ok(&DashboardConfig {
        refresh_interval: s.opts.refresh_interval_ms,
        timezone_name: "Coordinated Universal Time".into(),
        timezone_offset: 0,
        flink_version: VERSION.into(),
        flink_revision: format!("rasch {VERSION}"),
        features: DashboardFeatures {
            web_submit: s.opts.web_submit,
            web_cancel: s.opts.web_cancel,
            web_rescale: false,
            web_history: false,
        },
    })
}

async fn overview(State(s): State<AppState>) -> Response {
    ok(&s.backend.overview())
}

async fn jobs(State(s): State<AppState>) -> Response {
    let jobs = s.backend.job_overviews().into_iter().map(|j| JobIdWithStatus { id: j.jid, status: j.state }).collect();
    ok(&JobIdsWithStatus { jobs })
}

async fn jobs_overview(State(s): State<AppState>) -> Response {
    ok(&JobsOverview { jobs: s.backend.job_overviews() })
}

async fn job(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.job(&job), || job_not_found(&job))
}

async fn job_plan(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let plan = s.backend.job_plan(&job).ok_or_else(|| job_not_found(&job))?;
    Ok(ok(&serde_json::json!({ "plan": plan })))
}

async fn job_exceptions(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.job_exceptions(&job), || job_not_found(&job))
}

async fn job_config(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.job_config(&job), || job_not_found(&job))
}

#[derive(serde::Deserialize)]
struct CancelQuery {
    mode: Option<String>,
}

async fn cancel_job(
    State(s): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<CancelQuery>, QueryRejection>,
) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let Query(q) = q.map_err(query_err)?;
    match q.mode.as_deref() {
        None | Some("cancel") => {}
        Some("stop") => {
            return Err(RestError::bad_request("mode=stop is not supported; use POST /jobs/:jobid/stop"));
        }
        Some(other) => {
            return Err(RestError::bad_request(format!("invalid mode '{}': expected 'cancel'", shown(other))));
        }
    }
    s.backend.cancel(&job)?;
    Ok(json(StatusCode::ACCEPTED, &serde_json::json!({})))
}

async fn vertex(State(s): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Reply {
    let (job, v) = two(p)?;
    check_job(&job)?;
    check_vertex(&v)?;
    found(s.backend.vertex(&job, &v), || RestError::not_found(format!("vertex {v} of job {job} not found")))
}

async fn vertex_backpressure(State(s): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Reply {
    let (job, v) = two(p)?;
    check_job(&job)?;
    check_vertex(&v)?;
    found(s.backend.vertex_backpressure(&job, &v), || RestError::not_found(format!("vertex {v} of job {job} not found")))
}

async fn vertex_watermarks(State(s): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Reply {
    let (job, v) = two(p)?;
    check_job(&job)?;
    check_vertex(&v)?;
    found(s.backend.vertex_watermarks(&job, &v), || RestError::not_found(format!("vertex {v} of job {job} not found")))
}

async fn checkpoints(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.checkpoints(&job), || job_not_found(&job))
}

async fn checkpoint_config(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.checkpoint_config(&job), || job_not_found(&job))
}

async fn checkpoint_details(State(s): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Reply {
    let (job, cid) = two(p)?;
    check_job(&job)?;
    let id: u64 = cid
        .parse()
        .map_err(|_| RestError::bad_request(format!("invalid checkpoint id '{}': expected a non-negative integer", shown(&cid))))?;
    found(s.backend.checkpoint_details(&job, id), || RestError::not_found(format!("checkpoint {id} of job {job} not found")))
}

async fn trigger_checkpoint(
    State(s): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let req: CheckpointTriggerRequest = body(&bytes, "CheckpointTriggerRequestBody")?;
    if let Some(t) = req.checkpoint_type.as_deref()
        && !matches!(t, "CONFIGURED" | "FULL" | "INCREMENTAL")
    {
        return Err(RestError::bad_request(format!("invalid checkpointType '{}': expected CONFIGURED, FULL or INCREMENTAL", shown(t))));
    }
    let id = s.backend.trigger_checkpoint(&job)?;
    Ok(json(StatusCode::ACCEPTED, &TriggerResponse { request_id: id }))
}

async fn operation_status(State(s): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Reply {
    let (job, trigger) = two(p)?;
    check_job(&job)?;
    check_trigger(&trigger)?;
    found(s.backend.operation_status(&job, &trigger), || {
        RestError::not_found(format!("no operation with trigger id {trigger} for job {job}"))
    })
}

async fn trigger_savepoint(
    State(s): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let req: SavepointTriggerRequest = body(&bytes, "SavepointTriggerRequestBody")?;
    let id = s.backend.trigger_savepoint(&job, req.target_directory, None, req.cancel_job)?;
    Ok(json(StatusCode::ACCEPTED, &TriggerResponse { request_id: id }))
}

async fn stop_job(State(s): State<AppState>, p: Result<Path<String>, PathRejection>, bytes: Result<Bytes, BytesRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let req: StopWithSavepointRequest = body(&bytes, "StopWithSavepointRequestBody")?;
    let id = s.backend.trigger_savepoint(&job, req.target_directory, Some(StopMode::from_drain(req.drain)), false)?;
    Ok(json(StatusCode::ACCEPTED, &TriggerResponse { request_id: id }))
}

async fn dispose_savepoint(State(s): State<AppState>, bytes: Result<Bytes, BytesRejection>) -> Reply {
    let req: SavepointDisposalRequest = body(&bytes, "SavepointDisposalRequest")?;
    let path = req.savepoint_path.filter(|p| !p.trim().is_empty()).ok_or_else(|| {
        RestError::bad_request("request body does not match the expected format SavepointDisposalRequest: missing 'savepoint-path'")
    })?;
    if path.contains('\0') {
        return Err(RestError::bad_request("invalid savepoint-path: contains a NUL character"));
    }
    let id = s.backend.dispose_savepoint(&path)?;
    Ok(json(StatusCode::ACCEPTED, &TriggerResponse { request_id: id }))
}

async fn disposal_status(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let trigger = one(p)?;
    check_trigger(&trigger)?;
    found(s.backend.disposal_status(&trigger), || RestError::not_found(format!("no savepoint disposal with trigger id {trigger}")))
}

async fn taskmanagers(State(s): State<AppState>) -> Response {
    ok(&TaskManagersInfo { taskmanagers: s.backend.taskmanagers() })
}

fn check_tm(id: &str) -> Result<(), RestError> {
    if !id.is_empty() && id.len() <= 256 && !id.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid TaskManager id '{}'", shown(id))))
    }
}

async fn taskmanager(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let id = one(p)?;
    check_tm(&id)?;
    found(s.backend.taskmanager(&id), || RestError::not_found(format!("TaskManager {} not found", shown(&id))))
}

async fn serve_log(path: Option<std::path::PathBuf>, what: &str) -> Reply {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let path = path.ok_or_else(|| RestError::not_found(format!("no log file for {what}")))?;
    let mut file =
        tokio::fs::File::open(&path).await.map_err(|e| RestError::not_found(format!("the log file of {what} cannot be read: {e}")))?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    if len > MAX_LOG_BYTES {
        file.seek(std::io::SeekFrom::Start(len - MAX_LOG_BYTES))
            .await
            .map_err(|e| RestError::internal(format!("reading the log of {what}: {e}")))?;
    }
    let mut buf = Vec::with_capacity(len.min(MAX_LOG_BYTES) as usize);
    file.take(MAX_LOG_BYTES).read_to_end(&mut buf).await.map_err(|e| RestError::internal(format!("reading the log of {what}: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], Body::from(buf)).into_response())
}

async fn taskmanager_log(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let id = one(p)?;
    check_tm(&id)?;
    if s.backend.taskmanager(&id).is_none() {
        return Err(RestError::not_found(format!("TaskManager {} not found", shown(&id))));
    }
    serve_log(s.backend.taskmanager_log(&id), &format!("TaskManager {id}")).await
}

async fn jobmanager_log(State(s): State<AppState>) -> Reply {
    serve_log(s.backend.jobmanager_log(), "the JobManager").await
}

/// True for keys whose values must not be shown (Flink's `GlobalConfiguration.isSensitive`).
pub fn is_sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "fs.azure.account.key", "apikey", "api-key", "auth-params", "service-key", "token"].iter().any(|s| k.contains(s))
}

async fn jobmanager_config(State(s): State<AppState>) -> Response {
    let entries: Vec<ConfigEntry> = s
        .backend
        .cluster_config()
        .into_iter()
        .map(|(key, value)| {
            let value = if is_sensitive_key(&key) { "******".to_string() } else { value };
            ConfigEntry { key, value }
        })
        .collect();
    ok(&entries)
}

async fn list_jars(State(s): State<AppState>, headers: HeaderMap) -> Reply {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let files = s
        .blobs
        .list()
        .map_err(|e| RestError::internal(e.to_string()))?
        .into_iter()
        .map(|b| JarFileInfo {
            id: b.id,
            name: b.name,
            uploaded: b.uploaded,
            entry: vec![JarEntryInfo { name: "main".into(), description: None }],
        })
        .collect();
    Ok(ok(&JarListInfo { address: format!("http://{}", shown(host)), files }))
}

fn submit_disabled() -> RestError {
    RestError::forbidden("job submission is disabled on this cluster (web.submit.enable: false)")
}

fn blob_err(e: BlobError) -> RestError {
    match e {
        BlobError::TooLarge { limit } => {
            RestError::new(413, format!("the upload exceeds the limit of {limit} bytes (rest.server.max-content-length)"))
        }
        BlobError::InvalidId(_) => RestError::bad_request(e.to_string()),
        BlobError::Io { .. } => RestError::internal(e.to_string()),
    }
}

fn multipart_err(status: StatusCode, text: String) -> RestError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        RestError::new(413, "the upload exceeds rest.server.max-content-length")
    } else {
        RestError::new(status.as_u16(), format!("invalid multipart upload: {text}"))
    }
}

async fn upload_jar(State(s): State<AppState>, mp: Result<Multipart, MultipartRejection>) -> Reply {
    if !s.opts.web_submit {
        return Err(submit_disabled());
    }
    let mut mp = mp.map_err(|e| multipart_err(e.status(), e.body_text()))?;
    loop {
        let field = mp.next_field().await.map_err(|e| multipart_err(e.status(), e.body_text()))?;
        let Some(mut field) = field else {
            return Err(RestError::bad_request("the upload has no multipart field 'jarfile'"));
        };
        if field.name() != Some("jarfile") {
            continue;
        }
        let name = field.file_name().unwrap_or("job").to_string();
        let mut writer = s.blobs.writer(&name, s.opts.max_content_length).map_err(blob_err)?;
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_err(e.status(), e.body_text()))? {
            writer.write(&chunk).map_err(blob_err)?;
        }
        if writer.size() == 0 {
            return Err(RestError::bad_request("the uploaded file 'jarfile' is empty"));
        }
        let info = writer.finish().map_err(blob_err)?;
        return Ok(ok(&JarUploadResponse { filename: info.id, status: "success".into() }));
    }
}

async fn delete_jar(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    if !s.opts.web_submit {
        return Err(submit_disabled());
    }
    let id = one(p)?;
    check_jar(&id)?;
    match s.blobs.delete(&id) {
        Ok(true) => Ok(ok(&serde_json::json!({}))),
        Ok(false) => Err(RestError::not_found(format!("jar {id} not found"))),
        Err(e) => Err(blob_err(e)),
    }
}

#[derive(serde::Deserialize, Default)]
struct RunQuery {
    #[serde(rename = "programArg")]
    program_arg: Option<String>,
    parallelism: Option<String>,
    #[serde(rename = "allowNonRestoredState")]
    allow_non_restored_state: Option<String>,
    #[serde(rename = "savepointPath")]
    savepoint_path: Option<String>,
    #[serde(rename = "entry-class")]
    _entry_class: Option<String>,
}

async fn run_jar(
    State(s): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<RunQuery>, QueryRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> Reply {
    if !s.opts.web_submit {
        return Err(submit_disabled());
    }
    let id = one(p)?;
    check_jar(&id)?;
    let Query(q) = q.map_err(query_err)?;
    let req: JarRunRequest = body(&bytes, "JarRunRequestBody")?;
    if req.job_id.is_some() {
        return Err(RestError::bad_request("jobId is not supported: Rasch assigns job ids"));
    }
    let binary = s.blobs.get(&id).ok_or_else(|| RestError::not_found(format!("jar {id} not found; upload it first")))?;
    let args = match (req.program_args_list, req.program_args, q.program_arg) {
        (Some(list), _, _) => list,
        (None, Some(args), _) => args.split_whitespace().map(str::to_string).collect(),
        (None, None, Some(arg)) => arg.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect(),
        (None, None, None) => Vec::new(),
    };
    let parallelism = match (req.parallelism, q.parallelism) {
        (Some(p), _) => Some(p),
        (None, Some(p)) => Some(p.trim().parse::<usize>().map_err(|_| {
            RestError::bad_request(format!("invalid query parameter parallelism '{}': expected a positive integer", shown(&p)))
        })?),
        (None, None) => None,
    };
    if parallelism == Some(0) {
        return Err(RestError::bad_request("invalid parallelism 0: expected a positive integer"));
    }
    let allow = match (req.allow_non_restored_state, q.allow_non_restored_state) {
        (Some(b), _) => b,
        (None, Some(v)) => match v.as_str() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(RestError::bad_request(format!(
                    "invalid query parameter allowNonRestoredState '{}': expected true or false",
                    shown(&v)
                )));
            }
        },
        (None, None) => false,
    };
    let savepoint_path = req.savepoint_path.or(q.savepoint_path).filter(|p| !p.is_empty());
    let jobid = s.backend.submit(SubmitJob { jar_id: id, binary, args, parallelism, savepoint_path, allow_non_restored_state: allow })?;
    Ok(ok(&JarRunResponse { jobid }))
}

async fn metrics(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.backend.metrics()).into_response()
}

#[cfg(test)]
mod tests;
