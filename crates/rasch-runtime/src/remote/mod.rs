//! Running as part of a cluster: the control protocol between the JobManager, TaskManagers
//! and workers, its framing, and the worker side of a job attempt.

pub mod frame;
pub mod protocol;
pub mod worker;

pub use frame::{MAX_FRAME, read_message, write_message};
