//! Parquet files (feature `parquet`): [`ParquetFormat`], the bulk format of the
//! [`FileSink`](crate::FileSink) (Flink's `ParquetWriterFactory`), and [`ParquetSource`],
//! which reads Parquet files in parallel by row group. Records map to Arrow columns by serde
//! (`serde_arrow`): a struct's fields are the columns.

mod source;
mod writer;

#[cfg(test)]
mod tests;

pub use source::{ParquetSource, ParquetSplit};
pub use writer::{ParquetFormat, ParquetPartWriter};

/// The `arrow` schema types, for [`ParquetFormat::with_fields`].
pub use arrow_schema::{DataType, Field, FieldRef};
