//! Which keyed state backend an operator instance uses (`state.backend.*`).

use rasch_core::config::{STATE_BACKEND, STATE_BACKEND_INCREMENTAL, STATE_BACKEND_LSM_LOCAL_DIR, STATE_BACKEND_LSM_MEMORY};
use rasch_core::{Configuration, Error, Result};
use std::path::PathBuf;

/// Default `state.backend.lsm.memory-budget`: 64 MiB per keyed operator instance (the
/// registry's default of [`STATE_BACKEND_LSM_MEMORY`], as a constant; a test keeps them equal).
pub const DEFAULT_LSM_MEMORY_BUDGET: u64 = 64 << 20;

/// The kind of keyed state backend: `hashmap` or `lsm` (declared with the option).
pub use rasch_core::config::StateBackendType as BackendKind;

/// Settings of the keyed state backend, from `state.backend.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendOptions {
    /// `state.backend.type`.
    pub kind: BackendKind,
    /// `state.backend.incremental`: checkpoints write the changes since the last completed one.
    pub incremental: bool,
    /// `state.backend.lsm.memory-budget` in bytes, per operator instance.
    pub memory_budget: u64,
    /// `state.backend.lsm.local-dir`; `None` uses the system temp dir.
    pub local_dir: Option<PathBuf>,
}

impl Default for BackendOptions {
    fn default() -> Self {
        BackendOptions { kind: BackendKind::HashMap, incremental: false, memory_budget: DEFAULT_LSM_MEMORY_BUDGET, local_dir: None }
    }
}

impl BackendOptions {
    /// The lsm backend with `memory_budget` bytes, incremental or not.
    pub fn lsm(memory_budget: u64, incremental: bool) -> Self {
        BackendOptions { kind: BackendKind::Lsm, incremental, memory_budget, local_dir: None }
    }

    /// Reads and validates the `state.backend.*` keys; errors name the key and the value.
    pub fn from_config(config: &Configuration) -> Result<Self> {
        let kind = config.value(STATE_BACKEND)?;
        let incremental = config.value(STATE_BACKEND_INCREMENTAL)?;
        let memory_budget = config.value(STATE_BACKEND_LSM_MEMORY)?;
        if memory_budget < 64 << 10 {
            return Err(Error::Config(format!(
                "'{STATE_BACKEND_LSM_MEMORY}': at least 64kb is needed, got '{}'",
                config.get(STATE_BACKEND_LSM_MEMORY).unwrap_or_default()
            )));
        }
        let local_dir = match config.read(STATE_BACKEND_LSM_LOCAL_DIR)? {
            None => None,
            Some(d) if d.is_empty() => return Err(Error::Config(format!("'{STATE_BACKEND_LSM_LOCAL_DIR}': expected a directory, got ''"))),
            Some(d) => Some(PathBuf::from(d)),
        };
        Ok(BackendOptions { kind, incremental, memory_budget, local_dir })
    }

    /// Whether checkpoints of this backend are incremental (`incremental: true`, either kind).
    pub fn incremental_checkpoints(&self) -> bool {
        self.incremental
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_backend_keys_and_rejects_bad_values() {
        let mut c = Configuration::new();
        assert_eq!(BackendOptions::from_config(&c).unwrap(), BackendOptions::default());
        for alias in ["lsm", "RocksDB", "forst"] {
            c.set(STATE_BACKEND, alias).unwrap();
            assert_eq!(BackendOptions::from_config(&c).unwrap().kind, BackendKind::Lsm);
        }
        c.set(STATE_BACKEND_INCREMENTAL, "true").unwrap();
        c.set(STATE_BACKEND_LSM_MEMORY, "1 mb").unwrap();
        let o = BackendOptions::from_config(&c).unwrap();
        assert!(o.incremental_checkpoints());
        assert_eq!(o.memory_budget, 1 << 20);
        c.set(STATE_BACKEND, "memory").unwrap();
        let err = BackendOptions::from_config(&c).unwrap_err().to_string();
        assert!(err.contains("'state.backend.type'") && err.contains("'memory'"), "{err}");
        c.set(STATE_BACKEND, "lsm").unwrap();
        c.set(STATE_BACKEND_LSM_MEMORY, "much").unwrap();
        let err = BackendOptions::from_config(&c).unwrap_err().to_string();
        assert!(err.contains("memory-budget") && err.contains("'much'"), "{err}");
        c.set(STATE_BACKEND_LSM_MEMORY, "1kb").unwrap();
        assert!(BackendOptions::from_config(&c).unwrap_err().to_string().contains("at least 64kb"));
        c.set(STATE_BACKEND_LSM_MEMORY, "64mb").unwrap();
        c.set(STATE_BACKEND_INCREMENTAL, "yes").unwrap();
        assert!(BackendOptions::from_config(&c).unwrap_err().to_string().contains("'state.backend.incremental'"));
        assert_eq!(STATE_BACKEND_LSM_MEMORY.default_value(), Some(DEFAULT_LSM_MEMORY_BUDGET));
    }
}
