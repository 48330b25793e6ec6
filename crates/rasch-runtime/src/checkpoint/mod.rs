//! Checkpoints (DESIGN §6): barriers, the snapshot an operator chain collects when a barrier
//! passes, the state restored into operators, and the coordinator that triggers, collects and
//! completes checkpoints.

mod config;
mod coordinator;
mod keyed_map;
mod persist;
mod restore;
mod snapshot;
mod status;
mod store;
mod writer;

pub use config::CheckpointConfig;
pub use coordinator::{CheckpointStats, CompletedSnapshot, Coordinator, TaskAck};
pub use keyed_map::KeyedMapState;
pub use persist::{
    CheckpointMetadata, create_savepoint, latest_checkpoint, read_restore_path, read_savepoint, write_checkpoint, write_savepoint,
};
pub use restore::{LoadedState, OperatorSummary, RestorePlan, StoredTaskState, TaskState, TaskStateFile, TaskStateRef};
pub use snapshot::{Barrier, Deferred, OperatorState, Snapshot, SnapshotKind};
pub use status::{CheckpointStatus, StopMode};
pub use store::{CheckpointStore, CompletedCheckpoint};
pub use writer::{StateTarget, store_task_state};

/// The checkpoint id used for the final commit when a bounded job finishes successfully.
pub const FINAL_CHECKPOINT_ID: u64 = u64::MAX;
