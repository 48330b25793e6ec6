//! Rasch connectors: the built-in sources and sinks of Flink's DataStream API.
//!
//! Sources: [`CollectionSource`] (`fromCollection`), [`SequenceSource`] (`fromSequence`),
//! [`DataGenSource`] (the DataGen connector), [`TextFileSource`] (`readTextFile`) and
//! [`SocketTextSource`] (`socketTextStream`). Sinks: [`PrintSink`] (`print`/`printToErr`),
//! [`TextFileSink`] (`writeAsText`), [`FileSink`] (Flink's exactly-once `FileSink`: text, JSON
//! lines or CSV rows, gzip, Parquet, bucket directories), [`DiscardingSink`] and
//! [`CollectSink`] (collects results in memory, for tests and examples).
//!
//! With the `postgres` feature, [`postgres::PostgresSink`] writes into PostgreSQL tables (insert
//! or upsert, batched), at least once or exactly once by prepared transactions.
//!
//! With the `parquet` feature, `parquet::ParquetFormat` writes Parquet part files with the
//! [`FileSink`] and `parquet::ParquetSource` reads Parquet files; with the `avro` feature,
//! `avro::AvroFormat` and `avro::AvroSource` do the same for Avro files.
//!
//! Checkpoints: every source reader snapshots its split positions (`snapshot_state`); all but
//! the socket source replay exactly from there. [`FileSink`] and [`CollectSink`] are
//! exactly-once by two-phase commit; [`PrintSink`], [`TextFileSink`] and [`DiscardingSink`] are
//! at-least-once (after a restore they repeat what was written since the last checkpoint).
//!
//! With the `kafka` feature, [`kafka`] adds Flink's Kafka source and sink (exactly-once by
//! Kafka transactions) on librdkafka.
//!
//! Every reader and writer works on whole batches: sources fill a
//! [`SourceOutput`](rasch_runtime::source::SourceOutput) until it is full, sinks render or
//! move a batch at a time, so there is no per-record locking or dynamic dispatch.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "avro")]
pub mod avro;
pub mod collect;
pub mod collection;
pub mod datagen;
pub mod delivery;
pub mod discard;
pub mod file_sink;
pub mod formats;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod print;
pub mod sequence;
pub mod socket;
pub mod text_file;
pub mod text_sink;

pub use collect::{CollectHandle, CollectSink};
pub use collection::{CollectionSource, CollectionSplit};
pub use datagen::{DataGenSource, DataGenSplit};
pub use delivery::DeliveryGuarantee;
pub use discard::DiscardingSink;
pub use file_sink::{BasePathBucketAssigner, BucketAssigner, Compression, DateTimeBucketAssigner, FileSink, RollingPolicy, bucket_fn};
pub use print::{PrintSink, PrintTarget};
pub use sequence::{SequenceSource, SequenceSplit};
pub use socket::{SocketSplit, SocketTextSource};
pub use text_file::{FileSplit, LineFormat, TextFileSource, Utf8Lines};
pub use text_sink::{TextFileSink, WriteMode};

#[cfg(test)]
pub(crate) mod test_util {
    use rasch_core::{Record, Result};
    use rasch_runtime::context::RuntimeContext;
    use rasch_runtime::source::{PollStatus, Source, SourceOutput};

    /// Runs every split of `source` for `parallelism` through readers, round-robin like the
    /// runtime, polling with batches of `batch` records; returns the values per subtask.
    pub fn run_source<T: 'static, S: Source<T>>(source: &S, parallelism: usize, batch: usize) -> Result<Vec<Vec<T>>> {
        let splits = source.create_splits(parallelism)?;
        let mut per_subtask = Vec::new();
        for subtask in 0..parallelism {
            let ctx = RuntimeContext::for_test(subtask, parallelism);
            let mine: Vec<_> = splits.iter().enumerate().filter(|(i, _)| i % parallelism == subtask).map(|(_, s)| s.clone()).collect();
            let mut reader = source.create_reader(&ctx)?;
            reader.add_splits(mine)?;
            let mut buf: Vec<Record<T>> = Vec::new();
            let mut values = Vec::new();
            loop {
                let status = reader.poll_next(&mut SourceOutput::new(&mut buf, batch))?;
                assert!(buf.len() <= batch.max(1), "reader overfilled its batch: {} > {batch}", buf.len());
                values.extend(buf.drain(..).map(|r| r.value));
                if status == PollStatus::EndOfInput {
                    break;
                }
            }
            reader.close()?;
            per_subtask.push(values);
        }
        Ok(per_subtask)
    }

    /// Reads `splits` with a chain of readers, as if the job failed and restored after every
    /// cut: reader `i` reads `cuts[i]` more records (at most one per poll, fewer if the input
    /// ends), snapshots its state, and reader `i + 1` is created from that snapshot
    /// (round-tripped through postcard, like a checkpoint); the last reader reads to the end
    /// in batches of 3. Returns every value in order.
    pub fn read_with_restores<T: 'static, S: Source<T>>(source: &S, splits: Vec<S::Split>, cuts: &[usize]) -> Result<Vec<T>> {
        let ctx = RuntimeContext::for_test(0, 1);
        let mut reader = source.create_reader(&ctx)?;
        reader.add_splits(splits)?;
        let mut values = Vec::new();
        let mut buf: Vec<Record<T>> = Vec::new();
        for &cut in cuts {
            let target = values.len() + cut;
            while values.len() < target {
                let status = reader.poll_next(&mut SourceOutput::new(&mut buf, 1))?;
                assert!(buf.len() <= 1, "reader overfilled its batch");
                values.extend(buf.drain(..).map(|r| r.value));
                if status == PollStatus::EndOfInput {
                    break;
                }
            }
            let snapshot = reader.snapshot_state()?;
            reader.close()?;
            let bytes = postcard::to_stdvec(&snapshot).expect("splits serialize");
            let restored: Vec<S::Split> = postcard::from_bytes(&bytes).expect("splits deserialize");
            reader = source.create_reader(&ctx)?;
            reader.add_splits(restored)?;
        }
        loop {
            let status = reader.poll_next(&mut SourceOutput::new(&mut buf, 3))?;
            values.extend(buf.drain(..).map(|r| r.value));
            if status == PollStatus::EndOfInput {
                break;
            }
        }
        reader.close()?;
        Ok(values)
    }
}
