//! Part file names, committables, and the file operations of the commit protocol.

use rasch_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::hash::{BuildHasher, Hasher};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The state of a part file, as told by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PartKind {
    /// `.part-<s>-<c>.inprogress.<random>`
    InProgress,
    /// `.part-<s>-<c>.pending`
    Pending,
    /// `part-<s>-<c>`
    Finished,
}

/// A part file name, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PartName {
    pub kind: PartKind,
    pub subtask: usize,
    pub counter: u64,
}

/// The name of an in-progress part file; `suffix` is the format's (`".csv.gz"`, or empty).
pub(super) fn in_progress_name(subtask: usize, counter: u64, suffix: &str) -> String {
    format!(".part-{subtask}-{counter}{suffix}.inprogress.{}", random_id())
}

/// The name of a pending part file.
pub(super) fn pending_name(subtask: usize, counter: u64, suffix: &str) -> String {
    format!(".part-{subtask}-{counter}{suffix}.pending")
}

/// The name of a committed (visible) part file.
pub(super) fn final_name(subtask: usize, counter: u64, suffix: &str) -> String {
    format!("part-{subtask}-{counter}{suffix}")
}

/// Parses a part file name; `None` for any other file.
pub(super) fn parse_name(name: &str) -> Option<PartName> {
    let (kind, rest) = match name.strip_prefix(".part-") {
        Some(hidden) => match hidden.split_once(".inprogress.") {
            Some((rest, random)) if !random.is_empty() => (PartKind::InProgress, rest),
            Some(_) => return None,
            None => (PartKind::Pending, hidden.strip_suffix(".pending")?),
        },
        None => (PartKind::Finished, name.strip_prefix("part-")?),
    };
    // A format's suffix starts with '.': `part-<s>-<c>.csv.gz`.
    let rest = match rest.split_once('.') {
        Some((numbers, suffix)) if !suffix.is_empty() => numbers,
        Some(_) => return None,
        None => rest,
    };
    let (subtask, counter) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(subtask) || !digits(counter) {
        return None;
    }
    Some(PartName { kind, subtask: subtask.parse().ok()?, counter: counter.parse().ok()? })
}

/// A random id shaped like a UUID (128 random bits from the standard library's hasher keys,
/// the time and a process-wide counter).
fn random_id() -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bits = [0u64; 2];
    for (i, b) in bits.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        h.write_u32(std::process::id());
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        h.write_usize(i);
        *b = h.finish();
    }
    let [a, b] = bits;
    format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48, b & 0xffff_ffff_ffff)
}

/// One pending part file to commit: what `prepare_commit` returns, serialized with postcard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct PartCommittable {
    /// The pending (hidden) file.
    pub pending: PathBuf,
    /// The name it gets when committed.
    pub final_path: PathBuf,
}

impl PartCommittable {
    pub fn encode(&self) -> Result<Vec<u8>> {
        postcard::to_stdvec(self).map_err(|e| {
            Error::Serialization(format!("file sink: cannot serialize the committable of part file '{}': {e}", self.pending.display()))
        })
    }

    pub fn decode_all(committables: &[Vec<u8>]) -> Result<Vec<PartCommittable>> {
        committables
            .iter()
            .enumerate()
            .map(|(i, bytes)| {
                postcard::from_bytes(bytes)
                    .map_err(|e| Error::Serialization(format!("file sink: committable {i} ({} bytes) cannot be read: {e}", bytes.len())))
            })
            .collect()
    }

    /// Renames the pending file to its final name; done already if only the final exists.
    pub fn commit(&self) -> Result<()> {
        match std::fs::rename(&self.pending, &self.final_path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if std::fs::symlink_metadata(&self.final_path).is_ok() {
                    return Ok(()); // committed before (e.g. by the attempt that failed)
                }
                Err(Error::io(
                    format!(
                        "file sink cannot commit pending part file '{}': it does not exist, and neither does the final file '{}'",
                        self.pending.display(),
                        self.final_path.display()
                    ),
                    e,
                ))
            }
            Err(e) => Err(Error::io(
                format!("file sink cannot commit pending part file '{}' as '{}'", self.pending.display(), self.final_path.display()),
                e,
            )),
        }
    }
}

/// The part files of `subtask` in `dir` and its bucket subdirectories, with their parsed names.
pub(super) fn list_parts(dir: &Path, subtask: usize) -> Result<Vec<(PathBuf, PartName)>> {
    let mut parts = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let cannot_list = |e| Error::io(format!("file sink cannot list directory '{}'", dir.display()), e);
        for entry in std::fs::read_dir(&dir).map_err(cannot_list)? {
            let entry = entry.map_err(cannot_list)?;
            let name = entry.file_name();
            if entry.file_type().map_err(cannot_list)?.is_dir() {
                if !matches!(name.as_encoded_bytes().first(), Some(b'.' | b'_')) {
                    dirs.push(entry.path());
                }
            } else if let Some(part) = name.to_str().and_then(parse_name).filter(|p| p.subtask == subtask) {
                parts.push((entry.path(), part));
            }
        }
    }
    Ok(parts)
}

/// The counter after the highest part counter `subtask` has in `dir` (0 if none).
pub(super) fn next_counter(dir: &Path, subtask: usize) -> Result<u64> {
    Ok(list_parts(dir, subtask)?.iter().map(|(_, p)| p.counter.saturating_add(1)).max().unwrap_or(0))
}

/// Removes a leftover part file; one already gone is fine.
pub(super) fn remove_leftover(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("file sink cannot remove leftover part file '{}'", path.display()), e)),
    }
}

/// Makes renames in `dir` durable, as far as the platform allows (best effort).
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_other_files_are_ignored() {
        let parse = |s: &str| parse_name(s).map(|p| (p.kind, p.subtask, p.counter));
        assert_eq!(parse(&final_name(3, 17, "")), Some((PartKind::Finished, 3, 17)));
        assert_eq!(parse(&final_name(3, 17, ".csv.gz")), Some((PartKind::Finished, 3, 17)));
        assert_eq!(parse(&pending_name(0, 2, "")), Some((PartKind::Pending, 0, 2)));
        assert_eq!(parse(&pending_name(0, 2, ".parquet")), Some((PartKind::Pending, 0, 2)));
        assert_eq!(parse(&in_progress_name(4, 5, ".jsonl")), Some((PartKind::InProgress, 4, 5)));
        let ip = in_progress_name(12, 0, "");
        assert!(ip.starts_with(".part-12-0.inprogress.") && ip.len() > ".part-12-0.inprogress.".len() + 30, "{ip}");
        assert_eq!(parse(&ip), Some((PartKind::InProgress, 12, 0)));
        assert_ne!(in_progress_name(1, 1, ""), in_progress_name(1, 1, ""), "random suffixes differ");
        for other in [
            "part-1",
            "part-1-2.",
            "part-a-1",
            "part--1",
            "part-1-",
            "part-1-2x",
            ".part-1-2",
            ".part-1-2.inprogress.",
            "x-part-1-2",
            "_SUCCESS",
        ] {
            assert_eq!(parse(other), None, "{other}");
        }
        assert_eq!(parse("part-1-99999999999999999999999"), None, "counter overflow");
    }
}
