//! How a job binary runs, decided by environment variables that the runtime (never the user)
//! sets: local (default), plan (print the JobGraph as JSON), or worker (inside a TaskManager).

use rasch_core::{Error, Result};

/// Environment variable selecting the execution mode: `local`, `plan` or `worker`. The Rasch
/// runtime sets it when it starts a job binary; users do not.
///
/// ```
/// assert_eq!(rasch_api::MODE_ENV_VAR, "RASCH_EXECUTION_MODE");
/// ```
pub const MODE_ENV_VAR: &str = "RASCH_EXECUTION_MODE";
/// In plan mode, write the plan JSON to this file instead of stdout.
///
/// ```
/// assert_eq!(rasch_api::PLAN_FILE_ENV_VAR, "RASCH_PLAN_FILE");
/// ```
pub const PLAN_FILE_ENV_VAR: &str = "RASCH_PLAN_FILE";

/// Where `execute()` sends the job; see [`StreamEnv::execute`](crate::StreamEnv::execute).
///
/// ```
/// use rasch_api::{ExecutionMode, StreamEnv};
///
/// assert_eq!(StreamEnv::local().mode(), ExecutionMode::Local);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionMode {
    /// Run in this process (the embedded mini-cluster).
    Local,
    /// Print the JobGraph as JSON and exit.
    Plan,
    /// Run the subtasks a TaskManager assigned to this process.
    Worker,
}

impl ExecutionMode {
    /// Reads [`MODE_ENV_VAR`] (case-insensitive); unset or empty means local, anything other
    /// than `local`, `plan` or `worker` is an error.
    ///
    /// ```
    /// use rasch_api::{ExecutionMode, MODE_ENV_VAR};
    ///
    /// if std::env::var_os(MODE_ENV_VAR).is_none() {
    ///     assert_eq!(ExecutionMode::from_env().unwrap(), ExecutionMode::Local);
    /// }
    /// ```
    pub fn from_env() -> Result<Self> {
        match std::env::var(MODE_ENV_VAR) {
            Err(_) => Ok(ExecutionMode::Local),
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "" | "local" => Ok(ExecutionMode::Local),
                "plan" => Ok(ExecutionMode::Plan),
                "worker" => Ok(ExecutionMode::Worker),
                other => Err(Error::Config(format!("{MODE_ENV_VAR}='{other}': expected local, plan or worker"))),
            },
        }
    }
}
