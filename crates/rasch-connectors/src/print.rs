//! `PrintSink`: writes every record as a line of text to stdout or stderr (Flink's
//! `print()` / `printToErr()` and `PrintSinkFunction`).
//!
//! **At-least-once**: it keeps the default (non-transactional) checkpoint methods, so after a
//! restore the lines printed since the last checkpoint are printed again.

use rasch_core::{Error, Record, Result, ToText};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use std::io::Write;
use std::marker::PhantomData;

/// Where a [`PrintSink`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintTarget {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A sink printing each value's [`ToText`] form on its own line.
///
/// Lines get Flink's prefix: with parallelism > 1 `"{subtask+1}> "`, or
/// `"{identifier}:{subtask+1}> "` with an identifier; with parallelism 1 no prefix, or
/// `"{identifier}> "`. Each batch is rendered into one reused buffer and written with one
/// locked write, so lines of different subtasks never interleave mid-line. A closed output
/// (e.g. a broken pipe) fails the job with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintSink {
    target: PrintTarget,
    identifier: Option<String>,
}

impl PrintSink {
    /// Prints to standard output.
    pub fn stdout() -> Self {
        PrintSink { target: PrintTarget::Stdout, identifier: None }
    }

    /// Prints to standard error.
    pub fn stderr() -> Self {
        PrintSink { target: PrintTarget::Stderr, identifier: None }
    }

    /// Prefixes every line with `identifier` (Flink's `print(sinkIdentifier)`).
    pub fn with_identifier(mut self, identifier: impl Into<String>) -> Self {
        self.identifier = Some(identifier.into());
        self
    }

    /// Where this sink writes.
    pub fn target(&self) -> PrintTarget {
        self.target
    }
}

/// The line prefix of one subtask, by Flink's `PrintSinkOutputWriter` rules.
fn line_prefix(identifier: Option<&str>, subtask: usize, parallelism: usize) -> String {
    let mut prefix = identifier.unwrap_or("").to_string();
    if parallelism > 1 {
        if !prefix.is_empty() {
            prefix.push(':');
        }
        prefix.push_str(&(subtask + 1).to_string());
    }
    if !prefix.is_empty() {
        prefix.push_str("> ");
    }
    prefix
}

impl<T: ToText + 'static> Sink<T> for PrintSink {
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        Ok(Box::new(PrintWriter {
            target: self.target,
            prefix: line_prefix(self.identifier.as_deref(), ctx.subtask_index, ctx.parallelism),
            text: String::new(),
            _type: PhantomData::<fn(T)>,
        }))
    }
}

struct PrintWriter<T> {
    target: PrintTarget,
    prefix: String,
    /// The rendered batch, reused across batches.
    text: String,
    _type: PhantomData<fn(T)>,
}

impl<T> PrintWriter<T> {
    fn error(&self, e: std::io::Error) -> Error {
        let name = match self.target {
            PrintTarget::Stdout => "stdout",
            PrintTarget::Stderr => "stderr",
        };
        Error::io(format!("print sink cannot write to {name}"), e)
    }
}

/// Appends one line per record to `text`.
fn render<T: ToText>(text: &mut String, prefix: &str, batch: &[Record<T>]) {
    for r in batch {
        text.push_str(prefix);
        r.value.write_text(text);
        text.push('\n');
    }
}

impl<T: ToText + 'static> SinkWriter<T> for PrintWriter<T> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.text.clear();
        render(&mut self.text, &self.prefix, batch);
        batch.clear();
        let bytes = self.text.as_bytes();
        let result = match self.target {
            PrintTarget::Stdout => std::io::stdout().lock().write_all(bytes),
            PrintTarget::Stderr => std::io::stderr().lock().write_all(bytes),
        };
        if self.text.capacity() > 4 << 20 {
            self.text = String::new();
        }
        result.map_err(|e| self.error(e))
    }

    fn flush(&mut self) -> Result<()> {
        let result = match self.target {
            PrintTarget::Stdout => std::io::stdout().lock().flush(),
            PrintTarget::Stderr => std::io::stderr().lock().flush(),
        };
        result.map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_flink() {
        assert_eq!(line_prefix(None, 0, 1), "");
        assert_eq!(line_prefix(Some("out"), 0, 1), "out> ");
        assert_eq!(line_prefix(None, 2, 4), "3> ");
        assert_eq!(line_prefix(Some("out"), 2, 4), "out:3> ");
        assert_eq!(line_prefix(Some(""), 0, 1), "");
    }

    #[test]
    fn renders_one_line_per_record() {
        let mut text = String::new();
        let batch = vec![Record::new(("a".to_string(), 1u64)), Record::new(("b".to_string(), 2u64))];
        render(&mut text, "2> ", &batch);
        assert_eq!(text, "2> (a,1)\n2> (b,2)\n");
    }

    #[test]
    fn writer_consumes_batches() {
        let sink = PrintSink::stderr().with_identifier("test");
        assert_eq!(sink.target(), PrintTarget::Stderr);
        let mut writer = Sink::<i32>::create_writer(&sink, &RuntimeContext::for_test(0, 2)).unwrap();
        let mut batch = vec![Record::new(1), Record::new(2)];
        writer.write(&mut batch).unwrap();
        assert!(batch.is_empty());
        writer.flush().unwrap();
    }
}
