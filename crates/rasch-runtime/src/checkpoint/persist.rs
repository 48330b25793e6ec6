//! Durable checkpoints and savepoints as the job master sees them: the `_metadata` file that
//! lists the handles of the state files the tasks wrote (`writer.rs`), written through
//! `rasch-storage` (local paths, `file://`, `s3://`), and read back into a [`RestorePlan`] —
//! falling back past corrupt or partial checkpoints. Incremental keyed state lives in shared
//! files (`<dir>/<job>/shared/`, written by the tasks) that task files reference by name.

use super::{RestorePlan, TaskState, TaskStateFile, TaskStateRef};
use rasch_core::{Error, Result};
use rasch_storage::{CheckpointStorage, SavepointStorage, StateHandle, StorageOptions};
use serde::{Deserialize, Serialize};

/// Version of the `_metadata` payload (3: tasks write their own state files; `_metadata` lists
/// their handles. 2: the job master wrote one file per task, still readable).
const METADATA_VERSION: u32 = 3;

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
    /// One entry per task: the handle of the file it wrote (or, without storage, its state).
    pub tasks: Vec<TaskStateRef>,
    /// The job checkpoint directory holding shared files of incremental state, if any.
    pub shared_dir: Option<String>,
}

/// The `_metadata` of version 2, where each task's state was one file the job master wrote.
#[derive(Deserialize)]
struct MetadataV2 {
    version: u32,
    _job_name: String,
    checkpoint_id: u64,
    _savepoint: bool,
    tasks: Vec<StateHandle>,
}

/// A decoded `_metadata`: version 3, or version 2 whose task files must be read to restore.
enum Decoded {
    V3(CheckpointMetadata),
    V2 { checkpoint_id: u64, files: Vec<StateHandle> },
}

fn decode_metadata(bytes: &[u8], location: &str) -> Result<Decoded> {
    if let Ok(meta) = postcard::from_bytes::<CheckpointMetadata>(bytes)
        && meta.version == METADATA_VERSION
    {
        return Ok(Decoded::V3(meta));
    }
    match postcard::from_bytes::<MetadataV2>(bytes) {
        Ok(old) if old.version == 2 => Ok(Decoded::V2 { checkpoint_id: old.checkpoint_id, files: old.tasks }),
        _ => {
            let version = bytes.first().copied().unwrap_or(0);
            Err(Error::Checkpoint(format!(
                "{location}: unreadable _metadata (version {version}; this build reads {METADATA_VERSION} and 2)"
            )))
        }
    }
}

fn decode_task(bytes: &[u8], location: &str) -> Result<TaskStateFile> {
    postcard::from_bytes(bytes).map_err(|e| Error::Checkpoint(format!("{location}: unreadable task state: {e}")))
}

/// Writes the `_metadata` of a completed checkpoint whose tasks wrote their state files;
/// returns the checkpoint's location. The job master writes nothing else.
pub fn write_checkpoint(storage: &CheckpointStorage, job_name: &str, id: u64, tasks: &[TaskStateRef]) -> Result<String> {
    let meta = CheckpointMetadata {
        version: METADATA_VERSION,
        job_name: job_name.to_string(),
        checkpoint_id: id,
        savepoint: false,
        tasks: tasks.to_vec(),
        shared_dir: Some(storage.job_dir()),
    };
    storage.write_metadata(id, &postcard::to_allocvec(&meta)?)
}

/// Creates the directory of a new savepoint under `target_dir`; its path goes into the barrier
/// so that every task writes its state file there.
pub fn create_savepoint(target_dir: &str, job_id: &str) -> Result<String> {
    SavepointStorage::create(target_dir, job_id).map(|(_, path)| path)
}

/// Completes the savepoint at `path` (made by [`create_savepoint`]) by writing its `_metadata`.
pub fn write_savepoint(path: &str, job_name: &str, id: u64, tasks: &[TaskStateRef]) -> Result<String> {
    let writer = SavepointStorage::writer_at(path, &StorageOptions::new())?;
    let meta = CheckpointMetadata {
        version: METADATA_VERSION,
        job_name: job_name.to_string(),
        checkpoint_id: id,
        savepoint: true,
        tasks: tasks.to_vec(),
        shared_dir: None,
    };
    writer.write_metadata(&postcard::to_allocvec(&meta)?)
}

/// Checks every task file of `plan` without keeping it: present, of the recorded size and
/// checksum (so that a corrupt checkpoint is passed over before any task restores from it).
fn verify(plan: &RestorePlan) -> Result<()> {
    let options = StorageOptions::new();
    for task in &plan.tasks {
        if let TaskState::Stored(stored) = &task.state {
            plan.read_verified(stored, &options)?;
        }
    }
    Ok(())
}

