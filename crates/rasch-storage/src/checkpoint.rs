//! Checkpoint storage of one job: `<dir>/<job-id>/chk-<n>/{<state files>, _metadata}`.

use crate::format::{self, FileKind};
use crate::store::Store;
use crate::{METADATA_FILE, StateHandle, StateSource, StateStore, StorageOptions, check_name, is_absolute, read_absolute, verify_state};
use rasch_core::{Error, Result};

/// The checkpoint directory of one job (`execution.checkpointing.dir` + job id).
///
/// A checkpoint `n` is *completed* once `chk-<n>/_metadata` exists; state files without it are a
/// partial checkpoint and never restored from. Cheap to clone; safe to share between threads.
#[derive(Clone, Debug)]
pub struct CheckpointStorage {
    store: Store,
    job_id: String,
    options: StorageOptions,
}

impl CheckpointStorage {
    /// Opens (creating a local directory if needed) the checkpoints of `job_id` under `dir`:
    /// a local path, `file:///abs/path` or `s3://bucket/prefix` (credentials and endpoint from the
    /// `AWS_*` environment variables). Nothing is written until the first state file.
    pub fn new(dir: &str, job_id: &str) -> Result<Self> {
        Self::with_options(dir, job_id, &StorageOptions::new())
    }

    /// Like [`new`](Self::new) with explicit object store options (`s3.endpoint`, …).
    pub fn with_options(dir: &str, job_id: &str, options: &StorageOptions) -> Result<Self> {
        check_name("job id", job_id).map_err(|_| Error::Config(format!("job id '{job_id}' cannot name a checkpoint directory")))?;
        Ok(Self { store: Store::open(dir, options, true)?, job_id: job_id.to_string(), options: options.clone() })
    }

    /// The checkpoints of the job whose checkpoint directory is `job_dir` (`<dir>/<job-id>`, as
    /// [`job_dir`](Self::job_dir) printed it — possibly in another process).
    pub fn open_job_dir(job_dir: &str, options: &StorageOptions) -> Result<Self> {
        let trimmed = job_dir.trim_end_matches('/');
        let (dir, job) = trimmed.rsplit_once('/').ok_or_else(|| Error::Config(format!("'{job_dir}' is not a job checkpoint directory")))?;
        Self::with_options(if dir.is_empty() { "/" } else { dir }, job, options)
    }

    /// The job's checkpoint directory, `<dir>/<job-id>`.
    pub fn job_dir(&self) -> String {
        self.store.location(&self.job_id)
    }

    /// The directory of checkpoint `checkpoint_id`, `<dir>/<job-id>/chk-<n>`.
    pub fn checkpoint_dir(&self, checkpoint_id: u64) -> String {
        self.store.location(&self.chk(checkpoint_id))
    }

    fn chk(&self, checkpoint_id: u64) -> String {
        format!("{}/chk-{checkpoint_id}", self.job_id)
    }

    /// Writes one task's state file `<dir>/<job>/chk-<n>/<name>` and returns its absolute handle.
    /// `name` must be unique within the checkpoint (`[A-Za-z0-9._-]+`).
    pub fn write_state(&self, checkpoint_id: u64, name: &str, bytes: &[u8]) -> Result<StateHandle> {
        check_name("state file name", name)?;
        let rel = format!("{}/{name}", self.chk(checkpoint_id));
        let file = format::encode(FileKind::State, bytes);
        let size = file.len() as u64;
        self.store.put(&rel, file)?;
        Ok(StateHandle { location: self.store.location(&rel), size })
    }

    /// Reads and verifies a state file. Handles from other directories (e.g. a retained checkpoint
    /// of an earlier job) are read from where they point, with this storage's options.
    pub fn read_state(&self, handle: &StateHandle) -> Result<Vec<u8>> {
        if !is_absolute(&handle.location) {
            return Err(Error::Internal(format!(
                "checkpoint state handle '{}' is relative; only savepoint handles are relative",
                handle.location
            )));
        }
        let (location, file) = read_absolute(&self.store, &self.options, &handle.location)?;
        verify_state(&location, &file, handle)
    }

