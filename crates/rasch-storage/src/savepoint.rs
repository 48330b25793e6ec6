//! Savepoints: self-contained, relocatable directories `savepoint-<job6>-<hex12>/` whose state
//! handles are relative to the savepoint directory.

use crate::format::{self, FileKind};
use crate::store::Store;
use crate::{METADATA_FILE, StateHandle, StateSource, StateStore, StorageOptions, check_name, is_absolute, read_absolute, verify_state};
use rasch_core::{Error, Result};

/// Entry points for savepoints (`rasch savepoint`, `rasch run -s`, `rasch savepoint -d`).
pub struct SavepointStorage;

impl SavepointStorage {
    /// Creates `<target_dir>/savepoint-<first 6 chars of job id>-<12 random hex>/` (like Flink) and
    /// returns a writer rooted there plus the savepoint's path.
    pub fn create(target_dir: &str, job_id: &str) -> Result<(SavepointWriter, String)> {
        Self::create_with(target_dir, job_id, &StorageOptions::new())
    }

    /// Like [`create`](Self::create) with explicit object store options.
    pub fn create_with(target_dir: &str, job_id: &str, options: &StorageOptions) -> Result<(SavepointWriter, String)> {
        check_name("job id", job_id).map_err(|_| Error::Config(format!("job id '{job_id}' cannot name a savepoint directory")))?;
        let store = Store::open(target_dir, options, true)?;
        let short: String = job_id.chars().take(6).collect();
        let dir = format!("savepoint-{short}-{}", random_hex12());
        let path = store.location(&dir);
        Ok((SavepointWriter { store, dir }, path))
    }

    /// A writer into the savepoint directory `path` that [`create`](Self::create) made (possibly
    /// in another process): how each task writes its own state file into a savepoint.
    pub fn writer_at(path: &str, options: &StorageOptions) -> Result<SavepointWriter> {
        let (parent, dir) = Store::open_parent(path, options)?;
        Ok(SavepointWriter { store: parent, dir })
    }

    /// Reads and verifies a state file of a savepoint at `path` (relative handle) or anywhere
    /// (absolute handle), without reading its `_metadata`: how a restoring task reads its state.
    pub fn read_state_at(path: &str, handle: &StateHandle, options: &StorageOptions) -> Result<Vec<u8>> {
        if is_absolute(&handle.location) {
            let (parent, name) = Store::open_parent(&handle.location, options)?;
            let file = parent.get(&name)?;
            return verify_state(&parent.location(&name), &file, handle);
        }
        let store = Store::open(savepoint_dir(path), options, false)?;
        read_relative(&store, "", handle)
    }

    /// Opens the savepoint at `path` (its directory or its `_metadata` file) and verifies its
    /// `_metadata`. The savepoint may have been moved or copied since it was written.
    pub fn open(path: &str) -> Result<SavepointReader> {
        Self::open_with(path, &StorageOptions::new())
    }

    /// Like [`open`](Self::open) with explicit object store options.
    pub fn open_with(path: &str, options: &StorageOptions) -> Result<SavepointReader> {
        let dir = savepoint_dir(path);
        let store = Store::open(dir, options, false).map_err(|e| not_a_savepoint(path, e))?;
        let file = store.get(METADATA_FILE).map_err(|e| not_a_savepoint(path, e))?;
        let metadata = format::decode(FileKind::Metadata, &store.location(METADATA_FILE), &file)?;
        Ok(SavepointReader { store, options: options.clone(), metadata })
    }

    /// Deletes the savepoint at `path` (directory or `_metadata` file), `_metadata` first. Refuses,
    /// naming the path, anything without a `_metadata` file. A corrupt savepoint can be disposed.
    pub fn dispose(path: &str) -> Result<()> {
        Self::dispose_with(path, &StorageOptions::new())
    }

    /// Like [`dispose`](Self::dispose) with explicit object store options.
    pub fn dispose_with(path: &str, options: &StorageOptions) -> Result<()> {
        let dir = savepoint_dir(path);
        let refuse =
            || Error::User(format!("refusing to dispose '{path}': {dir}/{METADATA_FILE} does not exist, so it is not a savepoint"));
        let (parent, name) = Store::open_parent(dir, options).map_err(|_| refuse())?;
        let metadata = format!("{name}/{METADATA_FILE}");
        if !parent.exists(&metadata)? {
            return Err(refuse());
        }
        parent.delete_all(&name, Some(&metadata)).map(drop)
    }
}

