//! Durable checkpoints and savepoints: task state files plus a `_metadata` file listing them,
//! written through `rasch-storage` (local paths, `file://`, `s3://`), and read back into a
//! [`RestorePlan`] — falling back past corrupt or partial checkpoints. Incremental keyed state
//! lives in shared files (`<dir>/<job>/shared/`, written by the job master through the
//! [`CheckpointStore`](super::CheckpointStore)) that task files reference by name; reading a
//! checkpoint replays them into full key groups.

use super::{RestorePlan, TaskStateFile};
use rasch_core::{Error, Result};
use rasch_storage::{CheckpointStorage, SavepointStorage, StateHandle};
use serde::{Deserialize, Serialize};

/// Version of the `_metadata` payload (2: task files may reference incremental shared files).
const METADATA_VERSION: u32 = 2;

/// The contents of a checkpoint's or savepoint's `_metadata`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointMetadata {
    /// Payload format version.
    pub version: u32,
    /// Name of the job that wrote it.
    pub job_name: String,
    /// Checkpoint id.
    pub checkpoint_id: u64,
    /// Whether this is a savepoint.
    pub savepoint: bool,
    /// One state file per task.
    pub tasks: Vec<StateHandle>,
}

fn encode(files: &[TaskStateFile]) -> Result<Vec<Vec<u8>>> {
    files.iter().map(|f| postcard::to_allocvec(f).map_err(Error::from)).collect()
}

fn decode_metadata(bytes: &[u8], location: &str) -> Result<CheckpointMetadata> {
    let meta: CheckpointMetadata =
        postcard::from_bytes(bytes).map_err(|e| Error::Checkpoint(format!("{location}: unreadable _metadata: {e}")))?;
    if meta.version != METADATA_VERSION {
        return Err(Error::Checkpoint(format!(
            "{location}: _metadata version {} is not supported (expected {METADATA_VERSION})",
            meta.version
        )));
    }
    Ok(meta)
}

fn decode_task(bytes: &[u8], handle: &StateHandle) -> Result<TaskStateFile> {
    postcard::from_bytes(bytes).map_err(|e| Error::Checkpoint(format!("{}: unreadable task state: {e}", handle.location)))
}

/// Writes a completed checkpoint; returns its location.
pub fn write_checkpoint(storage: &CheckpointStorage, job_name: &str, id: u64, files: &[TaskStateFile]) -> Result<String> {
    let mut tasks = Vec::with_capacity(files.len());
    for (i, bytes) in encode(files)?.iter().enumerate() {
        tasks.push(storage.write_state(id, &format!("task-{i}"), bytes)?);
    }
    let meta = CheckpointMetadata { version: METADATA_VERSION, job_name: job_name.to_string(), checkpoint_id: id, savepoint: false, tasks };
    storage.write_metadata(id, &postcard::to_allocvec(&meta)?)
}

/// Writes a savepoint under `target_dir`; returns its path.
pub fn write_savepoint(target_dir: &str, job_id: &str, job_name: &str, id: u64, files: &[TaskStateFile]) -> Result<String> {
    let (writer, path) = SavepointStorage::create(target_dir, job_id)?;
    let mut tasks = Vec::with_capacity(files.len());
    for (i, bytes) in encode(files)?.iter().enumerate() {
        tasks.push(writer.write_state(&format!("task-{i}"), bytes)?);
    }
    let meta = CheckpointMetadata { version: METADATA_VERSION, job_name: job_name.to_string(), checkpoint_id: id, savepoint: true, tasks };
    writer.write_metadata(&postcard::to_allocvec(&meta)?)?;
    Ok(path)
}

/// Reads a savepoint (its directory or its `_metadata` file).
pub fn read_savepoint(path: &str) -> Result<RestorePlan> {
    let reader = SavepointStorage::open(path)?;
    let meta = decode_metadata(reader.metadata(), path)?;
    let mut files = Vec::with_capacity(meta.tasks.len());
    for h in &meta.tasks {
        files.push(decode_task(&reader.read_state(h)?, h)?);
    }
    Ok(RestorePlan::from_files(meta.checkpoint_id, files))
}

