//! Cluster handlers: the dashboard, `/config`, `/overview`, TaskManagers, the JobManager's
//! configuration, environment and logs.

use super::AppState;
use super::reply::*;
use crate::rest::model::*;
use crate::rest::{MAX_LOG_BYTES, RestError, VERSION};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) async fn dashboard_config(State(s): State<AppState>) -> Response {
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

pub(super) async fn overview(State(s): State<AppState>) -> Response {
    ok(&s.backend.overview())
}

pub(super) async fn taskmanagers(State(s): State<AppState>) -> Response {
    ok(&TaskManagersInfo { taskmanagers: s.backend.taskmanagers() })
}

pub(super) async fn taskmanager(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let id = one(p)?;
    check_tm(&id)?;
    found(s.backend.taskmanager(&id), || RestError::not_found(format!("TaskManager {} not found", shown(&id))))
}

pub(super) async fn serve_log(path: Option<std::path::PathBuf>, what: &str) -> Reply {
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

pub(super) async fn taskmanager_log(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let id = one(p)?;
    check_tm(&id)?;
    if s.backend.taskmanager(&id).is_none() {
        return Err(RestError::not_found(format!("TaskManager {} not found", shown(&id))));
    }
    serve_log(s.backend.taskmanager_log(&id), &format!("TaskManager {id}")).await
}

pub(super) async fn jobmanager_log(State(s): State<AppState>) -> Reply {
    serve_log(s.backend.jobmanager_log(), "the JobManager").await
}

/// True for keys whose values must not be shown (Flink's `GlobalConfiguration.isSensitive`).
pub fn is_sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "fs.azure.account.key", "apikey", "api-key", "auth-params", "service-key", "token"].iter().any(|s| k.contains(s))
}

/// Configuration entries with the values of sensitive keys masked.
pub(super) fn config_entries(config: Vec<(String, String)>) -> Vec<ConfigEntry> {
    config
        .into_iter()
        .map(|(key, value)| {
            let value = if is_sensitive_key(&key) { "******".to_string() } else { value };
            ConfigEntry { key, value }
        })
        .collect()
}

pub(super) async fn jobmanager_config(State(s): State<AppState>) -> Response {
    ok(&config_entries(s.backend.cluster_config()))
}

pub(super) async fn jobmanager_environment() -> Response {
    ok(&EnvironmentInfo::of_this_process())
}

pub(super) async fn jobmanager_thread_dump() -> Response {
    ok(&ThreadDumpInfo::of_this_process())
}

pub(super) async fn taskmanager_thread_dump(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let id = one(p)?;
    check_tm(&id)?;
    match s.backend.taskmanager_thread_dump(&id) {
        Some(dump) => Ok(ok(&dump)),
        None => Err(RestError::not_found(format!("TaskManager {} not found", shown(&id)))),
    }
}

/// `{"logs": [{"name", "size", "mtime"}]}`: the one log file a process has.
fn log_list(path: Option<std::path::PathBuf>) -> Response {
    let logs: Vec<serde_json::Value> = path
        .and_then(|p| {
            let meta = std::fs::metadata(&p).ok()?;
            let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as u64;
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some(serde_json::json!({"name": name, "size": meta.len(), "mtime": mtime}))
        })
        .into_iter()
        .collect();
    ok(&serde_json::json!({ "logs": logs }))
}

pub(super) async fn jobmanager_logs(State(s): State<AppState>) -> Response {
    log_list(s.backend.jobmanager_log())
}

pub(super) async fn taskmanager_logs(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let id = one(p)?;
    check_tm(&id)?;
    if s.backend.taskmanager(&id).is_none() {
        return Err(RestError::not_found(format!("TaskManager {} not found", shown(&id))));
    }
    Ok(log_list(s.backend.taskmanager_log(&id)))
}

/// `/datasets`: cluster data sets (cached intermediate results of batch jobs); Rasch keeps none.
pub(super) async fn datasets() -> Response {
    ok(&serde_json::json!({ "dataSets": [] }))
}