    /// Writes the shared file `<dir>/<job-id>/shared/<name>`: state that several checkpoints
    /// reference (incremental checkpoint deltas), deleted by [`discard_shared`](Self::discard_shared)
    /// once no retained checkpoint needs it. Returns its absolute location.
    pub fn write_shared(&self, name: &str, bytes: &[u8]) -> Result<String> {
        check_name("shared file name", name)?;
        let rel = format!("{}/shared/{name}", self.job_id);
        self.store.put(&rel, format::encode(FileKind::State, bytes))?;
        Ok(self.store.location(&rel))
    }

    /// Reads and verifies the shared file `name`.
    pub fn read_shared(&self, name: &str) -> Result<Vec<u8>> {
        check_name("shared file name", name)?;
        let rel = format!("{}/shared/{name}", self.job_id);
        let file = self.store.get(&rel)?;
        format::decode(FileKind::State, &self.store.location(&rel), &file)
    }

    /// Deletes the shared file `name`.
    pub fn discard_shared(&self, name: &str) -> Result<()> {
        check_name("shared file name", name)?;
        self.store.delete(&format!("{}/shared/{name}", self.job_id))
    }

    /// Writes `chk-<n>/_metadata` (atomically: a staging file renamed into place locally, a single
    /// PUT on S3) and returns the checkpoint directory. Call it after every state file is written:
    /// from then on the checkpoint counts as completed.
    pub fn write_metadata(&self, checkpoint_id: u64, bytes: &[u8]) -> Result<String> {
        self.store.put(&format!("{}/{METADATA_FILE}", self.chk(checkpoint_id)), format::encode(FileKind::Metadata, bytes))?;
        Ok(self.checkpoint_dir(checkpoint_id))
    }

