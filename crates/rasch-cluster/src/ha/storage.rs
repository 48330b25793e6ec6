//! `high-availability.storageDir`: the bulk data a new leader needs and etcd should not hold —
//! job binaries, under `<storageDir>/<cluster-id>/blobs/<sha256>`.

use crate::blob::BlobStore;
use rasch_core::{Error, Result};
use std::path::{Path, PathBuf};

/// The HA storage directory of one cluster.
#[derive(Debug, Clone)]
pub struct HaStorage {
    blobs: PathBuf,
}

impl HaStorage {
    /// The storage of cluster `cluster_id` under `dir`.
    pub fn new(dir: &Path, cluster_id: &str) -> Self {
        HaStorage { blobs: dir.join(cluster_id).join("blobs") }
    }

    /// Copies a job binary into the storage (once per SHA-256).
    pub fn keep_binary(&self, sha256: &str, binary: &Path) -> Result<()> {
        if !crate::blob::valid_id(sha256) {
            return Err(Error::Config(format!("'{sha256}' is not a SHA-256 id")));
        }
        let target = self.blobs.join(sha256);
        if target.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.blobs).map_err(|e| Error::io(format!("creating {}", self.blobs.display()), e))?;
        let tmp = self.blobs.join(format!(".{sha256}.{}", std::process::id()));
        // A hard link when the blob store is on the same file system (binaries are large).
        if std::fs::hard_link(binary, &tmp).is_err() {
            std::fs::copy(binary, &tmp).map_err(|e| Error::io(format!("copying {} to {}", binary.display(), tmp.display()), e))?;
        }
        std::fs::rename(&tmp, &target).map_err(|e| Error::io(format!("storing {}", target.display()), e))
    }

    /// Puts the binary with `sha256` from the storage into `blobs`; returns its local path.
    pub fn restore_binary(&self, sha256: &str, name: &str, blobs: &BlobStore) -> Result<PathBuf> {
        if let Some(path) = blobs.get(sha256) {
            return Ok(path);
        }
        if !crate::blob::valid_id(sha256) {
            return Err(Error::Config(format!("'{sha256}' is not a SHA-256 id")));
        }
        let source = self.blobs.join(sha256);
        let file = std::fs::File::open(&source).map_err(|e| Error::io(format!("opening {}", source.display()), e))?;
        let info = blobs.put_stream(name, file, u64::MAX).map_err(Error::from)?;
        if info.id != sha256 {
            return Err(Error::Internal(format!("{} has SHA-256 {}, not {sha256}", source.display(), info.id)));
        }
        blobs.get(sha256).ok_or_else(|| Error::Internal(format!("binary {sha256} vanished from the blob store")))
    }
}
