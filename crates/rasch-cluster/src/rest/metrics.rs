//! Metric handlers: Prometheus's `/metrics` and Flink's `…/metrics` endpoints.

use super::AppState;
use super::reply::*;
use crate::rest::RestError;
use crate::rest::model::*;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) async fn prometheus(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.backend.metrics()).into_response()
}

/// `?get=a,b&agg=min,max&subtasks=0,1` of the metrics endpoints (all optional).
#[derive(serde::Deserialize, Default)]
pub(super) struct MetricQuery {
    get: Option<String>,
    agg: Option<String>,
    subtasks: Option<String>,
    taskmanagers: Option<String>,
    jobs: Option<String>,
}

/// A comma-separated list; empty items are dropped, at most 1,000 names.
fn list(s: &Option<String>, what: &str) -> Result<Option<Vec<String>>, RestError> {
    let Some(s) = s else { return Ok(None) };
    let items: Vec<String> = s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
    if items.len() > 1000 {
        return Err(RestError::bad_request(format!("too many {what}: at most 1000")));
    }
    Ok(Some(items))
}

impl MetricQuery {
    fn names(&self) -> Result<Option<Vec<String>>, RestError> {
        list(&self.get, "metric names")
    }
    fn aggregations(&self) -> Result<Vec<Aggregation>, RestError> {
        match list(&self.agg, "aggregations")? {
            None => Ok(Aggregation::ALL.to_vec()),
            Some(v) => v
                .iter()
                .map(|a| {
                    Aggregation::parse(a).ok_or_else(|| {
                        RestError::bad_request(format!("invalid aggregation '{}': expected min, max, avg, sum or skew", shown(a)))
                    })
                })
                .collect(),
        }
    }
}

fn query(q: Result<Query<MetricQuery>, QueryRejection>) -> Result<MetricQuery, RestError> {
    q.map(|Query(q)| q).map_err(query_err)
}

/// The values of a single-component scope, selected by `get`.
fn single(s: &AppState, scope: MetricScope, q: &MetricQuery, missing: impl FnOnce() -> RestError) -> Reply {
    let names = q.names()?;
    let values = s.backend.metrics_of(&scope).ok_or_else(missing)?;
    let one = values.into_iter().next().unwrap_or_default();
    Ok(ok(&select_metrics(&one, names.as_deref())))
}

/// Components filtered by a list of their indices or ids (`subtasks`, `taskmanagers`, `jobs`).
fn aggregated(components: Vec<(String, MetricValues)>, only: Option<Vec<String>>, q: &MetricQuery) -> Reply {
    let (names, aggs) = (q.names()?, q.aggregations()?);
    let picked: Vec<MetricValues> =
        components.into_iter().filter(|(id, _)| only.as_ref().is_none_or(|o| o.contains(id))).map(|(_, v)| v).collect();
    Ok(ok(&aggregate_metrics(&picked, names.as_deref(), &aggs)))
}

pub(super) async fn jobmanager(State(s): State<AppState>, q: Result<Query<MetricQuery>, QueryRejection>) -> Reply {
    let q = query(q)?;
    single(&s, MetricScope::JobManager, &q, || RestError::internal("the JobManager has no metrics"))
}

pub(super) async fn taskmanager(
    State(s): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<MetricQuery>, QueryRejection>,
) -> Reply {
    let id = one(p)?;
    check_tm(&id)?;
    let q = query(q)?;
    single(&s, MetricScope::TaskManager(id.clone()), &q, || RestError::not_found(format!("TaskManager {} not found", shown(&id))))
}

pub(super) async fn job(
    State(s): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<MetricQuery>, QueryRejection>,
) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let q = query(q)?;
    single(&s, MetricScope::Job(job.clone()), &q, || job_not_found(&job))
}

/// `/jobs/:jobid/vertices/:vertexid/metrics`: every subtask's metrics as `<subtask>.<name>`.
pub(super) async fn vertex(
    State(s): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    q: Result<Query<MetricQuery>, QueryRejection>,
) -> Reply {
    let (job, vertex) = two(p)?;
    check_job(&job)?;
    check_vertex(&vertex)?;
    let q = query(q)?;
    let names = q.names()?;
    let subtasks = s
        .backend
        .metrics_of(&MetricScope::Vertex { job: job.clone(), vertex: vertex.clone() })
        .ok_or_else(|| RestError::not_found(format!("vertex {vertex} of job {job} not found")))?;
    let all: MetricValues =
        subtasks.into_iter().enumerate().flat_map(|(i, m)| m.into_iter().map(move |(k, v)| (format!("{i}.{k}"), v))).collect();
    Ok(ok(&select_metrics(&all, names.as_deref())))
}

/// `/jobs/:jobid/vertices/:vertexid/subtasks/metrics`: aggregated over subtasks.
pub(super) async fn vertex_subtasks(
    State(s): State<AppState>,
    p: Result<Path<(String, String)>, PathRejection>,
    q: Result<Query<MetricQuery>, QueryRejection>,
) -> Reply {
    let (job, vertex) = two(p)?;
    check_job(&job)?;
    check_vertex(&vertex)?;
    let q = query(q)?;
    let subtasks = s
        .backend
        .metrics_of(&MetricScope::Vertex { job: job.clone(), vertex: vertex.clone() })
        .ok_or_else(|| RestError::not_found(format!("vertex {vertex} of job {job} not found")))?;
    let only = list(&q.subtasks, "subtasks")?;
    aggregated(subtasks.into_iter().enumerate().map(|(i, m)| (i.to_string(), m)).collect(), only, &q)
}

/// `/jobs/metrics`: aggregated over jobs.
pub(super) async fn all_jobs(State(s): State<AppState>, q: Result<Query<MetricQuery>, QueryRejection>) -> Reply {
    let q = query(q)?;
    let only = list(&q.jobs, "jobs")?;
    let jobs: Vec<(String, MetricValues)> = s
        .backend
        .job_overviews()
        .into_iter()
        .filter_map(|j| s.backend.metrics_of(&MetricScope::Job(j.jid.clone())).map(|m| (j.jid, m.into_iter().next().unwrap_or_default())))
        .collect();
    aggregated(jobs, only, &q)
}

/// `/taskmanagers/metrics`: aggregated over TaskManagers.
pub(super) async fn all_taskmanagers(State(s): State<AppState>, q: Result<Query<MetricQuery>, QueryRejection>) -> Reply {
    let q = query(q)?;
    let only = list(&q.taskmanagers, "taskmanagers")?;
    let tms: Vec<(String, MetricValues)> = s
        .backend
        .taskmanagers()
        .into_iter()
        .filter_map(|t| {
            s.backend.metrics_of(&MetricScope::TaskManager(t.id.clone())).map(|m| (t.id, m.into_iter().next().unwrap_or_default()))
        })
        .collect();
    aggregated(tms, only, &q)
}
