//! A blocking facade over `object_store` rooted at one base location (local path, `file://`,
//! `s3://`), driven by a private current-thread tokio runtime shared by the whole process.
//!
//! Paths handed to [`Store`] are relative to the base and use `/`. Local stores write through
//! `LocalFileSystem` (a staging file renamed into place, fsynced), S3 through single PUTs — so
//! every `put` is atomic on both.

use crate::options::StorageOptions;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use rasch_core::{Error, Result};
use std::sync::{Arc, OnceLock};
use tokio::runtime::Runtime;

/// Runs `future` to completion on the crate's private runtime. Must not be called from inside
/// another tokio runtime (Rasch's coordinator and tasks are plain threads).
fn block_on<F: Future>(future: F) -> F::Output {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .enable_time()
                .thread_name("rasch-storage")
                .build()
                .expect("rasch-storage: cannot start its tokio runtime")
        })
        .block_on(future)
}

/// One storage root: an object store plus the printable base used in locations and errors.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    os: Arc<dyn ObjectStore>,
    base: String,
    /// The root directory when the store is local (to remove leftovers `object_store` skips).
    local_root: Option<std::path::PathBuf>,
}

impl Store {
    /// Opens the store rooted at `base` (a local path, `file:///abs` or `s3://bucket/prefix`).
    /// With `create`, a missing local directory is created; otherwise it is an error.
    pub fn open(base: &str, options: &StorageOptions, create: bool) -> Result<Store> {
        let trimmed = base.trim_end_matches('/');
        if let Some(rest) = trimmed.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(Error::Config(format!("storage location '{base}' has no bucket")));
            }
            let builder = options.apply_s3(AmazonS3Builder::from_env().with_bucket_name(bucket))?;
            let s3 = builder.build().map_err(|e| Error::Config(format!("cannot use storage location '{base}': {e}")))?;
            let os: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(s3)
            } else {
                let prefix = Path::parse(prefix).map_err(|e| Error::Config(format!("bad storage location '{base}': {e}")))?;
                Arc::new(PrefixStore::new(s3, prefix))
            };
            return Ok(Store { os, base: format!("s3://{}", rest.trim_end_matches('/')), local_root: None });
        }
        let (dir, shown) = if let Some(path) = trimmed.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(Error::Config(format!("storage location '{base}' must be an absolute file:/// URL")));
            }
            (std::path::PathBuf::from(path), trimmed.to_string())
        } else if trimmed.contains("://") {
            return Err(Error::Config(format!("storage location '{base}': only local paths, file:// and s3:// are supported")));
        } else {
            let path = if trimmed.is_empty() { "/" } else { trimmed };
            let abs = std::path::absolute(path).map_err(|e| Error::io(format!("resolving storage directory {base}"), e))?;
            let shown = abs.display().to_string();
            (abs, shown)
        };
        if create {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("creating storage directory {}", dir.display()), e))?;
        }
        let fs = LocalFileSystem::new_with_prefix(&dir)
            .map_err(|e| Error::io(format!("opening storage directory {}", dir.display()), e.into()))?
            .with_automatic_cleanup(true)
            .with_fsync(true);
        Ok(Store { os: Arc::new(fs), base: shown, local_root: Some(dir) })
    }

    /// Splits a full location into the store of its parent and the file name.
    pub fn open_parent(location: &str, options: &StorageOptions) -> Result<(Store, String)> {
        let trimmed = location.trim_end_matches('/');
        match trimmed.rsplit_once('/') {
            Some((parent, name)) if !name.is_empty() => {
                Ok((Store::open(if parent.is_empty() { "/" } else { parent }, options, false)?, name.into()))
            }
            _ => Err(Error::Config(format!("'{location}' does not name a file"))),
        }
    }

    /// The printable base (absolute local path, `file://…` or `s3://bucket/prefix`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The printable location of `rel`.
    pub fn location(&self, rel: &str) -> String {
        if rel.is_empty() { self.base.clone() } else { format!("{}/{rel}", self.base) }
    }

    /// `rel` relative to this store if `location` lies under its base.
    pub fn relative<'a>(&self, location: &'a str) -> Option<&'a str> {
        location.strip_prefix(self.base.as_str())?.strip_prefix('/')
    }

    fn path(&self, rel: &str) -> Result<Path> {
        Path::parse(rel).map_err(|e| Error::Internal(format!("bad storage path '{}': {e}", self.location(rel))))
    }

    fn io(&self, doing: &str, rel: &str, e: object_store::Error) -> Error {
        Error::io(format!("{doing} {}", self.location(rel)), e.into())
    }

    /// Writes `bytes` to `rel` atomically (readers see the old object or the whole new one).
    pub fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<()> {
        let path = self.path(rel)?;
        block_on(self.os.put(&path, PutPayload::from(bytes))).map(drop).map_err(|e| self.io("writing", rel, e))
    }

    /// Reads all of `rel`; a missing object is an `Io` error of kind `NotFound`.
    pub fn get(&self, rel: &str) -> Result<Vec<u8>> {
        let path = self.path(rel)?;
        block_on(async { self.os.get(&path).await?.bytes().await }).map(|b| b.to_vec()).map_err(|e| self.io("reading", rel, e))
    }

    /// True when the object `rel` exists.
    pub fn exists(&self, rel: &str) -> Result<bool> {
        let path = self.path(rel)?;
        match block_on(self.os.head(&path)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.io("checking", rel, e)),
        }
    }

    /// Deletes the object `rel` (nothing happens if it does not exist).
    pub fn delete(&self, rel: &str) -> Result<()> {
        let path = self.path(rel)?;
        match block_on(self.os.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.io("deleting", rel, e)),
        }
    }

    /// Names of the immediate "sub-directories" of `rel` (empty if `rel` does not exist).
    pub fn list_dirs(&self, rel: &str) -> Result<Vec<String>> {
        let path = self.path(rel)?;
        match block_on(self.os.list_with_delimiter(Some(&path))) {
            Ok(list) => Ok(list.common_prefixes.iter().filter_map(|p| p.filename().map(str::to_string)).collect()),
            Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(self.io("listing", rel, e)),
        }
    }

    /// Deletes every object under `rel` (deleting `first` before the rest, if it exists);
    /// returns how many were deleted. Locally the directory `rel` itself goes too, including
    /// staging files of interrupted writes that `object_store` does not list.
    pub fn delete_all(&self, rel: &str, first: Option<&str>) -> Result<usize> {
        let prefix = self.path(rel)?;
        if let Some(first) = first {
            let path = self.path(first)?;
            match block_on(self.os.delete(&path)) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.io("deleting", first, e)),
            }
        }
        let listed: Vec<Path> = match block_on(self.os.list(Some(&prefix)).map_ok(|m| m.location).try_collect()) {
            Ok(paths) => paths,
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(self.io("listing", rel, e)),
        };
        let count = listed.len();
        let stream = futures_util::stream::iter(listed.into_iter().map(Ok)).boxed();
        block_on(self.os.delete_stream(stream).try_for_each(|_| async { Ok(()) })).map_err(|e| self.io("deleting under", rel, e))?;
        if let Some(root) = &self.local_root {
            let dir = root.join(rel);
            match std::fs::remove_dir_all(&dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(format!("deleting {}", dir.display()), e)),
                _ => {}
            }
        }
        Ok(count)
    }
}
