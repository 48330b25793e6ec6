//! [`ErrorReport`]: the serializable form of an [`Error`] — its kind, its cause chain and where
//! it happened — that crosses process boundaries (worker → JobManager → REST → CLI) without
//! losing what decides behaviour.

use super::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An error as another process sees it: what kind it is and its cause chain, outermost first.
/// `Display` shows the chain joined by `": "` — the same text as the original error's `Display`
/// — followed by the location, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReport {
    /// User, external (retryable) or internal.
    pub kind: ErrorKind,
    /// Each level's own words, outermost first: task and operator context, then the cause and
    /// its causes. Never empty.
    pub chain: Vec<String>,
    /// Where it happened (e.g. `worker 1 of attempt 0 on TaskManager tm-1`), when known.
    pub location: Option<String>,
}

impl ErrorReport {
    /// A report of one message without causes.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorReport { kind, chain: vec![message.into()], location: None }
    }

    /// The whole message: the chain joined by `": "` (without the location).
    pub fn message(&self) -> String {
        self.chain.join(": ")
    }

    /// The innermost cause's own words.
    pub fn root_cause(&self) -> &str {
        self.chain.last().map(String::as_str).unwrap_or("")
    }

    /// The same report, located at `location` (kept if one is already set: the innermost
    /// location is the most precise).
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location.get_or_insert_with(|| location.into());
        self
    }
}

impl fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())?;
        match &self.location {
            Some(at) => write!(f, " ({at})"),
            None => Ok(()),
        }
    }
}

impl From<ErrorReport> for Error {
    fn from(r: ErrorReport) -> Self {
        Error::Remote(r)
    }
}

impl Error {
    /// The serializable form of this error: kind, cause chain, location.
    pub fn report(&self) -> ErrorReport {
        match self {
            Error::Remote(r) => r.clone(),
            other => {
                let mut chain = Vec::new();
                other.push_chain(&mut chain);
                let location = match other.root() {
                    Error::Remote(r) => r.location.clone(),
                    _ => None,
                };
                ErrorReport { kind: other.kind(), chain, location }
            }
        }
    }

    /// Appends this error's own words and then its causes' to `out`.
    fn push_chain(&self, out: &mut Vec<String>) {
        match self {
            Error::Operator { operator, source } => {
                out.push(format!("operator '{operator}' failed"));
                source.push_chain(out);
            }
            Error::Task { task, subtask, parallelism, source } => {
                out.push(format!("task '{task}' ({}/{parallelism}) failed", subtask + 1));
                source.push_chain(out);
            }
            Error::Io { context, source } => {
                out.push(context.clone());
                push_std_chain(source, out);
            }
            Error::UserCaused { message, source } => {
                out.push(message.clone());
                push_std_chain(source.as_ref(), out);
            }
            Error::Remote(r) => out.extend(r.chain.iter().cloned()),
            other => out.push(other.to_string()),
        }
    }
}

/// Appends `e`'s message and those of its `source()` chain.
fn push_std_chain(e: &(dyn std::error::Error + 'static), out: &mut Vec<String>) {
    let mut next = Some(e);
    while let Some(e) = next {
        let text = e.to_string();
        // Some errors repeat their source's message in their own; keep each text once.
        if out.last() != Some(&text) {
            out.push(text);
        }
        next = e.source();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_keeps_kind_chain_and_text() {
        let e = Error::Task {
            task: "Map -> Sink".into(),
            subtask: 1,
            parallelism: 2,
            source: Box::new(Error::user("value 77 is not allowed").in_operator("Map")),
        };
        let r = e.report();
        assert_eq!(r.kind, ErrorKind::User);
        assert_eq!(r.chain, ["task 'Map -> Sink' (2/2) failed", "operator 'Map' failed", "value 77 is not allowed"]);
        assert_eq!(r.message(), e.to_string());
        assert_eq!(r.root_cause(), "value 77 is not allowed");
    }

    #[test]
    fn io_and_user_causes_are_part_of_the_chain() {
        let io = Error::io("reading /data/in.csv", std::io::Error::other("disk on fire"));
        assert_eq!(io.report().chain, ["reading /data/in.csv", "disk on fire"]);
        assert_eq!(io.report().kind, ErrorKind::External);
        let parse = "x1".parse::<u32>().unwrap_err();
        let user = Error::user_caused_by("field 'age' of record 7", parse).in_operator("Parse");
        let r = user.report();
        assert_eq!(r.kind, ErrorKind::User);
        assert_eq!(r.chain, ["operator 'Parse' failed", "field 'age' of record 7", "invalid digit found in string"]);
        assert_eq!(r.message(), user.to_string());
    }

    #[test]
    fn a_report_survives_the_wire_and_becomes_an_error_of_the_same_kind() {
        let r = Error::Internal("gate of another type".into()).in_operator("Window").report().at("worker 0 on tm-1");
        let bytes = postcard::to_allocvec(&r).unwrap();
        let back: ErrorReport = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, r);
        let e = Error::from(back).in_operator("ignored: context is already attached");
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert_eq!(e.to_string(), "operator 'Window' failed: internal error: gate of another type (worker 0 on tm-1)");
        assert_eq!(e.report().location.as_deref(), Some("worker 0 on tm-1"));
        assert_eq!(r.clone().at("elsewhere").location, r.location);
        // The JobManager adds the task's context around a worker's error; the location stays.
        let task = Error::Task { task: "Window -> Sink".into(), subtask: 0, parallelism: 1, source: Box::new(e) };
        let r = task.report();
        assert_eq!(r.chain, ["task 'Window -> Sink' (1/1) failed", "operator 'Window' failed", "internal error: gate of another type"]);
        assert_eq!((r.kind, r.location.as_deref()), (ErrorKind::Internal, Some("worker 0 on tm-1")));
    }
}