/// `path` without a trailing `/` or `/_metadata`.
fn savepoint_dir(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.strip_suffix(METADATA_FILE).map(|d| d.trim_end_matches('/')).filter(|d| !d.is_empty()).unwrap_or(trimmed)
}

fn not_a_savepoint(path: &str, e: Error) -> Error {
    match e {
        Error::Io { source, context } if source.kind() == std::io::ErrorKind::NotFound => {
            Error::Io { context: format!("no savepoint at '{path}' ({context})"), source }
        }
        other => other,
    }
}

fn random_hex12() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// Reads a relative handle (a path inside the savepoint) from `store` at `dir`.
fn read_relative(store: &Store, dir: &str, handle: &StateHandle) -> Result<Vec<u8>> {
    let location = store.location(&join(dir, &handle.location));
    for segment in handle.location.split('/') {
        check_name("savepoint state path segment", segment).map_err(|_| Error::MalformedInput {
            location: location.clone(),
            message: "state handle escapes the savepoint directory".into(),
        })?;
    }
    let file = store.get(&join(dir, &handle.location))?;
    verify_state(&location, &file, handle)
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() { rel.to_string() } else { format!("{dir}/{rel}") }
}

/// Writes one savepoint; handles it returns are relative to the savepoint directory.
#[derive(Clone, Debug)]
pub struct SavepointWriter {
    store: Store,
    dir: String,
}

impl SavepointWriter {
    /// The savepoint directory.
    pub fn path(&self) -> String {
        self.store.location(&self.dir)
    }

    /// Writes state file `name` into the savepoint; the handle's location is just `name`.
    pub fn write_state(&self, name: &str, bytes: &[u8]) -> Result<StateHandle> {
        check_name("state file name", name)?;
        let file = format::encode(FileKind::State, bytes);
        let size = file.len() as u64;
        self.store.put(&join(&self.dir, name), file)?;
        Ok(StateHandle { location: name.to_string(), size })
    }

    /// Writes `_metadata` last and atomically, completing the savepoint; returns its path.
    pub fn write_metadata(&self, bytes: &[u8]) -> Result<String> {
        self.store.put(&join(&self.dir, METADATA_FILE), format::encode(FileKind::Metadata, bytes))?;
        Ok(self.path())
    }

    /// Reads back a state file of this savepoint.
    pub fn read_state(&self, handle: &StateHandle) -> Result<Vec<u8>> {
        if is_absolute(&handle.location) {
            return Err(Error::Internal(format!("savepoint handle '{}' must be relative", handle.location)));
        }
        read_relative(&self.store, &self.dir, handle)
    }
}

impl StateSource for SavepointWriter {
    fn read_state(&self, handle: &StateHandle) -> Result<Vec<u8>> {
        SavepointWriter::read_state(self, handle)
    }
}

impl StateStore for SavepointWriter {
    /// `checkpoint_id` is not part of a savepoint's layout (it belongs in the caller's metadata).
    fn write_state(&self, _checkpoint_id: u64, name: &str, bytes: &[u8]) -> Result<StateHandle> {
        SavepointWriter::write_state(self, name, bytes)
    }

    fn write_metadata(&self, _checkpoint_id: u64, bytes: &[u8]) -> Result<String> {
        SavepointWriter::write_metadata(self, bytes)
    }
}

/// An opened savepoint whose `_metadata` verified.
#[derive(Clone, Debug)]
pub struct SavepointReader {
    store: Store,
    options: StorageOptions,
    metadata: Vec<u8>,
}

impl SavepointReader {
    /// The savepoint directory as opened (where it is now, not where it was written).
    pub fn path(&self) -> &str {
        self.store.base()
    }

    /// The verified `_metadata` payload.
    pub fn metadata(&self) -> &[u8] {
        &self.metadata
    }

    /// Reads and verifies a state file: relative handles resolve against the savepoint directory;
    /// absolute ones (a savepoint referring to files elsewhere) are read from where they point.
    pub fn read_state(&self, handle: &StateHandle) -> Result<Vec<u8>> {
        if is_absolute(&handle.location) {
            let (location, file) = read_absolute(&self.store, &self.options, &handle.location)?;
            return verify_state(&location, &file, handle);
        }
        read_relative(&self.store, "", handle)
    }
}

