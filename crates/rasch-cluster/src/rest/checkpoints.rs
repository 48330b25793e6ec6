//! Checkpoint and savepoint handlers: statistics, configuration, triggers, stop with
//! savepoint, operation status and savepoint disposal.

use super::AppState;
use super::reply::*;
use crate::rest::RestError;
use crate::rest::model::*;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;

pub(super) async fn checkpoints(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.checkpoints(&job), || job_not_found(&job))
}

pub(super) async fn checkpoint_config(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    found(s.backend.checkpoint_config(&job), || job_not_found(&job))
}

pub(super) async fn checkpoint_details(State(s): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Reply {
    let (job, cid) = two(p)?;
    check_job(&job)?;
    let id: u64 = cid
        .parse()
        .map_err(|_| RestError::bad_request(format!("invalid checkpoint id '{}': expected a non-negative integer", shown(&cid))))?;
    found(s.backend.checkpoint_details(&job, id), || RestError::not_found(format!("checkpoint {id} of job {job} not found")))
}

pub(super) async fn checkpoint_subtasks(State(s): State<AppState>, p: Result<Path<(String, String, String)>, PathRejection>) -> Reply {
    let (job, cid, vertex) = p.map(|Path(t)| t).map_err(path_err)?;
    check_job(&job)?;
    check_vertex(&vertex)?;
    let id: u64 = cid
        .parse()
        .map_err(|_| RestError::bad_request(format!("invalid checkpoint id '{}': expected a non-negative integer", shown(&cid))))?;
    found(s.backend.checkpoint_subtasks(&job, id, &vertex), || {
        RestError::not_found(format!("checkpoint {id} of vertex {vertex} of job {job} not found"))
    })
}

pub(super) async fn trigger_checkpoint(
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

pub(super) async fn operation_status(State(s): State<AppState>, p: Result<Path<(String, String)>, PathRejection>) -> Reply {
    let (job, trigger) = two(p)?;
    check_job(&job)?;
    check_trigger(&trigger)?;
    found(s.backend.operation_status(&job, &trigger), || {
        RestError::not_found(format!("no operation with trigger id {trigger} for job {job}"))
    })
}

pub(super) async fn trigger_savepoint(
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

pub(super) async fn stop_job(
    State(s): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> Reply {
    let job = one(p)?;
    check_job(&job)?;
    let req: StopWithSavepointRequest = body(&bytes, "StopWithSavepointRequestBody")?;
    let id = s.backend.trigger_savepoint(&job, req.target_directory, Some(StopMode::from_drain(req.drain)), false)?;
    Ok(json(StatusCode::ACCEPTED, &TriggerResponse { request_id: id }))
}

pub(super) async fn dispose_savepoint(State(s): State<AppState>, bytes: Result<Bytes, BytesRejection>) -> Reply {
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

pub(super) async fn disposal_status(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
    let trigger = one(p)?;
    check_trigger(&trigger)?;
    found(s.backend.disposal_status(&trigger), || RestError::not_found(format!("no savepoint disposal with trigger id {trigger}")))
}
