//! Flink-compatible REST API and dashboard, served by the JobManager on `rest.port` (8081).
//!
//! The router only validates and translates; the cluster state comes from a [`RestBackend`].
//! Every error is a 4xx/5xx answer with `{"errors": ["..."]}` naming what was wrong; ids from
//! the network are validated before use and never become file paths (job binaries are looked up
//! by SHA-256 in the [`BlobStore`], logs are files the backend names).

mod assets;
pub mod backend;
mod checkpoints;
mod cluster;
mod jars;
mod jobs;
mod metrics;
pub mod model;
mod reply;
mod vertices;

pub use backend::{RestBackend, RestError, SubmitJob};
pub use cluster::is_sensitive_key;

use crate::blob::BlobStore;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
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

/// The REST router (for embedding and tests). Every API path is served as is and, like
/// Flink's, under the version prefix `/v1` (Flink's own clients put it in front of every path).
pub fn router(backend: Arc<dyn RestBackend>, blobs: Arc<BlobStore>, opts: RestOptions) -> Router {
    let upload_limit = usize::try_from(opts.max_content_length).unwrap_or(usize::MAX);
    let state = AppState { backend, blobs, opts: Arc::new(opts) };
    let api = api_routes(upload_limit).method_not_allowed_fallback(reply::method_not_allowed);
    Router::new()
        .route("/", get(assets::index))
        .route("/index.html", get(assets::index))
        .route("/dashboard/{file}", get(assets::file))
        .merge(api.clone())
        .nest("/v1", api)
        .fallback(reply::not_found)
        .method_not_allowed_fallback(reply::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .with_state(state)
}

/// The API's paths, without the version prefix.
fn api_routes(upload_limit: usize) -> Router<AppState> {
    use self::{checkpoints as cp, cluster as cl, jars, jobs, metrics as m, vertices as v};
    Router::new()
        .route("/config", get(cl::dashboard_config))
        .route("/overview", get(cl::overview))
        .route("/jobs", get(jobs::jobs))
        .route("/jobs/overview", get(jobs::jobs_overview))
        .route("/jobs/metrics", get(m::all_jobs))
        .route("/jobs/{jobid}", get(jobs::job).patch(jobs::cancel_job))
        .route("/jobs/{jobid}/plan", get(jobs::job_plan))
        .route("/jobs/{jobid}/exceptions", get(jobs::job_exceptions))
        .route("/jobs/{jobid}/config", get(jobs::job_config))
        .route("/jobs/{jobid}/accumulators", get(jobs::job_accumulators))
        .route("/jobs/{jobid}/metrics", get(m::job))
        .route("/jobs/{jobid}/jobmanager/config", get(jobs::job_jobmanager_config))
        .route("/jobs/{jobid}/jobmanager/environment", get(jobs::job_jobmanager_environment))
        .route("/jobs/{jobid}/vertices/{vertexid}", get(v::vertex))
        .route("/jobs/{jobid}/vertices/{vertexid}/backpressure", get(v::vertex_backpressure))
        .route("/jobs/{jobid}/vertices/{vertexid}/watermarks", get(v::vertex_watermarks))
        .route("/jobs/{jobid}/vertices/{vertexid}/subtasktimes", get(v::subtask_times))
        .route("/jobs/{jobid}/vertices/{vertexid}/taskmanagers", get(v::vertex_taskmanagers))
        .route("/jobs/{jobid}/vertices/{vertexid}/accumulators", get(v::vertex_accumulators))
        .route("/jobs/{jobid}/vertices/{vertexid}/subtasks/accumulators", get(v::subtasks_accumulators))
        .route("/jobs/{jobid}/vertices/{vertexid}/flamegraph", get(v::flame_graph))
        .route("/jobs/{jobid}/vertices/{vertexid}/metrics", get(m::vertex))
        .route("/jobs/{jobid}/vertices/{vertexid}/subtasks/metrics", get(m::vertex_subtasks))
        .route("/jobs/{jobid}/checkpoints", get(cp::checkpoints).post(cp::trigger_checkpoint))
        .route("/jobs/{jobid}/checkpoints/config", get(cp::checkpoint_config))
        .route("/jobs/{jobid}/checkpoints/details/{checkpointid}", get(cp::checkpoint_details))
        .route("/jobs/{jobid}/checkpoints/details/{checkpointid}/subtasks/{vertexid}", get(cp::checkpoint_subtasks))
        .route("/jobs/{jobid}/checkpoints/{triggerid}", get(cp::operation_status))
        .route("/jobs/{jobid}/savepoints", post(cp::trigger_savepoint))
        .route("/jobs/{jobid}/savepoints/{triggerid}", get(cp::operation_status))
        .route("/jobs/{jobid}/stop", post(cp::stop_job))
        .route("/savepoint-disposal", post(cp::dispose_savepoint))
        .route("/savepoint-disposal/{triggerid}", get(cp::disposal_status))
        .route("/taskmanagers", get(cl::taskmanagers))
        .route("/taskmanagers/metrics", get(m::all_taskmanagers))
        .route("/taskmanagers/{tmid}", get(cl::taskmanager))
        .route("/taskmanagers/{tmid}/metrics", get(m::taskmanager))
        .route("/taskmanagers/{tmid}/log", get(cl::taskmanager_log))
        .route("/taskmanagers/{tmid}/stdout", get(cl::taskmanager_log))
        .route("/taskmanagers/{tmid}/logs", get(cl::taskmanager_logs))
        .route("/taskmanagers/{tmid}/thread-dump", get(cl::taskmanager_thread_dump))
        .route("/jobmanager/config", get(cl::jobmanager_config))
        .route("/jobmanager/environment", get(cl::jobmanager_environment))
        .route("/jobmanager/metrics", get(m::jobmanager))
        .route("/jobmanager/log", get(cl::jobmanager_log))
        .route("/jobmanager/stdout", get(cl::jobmanager_log))
        .route("/jobmanager/logs", get(cl::jobmanager_logs))
        .route("/jobmanager/thread-dump", get(cl::jobmanager_thread_dump))
        .route("/datasets", get(cl::datasets))
        .route("/jars", get(jars::list_jars))
        .route("/jars/upload", post(jars::upload_jar).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/jars/{jarid}", axum::routing::delete(jars::delete_jar))
        .route("/jars/{jarid}/run", post(jars::run_jar))
        .route("/metrics", get(m::prometheus))
}

#[cfg(test)]
mod tests;
