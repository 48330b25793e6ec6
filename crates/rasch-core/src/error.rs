//! The error type of Rasch, classified as user error, external (retryable) or internal bug.

use serde::{Deserialize, Serialize};
use std::fmt;

mod report;
pub use report::ErrorReport;

/// Result alias used across Rasch.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who is at fault for an [`Error`] — drives whether retrying can help. Serialized (and shown
/// in REST `failureLabels`) as `USER`, `EXTERNAL` or `INTERNAL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorKind {
    /// The job, its configuration or its input is wrong; retrying will not help.
    User,
    /// Something outside Rasch failed (a file system, a socket); retrying may help.
    External,
    /// A bug in Rasch itself.
    Internal,
}

impl ErrorKind {
    /// `USER`, `EXTERNAL` or `INTERNAL`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::User => "USER",
            ErrorKind::External => "EXTERNAL",
            ErrorKind::Internal => "INTERNAL",
        }
    }

    /// True when retrying may help (only for external failures).
    pub fn is_retryable(self) -> bool {
        self == ErrorKind::External
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong in Rasch.
///
/// Its `Debug` form is for people, not for Rust: `fn main() -> rasch::Result<()>` prints the
/// outermost message and then each cause on its own line, with the kind (`{:#?}` keeps the
/// structure).
#[derive(thiserror::Error)]
pub enum Error {
    /// The job graph is invalid (bad parallelism, incompatible partitioning, …).
    #[error("invalid job: {0}")]
    InvalidJob(String),
    /// A configuration key or value is wrong.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Something asked for by name or id does not exist (a job, a binary, a savepoint).
    #[error("{0}")]
    NotFound(String),
    /// An I/O operation failed; `context` says on what.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file or address.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Input data could not be read; `location` names the source and position.
    #[error("malformed input at {location}: {message}")]
    MalformedInput {
        /// Source name plus file/offset or similar position.
        location: String,
        /// What is wrong with the record.
        message: String,
    },
    /// A user function returned an error or panicked.
    #[error("{0}")]
    User(String),
    /// A user function failed because of another error, kept as its cause.
    #[error("{message}: {source}")]
    UserCaused {
        /// What the user's code was doing.
        message: String,
        /// The cause (its own causes are kept too).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// (De)serialization of a record or key failed.
    #[error("serialization failed: {0}")]
    Serialization(String),
    /// An operator failed; carries the operator's name.
    #[error("operator '{operator}' failed: {source}")]
    Operator {
        /// The operator's name as shown in the plan.
        operator: String,
        /// The cause.
        #[source]
        source: Box<Error>,
    },
    /// A task (one parallel instance of a chain) failed.
    #[error("task '{task}' ({}/{parallelism}) failed: {source}", .subtask + 1)]
    Task {
        /// The task's name (its chained operators).
        task: String,
        /// Index of the failed subtask, 0-based.
        subtask: usize,
        /// Parallelism of the task.
        parallelism: usize,
        /// The cause.
        #[source]
        source: Box<Error>,
    },
    /// A checkpoint could not be taken, stored or restored.
    #[error("checkpoint failed: {0}")]
    Checkpoint(String),
    /// The job was cancelled (by the user or because another task failed).
    #[error("job cancelled")]
    Cancelled,
    /// The job was suspended: its job master stopped it without ending it; its checkpoints are
    /// kept so that it can resume from them.
    #[error("job suspended")]
    Suspended,
    /// A bug in Rasch.
    #[error("internal error: {0}")]
    Internal(String),
    /// A process or connection the job depends on is gone (a lost worker or TaskManager).
    #[error("{0}")]
    Unavailable(String),
    /// An error that happened in another process (a worker), with its kind and cause chain.
    #[error("{0}")]
    Remote(ErrorReport),
}

impl Error {
    /// Builds an [`Error::Io`] with context.
    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io { context: context.to_string(), source }
    }

    /// Builds a user error from anything printable.
    pub fn user(message: impl fmt::Display) -> Self {
        Error::User(message.to_string())
    }

    /// Builds a user error that keeps `cause` (and its causes) in its chain.
    pub fn user_caused_by(message: impl fmt::Display, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::UserCaused { message: message.to_string(), source: Box::new(cause) }
    }

    /// Classifies the error (walking through operator/task context): user errors are not
    /// worth retrying, external ones may be, internal ones are bugs in Rasch.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } | Error::Checkpoint(_) | Error::Unavailable(_) => ErrorKind::External,
            Error::Internal(_) => ErrorKind::Internal,
            Error::Operator { source, .. } | Error::Task { source, .. } => source.kind(),
            Error::Remote(r) => r.kind,
            Error::InvalidJob(_)
            | Error::Config(_)
            | Error::NotFound(_)
            | Error::MalformedInput { .. }
            | Error::User(_)
            | Error::UserCaused { .. }
            | Error::Serialization(_)
            | Error::Cancelled
            | Error::Suspended => ErrorKind::User,
        }
    }

    /// True when operator context has already been attached (a remote error carries its own).
    pub fn has_operator_context(&self) -> bool {
        matches!(self, Error::Operator { .. } | Error::Task { .. } | Error::Cancelled | Error::Remote(_))
    }

    /// Attaches the operator name unless some operator already claimed the error.
    pub fn in_operator(self, operator: &str) -> Self {
        if self.has_operator_context() { self } else { Error::Operator { operator: operator.to_string(), source: Box::new(self) } }
    }

    /// The innermost cause, skipping operator/task context.
    pub fn root(&self) -> &Error {
        match self {
            Error::Operator { source, .. } | Error::Task { source, .. } => source.root(),
            other => other,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return self.structure(f);
        }
        let report = self.report();
        let mut chain = report.chain.iter();
        write!(f, "{}", chain.next().map(String::as_str).unwrap_or(""))?;
        let causes: Vec<&String> = chain.collect();
        if !causes.is_empty() {
            f.write_str("\n\nCaused by:")?;
            for (i, cause) in causes.iter().enumerate() {
                write!(f, "\n    {i}: {cause}")?;
            }
        }
        write!(f, "\n\n(a {} error", report.kind.name().to_ascii_lowercase())?;
        if let Some(at) = &report.location {
            write!(f, ", at {at}")?;
        }
        f.write_str(")")
    }
}

