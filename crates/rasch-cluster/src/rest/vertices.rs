//! Vertex handlers: `/jobs/:jobid/vertices/:vertexid` and its back-pressure, watermarks,
//! subtask times, TaskManagers, accumulators and flame graph.

use super::AppState;
use super::reply::*;
use crate::rest::RestError;
use crate::rest::model::*;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};

type VertexPath = Result<Path<(String, String)>, PathRejection>;

/// The checked (job, vertex) ids of a vertex path.
fn ids(p: VertexPath) -> Result<(String, String), RestError> {
    let (job, v) = two(p)?;
    check_job(&job)?;
    check_vertex(&v)?;
    Ok((job, v))
}

fn vertex_not_found(job: &str, v: &str) -> RestError {
    RestError::not_found(format!("vertex {v} of job {job} not found"))
}

pub(super) async fn vertex(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    found(s.backend.vertex(&job, &v), || vertex_not_found(&job, &v))
}

pub(super) async fn vertex_backpressure(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    found(s.backend.vertex_backpressure(&job, &v), || vertex_not_found(&job, &v))
}

pub(super) async fn vertex_watermarks(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    found(s.backend.vertex_watermarks(&job, &v), || vertex_not_found(&job, &v))
}

pub(super) async fn subtask_times(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    found(s.backend.vertex_subtask_times(&job, &v), || vertex_not_found(&job, &v))
}

pub(super) async fn vertex_taskmanagers(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    found(s.backend.vertex_taskmanagers(&job, &v), || vertex_not_found(&job, &v))
}

/// Rasch's user counters are job-wide: a vertex has none of its own.
pub(super) async fn vertex_accumulators(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    s.backend.vertex(&job, &v).ok_or_else(|| vertex_not_found(&job, &v))?;
    Ok(ok(&VertexAccumulators { id: v, user_accumulators: Vec::new() }))
}

/// Per subtask: none of their own either (Rasch's user counters are job-wide).
pub(super) async fn subtasks_accumulators(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    let details = s.backend.vertex(&job, &v).ok_or_else(|| vertex_not_found(&job, &v))?;
    let subtasks = details
        .subtasks
        .into_iter()
        .map(|t| SubtaskAccumulators { subtask: t.subtask, attempt: t.attempt, endpoint: t.endpoint, user_accumulators: Vec::new() })
        .collect();
    Ok(ok(&SubtasksAccumulators { id: v, parallelism: details.parallelism, subtasks }))
}

/// Rasch does not sample stacks: the answer of a Flink cluster with flame graphs disabled.
pub(super) async fn flame_graph(State(s): State<AppState>, p: VertexPath) -> Reply {
    let (job, v) = ids(p)?;
    s.backend.vertex(&job, &v).ok_or_else(|| vertex_not_found(&job, &v))?;
    Ok(ok(&VertexFlameGraph::disabled()))
}