/// Reads a savepoint (its directory or its `_metadata` file).
pub fn read_savepoint(path: &str) -> Result<RestorePlan> {
    let reader = SavepointStorage::open(path)?;
    let plan = match decode_metadata(reader.metadata(), path)? {
        Decoded::V3(meta) => RestorePlan {
            checkpoint_id: meta.checkpoint_id,
            tasks: meta.tasks,
            base: Some(reader.path().to_string()),
            shared_dir: meta.shared_dir,
        },
        Decoded::V2 { checkpoint_id, files } => {
            let mut tasks = Vec::with_capacity(files.len());
            for h in &files {
                tasks.push(decode_task(&reader.read_state(h)?, &h.location)?);
            }
            RestorePlan::from_files(checkpoint_id, tasks)
        }
    };
    verify(&plan)?;
    Ok(plan)
}

/// The newest checkpoint of `storage` that reads back completely; corrupt, truncated or partial
/// ones are skipped (newest first) and reported in the returned list.
pub fn latest_checkpoint(storage: &CheckpointStorage) -> Result<(Option<RestorePlan>, Vec<Error>)> {
    let mut skipped = Vec::new();
    for id in storage.completed_checkpoints()?.into_iter().rev() {
        let attempt = (|| -> Result<RestorePlan> {
            let plan = match decode_metadata(&storage.read_metadata(id)?, &storage.checkpoint_dir(id))? {
                Decoded::V3(meta) => RestorePlan { checkpoint_id: id, tasks: meta.tasks, base: None, shared_dir: meta.shared_dir },
                Decoded::V2 { files, .. } => {
                    let mut tasks = Vec::with_capacity(files.len());
                    for h in &files {
                        tasks.push(decode_task(&storage.read_state(h)?, &h.location)?);
                    }
                    let mut plan = RestorePlan::from_files(id, tasks);
                    plan.materialize_inline(|name| storage.read_shared(name))?;
                    plan
                }
            };
            verify(&plan)?;
            for task in &plan.tasks {
                for name in task.shared_files() {
                    storage.read_shared(name)?;
                }
            }
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
            let storage = CheckpointStorage::open_job_dir(path, &StorageOptions::new())
                .map_err(|_| Error::Checkpoint(format!("{path}: not a savepoint ({savepoint_error})")))?;
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
    use crate::checkpoint::{OperatorState, StateTarget, store_task_state};

    fn ops(tag: u8) -> Vec<(String, OperatorState)> {
        vec![("op".into(), OperatorState { list: vec![vec![tag]], ..Default::default() })]
    }

    fn task(target: &StateTarget, id: u64, tag: u8) -> Vec<TaskStateRef> {
        vec![store_task_state(target, id, 0, 0, 1, ops(tag)).unwrap()]
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
        let target = StateTarget::Checkpoint(storage.clone());
        write_checkpoint(&storage, "j", 1, &task(&target, 1, 1)).unwrap();
        write_checkpoint(&storage, "j", 2, &task(&target, 2, 2)).unwrap();
        let plan = read_restore_path(&format!("{base}/job1")).unwrap();
        assert_eq!((plan.checkpoint_id, plan.state_for("op", 0, 1, 128).unwrap().unwrap().list), (2, vec![vec![2]]));

        // Flip a byte in checkpoint 2's task state: its checksum no longer matches.
        let task = format!("{base}/job1/chk-2/task-0-0");
        let mut bytes = std::fs::read(&task).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&task, bytes).unwrap();
        let (plan, skipped) = latest_checkpoint(&storage).unwrap();
        assert_eq!(plan.unwrap().checkpoint_id, 1, "fell back to checkpoint 1");
        assert!(skipped[0].to_string().contains("task-0-0"), "the error names the file: {}", skipped[0]);

        // Truncate checkpoint 1's metadata too: nothing readable is left, and the error says why.
        std::fs::write(format!("{base}/job1/chk-1/_metadata"), b"RASCH").unwrap();
        let err = read_restore_path(&format!("{base}/job1")).unwrap_err().to_string();
        assert!(err.contains("neither a savepoint"), "{err}");
        std::fs::remove_dir_all(&base).ok();
    }

    #[test]
    fn savepoints_round_trip_and_relocate() {
        let base = dir("savepoint");
        let path = create_savepoint(&base, "job2").unwrap();
        let tasks = task(&StateTarget::Savepoint(path.clone()), 7, 9);
        assert_eq!(write_savepoint(&path, "j", 7, &tasks).unwrap(), path);
        let moved = format!("{base}/moved");
        std::fs::rename(&path, &moved).unwrap();
        let plan = read_restore_path(&moved).unwrap();
        assert_eq!((plan.checkpoint_id, plan.state_for("op", 0, 1, 128).unwrap().unwrap().list), (7, vec![vec![9]]));
        std::fs::remove_dir_all(&base).ok();
    }
}