impl StateSource for SavepointReader {
    fn read_state(&self, handle: &StateHandle) -> Result<Vec<u8>> {
        SavepointReader::read_state(self, handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }

    #[test]
    fn a_copied_savepoint_reads_all_state_where_it_lands() {
        let tmp = TempDir::new("sp-copy");
        let target = tmp.path().join("savepoints");
        let (writer, path) = SavepointStorage::create(target.to_str().unwrap(), "a1b2c3d4e5f6").unwrap();
        let name = path.rsplit('/').next().unwrap();
        assert!(name.starts_with("savepoint-a1b2c3-") && name.len() == "savepoint-a1b2c3-".len() + 12, "{name}");
        let store: &dyn StateStore = &writer;
        let handles: Vec<StateHandle> =
            (0..3).map(|i| store.write_state(9, &format!("op-{i}"), format!("state {i}").as_bytes()).unwrap()).collect();
        assert_eq!(handles[0].location, "op-0");
        assert_eq!(writer.read_state(&handles[1]).unwrap(), b"state 1");
        let metadata = serde_json::to_vec(&handles).unwrap();
        assert_eq!(store.write_metadata(9, &metadata).unwrap(), path);

        let moved = tmp.path().join("elsewhere/my-savepoint");
        copy_dir(std::path::Path::new(&path), &moved);
        std::fs::remove_dir_all(&path).unwrap();
        for open in [moved.to_str().unwrap().to_string(), format!("{}/_metadata", moved.display()), format!("file://{}/", moved.display())]
        {
            let reader = SavepointStorage::open(&open).unwrap();
            assert_eq!(reader.path().trim_start_matches("file://"), moved.to_str().unwrap());
            let handles: Vec<StateHandle> = serde_json::from_slice(reader.metadata()).unwrap();
            let source: &dyn StateSource = &reader;
            for (i, h) in handles.iter().enumerate() {
                assert_eq!(source.read_state(h).unwrap(), format!("state {i}").as_bytes());
            }
        }
        let reader = SavepointStorage::open(moved.to_str().unwrap()).unwrap();
        let e = reader.read_state(&StateHandle { location: "../../x".into(), size: 1 }).unwrap_err();
        assert!(e.to_string().contains("escapes the savepoint directory"), "{e}");

        SavepointStorage::dispose(moved.to_str().unwrap()).unwrap();
        assert!(!moved.exists());
        assert!(tmp.path().join("elsewhere").exists(), "only the savepoint itself is deleted");
    }

    #[test]
    fn open_verifies_metadata_and_dispose_refuses_non_savepoints() {
        let tmp = TempDir::new("sp-refuse");
        let plain = tmp.path().join("not-a-savepoint");
        std::fs::create_dir_all(&plain).unwrap();
        std::fs::write(plain.join("important.txt"), b"keep me").unwrap();
        let e = SavepointStorage::dispose(plain.to_str().unwrap()).unwrap_err().to_string();
        assert!(e.contains("refusing to dispose") && e.contains("not-a-savepoint"), "{e}");
        assert!(plain.join("important.txt").exists());
        let e = SavepointStorage::dispose(tmp.path().join("missing").to_str().unwrap()).unwrap_err().to_string();
        assert!(e.contains("refusing to dispose") && e.contains("missing"), "{e}");

        let e = SavepointStorage::open(plain.to_str().unwrap()).unwrap_err().to_string();
        assert!(e.contains("no savepoint at") && e.contains("not-a-savepoint"), "{e}");

        let (writer, path) = SavepointStorage::create(tmp.path_str(), "job").unwrap();
        writer.write_metadata(b"meta").unwrap();
        let md = format!("{path}/_metadata");
        let mut bytes = std::fs::read(&md).unwrap();
        bytes[25] ^= 0x40;
        std::fs::write(&md, bytes).unwrap();
        let e = SavepointStorage::open(&path).unwrap_err().to_string();
        assert!(e.contains(&md) && e.contains("checksum mismatch"), "{e}");
        SavepointStorage::dispose(&md).unwrap();
        assert!(!std::path::Path::new(&path).exists());
    }

    #[test]
    fn savepoint_dir_strips_metadata() {
        assert_eq!(savepoint_dir("/a/sp/_metadata"), "/a/sp");
        assert_eq!(savepoint_dir("/a/sp/"), "/a/sp");
        assert_eq!(savepoint_dir("s3://b/p/sp/_metadata"), "s3://b/p/sp");
    }
}
