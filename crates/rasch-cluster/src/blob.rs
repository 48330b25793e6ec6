//! Content-addressed store for job binaries.
//!
//! A blob is stored under `<dir>/<sha256 hex>`; its id *is* its SHA-256, so a TaskManager that
//! fetches a binary can verify it, and uploading the same binary twice stores it once. Next to
//! each blob a small `<sha256 hex>.meta` JSON file keeps the original file name and upload time
//! (for `GET /jars`).
//!
//! Security: only ids that are exactly 64 lowercase hex characters ever become part of a path
//! ([`valid_id`]); client-supplied file names are kept as display text only, after removing
//! directories and control characters. (Flink's CVE-2020-17518/17519 were path traversals
//! through an uploaded file name and a log file name.)

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// What can go wrong in the blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The blob is larger than the configured limit.
    #[error("the upload exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The id is not 64 lowercase hex characters.
    #[error("invalid blob id '{0}': expected 64 lowercase hex characters (a SHA-256)")]
    InvalidId(String),
    /// A file system operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl From<BlobError> for rasch_core::Error {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::Io { context, source } => rasch_core::Error::io(context, source),
            other => rasch_core::Error::user(other),
        }
    }
}

fn io(context: impl std::fmt::Display, source: std::io::Error) -> BlobError {
    BlobError::Io { context: context.to_string(), source }
}

/// True when `id` is a well-formed blob id: exactly 64 lowercase hex characters.
pub fn valid_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Reduces a client-supplied file name to safe display text: the last path component, without
/// control characters, at most 255 characters. Never used to build a path.
pub fn sanitize_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    if clean.is_empty() || clean == "." || clean == ".." { "job".to_string() } else { clean }
}

/// One stored blob, as listed by [`BlobStore::list`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlobInfo {
    /// SHA-256 hex of the content.
    pub id: String,
    /// The original file name (display only).
    pub name: String,
    /// Upload time, milliseconds since the epoch.
    pub uploaded: u64,
    /// Size in bytes.
    pub size: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    name: String,
    uploaded: u64,
}

/// A directory of content-addressed blobs.
#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl BlobStore {
    /// Opens (creating if needed, mode 0700) the store in `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| io(format!("creating blob directory {}", dir.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&dir, fs::Permissions::from_mode(0o700));
        }
        Ok(BlobStore { dir })
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts writing a new blob; `name` is display text only. The blob becomes visible when
    /// [`BlobWriter::finish`] succeeds; dropping the writer discards it.
    pub fn writer(&self, name: &str, limit: u64) -> Result<BlobWriter<'_>, BlobError> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let temp = self.dir.join(format!(".upload-{}-{n}-{nanos}", std::process::id()));
        let file =
            fs::OpenOptions::new().write(true).create_new(true).open(&temp).map_err(|e| io(format!("creating {}", temp.display()), e))?;
        Ok(BlobWriter { store: self, temp, file: Some(file), hasher: Sha256::new(), size: 0, limit, name: sanitize_name(name) })
    }

    /// Stores everything `reader` yields, refusing more than `limit` bytes.
    pub fn put_stream(&self, name: &str, mut reader: impl Read, limit: u64) -> Result<BlobInfo, BlobError> {
        let mut w = self.writer(name, limit)?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(|e| io("reading the upload", e))?;
            if n == 0 {
                break;
            }
            w.write(&buf[..n])?;
        }
        w.finish()
    }

    /// Stores `bytes` (no size limit beyond memory).
    pub fn put_bytes(&self, name: &str, bytes: &[u8]) -> Result<BlobInfo, BlobError> {
        let mut w = self.writer(name, u64::MAX)?;
        w.write(bytes)?;
        w.finish()
    }

    /// The path of a stored blob; `None` for unknown or malformed ids.
    pub fn get(&self, id: &str) -> Option<PathBuf> {
        if !valid_id(id) {
            return None;
        }
        let path = self.dir.join(id);
        path.is_file().then_some(path)
    }

    /// True when the blob exists.
    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Information about one blob.
    pub fn info(&self, id: &str) -> Option<BlobInfo> {
        let path = self.get(id)?;
        let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let meta: Option<Meta> = fs::read(self.dir.join(format!("{id}.meta"))).ok().and_then(|b| serde_json::from_slice(&b).ok());
        let (name, uploaded) = match meta {
            Some(m) => (m.name, m.uploaded),
            None => (id.to_string(), 0),
        };
        Some(BlobInfo { id: id.to_string(), name, uploaded, size })
    }

    /// Deletes a blob; `Ok(false)` when it did not exist.
    pub fn delete(&self, id: &str) -> Result<bool, BlobError> {
        if !valid_id(id) {
            return Err(BlobError::InvalidId(id.chars().take(80).collect()));
        }
        let path = self.dir.join(id);
        match fs::remove_file(&path) {
            Ok(()) => {
                let _ = fs::remove_file(self.dir.join(format!("{id}.meta")));
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(format!("deleting {}", path.display()), e)),
        }
    }

    /// All stored blobs, newest upload first.
    pub fn list(&self) -> Result<Vec<BlobInfo>, BlobError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| io(format!("listing {}", self.dir.display()), e))?;
        let mut out: Vec<BlobInfo> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| valid_id(n))
            .filter_map(|n| self.info(&n))
            .collect();
        out.sort_by(|a, b| b.uploaded.cmp(&a.uploaded).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }
}

