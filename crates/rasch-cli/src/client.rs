//! A small blocking client for the JobManager's REST API.

use serde_json::Value;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// A failure of a CLI command: the message to print and the exit code.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong (printed to stderr).
    pub message: String,
    /// Process exit code (non-zero).
    pub code: i32,
    /// The HTTP status of the JobManager's answer, when the failure is a REST error reply.
    pub http_status: Option<u16>,
}

impl CliError {
    /// Exit code 1 with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        CliError { message: message.into(), code: 1, http_status: None }
    }

    /// Exit code `code` with `message` (2: a usage error).
    pub fn with_code(message: impl Into<String>, code: i32) -> Self {
        CliError { message: message.into(), code, http_status: None }
    }

    /// True when the JobManager answered 404: the job, jar or operation does not exist.
    pub fn is_not_found(&self) -> bool {
        self.http_status == Some(404)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<rasch_core::Error> for CliError {
    fn from(e: rasch_core::Error) -> Self {
        CliError::new(e.to_string())
    }
}

/// Result of CLI commands.
pub type CliResult<T = ()> = Result<T, CliError>;

/// Client of one JobManager.
pub struct RestClient {
    address: String,
    agent: ureq::Agent,
}

impl RestClient {
    /// A client for `host:port`.
    pub fn new(address: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .user_agent(concat!("rasch-cli/", env!("CARGO_PKG_VERSION")))
            // A fresh connection per request: a pooled one the server has meanwhile closed
            // fails the request with "Peer disconnected" (seen under load); a CLI makes few.
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build()
            .into();
        RestClient { address: address.to_string(), agent }
    }

    /// `host:port` of the JobManager.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    fn unreachable(&self, e: ureq::Error) -> CliError {
        CliError::new(format!("could not reach the JobManager at {}: {e}", self.address))
    }

    fn answer(&self, what: &str, resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> CliResult<Value> {
        let mut resp = resp.map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .map_err(|e| CliError::new(format!("{what}: could not read the answer of the JobManager at {}: {e}", self.address)))?;
        let value: Value =
            if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text.clone())) };
        if (200..300).contains(&status) {
            return Ok(value);
        }
        let errors: Vec<String> = value
            .get("errors")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|e| e.as_str().map(str::to_string).unwrap_or_else(|| e.to_string())).collect())
            .unwrap_or_else(|| vec![text.chars().take(500).collect()]);
        Err(CliError { http_status: Some(status), ..CliError::new(format!("{what} failed (HTTP {status}): {}", errors.join("; "))) })
    }

    /// `GET path` → JSON.
    pub fn get(&self, path: &str) -> CliResult<Value> {
        self.answer(&format!("GET {path}"), self.agent.get(self.url(path)).call())
    }

    /// `POST path` with a JSON body → JSON.
    pub fn post(&self, path: &str, body: &Value) -> CliResult<Value> {
        let resp = self.agent.post(self.url(path)).content_type("application/json").send(body.to_string());
        self.answer(&format!("POST {path}"), resp)
    }

    /// `PATCH path` (empty body) → JSON.
    pub fn patch(&self, path: &str) -> CliResult<Value> {
        self.answer(&format!("PATCH {path}"), self.agent.patch(self.url(path)).send_empty())
    }

    /// Uploads a job binary as multipart field `jarfile` → the answer JSON.
    pub fn upload(&self, file: &Path) -> CliResult<Value> {
        let name: String = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("job")
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        let boundary = format!("----rasch-{:016x}", std::process::id() as u64 ^ 0x5eed_cafe_f00d);
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let f = std::fs::File::open(file).map_err(|e| CliError::new(format!("cannot read the job binary {}: {e}", file.display())))?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        let reader = std::io::Cursor::new(head.into_bytes()).chain(f).chain(std::io::Cursor::new(tail.into_bytes()));
        let resp = self
            .agent
            .post(self.url("/jars/upload"))
            .content_type(format!("multipart/form-data; boundary={boundary}"))
            .send(ureq::SendBody::from_owned_reader(reader));
        if let Err(ureq::Error::Io(e)) = &resp
            && matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            )
        {
            return Err(CliError::new(format!(
                "the JobManager at {} closed the connection during the upload of {} ({size} bytes): {e}. The binary is \
                 probably larger than the JobManager's rest.server.max-content-length (default 104857600); raise it, or \
                 upload a smaller binary (release build, stripped)",
                self.address,
                file.display()
            )));
        }
        let answer = self.answer("uploading the job binary", resp);
        match answer {
            Err(e) if e.http_status == Some(413) => Err(CliError::new(format!(
                "{}\nThe binary ({size} bytes) is larger than the JobManager accepts; raise rest.server.max-content-length or \
                 upload a smaller binary (release build, stripped)",
                e.message
            ))),
            other => other,
        }
    }
}
