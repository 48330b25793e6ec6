//! `TextFileSource`: reads a text file or a directory of text files line by line, in
//! parallel byte ranges (Flink's `readTextFile` / `TextInputFormat`). What a line becomes is its
//! [`LineFormat`]: a `String` ([`Utf8Lines`], the default) or a record (`formats::JsonLines`).
//! Files ending in `.gz` are gzip-decompressed, each read whole by one reader.

use memchr::memchr;
use rasch_core::{Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Default size of the read buffer of a reader.
const DEFAULT_BUFFER_SIZE: usize = 1 << 20;
/// Splits are never smaller than this, except the last range of a file.
const MIN_SPLIT_SIZE: u64 = 1 << 20;

/// A bounded, parallel source emitting the lines of a text file, or of every file in a
/// directory, as `String`s.
///
/// * **Files**: if the path is a directory, all regular files directly in it (and, with
///   [`with_nested_directories`](Self::with_nested_directories), in its subdirectories) are read, in the order of their names; names starting with `.` or `_`
///   (hidden files, `_SUCCESS` markers) are skipped. A path naming a file is read whatever
///   its name. The files must not change while the job runs.
/// * **Splits**: every file is cut into byte ranges ([`FileSplit`]) so that there are at
///   least `parallelism` splits overall: about `total_size / parallelism` bytes each, but
///   never less than 1 MiB except for the last range of a file. Empty files yield no split.
/// * **Lines**: a line ends at `\n`, which is not part of it; a trailing `\r` is stripped as
///   well (like Flink's `TextInputFormat`). A final line without `\n` is a line; a final `\n`
///   does not start an empty line. A split `[start, end)` reads exactly the lines whose first
///   byte lies in `[start, end)` (reading on past `end` to finish its last line), so lines
///   are never cut or duplicated, however the files are split.
/// * **Compression**: a file whose name ends in `.gz` is decompressed (gzip, also several
///   concatenated members) and is one split, since it cannot be cut; its offsets (in errors
///   and checkpoints) count decompressed bytes.
/// * **Errors**: a missing path fails when the splits are created; a line that is not valid
///   UTF-8 fails the job with [`Error::MalformedInput`] naming the file and the byte offsets.
#[derive(Debug, Clone)]
pub struct TextFileSource<F = Utf8Lines> {
    path: PathBuf,
    buffer_size: usize,
    min_split_size: u64,
    format: F,
    nested: bool,
}

/// What one line of a text file becomes.
pub trait LineFormat: Clone + Send + Sync + 'static {
    /// The emitted element.
    type Out: rasch_core::Data;
    /// Decodes `line` (without its `\n` and a trailing `\r`), which starts at byte `offset` of
    /// `path`; `None` emits nothing.
    ///
    /// # Errors
    ///
    /// A malformed line, naming the file and the offset ([`Error::MalformedInput`]).
    fn decode(&self, line: &[u8], path: &Path, offset: u64) -> Result<Option<Self::Out>>;
}

/// Lines as `String`s; invalid UTF-8 is an error naming the file and the byte offsets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Utf8Lines;

impl LineFormat for Utf8Lines {
    type Out = String;
    #[inline]
    fn decode(&self, line: &[u8], path: &Path, offset: u64) -> Result<Option<String>> {
        match std::str::from_utf8(line) {
            Ok(s) => Ok(Some(s.to_owned())),
            Err(e) => Err(Error::MalformedInput {
                location: format!("text file '{}', line at byte offset {offset}", path.display()),
                message: format!("invalid UTF-8 at byte offset {}", offset + e.valid_up_to() as u64),
            }),
        }
    }
}

impl TextFileSource {
    /// Reads the file or directory at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        TextFileSource::with_format(path, Utf8Lines)
    }
}

impl<F: LineFormat> TextFileSource<F> {
    /// Reads the file or directory at `path`, decoding every line with `format`.
    pub fn with_format(path: impl Into<PathBuf>, format: F) -> Self {
        TextFileSource { path: path.into(), buffer_size: DEFAULT_BUFFER_SIZE, min_split_size: MIN_SPLIT_SIZE, format, nested: false }
    }

    /// Sets the initial read buffer size in bytes (default 1 MiB). The buffer grows when a
    /// single line is longer.
    pub fn with_buffer_size(mut self, bytes: usize) -> Self {
        self.buffer_size = bytes.max(1);
        self
    }

