//! Avro object container files (feature `avro`): [`AvroFormat`], a bulk format of the
//! [`FileSink`](crate::FileSink) (Flink's `AvroWriters`), and [`AvroSource`], which reads Avro
//! files in parallel, one file per split. Records map to Avro by serde against the schema
//! given (Avro's JSON schema form).

mod source;
mod writer;

#[cfg(test)]
mod tests;

pub use source::{AvroSource, AvroSplit};
pub use writer::{AvroFormat, AvroPartWriter};