impl Error {
    /// The variant and its fields, as `#[derive(Debug)]` would show them.
    fn structure(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidJob(m) => f.debug_tuple("InvalidJob").field(m).finish(),
            Error::Config(m) => f.debug_tuple("Config").field(m).finish(),
            Error::NotFound(m) => f.debug_tuple("NotFound").field(m).finish(),
            Error::Io { context, source } => f.debug_struct("Io").field("context", context).field("source", source).finish(),
            Error::MalformedInput { location, message } => {
                f.debug_struct("MalformedInput").field("location", location).field("message", message).finish()
            }
            Error::User(m) => f.debug_tuple("User").field(m).finish(),
            Error::UserCaused { message, source } => {
                f.debug_struct("UserCaused").field("message", message).field("source", source).finish()
            }
            Error::Serialization(m) => f.debug_tuple("Serialization").field(m).finish(),
            Error::Operator { operator, source } => f.debug_struct("Operator").field("operator", operator).field("source", source).finish(),
            Error::Task { task, subtask, parallelism, source } => f
                .debug_struct("Task")
                .field("task", task)
                .field("subtask", subtask)
                .field("parallelism", parallelism)
                .field("source", source)
                .finish(),
            Error::Checkpoint(m) => f.debug_tuple("Checkpoint").field(m).finish(),
            Error::Cancelled => f.write_str("Cancelled"),
            Error::Suspended => f.write_str("Suspended"),
            Error::Internal(m) => f.debug_tuple("Internal").field(m).finish(),
            Error::Unavailable(m) => f.debug_tuple("Unavailable").field(m).finish(),
            Error::Remote(r) => f.debug_tuple("Remote").field(r).finish(),
        }
    }
}

/// Bad job arguments are the user's error; `?` converts them.
impl From<crate::params::ParamsError> for Error {
    fn from(e: crate::params::ParamsError) -> Self {
        Error::user_caused_by("invalid job arguments", e)
    }
}

impl From<postcard::Error> for Error {
    fn from(e: postcard::Error) -> Self {
        Error::Serialization(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_context_is_attached_once() {
        let e = Error::user("boom").in_operator("Map").in_operator("Sink");
        assert_eq!(e.to_string(), "operator 'Map' failed: boom");
        assert_eq!(e.kind(), ErrorKind::User);
        assert!(matches!(e.root(), Error::User(m) if m == "boom"));
    }

    #[test]
    fn io_errors_are_external() {
        let e = Error::io("reading /x", std::io::Error::other("gone"));
        assert_eq!(e.kind(), ErrorKind::External);
        assert_eq!(e.to_string(), "reading /x: gone");
    }
}