/// An upload in progress: hashes and size-checks while writing to a temporary file.
#[derive(Debug)]
pub struct BlobWriter<'a> {
    store: &'a BlobStore,
    temp: PathBuf,
    file: Option<File>,
    hasher: Sha256,
    size: u64,
    limit: u64,
    name: String,
}

impl BlobWriter<'_> {
    /// Appends a chunk; fails (and discards the upload on drop) past the size limit.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        self.size = self.size.saturating_add(chunk.len() as u64);
        if self.size > self.limit {
            return Err(BlobError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        match self.file.as_mut() {
            Some(f) => f.write_all(chunk).map_err(|e| io(format!("writing {}", self.temp.display()), e)),
            None => Err(io("writing a finished upload", std::io::Error::other("closed"))),
        }
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Completes the upload: fsyncs, marks executable, renames to the content hash.
    pub fn finish(mut self) -> Result<BlobInfo, BlobError> {
        let file = self.file.take().ok_or_else(|| io("finishing an upload", std::io::Error::other("closed")))?;
        file.sync_all().map_err(|e| io(format!("syncing {}", self.temp.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o755))
                .map_err(|e| io(format!("marking {} executable", self.temp.display()), e))?;
        }
        drop(file);
        let id: String = self.hasher.clone().finalize().iter().map(|b| format!("{b:02x}")).collect();
        let target = self.store.dir.join(&id);
        fs::rename(&self.temp, &target).map_err(|e| io(format!("storing {}", target.display()), e))?;
        let uploaded = crate::clock::now_ms().max(0) as u64;
        let meta = serde_json::to_vec(&Meta { name: self.name.clone(), uploaded }).unwrap_or_default();
        let meta_path = self.store.dir.join(format!("{id}.meta"));
        fs::write(&meta_path, meta).map_err(|e| io(format!("writing {}", meta_path.display()), e))?;
        Ok(BlobInfo { id, name: self.name.clone(), uploaded, size: self.size })
    }
}

impl Drop for BlobWriter<'_> {
    fn drop(&mut self) {
        if self.temp.exists() {
            self.file.take();
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// SHA-256 hex of a file's content (what `rasch run` uses as the jar id).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(tag: &str) -> BlobStore {
        let dir = std::env::temp_dir().join(format!("rasch-blob-test-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        BlobStore::open(dir).unwrap()
    }

    #[test]
    fn put_get_list_delete() {
        let s = temp_store("basic");
        let info = s.put_bytes("../../etc/passwd", b"hello").unwrap();
        assert_eq!(info.id, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(info.name, "passwd");
        let path = s.get(&info.id).unwrap();
        assert_eq!(path.parent().unwrap(), s.dir());
        assert_eq!(fs::read(&path).unwrap(), b"hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o111, 0o111);
        }
        assert_eq!(s.list().unwrap().len(), 1);
        assert!(s.delete(&info.id).unwrap());
        assert!(!s.delete(&info.id).unwrap());
        assert!(!s.contains(&info.id));
        assert!(s.list().unwrap().is_empty());
        let _ = fs::remove_dir_all(s.dir());
    }

    #[test]
    fn size_limit_is_enforced_while_streaming() {
        let s = temp_store("limit");
        let err = s.put_stream("big", &[0u8; 1000][..], 999).unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 999 }));
        assert_eq!(fs::read_dir(s.dir()).unwrap().count(), 0, "temp file left behind");
        assert!(s.put_stream("ok", &[0u8; 999][..], 999).is_ok());
        let _ = fs::remove_dir_all(s.dir());
    }

    #[test]
    fn traversal_ids_are_rejected() {
        let s = temp_store("traversal");
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "%2e%2e%2fetc%2fpasswd",
            "..",
            "",
            "a\0b",
            &"A".repeat(64),
            &format!("{}/", "a".repeat(63)),
            &"a".repeat(65),
        ] {
            assert!(!valid_id(bad), "{bad:?}");
            assert!(s.get(bad).is_none());
            assert!(s.delete(bad).is_err());
        }
        assert_eq!(sanitize_name("a\0b\n.jar"), "ab.jar");
        assert_eq!(sanitize_name("..\\..\\x"), "x");
        assert_eq!(sanitize_name(".."), "job");
        let _ = fs::remove_dir_all(s.dir());
    }
}
