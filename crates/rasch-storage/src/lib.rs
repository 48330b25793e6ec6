//! Rasch checkpoint and savepoint storage: versioned, checksummed state and `_metadata` files on a
//! local path, `file://` or `s3://`, laid out like Flink (`<dir>/<job-id>/chk-<n>/_metadata`).
//!
//! * [`CheckpointStorage`] — the checkpoint directory of one job: tasks call
//!   [`write_state`](CheckpointStorage::write_state), the coordinator writes `_metadata` last
//!   ([`write_metadata`](CheckpointStorage::write_metadata)), which is the moment the checkpoint
//!   counts as completed; on restore [`latest_valid`](CheckpointStorage::latest_valid) skips corrupt
//!   or partial checkpoints.
//! * [`SavepointStorage`] — self-contained, relocatable savepoint directories whose state handles
//!   are relative to the savepoint directory.
//! * [`StateStore`] / [`StateSource`] — the two traits the coordinator and tasks use so that a
//!   checkpoint and a savepoint are written and read the same way.
//!
//! The API is synchronous: object store calls run on a small private tokio current-thread
//! runtime. Call it from plain threads, never from inside another tokio runtime.
//!
//! Every file is framed by [`format`](mod@format): magic, format version, payload length and CRC32.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod checkpoint;
pub mod format;
mod options;
mod savepoint;
mod store;
#[cfg(test)]
mod testutil;

pub use checkpoint::{CheckpointStorage, LatestValid};
pub use options::StorageOptions;
pub use rasch_core::{Error, Result};
pub use savepoint::{SavepointReader, SavepointStorage, SavepointWriter};

use serde::{Deserialize, Serialize};

/// The name of the file that completes a checkpoint or savepoint.
pub const METADATA_FILE: &str = "_metadata";

/// Where one task's state file lives; stored by the coordinator inside `_metadata`.
///
/// In a checkpoint, `location` is absolute (`/abs/dir/job/chk-3/name` or
/// `s3://bucket/prefix/job/chk-3/name`); in a savepoint it is relative to the savepoint directory
/// (just `name`), so the savepoint can be moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateHandle {
    /// Absolute location (checkpoints) or path relative to the savepoint directory (savepoints).
    pub location: String,
    /// Size of the stored file in bytes, header included.
    pub size: u64,
}

/// Reads state files back during restore. Implemented by [`CheckpointStorage`],
/// [`SavepointWriter`] and [`SavepointReader`], so a restoring task does not care which one the
/// `_metadata` it restores from came from.
pub trait StateSource: Send + Sync {
    /// Reads and verifies the state file behind `handle`.
    fn read_state(&self, handle: &StateHandle) -> Result<Vec<u8>>;
}

/// Where the coordinator and its tasks write one snapshot. Implemented by [`CheckpointStorage`]
/// (files go to `chk-<checkpoint_id>/`) and [`SavepointWriter`] (files go to the savepoint
/// directory; `checkpoint_id` only ends up in the caller's `_metadata`). A coordinator holds an
/// `Arc<dyn StateStore>` per pending snapshot and treats both alike.
pub trait StateStore: StateSource {
    /// Writes one task's state file `name` and returns its handle.
    fn write_state(&self, checkpoint_id: u64, name: &str, bytes: &[u8]) -> Result<StateHandle>;
    /// Writes `_metadata` last and atomically, completing the snapshot; returns its location
    /// (the directory of the snapshot, which is what `rasch run -s` takes).
    fn write_metadata(&self, checkpoint_id: u64, bytes: &[u8]) -> Result<String>;
}

/// Checks that `name` is a usable file name: `[A-Za-z0-9._-]+`, not starting with `.` and not
/// `_metadata`.
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    let ok_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if name.is_empty() || !ok_chars || name.starts_with('.') || name == METADATA_FILE {
        return Err(Error::Internal(format!(
            "{what} '{name}' is not allowed: use letters, digits, '.', '_' and '-', not starting with '.' and not '{METADATA_FILE}'"
        )));
    }
    Ok(())
}

/// True for locations that are not relative paths (`/abs`, `file://…`, `s3://…`).
pub(crate) fn is_absolute(location: &str) -> bool {
    location.starts_with('/') || location.contains("://")
}

/// Reads an absolute `location` that may lie anywhere: via `store` if it is under its base,
/// otherwise through a store opened on its parent with the same options.
pub(crate) fn read_absolute(store: &store::Store, options: &StorageOptions, location: &str) -> Result<(String, Vec<u8>)> {
    match store.relative(location) {
        Some(rel) => Ok((store.location(rel), store.get(rel)?)),
        None => {
            let (parent, name) = store::Store::open_parent(location, options)?;
            Ok((parent.location(&name), parent.get(&name)?))
        }
    }
}

/// Decodes a state file and checks its size against the handle.
pub(crate) fn verify_state(location: &str, file: &[u8], handle: &StateHandle) -> Result<Vec<u8>> {
    let payload = format::decode(format::FileKind::State, location, file)?;
    if file.len() as u64 != handle.size {
        return Err(Error::MalformedInput {
            location: location.to_string(),
            message: format!("state file has {} bytes but its handle records {}", file.len(), handle.size),
        });
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for good in ["op-1_sub.0", "a", "chk"] {
            check_name("state name", good).unwrap();
        }
        for bad in ["", "a/b", "..", ".hidden", "_metadata", "sp ace", "a\\b"] {
            assert!(check_name("state name", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn handles_serialize() {
        let h = StateHandle { location: "op-1".into(), size: 42 };
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<StateHandle>(&json).unwrap(), h);
    }
}
