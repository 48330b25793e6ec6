//! Helpers for tests: where the shared Nexmark files are.

use std::path::PathBuf;

/// The Nexmark directory: `$RASCH_NEXMARK_DIR`, else `../shared/nexmark` beside the workspace,
/// else this machine's `/work/shared/nexmark` (a clean clone elsewhere, as CI makes, has no
/// sibling `shared/`).
pub fn nexmark_dir() -> PathBuf {
    if let Ok(d) = std::env::var("RASCH_NEXMARK_DIR") {
        return PathBuf::from(d);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nexmark");
    if beside.is_dir() { beside } else { PathBuf::from("/work/shared/nexmark") }
}
