//! What a [`FileSink`](super::FileSink) writes into a part file: row formats (an [`Encoder`]
//! per record, Flink's `forRowFormat`, optionally compressed) and bulk formats (a whole file
//! written by a [`PartWriter`], Flink's `forBulkFormat`, e.g. Parquet).

use flate2::write::GzEncoder;
use rasch_core::{Error, Result, ToText};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Size of the write buffer of an in-progress row-format file.
const BUFFER_SIZE: usize = 64 << 10;

/// A file format of the [`FileSink`](super::FileSink): opens one part file's writer.
pub trait FileFormat<T>: Send + Sync + 'static {
    /// The writer of one part file.
    type Writer: PartWriter<T>;

    /// The suffix of the part file names (`".csv.gz"`, `".parquet"`; may be empty).
    fn suffix(&self) -> String;

    /// Starts writing the new, empty part file `file` at `path`.
    ///
    /// # Errors
    ///
    /// When the format cannot start the file (naming `path`).
    fn open(&self, file: File, path: &Path) -> Result<Self::Writer>;
}

/// Writes the records of one part file.
pub trait PartWriter<T>: Send {
    /// Appends one record.
    ///
    /// # Errors
    ///
    /// An encoding or I/O error naming the file.
    fn write(&mut self, value: T) -> Result<()>;

    /// Bytes written so far (before compression; an estimate for bulk formats), for the
    /// rolling policy's part size.
    fn size(&self) -> u64;

    /// Pushes buffered bytes to the file where the format allows (row formats).
    ///
    /// # Errors
    ///
    /// An I/O error naming the file.
    fn flush(&mut self) -> Result<()>;

    /// Completes the file (footer, compression trailer) and returns it, not yet synced.
    ///
    /// # Errors
    ///
    /// An encoding or I/O error naming the file.
    fn finish(self) -> Result<File>;
}

/// Encodes one record of a row format, line end included (Flink's `Encoder`).
pub trait Encoder<T>: Send + Sync + 'static {
    /// Appends the encoded `value` to `out`.
    ///
    /// # Errors
    ///
    /// When the value cannot be encoded.
    fn encode(&self, value: &T, out: &mut Vec<u8>) -> Result<()>;

    /// The file name suffix of the format (`".csv"`, `".jsonl"`), before any compression's.
    fn suffix(&self) -> &'static str {
        ""
    }
}

/// Each value's [`ToText`] form and `'\n'` (Flink's `SimpleStringEncoder`), the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextLines;

impl<T: ToText> Encoder<T> for TextLines {
    fn encode(&self, value: &T, out: &mut Vec<u8>) -> Result<()> {
        // Render into `out`'s own allocation when it holds UTF-8 (it is empty in the sink).
        match String::from_utf8(std::mem::take(out)) {
            Ok(mut text) => {
                value.write_text(&mut text);
                text.push('\n');
                *out = text.into_bytes();
            }
            Err(e) => {
                *out = e.into_bytes();
                let mut text = String::new();
                value.write_text(&mut text);
                out.extend_from_slice(text.as_bytes());
                out.push(b'\n');
            }
        }
        Ok(())
    }
}

/// Compression of a row-format part file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    #[default]
    None,
    /// gzip (RFC 1952), suffix `.gz`; the file source decompresses files ending in `.gz`.
    Gzip,
}

/// A row format: an [`Encoder`] per record, then optional [`Compression`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFormat<E> {
    pub(super) encoder: E,
    pub(super) compression: Compression,
}

impl<E> RowFormat<E> {
    /// The encoder `encoder`, uncompressed.
    pub fn new(encoder: E) -> Self {
        RowFormat { encoder, compression: Compression::None }
    }

    /// The compression of the part files.
    pub fn compression(&self) -> Compression {
        self.compression
    }
}

impl<T: Send + 'static, E: Encoder<T> + Clone> FileFormat<T> for RowFormat<E> {
    type Writer = RowPartWriter<E>;

    fn suffix(&self) -> String {
        let gz = if self.compression == Compression::Gzip { ".gz" } else { "" };
        format!("{}{gz}", self.encoder.suffix())
    }

    fn open(&self, file: File, path: &Path) -> Result<RowPartWriter<E>> {
        let buffered = BufWriter::with_capacity(BUFFER_SIZE, file);
        let out = match self.compression {
            Compression::None => Out::Plain(buffered),
            Compression::Gzip => Out::Gzip(GzEncoder::new(buffered, flate2::Compression::default())),
        };
        Ok(RowPartWriter { encoder: self.encoder.clone(), out, path: path.to_path_buf(), size: 0, scratch: Vec::new() })
    }
}

enum Out {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
}

/// The writer of one row-format part file.
pub struct RowPartWriter<E> {
    encoder: E,
    out: Out,
    path: PathBuf,
    size: u64,
    /// One encoded record, reused.
    scratch: Vec<u8>,
}

impl<E> RowPartWriter<E> {
    fn io_error(&self, e: std::io::Error) -> Error {
        Error::io(format!("file sink cannot write part file '{}'", self.path.display()), e)
    }
}

impl<T, E: Encoder<T>> PartWriter<T> for RowPartWriter<E> {
    fn write(&mut self, value: T) -> Result<()> {
        self.scratch.clear();
        self.encoder.encode(&value, &mut self.scratch).map_err(|e| match e {
            Error::Serialization(m) => Error::Serialization(format!("file sink, part file '{}': {m}", self.path.display())),
            other => other,
        })?;
        let result = match &mut self.out {
            Out::Plain(w) => w.write_all(&self.scratch),
            Out::Gzip(w) => w.write_all(&self.scratch),
        };
        result.map_err(|e| self.io_error(e))?;
        self.size += self.scratch.len() as u64;
        if self.scratch.capacity() > 1 << 20 {
            self.scratch = Vec::new();
        }
        Ok(())
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn flush(&mut self) -> Result<()> {
        let result = match &mut self.out {
            Out::Plain(w) => w.flush(),
            Out::Gzip(w) => w.get_mut().flush(),
        };
        result.map_err(|e| self.io_error(e))
    }

    fn finish(self) -> Result<File> {
        let path = self.path;
        let error = |e| Error::io(format!("file sink cannot write part file '{}'", path.display()), e);
        let buffered = match self.out {
            Out::Plain(w) => w,
            Out::Gzip(w) => w.finish().map_err(error)?,
        };
        buffered.into_inner().map_err(|e| error(e.into_error()))
    }
}