    /// Also reads the files in subdirectories, recursively (e.g. a [`FileSink`](crate::FileSink)'s
    /// buckets); names starting with `.` or `_` are skipped at every level.
    pub fn with_nested_directories(mut self) -> Self {
        self.nested = true;
        self
    }

    /// The file or directory this source reads.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The files at `path` with their sizes, in reading order: the file itself, or the regular
/// files in the directory whose names do not start with `.` or `_` — with `nested`, also those
/// of its subdirectories (not starting with `.` or `_` either), recursively, such as the bucket
/// directories a [`FileSink`](crate::FileSink) writes. `what` names the files in errors.
pub(crate) fn list_files(path: &Path, what: &str, nested: bool) -> Result<Vec<(PathBuf, u64)>> {
    let cannot_read = |p: &Path, e| Error::io(format!("cannot read {what} '{}'", p.display()), e);
    let meta = std::fs::metadata(path).map_err(|e| cannot_read(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![(path.to_path_buf(), meta.len())]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let cannot_list = |e| Error::io(format!("cannot list {what} directory '{}'", dir.display()), e);
        for entry in std::fs::read_dir(&dir).map_err(cannot_list)? {
            let entry = entry.map_err(cannot_list)?;
            let name = entry.file_name();
            if matches!(name.as_encoded_bytes().first(), Some(b'.' | b'_')) {
                continue;
            }
            let path = entry.path();
            let meta = std::fs::metadata(&path).map_err(|e| cannot_read(&path, e))?;
            if meta.is_file() {
                files.push((path, meta.len()));
            } else if nested && meta.is_dir() {
                dirs.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The byte range `[start, end)` of a file; it owns the lines whose first byte lies in it.
///
/// A split taken from a checkpoint ([`SourceReader::snapshot_state`]) also carries
/// `resume_at`: the first byte of the next line to read, so a restored reader continues there
/// exactly — never cutting or repeating a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSplit {
    /// The file.
    pub path: PathBuf,
    /// First byte of the range.
    pub start: u64,
    /// First byte after the range.
    pub end: u64,
    /// `None` for a split not read yet. `Some(offset)`: the lines starting before `offset`
    /// were already emitted and `offset` is the first byte of a line (or `>= end` when
    /// nothing is left); it must lie within `[start, file length]`.
    #[serde(default)]
    pub resume_at: Option<u64>,
}

impl FileSplit {
    /// The split `[start, end)` of `path`, not read yet.
    pub fn new(path: impl Into<PathBuf>, start: u64, end: u64) -> Self {
        FileSplit { path: path.into(), start, end, resume_at: None }
    }
}

impl<F: LineFormat> Source<F::Out> for TextFileSource<F> {
    type Split = FileSplit;

    fn boundedness(&self) -> Boundedness {
        Boundedness::Bounded
    }

    fn create_splits(&self, parallelism: usize) -> Result<Vec<FileSplit>> {
        let files = list_files(&self.path, "text file", self.nested)?;
        let total: u64 = files.iter().map(|(_, len)| len).fold(0, |a, b| a.saturating_add(*b));
        let p = parallelism.max(1) as u64;
        let target = total.div_ceil(p).max(self.min_split_size).max(1);
        let mut splits = Vec::new();
        for (path, len) in files {
            if is_gzip(&path) {
                if len > 0 {
                    splits.push(FileSplit::new(path, 0, u64::MAX));
                }
                continue;
            }
            let mut start = 0;
            while start < len {
                let end = start.saturating_add(target).min(len);
                splits.push(FileSplit::new(path.clone(), start, end));
                start = end;
            }
        }
        Ok(splits)
    }

    fn create_reader(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<F::Out, FileSplit>>> {
        Ok(Box::new(TextFileReader {
            pending: VecDeque::new(),
            active: None,
            file: None,
            buf: Vec::new(),
            buffer_size: self.buffer_size,
            format: self.format.clone(),
        }))
    }
}

/// Progress through the current split. The buffer holds the file bytes starting at file
/// offset `buf_off`: `buf[lo..hi]` are not consumed yet, `buf[lo..scan]` hold no `\n`.
struct Active {
    /// The split as assigned (returned as is by a snapshot taken while still `skipping`).
    split: FileSplit,
    path: PathBuf,
    end: u64,
    buf_off: u64,
    lo: usize,
    scan: usize,
    hi: usize,
    eof: bool,
    /// Still discarding the tail of a line that started in an earlier split.
    skipping: bool,
}

enum Step {
    SplitDone,
    OutputFull,
}

struct TextFileReader<F> {
    pending: VecDeque<FileSplit>,
    active: Option<Active>,
    /// The open file, kept while consecutive splits read the same file.
    file: Option<(PathBuf, Input)>,
    buf: Vec<u8>,
    buffer_size: usize,
    format: F,
}

impl<F> TextFileReader<F> {
    /// Opens (or reuses) the file of `split` and positions it; `None` for an empty range.
    fn start(&mut self, split: FileSplit) -> Result<Option<Active>> {
        if let Some(at) = split.resume_at.filter(|at| *at < split.start) {
            return Err(Error::MalformedInput {
                location: format!("text file '{}', split [{}, {})", split.path.display(), split.start, split.end),
                message: format!("resume offset {at} lies before the start of the split"),
            });
        }
        if split.resume_at.unwrap_or(split.start) >= split.end {
            return Ok(None);
        }
        if self.buf.is_empty() || self.buf.len() > 4 * self.buffer_size {
            self.buf = vec![0; self.buffer_size];
        }
        let cannot_read = |e| Error::io(format!("cannot read text file '{}'", split.path.display()), e);
        if is_gzip(&split.path) {
            // Not seekable: decompress from the start and skip to the resume offset.
            let file = File::open(&split.path).map_err(cannot_read)?;
            let mut input = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
            let skip = split.resume_at.unwrap_or(0);
            let skipped = std::io::copy(&mut (&mut input).take(skip), &mut std::io::sink()).map_err(cannot_read)?;
            if skipped < skip {
                return Err(Error::MalformedInput {
                    location: format!("text file '{}'", split.path.display()),
                    message: format!("resume offset {skip} lies after the end of the decompressed data ({skipped} bytes)"),
                });
            }
            self.file = Some((split.path.clone(), Input::Gzip(Box::new(input))));
            let (path, end) = (split.path.clone(), split.end);
            return Ok(Some(Active { split, path, end, buf_off: skip, lo: 0, scan: 0, hi: 0, eof: false, skipping: false }));
        }
        let reuse = matches!(&self.file, Some((path, Input::Plain(_))) if *path == split.path);
        if !reuse {
            self.file = Some((split.path.clone(), Input::Plain(File::open(&split.path).map_err(cannot_read)?)));
        }
        let Some((_, Input::Plain(file))) = &mut self.file else {
            return Err(Error::Internal("text file reader lost its open file".into()));
        };
        // A split not at the start of the file begins after the first '\n' at or after
        // `start - 1`: if byte `start - 1` is '\n', a line starts exactly at `start`. A
        // resumed split starts right at the line it recorded.
        let (buf_off, skipping) = match split.resume_at {
            Some(at) => (at, false),
            None if split.start > 0 => (split.start - 1, true),
            None => (0, false),
        };
        file.seek(SeekFrom::Start(buf_off)).map_err(cannot_read)?;
        let (path, end) = (split.path.clone(), split.end);
        Ok(Some(Active { split, path, end, buf_off, lo: 0, scan: 0, hi: 0, eof: false, skipping }))
    }
}

/// Whether `path` names a gzip file (by its `.gz` extension).
fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// An open file: plain (seekable) or gzip-decompressed.
enum Input {
    Plain(File),
    Gzip(Box<flate2::read::MultiGzDecoder<std::io::BufReader<File>>>),
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::Plain(f) => f.read(buf),
            Input::Gzip(g) => g.read(buf),
        }
    }
}

/// Emits one line (without its '\n'), stripping a trailing '\r', decoded by `format`.
#[inline]
fn emit<F: LineFormat>(format: &F, output: &mut SourceOutput<'_, F::Out>, line: &[u8], path: &Path, offset: u64) -> Result<()> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if let Some(v) = format.decode(line, path, offset)? {
        output.collect(v);
    }
    Ok(())
}

/// Reads lines of the active split until it is done or the output is full.
fn read_split<F: LineFormat>(
    format: &F,
    a: &mut Active,
    buf: &mut Vec<u8>,
    file: &mut Input,
    output: &mut SourceOutput<'_, F::Out>,
) -> Result<Step> {
    loop {
        if !a.skipping && a.buf_off + a.lo as u64 >= a.end {
            return Ok(Step::SplitDone);
        }
        if output.is_full() {
            return Ok(Step::OutputFull);
        }
        if let Some(i) = memchr(b'\n', &buf[a.scan..a.hi]) {
            let nl = a.scan + i;
            if a.skipping {
                a.skipping = false;
            } else {
                emit(format, output, &buf[a.lo..nl], &a.path, a.buf_off + a.lo as u64)?;
            }
            a.lo = nl + 1;
            a.scan = a.lo;
            continue;
        }
        if a.skipping {
            a.lo = a.hi;
        }
        if a.eof {
            if !a.skipping && a.lo < a.hi {
                emit(format, output, &buf[a.lo..a.hi], &a.path, a.buf_off + a.lo as u64)?;
                a.lo = a.hi;
            }
            return Ok(Step::SplitDone);
        }
        // Refill: keep the unfinished line at the front, grow if it fills the buffer.
        if a.lo > 0 {
            buf.copy_within(a.lo..a.hi, 0);
            a.buf_off += a.lo as u64;
            a.hi -= a.lo;
            a.lo = 0;
        }
        a.scan = a.hi;
        if a.hi == buf.len() {
            buf.resize((buf.len() * 2).max(1), 0);
        }
        loop {
            match file.read(&mut buf[a.hi..]) {
                Ok(0) => a.eof = true,
                Ok(n) => a.hi += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let at = a.buf_off + a.hi as u64;
                    return Err(Error::io(format!("cannot read text file '{}' at byte offset {at}", a.path.display()), e));
                }
            }
            break;
        }
    }
}

impl<F: LineFormat> SourceReader<F::Out, FileSplit> for TextFileReader<F> {
    fn add_splits(&mut self, splits: Vec<FileSplit>) -> Result<()> {
        self.pending.extend(splits);
        Ok(())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, F::Out>) -> Result<PollStatus> {
        loop {
            let active = match &mut self.active {
                Some(a) => a,
                None => match self.pending.pop_front() {
                    None => return Ok(PollStatus::EndOfInput),
                    Some(split) => match self.start(split)? {
                        Some(a) => self.active.insert(a),
                        None => continue,
                    },
                },
            };
            let file = match &mut self.file {
                Some((_, file)) => file,
                None => return Err(Error::Internal("text file reader has no open file".into())),
            };
            match read_split(&self.format, active, &mut self.buf, file, output)? {
                Step::OutputFull => return Ok(PollStatus::MoreAvailable),
                Step::SplitDone => self.active = None,
            }
        }
    }

    /// The current split positioned at its next unread line (with `resume_at`), then the
    /// splits not started yet, as assigned. Finished splits are left out.
    fn snapshot_state(&mut self) -> Result<Vec<FileSplit>> {
        let mut splits = Vec::with_capacity(self.pending.len() + 1);
        if let Some(a) = &self.active {
            if a.skipping {
                // No line of this split has been emitted yet.
                splits.push(a.split.clone());
            } else {
                let next = a.buf_off + a.lo as u64;
                if next < a.end {
                    splits.push(FileSplit { resume_at: Some(next), ..a.split.clone() });
                }
            }
        }
        splits.extend(self.pending.iter().filter(|s| s.resume_at.unwrap_or(s.start) < s.end).cloned());
        Ok(splits)
    }

    fn close(&mut self) -> Result<()> {
        self.active = None;
        self.file = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::run_source;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh temporary directory for one test.
    fn temp_dir(name: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("rasch-text-file-{}-{name}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The lines of `content` by the documented rules.
    fn expected_lines(content: &[u8]) -> Vec<String> {
        let s = std::str::from_utf8(content).unwrap();
        let mut lines: Vec<&str> = s.split('\n').collect();
        if s.is_empty() || s.ends_with('\n') {
            lines.pop();
        }
        lines.into_iter().map(|l| l.strip_suffix('\r').unwrap_or(l).to_string()).collect()
    }

    /// Reads `splits` with one reader, `batch` lines per poll.
    fn read(source: &TextFileSource, splits: Vec<FileSplit>, batch: usize) -> Result<Vec<String>> {
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1))?;
        reader.add_splits(splits)?;
        let mut buf = Vec::new();
        loop {
            let limit = buf.len() + batch;
            if reader.poll_next(&mut SourceOutput::new(&mut buf, limit))? == PollStatus::EndOfInput {
                break;
            }
        }
        Ok(buf.into_iter().map(|r| r.value).collect())
    }

    #[test]
    fn every_split_point_reads_each_line_exactly_once() {
        let dir = temp_dir("every-offset");
        let contents: &[&[u8]] = &[
            b"",
            b"\n",
            b"\n\n",
            b"a",
            b"a\n",
            b"hello\nworld",
            b"hello\nworld\n",
            b"one\n\nthree\n\n\nsix",
            b"\nleading empty\n",
            b"crlf\r\nlines\r\n\r\nend\r",
            b"mixed\r\nx\ny\r\n\rz",
            "unicode \u{e9}\u{4e2d}\nline \u{1f600}\n".as_bytes(),
        ];
        for (i, content) in contents.iter().enumerate() {
            let path = dir.join(format!("f{i}"));
            std::fs::write(&path, content).unwrap();
            let want = expected_lines(content);
            let len = content.len() as u64;
            let split = |start, end| FileSplit::new(&path, start, end);
            for buffer_size in [1, 2, 3, 5, 64, DEFAULT_BUFFER_SIZE] {
                let source = TextFileSource::new(&path).with_buffer_size(buffer_size);
                assert_eq!(read(&source, vec![split(0, len)], 1000).unwrap(), want);
                for a in 0..=len {
                    let got = read(&source, vec![split(0, a), split(a, len)], 2).unwrap();
                    assert_eq!(got, want, "content {content:?} split at {a}, buffer {buffer_size}");
                    for b in a..=len {
                        let got = read(&source, vec![split(0, a), split(a, b), split(b, len)], 1).unwrap();
                        assert_eq!(got, want, "content {content:?} split at {a},{b}, buffer {buffer_size}");
                    }
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn directory_is_read_in_name_order_skipping_hidden_files() {
        let dir = temp_dir("dir");
        std::fs::write(dir.join("b.txt"), "b1\nb2\n").unwrap();
        std::fs::write(dir.join("a.txt"), "a1\na2").unwrap();
        std::fs::write(dir.join("empty.txt"), "").unwrap();
        std::fs::write(dir.join(".hidden"), "no\n").unwrap();
        std::fs::write(dir.join("_SUCCESS"), "no\n").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub").join("c.txt"), "no\n").unwrap();
        let source = TextFileSource::new(&dir);
        let splits = source.create_splits(4).unwrap();
        // Small files: one split each; the empty file has none.
        assert_eq!(splits.len(), 2);
        assert!(splits[0].path.ends_with("a.txt") && splits[1].path.ends_with("b.txt"));
        let mut all = run_source(&source, 1, 3).unwrap().concat();
        assert_eq!(all, ["a1", "a2", "b1", "b2"]);
        all = run_source(&source, 4, 1).unwrap().concat();
        all.sort();
        assert_eq!(all, ["a1", "a2", "b1", "b2"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn splits_cover_files_with_a_minimum_size() {
        let dir = temp_dir("splits");
        let mut content = String::new();
        for i in 0..500 {
            content.push_str(&format!("line number {i}\n"));
        }
        std::fs::write(dir.join("x"), &content).unwrap();
        std::fs::write(dir.join("y"), &content[..1000]).unwrap();
        let mut source = TextFileSource::new(&dir);
        assert_eq!(source.create_splits(8).unwrap().len(), 2, "1 MiB minimum split size");
        source.min_split_size = 16;
        let total = (content.len() + 1000) as u64;
        for p in [1, 2, 3, 5, 8, 13] {
            let splits = source.create_splits(p).unwrap();
            assert!(splits.len() >= p, "p={p}: {} splits", splits.len());
            let covered: u64 = splits.iter().map(|s| s.end - s.start).sum();
            assert_eq!(covered, total);
            let mut got = run_source(&source, p, 7).unwrap().concat();
            let mut want = expected_lines(content.as_bytes());
            want.extend(expected_lines(&content.as_bytes()[..1000]));
            got.sort();
            want.sort();
            assert_eq!(got, want, "p={p}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn long_lines_grow_the_buffer() {
        let dir = temp_dir("long");
        let long = "x".repeat(10_000);
        std::fs::write(dir.join("f"), format!("{long}\nshort\n{long}")).unwrap();
        let source = TextFileSource::new(dir.join("f")).with_buffer_size(16);
        assert_eq!(run_source(&source, 1, 1).unwrap().concat(), [long.clone(), "short".into(), long]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_path_fails_at_create_splits() {
        let dir = temp_dir("missing");
        let path = dir.join("x").join("y");
        let e = TextFileSource::new(&path).create_splits(1).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("cannot read text file '{}': ", path.display())), "{msg}");
        assert!(msg.contains("No such file or directory"), "{msg}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn invalid_utf8_names_file_and_offsets() {
        let dir = temp_dir("utf8");
        let path = dir.join("bad.txt");
        std::fs::write(&path, b"fine\nstill fine\nbad \xff here\nafter\n").unwrap();
        for (splits, buffer) in [(1, DEFAULT_BUFFER_SIZE), (3, 4)] {
            let mut source = TextFileSource::new(&path).with_buffer_size(buffer);
            source.min_split_size = 1;
            let e = run_source(&source, splits, 10).unwrap_err();
            match &e {
                Error::MalformedInput { location, message } => {
                    assert!(location.contains(&path.display().to_string()), "{location}");
                    assert!(location.contains("byte offset 16"), "{location}");
                    assert_eq!(message, "invalid UTF-8 at byte offset 20");
                }
                other => panic!("unexpected error {other:?}"),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn snapshot_and_restore_after_every_line() {
        let dir = temp_dir("restore");
        let contents: &[&[u8]] = &[
            b"",
            b"\n",
            b"a",
            b"hello\nworld",
            b"one\n\nthree\n\n\nsix\n",
            b"\nleading empty\n",
            b"crlf\r\nlines\r\n\r\nend\r",
            b"mixed\r\nx\ny\r\n\rz",
        ];
        for (i, content) in contents.iter().enumerate() {
            let path = dir.join(format!("f{i}"));
            std::fs::write(&path, content).unwrap();
            let want = expected_lines(content);
            let n = want.len();
            let len = content.len() as u64;
            let split = |start, end| FileSplit::new(&path, start, end);
            for buffer_size in [1, 3, 64] {
                let source = TextFileSource::new(&path).with_buffer_size(buffer_size);
                for a in 0..=len {
                    let splits = if a == 0 { vec![split(0, len)] } else { vec![split(0, a), split(a, len)] };
                    for cut in 0..=n + 1 {
                        let got = crate::test_util::read_with_restores(&source, splits.clone(), &[cut]).unwrap();
                        assert_eq!(got, want, "content {content:?} splits at {a}, cut after {cut}, buffer {buffer_size}");
                        for cut2 in 0..=n - cut.min(n) {
                            let got = crate::test_util::read_with_restores(&source, splits.clone(), &[cut, cut2, 1]).unwrap();
                            assert_eq!(got, want, "content {content:?} splits at {a}, cuts {cut},{cut2}, buffer {buffer_size}");
                        }
                    }
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn snapshot_positions_at_the_next_line_and_drops_finished_splits() {
        let dir = temp_dir("positions");
        let a = dir.join("a");
        let b = dir.join("b");
        std::fs::write(&a, "11\r\n22\n33").unwrap();
        std::fs::write(&b, "x\ny\n").unwrap();
        let source = TextFileSource::new(&dir);
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        let splits = vec![FileSplit::new(&a, 0, 9), FileSplit::new(&b, 0, 4)];
        reader.add_splits(splits.clone()).unwrap();
        assert_eq!(reader.snapshot_state().unwrap(), splits);
        let mut buf = Vec::new();
        reader.poll_next(&mut SourceOutput::new(&mut buf, 1)).unwrap();
        assert_eq!(reader.snapshot_state().unwrap(), [FileSplit { resume_at: Some(4), ..splits[0].clone() }, splits[1].clone()]);
        reader.poll_next(&mut SourceOutput::new(&mut buf, 4)).unwrap();
        assert_eq!(reader.snapshot_state().unwrap(), [FileSplit { resume_at: Some(2), ..splits[1].clone() }]);
        reader.poll_next(&mut SourceOutput::new(&mut buf, 10)).unwrap();
        assert_eq!(buf.into_iter().map(|r| r.value).collect::<Vec<_>>(), ["11", "22", "33", "x", "y"]);
        assert!(reader.snapshot_state().unwrap().is_empty());

        // A resume offset before the split start is rejected, naming the file.
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        reader.add_splits(vec![FileSplit { resume_at: Some(1), ..FileSplit::new(&a, 4, 9) }]).unwrap();
        let e = reader.poll_next(&mut SourceOutput::new(&mut Vec::new(), 10)).unwrap_err();
        assert!(e.to_string().contains(&a.display().to_string()) && e.to_string().contains("resume offset 1"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
