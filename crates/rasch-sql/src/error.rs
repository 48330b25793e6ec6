//! The one error type of Rasch SQL: what went wrong, classified, and where in the script.

use std::fmt;

/// Where in a script: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What kind of failure an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlErrorKind {
    /// The text is not valid SQL in Flink's dialect.
    Parse,
    /// Valid syntax that names something unknown or mixes types wrongly.
    Validation,
    /// Valid SQL that this version of Rasch does not run yet.
    Unsupported,
    /// The query ran and failed (bad input data, I/O, runtime error).
    Execution,
}

/// An error from parsing, planning or running SQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SqlError {
    /// The class of the failure.
    pub kind: SqlErrorKind,
    /// What went wrong, in words.
    pub message: String,
    /// Where, if known (relative to the statement until [`SqlError::offset`] makes it absolute).
    pub pos: Option<Pos>,
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SqlErrorKind::Parse => "SQL parse error",
            SqlErrorKind::Validation => "SQL validation error",
            SqlErrorKind::Unsupported => "Unsupported SQL",
            SqlErrorKind::Execution => "SQL execution error",
        };
        match self.pos {
            Some(p) => write!(f, "{kind} at {p}: {}", self.message),
            None => write!(f, "{kind}: {}", self.message),
        }
    }
}

impl SqlError {
    /// A parse error.
    pub fn parse(message: impl Into<String>) -> Self {
        SqlError { kind: SqlErrorKind::Parse, message: message.into(), pos: None }
    }
    /// A validation error.
    pub fn validation(message: impl Into<String>) -> Self {
        SqlError { kind: SqlErrorKind::Validation, message: message.into(), pos: None }
    }
    /// An unsupported-feature error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        SqlError { kind: SqlErrorKind::Unsupported, message: message.into(), pos: None }
    }
    /// An execution error.
    pub fn execution(message: impl Into<String>) -> Self {
        SqlError { kind: SqlErrorKind::Execution, message: message.into(), pos: None }
    }
    /// Attaches a position unless one is already known.
    pub fn at(mut self, pos: Option<Pos>) -> Self {
        if self.pos.is_none() {
            self.pos = pos;
        }
        self
    }
    /// Makes a statement-relative position absolute, given where the statement starts.
    pub fn offset(mut self, start: Pos) -> Self {
        if let Some(p) = self.pos {
            self.pos = Some(if p.line == 1 {
                Pos { line: start.line, column: start.column + p.column - 1 }
            } else {
                Pos { line: start.line + p.line - 1, column: p.column }
            });
        }
        self
    }
}

impl From<sqlparser::parser::ParserError> for SqlError {
    fn from(e: sqlparser::parser::ParserError) -> Self {
        use sqlparser::parser::ParserError as P;
        let text = match e {
            P::TokenizerError(s) | P::ParserError(s) => s,
            P::RecursionLimitExceeded => "the statement nests too deeply".to_string(),
        };
        // sqlparser appends " at Line: L, Column: C"; lift it into a position.
        if let Some(i) = text.rfind(" at Line: ") {
            let tail = &text[i + " at Line: ".len()..];
            let mut parts = tail.split(", Column: ");
            if let (Some(l), Some(c)) = (parts.next(), parts.next())
                && let (Ok(line), Ok(column)) = (l.trim().parse(), c.trim().parse())
            {
                return SqlError { kind: SqlErrorKind::Parse, message: text[..i].to_string(), pos: Some(Pos { line, column }) };
            }
        }
        SqlError::parse(text)
    }
}

impl From<rasch_core::Error> for SqlError {
    fn from(e: rasch_core::Error) -> Self {
        SqlError::execution(e.to_string())
    }
}

/// Results of Rasch SQL.
pub type SqlResult<T> = std::result::Result<T, SqlError>;
