//! Job handlers: `/jobs`, `/jobs/overview`, `/jobs/:jobid` (and its cancel), plan,
//! exceptions, configuration and accumulators.

use super::AppState;
use super::reply::*;
use crate::rest::RestError;
use crate::rest::model::*;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

pub(super) async fn jobs(State(s): State<AppState>) -> Response {
    let jobs = s.backend.job_overviews().into_iter().map(|j| JobIdWithStatus { id: j.jid, status: j.state }).collect();
    ok(&JobIdsWithStatus { jobs })
}

pub(super) async fn jobs_overview(State(s): State<AppState>) -> Response {
    ok(&JobsOverview { jobs: s.backend.job_overviews() })
}

pub(super) async fn job(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.job(&job), || job_not_found(&job))
}

pub(super) async fn job_plan(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let plan = s.backend.job_plan(&job).ok_or_else(|| job_not_found(&job))?;
    Ok(ok(&serde_json::json!({ "plan": plan })))
}

pub(super) async fn job_exceptions(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.job_exceptions(&job), || job_not_found(&job))
}

pub(super) async fn job_config(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.job_config(&job), || job_not_found(&job))
}

#[derive(serde::Deserialize)]
pub(super) struct CancelQuery {
    mode: Option<String>,
}

pub(super) async fn cancel_job(
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

pub(super) async fn job_accumulators(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.job_accumulators(&job), || job_not_found(&job))
}

/// The JobManager's configuration as the job sees it: the cluster's, overridden by the job's.
pub(super) async fn job_jobmanager_config(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let job_config = s.backend.job_config(&job).ok_or_else(|| job_not_found(&job))?;
    let mut merged: std::collections::BTreeMap<String, String> = s.backend.cluster_config().into_iter().collect();
    merged.extend(job_config.execution_config.user_config);
    Ok(ok(&super::cluster::config_entries(merged.into_iter().collect())))
}

pub(super) async fn job_jobmanager_environment(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    s.backend.job_config(&job).ok_or_else(|| job_not_found(&job))?;
    Ok(ok(&EnvironmentInfo::of_this_process()))
}
