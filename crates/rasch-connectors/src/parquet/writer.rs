//! [`ParquetFormat`]: writes a part file of the [`FileSink`](crate::FileSink) as one Parquet
//! file, records turned into Arrow columns in batches.

use crate::file_sink::{FileFormat, PartWriter};
use ::parquet::arrow::ArrowWriter;
use ::parquet::file::properties::WriterProperties;
use arrow_schema::{FieldRef, Schema};
use rasch_core::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_arrow::ArrayBuilder;
use serde_arrow::schema::{SchemaLike, TracingOptions};
use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows turned into one Arrow record batch at a time.
const DEFAULT_BATCH_ROWS: usize = 8192;
/// Rows per row group at most (the `parquet` crate's default).
const DEFAULT_ROW_GROUP_ROWS: usize = 1024 * 1024;

/// The Parquet bulk format of the [`FileSink`](crate::FileSink): every part file is one
/// Parquet file (snappy-compressed), finished when the part rolls — at every checkpoint.
#[derive(Debug)]
pub struct ParquetFormat<T> {
    fields: Arc<Vec<FieldRef>>,
    batch_rows: usize,
    row_group_rows: usize,
    _record: PhantomData<fn(T)>,
}

impl<T> Clone for ParquetFormat<T> {
    fn clone(&self) -> Self {
        ParquetFormat {
            fields: self.fields.clone(),
            batch_rows: self.batch_rows,
            row_group_rows: self.row_group_rows,
            _record: PhantomData,
        }
    }
}

impl<T: Serialize + DeserializeOwned> ParquetFormat<T> {
    /// The columns traced from `T`'s serde form (a struct: one column per field; `Option`
    /// fields are nullable).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJob`] when `T` has no Arrow form (say why).
    pub fn new() -> Result<Self> {
        let options = TracingOptions::default().allow_null_fields(true).strings_as_large_utf8(false);
        let fields = Vec::<FieldRef>::from_type::<T>(options).map_err(|e| {
            Error::InvalidJob(format!("Parquet format: cannot derive Arrow columns of {}: {e}", std::any::type_name::<T>()))
        })?;
        Ok(Self::with_fields(fields))
    }
}

impl<T> ParquetFormat<T> {
    /// Columns given explicitly (e.g. a timestamp type serde cannot tell).
    pub fn with_fields(fields: Vec<FieldRef>) -> Self {
        ParquetFormat {
            fields: Arc::new(fields),
            batch_rows: DEFAULT_BATCH_ROWS,
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            _record: PhantomData,
        }
    }

    /// Rows per Arrow batch handed to the Parquet writer (default 8192).
    pub fn with_batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// Rows per Parquet row group at most (default 1 Mi); the source reads row groups in
    /// parallel.
    pub fn with_row_group_rows(mut self, rows: usize) -> Self {
        self.row_group_rows = rows.max(1);
        self
    }

    /// The columns.
    pub fn fields(&self) -> &[FieldRef] {
        &self.fields
    }
}

impl<T: Serialize + Send + 'static> FileFormat<T> for ParquetFormat<T> {
    type Writer = ParquetPartWriter<T>;

    fn suffix(&self) -> String {
        ".parquet".into()
    }

    fn open(&self, file: File, path: &Path) -> Result<ParquetPartWriter<T>> {
        let error = |e: String| Error::Serialization(format!("file sink cannot start Parquet part file '{}': {e}", path.display()));
        let schema = Arc::new(Schema::new(self.fields.as_ref().clone()));
        let props = WriterProperties::builder()
            .set_compression(::parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(self.row_group_rows))
            .build();
        let writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| error(e.to_string()))?;
        let builder = ArrayBuilder::from_arrow(&self.fields).map_err(|e| error(e.to_string()))?;
        Ok(ParquetPartWriter { writer, builder, buffered: 0, batch_rows: self.batch_rows, path: path.to_path_buf(), _record: PhantomData })
    }
}

/// The writer of one Parquet part file.
pub struct ParquetPartWriter<T> {
    writer: ArrowWriter<File>,
    builder: ArrayBuilder,
    buffered: usize,
    batch_rows: usize,
    path: PathBuf,
    _record: PhantomData<fn(T)>,
}

impl<T> ParquetPartWriter<T> {
    fn error(&self, e: impl std::fmt::Display) -> Error {
        Error::Serialization(format!("file sink cannot write Parquet part file '{}': {e}", self.path.display()))
    }

    /// Hands the buffered rows to the Parquet writer as one record batch.
    fn write_batch(&mut self) -> Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let batch = self.builder.to_record_batch().map_err(|e| self.error(e))?;
        self.buffered = 0;
        self.writer.write(&batch).map_err(|e| self.error(e))
    }
}

impl<T: Serialize + Send + 'static> PartWriter<T> for ParquetPartWriter<T> {
    fn write(&mut self, value: T) -> Result<()> {
        self.builder.push(&value).map_err(|e| self.error(format_args!("record {}: {e}", self.buffered)))?;
        self.buffered += 1;
        if self.buffered >= self.batch_rows { self.write_batch() } else { Ok(()) }
    }

    /// Bytes written plus the encoded size of the open row group.
    fn size(&self) -> u64 {
        (self.writer.bytes_written() + self.writer.in_progress_size()) as u64
    }

    /// Nothing: a Parquet file is only readable once finished.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    fn finish(mut self) -> Result<File> {
        self.write_batch()?;
        let path = self.path;
        self.writer
            .into_inner()
            .map_err(|e| Error::Serialization(format!("file sink cannot finish Parquet part file '{}': {e}", path.display())))
    }
}
