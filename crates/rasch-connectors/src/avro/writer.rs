//! [`AvroFormat`]: writes a part file of the [`FileSink`](crate::FileSink) as one Avro object
//! container file.

use crate::file_sink::{FileFormat, PartWriter};
use apache_avro::{Schema, Writer};
use rasch_core::{Error, Result};
use serde::Serialize;
use std::fs::File;
use std::io::BufWriter;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// The Avro bulk format of the [`FileSink`](crate::FileSink): every part file is one Avro
/// object container file (uncompressed blocks) with the schema in its header, finished when
/// the part rolls — at every checkpoint.
pub struct AvroFormat<T> {
    /// Parsed once and kept for the rest of the process (the `apache-avro` writer borrows its
    /// schema); one small allocation per format created.
    schema: &'static Schema,
    _record: PhantomData<fn(T)>,
}

impl<T> std::fmt::Debug for AvroFormat<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvroFormat").field("schema", &self.schema.canonical_form()).finish()
    }
}

impl<T> Clone for AvroFormat<T> {
    fn clone(&self) -> Self {
        AvroFormat { schema: self.schema, _record: PhantomData }
    }
}

impl<T> AvroFormat<T> {
    /// Records of the Avro schema `schema` (JSON, e.g. `{"type": "record", "name": "Trade",
    /// "fields": [{"name": "id", "type": "long"}]}`); `T`'s serde form must match it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJob`] for a schema that does not parse, saying why.
    pub fn new(schema: &str) -> Result<Self> {
        let schema = Schema::parse_str(schema).map_err(|e| Error::InvalidJob(format!("Avro format: invalid schema: {e}")))?;
        Ok(AvroFormat { schema: Box::leak(Box::new(schema)), _record: PhantomData })
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        self.schema
    }
}

impl<T: Serialize + Send + 'static> FileFormat<T> for AvroFormat<T> {
    type Writer = AvroPartWriter<T>;

    fn suffix(&self) -> String {
        ".avro".into()
    }

    fn open(&self, file: File, path: &Path) -> Result<AvroPartWriter<T>> {
        let writer = Writer::new(self.schema, BufWriter::new(file));
        Ok(AvroPartWriter { writer, size: 0, records: 0, path: path.to_path_buf(), _record: PhantomData })
    }
}

/// The writer of one Avro part file.
pub struct AvroPartWriter<T> {
    writer: Writer<'static, BufWriter<File>>,
    size: u64,
    records: u64,
    path: PathBuf,
    _record: PhantomData<fn(T)>,
}

impl<T> AvroPartWriter<T> {
    fn error(&self, e: impl std::fmt::Display) -> Error {
        Error::Serialization(format!("file sink cannot write Avro part file '{}': {e}", self.path.display()))
    }
}

impl<T: Serialize + Send + 'static> PartWriter<T> for AvroPartWriter<T> {
    fn write(&mut self, value: T) -> Result<()> {
        let n = self.writer.append_ser(value).map_err(|e| self.error(format_args!("record {}: {e}", self.records)))?;
        self.size += n as u64;
        self.records += 1;
        Ok(())
    }

    fn size(&self) -> u64 {
        self.size
    }

    /// Nothing: blocks are written when full and when the file finishes.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    fn finish(self) -> Result<File> {
        let path = self.path;
        let error = |e: String| Error::Serialization(format!("file sink cannot finish Avro part file '{}': {e}", path.display()));
        let buffered = self.writer.into_inner().map_err(|e| error(e.to_string()))?;
        buffered.into_inner().map_err(|e| error(e.error().to_string()))
    }
}
