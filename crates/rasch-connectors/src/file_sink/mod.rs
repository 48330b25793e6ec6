//! `FileSink`: an exactly-once sink writing records into part files of a directory, committed
//! by two-phase commit on checkpoints (Flink's `FileSink.forRowFormat` / `forBulkFormat`).
//!
//! # Formats, buckets and part files
//!
//! A [`FileFormat`] decides what a part file holds: a row format ([`RowFormat`]: an
//! [`Encoder`] per record — [`TextLines`], [`JsonLines`](crate::formats::JsonLines),
//! [`CsvLines`](crate::formats::CsvLines) — optionally gzip-[`Compression`]) or a bulk format
//! (Parquet, feature `parquet`). A [`BucketAssigner`] puts each record into a bucket: a
//! subdirectory of the base directory ([`BasePathBucketAssigner`], the default;
//! [`DateTimeBucketAssigner`] for `dt=2024-01-01/`; [`bucket_fn`] for your own).
//!
//! Subtask `s` writes the records of each bucket into that bucket's part files, numbered by
//! one per-subtask counter `c` and named with the format's suffix `x` (`.csv.gz`,
//! `.parquet`), which go through three states, like Flink's:
//!
//! | state | name | visible |
//! |---|---|---|
//! | in-progress (being written) | `.part-<s>-<c><x>.inprogress.<random>` | no |
//! | pending (closed, waiting for its checkpoint to complete) | `.part-<s>-<c><x>.pending` | no |
//! | finished (committed) | `part-<s>-<c><x>` | yes |
//!
//! Readers of the directory must only read files whose names do not start with `.` (Rasch's
//! own [`TextFileSource`](crate::TextFileSource) skips them): those hold exactly the data of
//! completed checkpoints.
//!
//! # Rolling
//!
//! Each bucket's in-progress file is closed ("rolled") and becomes pending when the
//! [`RollingPolicy`] says so — it reached a size, it has been open for some time, or no
//! record arrived for some time — and **always at a checkpoint** (Flink's
//! `OnCheckpointRollingPolicy` semantics: a checkpoint never leaves data in an in-progress
//! file). Time-based rolling is checked whenever records are written and whenever the task is
//! idle (`flush`).
//!
//! # Two-phase commit
//!
//! * `prepare_commit(checkpoint)`: rolls the in-progress file and returns one committable per
//!   pending file since the previous checkpoint (the pending path and the final path).
//! * `commit(committables)`: renames each pending file to its final name. Idempotent: a
//!   committable whose pending file is gone but whose final file exists is already committed;
//!   if neither exists, the commit fails with an error naming both files.
//! * `recover(committables)`: commits the committables of the restored checkpoint, then
//!   deletes every in-progress and pending file of *this subtask* left by the failed attempt
//!   (their records will be replayed from the sources), and continues the part counter after
//!   the highest one the subtask has in the directory, so names never collide.
//! * `finish()` (end of bounded input) only flushes the in-progress file; the data becomes
//!   visible through the final `prepare_commit` + `commit` the runtime performs when a job
//!   ends successfully.
//!
//! Records written after the last completed checkpoint of a failed job never become visible.
//!
//! # Limits
//!
//! Local paths only (not `s3://`); bucket times are formatted in UTC; one `FileSink` per
//! directory. The runtime must hand the committables written by subtask `k` back to subtask
//! `k` when that subtask exists after a restore, because `recover` deletes the pending files
//! of its own subtask number that are not among its committables. After scaling in, the
//! leftovers of removed subtasks stay (hidden) in the directory.

mod bucket;
mod format;
mod part;
mod rolling;
mod writer;

#[cfg(test)]
mod tests;

pub use bucket::{BasePathBucketAssigner, BucketAssigner, BucketContext, BucketTime, DateTimeBucketAssigner, FnBucketAssigner, bucket_fn};
pub use format::{Compression, Encoder, FileFormat, PartWriter, RowFormat, RowPartWriter, TextLines};
pub use rolling::RollingPolicy;

use rasch_core::Result;
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use std::path::{Path, PathBuf};

/// An exactly-once sink writing records into part files in the buckets of a directory; see
/// the [module docs](self) for file names, rolling and the commit protocol.
///
/// `F` is the [`FileFormat`] and `B` the [`BucketAssigner`]; the defaults write each value's
/// [`ToText`](rasch_core::ToText) form as a line into the base directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSink<F = RowFormat<TextLines>, B = BasePathBucketAssigner> {
    dir: PathBuf,
    policy: RollingPolicy,
    format: F,
    assigner: B,
}

impl FileSink {
    /// A sink writing rows as text lines into the directory `dir` (created if missing) with
    /// the default [`RollingPolicy`]; change the encoding with [`with_encoder`](Self::with_encoder).
    pub fn for_row_format(dir: impl Into<PathBuf>) -> Self {
        FileSink { dir: dir.into(), policy: RollingPolicy::default(), format: RowFormat::new(TextLines), assigner: BasePathBucketAssigner }
    }
}

impl<F> FileSink<F> {
    /// A sink writing whole part files with the bulk format `format` (e.g. Parquet) into `dir`;
    /// it rolls only on checkpoints (Flink's `OnCheckpointRollingPolicy`) unless a policy with
    /// a part size is set.
    pub fn for_bulk_format(dir: impl Into<PathBuf>, format: F) -> Self {
        FileSink { dir: dir.into(), policy: RollingPolicy::on_checkpoint(), format, assigner: BasePathBucketAssigner }
    }
}

impl<E, B> FileSink<RowFormat<E>, B> {
    /// Encodes each record with `encoder` (e.g. [`JsonLines`](crate::formats::JsonLines) or
    /// [`CsvLines`](crate::formats::CsvLines)), keeping the compression.
    pub fn with_encoder<E2>(self, encoder: E2) -> FileSink<RowFormat<E2>, B> {
        let format = RowFormat { encoder, compression: self.format.compression };
        FileSink { dir: self.dir, policy: self.policy, format, assigner: self.assigner }
    }

    /// Compresses the part files (their names get the compression's suffix, e.g. `.gz`).
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.format.compression = compression;
        self
    }
}

impl<F, B> FileSink<F, B> {
    /// Sets the rolling policy (it always rolls on checkpoints as well).
    pub fn with_rolling_policy(mut self, policy: RollingPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Puts each record into the bucket (subdirectory) `assigner` chooses.
    pub fn with_bucket_assigner<B2>(self, assigner: B2) -> FileSink<F, B2> {
        FileSink { dir: self.dir, policy: self.policy, format: self.format, assigner }
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The rolling policy.
    pub fn rolling_policy(&self) -> RollingPolicy {
        self.policy
    }

    /// The file format.
    pub fn format(&self) -> &F {
        &self.format
    }
}

impl<T: 'static, F: FileFormat<T> + Clone, B: BucketAssigner<T> + Clone> Sink<T> for FileSink<F, B> {
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        self.policy.validate(&self.dir)?;
        let writer = writer::FileSinkWriter::new(&self.dir, ctx.subtask_index, self.policy, self.format.clone(), self.assigner.clone())?;
        Ok(Box::new(writer))
    }
}

#[cfg(test)]
mod bucket_tests;
