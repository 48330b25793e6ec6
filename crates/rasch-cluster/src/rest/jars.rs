//! Job binary handlers (Flink's jars): list, upload, delete, run.

use super::AppState;
use super::reply::*;
use crate::blob::BlobError;
use crate::rest::model::*;
use crate::rest::{RestError, SubmitJob};
use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};

pub(super) async fn list_jars(State(s): State<AppState>, headers: HeaderMap) -> Reply {
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

pub(super) fn submit_disabled() -> RestError {
    RestError::forbidden("job submission is disabled on this cluster (web.submit.enable: false)")
}

pub(super) fn blob_err(e: BlobError) -> RestError {
    match e {
        BlobError::TooLarge { limit } => {
            RestError::new(413, format!("the upload exceeds the limit of {limit} bytes (rest.server.max-content-length)"))
        }
        BlobError::InvalidId(_) => RestError::bad_request(e.to_string()),
        BlobError::Io { .. } => RestError::internal(e.to_string()),
    }
}

pub(super) fn multipart_err(status: StatusCode, text: String) -> RestError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        RestError::new(413, "the upload exceeds rest.server.max-content-length")
    } else {
        RestError::new(status.as_u16(), format!("invalid multipart upload: {text}"))
    }
}

pub(super) async fn upload_jar(State(s): State<AppState>, mp: Result<Multipart, MultipartRejection>) -> Reply {
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

pub(super) async fn delete_jar(State(s): State<AppState>, p: Result<Path<String>, PathRejection>) -> Reply {
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
pub(super) struct RunQuery {
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

pub(super) async fn run_jar(
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
