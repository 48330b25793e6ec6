//! Answers and request checks shared by the handlers: JSON bodies, `{"errors": [...]}`
//! errors with the right status, and validation of ids from the network.

use crate::blob::valid_id;
use crate::rest::model::*;
use crate::rest::{MAX_JSON_BODY, RestError};
use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::http::HeaderValue;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub(super) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("could not serialize the answer: {e}")),
    }
}

pub(super) fn ok<T: Serialize>(value: &T) -> Response {
    json(StatusCode::OK, value)
}

pub(super) fn error(status: StatusCode, message: impl Into<String>) -> Response {
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

pub(super) type Reply = Result<Response, RestError>;

/// Shortens client-supplied text for error messages.
pub(super) fn shown(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

pub(super) fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn check_job(id: &str) -> Result<(), RestError> {
    if is_hex32(id) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid job id '{}': expected 32 hexadecimal characters", shown(id))))
    }
}

pub(super) fn check_vertex(id: &str) -> Result<(), RestError> {
    if is_hex32(id) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid vertex id '{}': expected 32 hexadecimal characters", shown(id))))
    }
}

pub(super) fn check_trigger(id: &str) -> Result<(), RestError> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid trigger id '{}'", shown(id))))
    }
}

pub(super) fn check_jar(id: &str) -> Result<(), RestError> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!(
            "invalid jar id '{}': expected the SHA-256 of the binary (64 lowercase hex characters)",
            shown(id)
        )))
    }
}

pub(super) fn path_err(e: PathRejection) -> RestError {
    RestError::bad_request(format!("invalid path: {}", e.body_text()))
}

pub(super) fn query_err(e: QueryRejection) -> RestError {
    RestError::bad_request(format!("invalid query parameters: {}", e.body_text()))
}

pub(super) fn one(p: Result<Path<String>, PathRejection>) -> Result<String, RestError> {
    p.map(|Path(s)| s).map_err(path_err)
}

pub(super) fn two(p: Result<Path<(String, String)>, PathRejection>) -> Result<(String, String), RestError> {
    p.map(|Path(s)| s).map_err(path_err)
}

/// Parses an optional JSON body (empty = default); errors name the expected type.
pub(super) fn body<T: serde::de::DeserializeOwned + Default>(bytes: &Result<Bytes, BytesRejection>, what: &str) -> Result<T, RestError> {
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

pub(super) fn job_not_found(job: &str) -> RestError {
    RestError::not_found(format!("Job {job} not found"))
}

pub(super) fn found<T: Serialize>(v: Option<T>, missing: impl FnOnce() -> RestError) -> Reply {
    v.map(|v| ok(&v)).ok_or_else(missing)
}

pub(super) async fn not_found(uri: axum::http::Uri) -> Response {
    error(StatusCode::NOT_FOUND, format!("Not found: {}", shown(uri.path())))
}

pub(super) async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, format!("method {method} is not allowed on {}", shown(uri.path())))
}

pub(super) fn check_tm(id: &str) -> Result<(), RestError> {
    if !id.is_empty() && id.len() <= 256 && !id.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(RestError::bad_request(format!("invalid TaskManager id '{}'", shown(id))))
    }
}