/// The newest checkpoint of `storage` that reads back completely; corrupt, truncated or partial
/// ones are skipped (newest first) and reported in the returned list.
pub fn latest_checkpoint(storage: &CheckpointStorage) -> Result<(Option<RestorePlan>, Vec<Error>)> {
    let mut skipped = Vec::new();
    for id in storage.completed_checkpoints()?.into_iter().rev() {
        let attempt = (|| -> Result<RestorePlan> {
            let meta = decode_metadata(&storage.read_metadata(id)?, &storage.checkpoint_dir(id))?;
            let mut files = Vec::with_capacity(meta.tasks.len());
            for h in &meta.tasks {
                files.push(decode_task(&storage.read_state(h)?, h)?);
            }
            let mut plan = RestorePlan::from_files(id, files);
            plan.materialize(|name| storage.read_shared(name))?;
            Ok(plan)
        })();
        match attempt {
            Ok(plan) => return Ok((Some(plan), skipped)),
            Err(e) => skipped.push(e),
        }
    }
    Ok((None, skipped))
}

/// Restores from `path`: a savepoint, or a job's checkpoint directory `<dir>/<job-id>` (its
/// newest readable checkpoint).
pub fn read_restore_path(path: &str) -> Result<RestorePlan> {
    match read_savepoint(path) {
        Ok(plan) => Ok(plan),
        Err(savepoint_error) => {
            let trimmed = path.trim_end_matches('/');
            let (parent, job) =
                trimmed.rsplit_once('/').ok_or_else(|| Error::Checkpoint(format!("{path}: not a savepoint ({savepoint_error})")))?;
            let storage = CheckpointStorage::new(parent, job)?;
            match latest_checkpoint(&storage)? {
                (Some(plan), _) => Ok(plan),
                (None, skipped) => Err(Error::Checkpoint(format!(
                    "{path}: neither a savepoint ({savepoint_error}) nor a job checkpoint directory with a readable checkpoint{}",
                    skipped.first().map(|e| format!(" (newest problem: {e})")).unwrap_or_default()
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::OperatorState;

    fn files(tag: u8) -> Vec<TaskStateFile> {
        vec![TaskStateFile {
            subtask: 0,
            parallelism: 1,
            operators: vec![("op".into(), OperatorState { list: vec![vec![tag]], ..Default::default() })],
        }]
    }

    fn dir(tag: &str) -> String {
        let d = std::env::temp_dir().join(format!("rasch-persist-{tag}-{}", std::process::id()));
        std::fs::remove_dir_all(&d).ok();
        std::fs::create_dir_all(&d).unwrap();
        d.to_string_lossy().into_owned()
    }

    #[test]
    fn a_corrupt_newest_checkpoint_falls_back_to_the_previous_one() {
        let base = dir("fallback");
        let storage = CheckpointStorage::new(&base, "job1").unwrap();
        write_checkpoint(&storage, "j", 1, &files(1)).unwrap();
        write_checkpoint(&storage, "j", 2, &files(2)).unwrap();
        let plan = read_restore_path(&format!("{base}/job1")).unwrap();
        assert_eq!((plan.checkpoint_id, plan.state_for("op", 0, 1, 128).unwrap().list), (2, vec![vec![2]]));

        // Flip a byte in checkpoint 2's task state: its checksum no longer matches.
        let task = format!("{base}/job1/chk-2/task-0");
        let mut bytes = std::fs::read(&task).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&task, bytes).unwrap();
        let (plan, skipped) = latest_checkpoint(&storage).unwrap();
        assert_eq!(plan.unwrap().checkpoint_id, 1, "fell back to checkpoint 1");
        assert!(skipped[0].to_string().contains("task-0"), "the error names the file: {}", skipped[0]);

        // Truncate checkpoint 1's metadata too: nothing readable is left, and the error says why.
        std::fs::write(format!("{base}/job1/chk-1/_metadata"), b"RASCH").unwrap();
        let err = read_restore_path(&format!("{base}/job1")).unwrap_err().to_string();
        assert!(err.contains("neither a savepoint"), "{err}");
        std::fs::remove_dir_all(&base).ok();
    }

    #[test]
    fn savepoints_round_trip_and_relocate() {
        let base = dir("savepoint");
        let path = write_savepoint(&base, "job2", "j", 7, &files(9)).unwrap();
        let moved = format!("{base}/moved");
        std::fs::rename(&path, &moved).unwrap();
        let plan = read_restore_path(&moved).unwrap();
        assert_eq!((plan.checkpoint_id, plan.state_for("op", 0, 1, 128).unwrap().list), (7, vec![vec![9]]));
        std::fs::remove_dir_all(&base).ok();
    }
}