    /// Ids of completed checkpoints (those with a `_metadata` file), ascending. Directories that are
    /// not `chk-<number>` are ignored.
    pub fn completed_checkpoints(&self) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        for dir in self.store.list_dirs(&self.job_id)? {
            let Some(id) = dir.strip_prefix("chk-").and_then(|n| n.parse::<u64>().ok()) else { continue };
            if self.store.exists(&format!("{}/{METADATA_FILE}", self.chk(id)))? {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Reads and verifies the `_metadata` of checkpoint `checkpoint_id`.
    pub fn read_metadata(&self, checkpoint_id: u64) -> Result<Vec<u8>> {
        let rel = format!("{}/{METADATA_FILE}", self.chk(checkpoint_id));
        let file = self.store.get(&rel)?;
        format::decode(FileKind::Metadata, &self.store.location(&rel), &file)
    }

    /// The newest completed checkpoint whose `_metadata` verifies, with its payload. Corrupt or
    /// vanished `_metadata` files are skipped (logged with `tracing::warn!`) in favour of the
    /// previous completed checkpoint; any other I/O error is returned, because silently restoring
    /// an older checkpoint after a transient failure would replay already-committed output.
    pub fn latest_valid(&self) -> Result<Option<(u64, Vec<u8>)>> {
        Ok(self.latest_valid_report()?.latest)
    }

    /// Like [`latest_valid`](Self::latest_valid), also returning the errors of the skipped
    /// checkpoints, newest first.
    pub fn latest_valid_report(&self) -> Result<LatestValid> {
        let mut skipped = Vec::new();
        for id in self.completed_checkpoints()?.into_iter().rev() {
            match self.read_metadata(id) {
                Ok(metadata) => return Ok(LatestValid { latest: Some((id, metadata)), skipped }),
                Err(e) if is_corrupt_or_gone(&e) => {
                    tracing::warn!(checkpoint = id, error = %e, "skipping checkpoint whose _metadata does not verify");
                    skipped.push(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(LatestValid { latest: None, skipped })
    }

    /// Deletes `chk-<n>` entirely, `_metadata` first so that an interrupted discard never leaves a
    /// "completed" checkpoint with missing state. Discarding a missing checkpoint is not an error.
    pub fn discard(&self, checkpoint_id: u64) -> Result<()> {
        let chk = self.chk(checkpoint_id);
        self.store.delete_all(&chk, Some(&format!("{chk}/{METADATA_FILE}"))).map(drop)
    }

    /// Deletes every shared file of the job — when it ends and none of its checkpoints is kept
    /// (this also removes deltas that tasks wrote for checkpoints that never completed).
    pub fn discard_all_shared(&self) -> Result<()> {
        self.store.delete_all(&format!("{}/shared", self.job_id), None).map(drop)
    }
}

/// What [`CheckpointStorage::latest_valid_report`] found.
#[derive(Debug)]
pub struct LatestValid {
    /// The newest completed checkpoint whose `_metadata` verifies: its id and `_metadata` payload.
    pub latest: Option<(u64, Vec<u8>)>,
    /// Why newer completed checkpoints were skipped, newest first.
    pub skipped: Vec<Error>,
}

fn is_corrupt_or_gone(e: &Error) -> bool {
    match e {
        Error::MalformedInput { .. } | Error::Serialization(_) => true,
        Error::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

impl StateSource for CheckpointStorage {
    fn read_state(&self, handle: &StateHandle) -> Result<Vec<u8>> {
        CheckpointStorage::read_state(self, handle)
    }
}

impl StateStore for CheckpointStorage {
    fn write_state(&self, checkpoint_id: u64, name: &str, bytes: &[u8]) -> Result<StateHandle> {
        CheckpointStorage::write_state(self, checkpoint_id, name, bytes)
    }

    fn write_metadata(&self, checkpoint_id: u64, bytes: &[u8]) -> Result<String> {
        CheckpointStorage::write_metadata(self, checkpoint_id, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn corrupt(path: &std::path::Path, f: impl FnOnce(&mut Vec<u8>)) {
        let mut bytes = std::fs::read(path).unwrap();
        f(&mut bytes);
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn round_trip_and_layout() {
        let tmp = TempDir::new("ckpt-round-trip");
        let storage = CheckpointStorage::new(tmp.path_str(), "job1").unwrap();
        let a = storage.write_state(1, "op-a", b"state of a").unwrap();
        let b = storage.write_state(1, "op-b", b"").unwrap();
        assert_eq!(a.location, format!("{}/job1/chk-1/op-a", tmp.path_str()));
        assert_eq!(a.size, 24 + 10);
        assert_eq!(storage.completed_checkpoints().unwrap(), Vec::<u64>::new(), "no _metadata yet");
        let loc = storage.write_metadata(1, b"meta-1").unwrap();
        assert_eq!(loc, format!("{}/job1/chk-1", tmp.path_str()));
        assert!(tmp.path().join("job1/chk-1/_metadata").is_file());
        assert_eq!(storage.read_state(&a).unwrap(), b"state of a");
        assert_eq!(storage.read_state(&b).unwrap(), b"");
        assert_eq!(storage.read_metadata(1).unwrap(), b"meta-1");
        // Through the trait and through a clone on another thread.
        let shared: std::sync::Arc<dyn StateStore> = std::sync::Arc::new(storage.clone());
        std::thread::spawn(move || assert_eq!(shared.read_state(&a).unwrap(), b"state of a")).join().unwrap();
        // file:// URLs address the same files.
        let url = CheckpointStorage::new(&format!("file://{}", tmp.path_str()), "job1").unwrap();
        assert_eq!(url.completed_checkpoints().unwrap(), vec![1]);
        assert_eq!(url.read_metadata(1).unwrap(), b"meta-1");
        assert_eq!(url.read_state(&b).unwrap(), b"");
    }

    #[test]
    fn corrupt_and_truncated_files_are_named() {
        let tmp = TempDir::new("ckpt-corrupt");
        let storage = CheckpointStorage::new(tmp.path_str(), "job").unwrap();
        let h = storage.write_state(7, "op", b"0123456789").unwrap();
        let file = tmp.path().join("job/chk-7/op");
        corrupt(&file, |b| b[30] ^= 0xff);
        let e = storage.read_state(&h).unwrap_err().to_string();
        assert!(e.contains(&h.location) && e.contains("checksum mismatch"), "{e}");

        let h = storage.write_state(7, "op", b"0123456789").unwrap();
        corrupt(&file, |b| b.truncate(28));
        let e = storage.read_state(&h).unwrap_err().to_string();
        assert!(e.contains(&h.location) && e.contains("truncated") && e.contains("announces 10 payload bytes, file has 4"), "{e}");

        std::fs::remove_file(&file).unwrap();
        let e = storage.read_state(&h).unwrap_err();
        assert!(matches!(&e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound), "{e}");
        assert!(e.to_string().contains(&h.location), "{e}");

        let e = storage.read_state(&StateHandle { location: "op".into(), size: 1 }).unwrap_err();
        assert!(e.to_string().contains("relative"), "{e}");
    }

    #[test]
    fn partial_checkpoints_are_not_completed_and_discard_removes_everything() {
        let tmp = TempDir::new("ckpt-partial");
        let storage = CheckpointStorage::new(tmp.path_str(), "job").unwrap();
        for id in [1, 2, 3] {
            storage.write_state(id, "op", b"s").unwrap();
        }
        storage.write_metadata(1, b"m1").unwrap();
        storage.write_metadata(3, b"m3").unwrap();
        std::fs::write(tmp.path().join("job/chk-2/op#1"), b"staging file of a crashed write").unwrap();
        std::fs::create_dir_all(tmp.path().join("job/shared")).unwrap();
        std::fs::create_dir_all(tmp.path().join("job/chk-x")).unwrap();
        assert_eq!(storage.completed_checkpoints().unwrap(), vec![1, 3]);
        storage.discard(1).unwrap();
        storage.discard(2).unwrap();
        storage.discard(99).unwrap();
        assert!(!tmp.path().join("job/chk-1").exists() && !tmp.path().join("job/chk-2").exists());
        assert_eq!(storage.completed_checkpoints().unwrap(), vec![3]);
        assert_eq!(storage.latest_valid().unwrap(), Some((3, b"m3".to_vec())));
        let empty = CheckpointStorage::new(tmp.path_str(), "other-job").unwrap();
        assert_eq!(empty.completed_checkpoints().unwrap(), Vec::<u64>::new());
        assert_eq!(empty.latest_valid().unwrap(), None);
    }

    #[test]
    fn latest_valid_falls_back_past_a_corrupt_newest_metadata() {
        let tmp = TempDir::new("ckpt-fallback");
        let storage = CheckpointStorage::new(tmp.path_str(), "job").unwrap();
        for id in [4, 5, 6] {
            storage.write_metadata(id, format!("meta-{id}").as_bytes()).unwrap();
        }
        corrupt(&tmp.path().join("job/chk-6/_metadata"), |b| *b.last_mut().unwrap() ^= 1);
        corrupt(&tmp.path().join("job/chk-5/_metadata"), |b| b.truncate(10));
        let LatestValid { latest, skipped } = storage.latest_valid_report().unwrap();
        assert_eq!(latest, Some((4, b"meta-4".to_vec())));
        assert_eq!(skipped.len(), 2);
        assert!(skipped[0].to_string().contains("chk-6/_metadata") && skipped[0].to_string().contains("checksum"), "{}", skipped[0]);
        assert!(skipped[1].to_string().contains("chk-5/_metadata") && skipped[1].to_string().contains("truncated"), "{}", skipped[1]);
        assert_eq!(storage.latest_valid().unwrap(), Some((4, b"meta-4".to_vec())));
        let e = storage.read_metadata(6).unwrap_err();
        assert!(matches!(e, Error::MalformedInput { .. }), "{e}");
    }

    #[test]
    fn threads_write_one_checkpoint_concurrently() {
        let tmp = TempDir::new("ckpt-threads");
        let storage = CheckpointStorage::new(tmp.path_str(), "job").unwrap();
        let handles: Vec<StateHandle> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..8)
                .map(|i| {
                    let storage = storage.clone();
                    s.spawn(move || storage.write_state(1, &format!("task-{i}"), &vec![i as u8; 10_000]).unwrap())
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        storage.write_metadata(1, b"m").unwrap();
        for (i, h) in handles.iter().enumerate() {
            assert_eq!(storage.read_state(h).unwrap(), vec![i as u8; 10_000]);
        }
    }

    #[test]
    fn bad_names_and_locations_are_rejected() {
        let tmp = TempDir::new("ckpt-names");
        let storage = CheckpointStorage::new(tmp.path_str(), "job").unwrap();
        assert!(storage.write_state(1, "../escape", b"x").is_err());
        assert!(storage.write_state(1, "_metadata", b"x").is_err());
        assert!(CheckpointStorage::new(tmp.path_str(), "a/b").is_err());
        let e = CheckpointStorage::new("gs://bucket/x", "job").unwrap_err().to_string();
        assert!(e.contains("only local paths, file:// and s3://"), "{e}");
        assert!(CheckpointStorage::new("file://relative/x", "job").is_err());
    }
}
