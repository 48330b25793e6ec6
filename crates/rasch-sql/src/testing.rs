//! Helpers for tests: where the shared Nexmark files are.

use std::path::PathBuf;

/// The Nexmark directory: `$RASCH_NEXMARK_DIR`, else `../shared/nexmark` beside the workspace.
pub fn nexmark_dir() -> PathBuf {
    if let Ok(d) = std::env::var("RASCH_NEXMARK_DIR") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nexmark")
}
