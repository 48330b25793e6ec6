//! The on-disk envelope of every state and `_metadata` file: magic, version, length, CRC32.
//!
//! Layout (all integers little-endian), 24 header bytes followed by the payload:
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | magic: `RASCHST\0` (state file) or `RASCHMD\0` (`_metadata`) |
//! | 8..12 | format version, `u32` (currently 1) |
//! | 12..20 | payload length, `u64` |
//! | 20..24 | CRC32 (IEEE, `crc32fast`) of the payload, `u32` |
//! | 24.. | payload |
//!
//! Decoding checks every field and reports what is wrong, naming the file.

use rasch_core::{Error, Result};

/// Current (and only) format version written and read by this build.
pub const FORMAT_VERSION: u32 = 1;
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 24;

/// Which kind of file an envelope holds; decides the magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A task's state file.
    State,
    /// A checkpoint's or savepoint's `_metadata`.
    Metadata,
}

impl FileKind {
    /// The 8 magic bytes that start a file of this kind.
    pub fn magic(self) -> &'static [u8; 8] {
        match self {
            FileKind::State => b"RASCHST\0",
            FileKind::Metadata => b"RASCHMD\0",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            FileKind::State => "state file",
            FileKind::Metadata => "_metadata file",
        }
    }
}

/// The checksum a file of `payload` carries (CRC32, IEEE).
pub fn checksum(payload: &[u8]) -> u32 {
    crc32fast::hash(payload)
}

/// Wraps `payload` in a header of the given kind.
pub fn encode(kind: FileKind, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(kind.magic());
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Verifies the header of `file` (read from `location`) and returns the payload.
///
/// Errors are [`Error::MalformedInput`] whose location is the file and whose message says what
/// is wrong: wrong magic, unsupported version, truncation, trailing bytes or a checksum mismatch.
pub fn decode(kind: FileKind, location: &str, file: &[u8]) -> Result<Vec<u8>> {
    let bad = |message: String| Error::MalformedInput { location: location.to_string(), message };
    if file.len() < HEADER_LEN {
        return Err(bad(format!("truncated {}: {} bytes, shorter than the {HEADER_LEN}-byte header", kind.describe(), file.len())));
    }
    let magic = &file[0..8];
    if magic != kind.magic() {
        let other = [FileKind::State, FileKind::Metadata].into_iter().find(|k| magic == k.magic());
        return Err(bad(match other {
            Some(other) => format!("expected a {} but found a {}", kind.describe(), other.describe()),
            None => format!("not a Rasch {} (magic {:?}, expected {:?})", kind.describe(), escape(magic), escape(kind.magic())),
        }));
    }
    let version = u32::from_le_bytes(file[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "{} format version {version} is not supported (this build reads version {FORMAT_VERSION})",
            kind.describe()
        )));
    }
    let len = u64::from_le_bytes(file[12..20].try_into().expect("8 bytes"));
    let expected_crc = u32::from_le_bytes(file[20..24].try_into().expect("4 bytes"));
    let actual_len = (file.len() - HEADER_LEN) as u64;
    if actual_len < len {
        return Err(bad(format!("truncated {}: header announces {len} payload bytes, file has {actual_len}", kind.describe())));
    }
    if actual_len > len {
        return Err(bad(format!("{} has {} trailing bytes after its {len}-byte payload", kind.describe(), actual_len - len)));
    }
    let payload = &file[HEADER_LEN..];
    let actual_crc = crc32fast::hash(payload);
    if actual_crc != expected_crc {
        return Err(bad(format!(
            "checksum mismatch in {}: header has CRC32 {expected_crc:#010x}, payload has {actual_crc:#010x}",
            kind.describe()
        )));
    }
    Ok(payload.to_vec())
}

fn escape(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn round_trip_and_empty_payload() {
        for payload in [&b""[..], b"hello state"] {
            let file = encode(FileKind::State, payload);
            assert_eq!(file.len(), HEADER_LEN + payload.len());
            assert_eq!(decode(FileKind::State, "f", &file).unwrap(), payload);
        }
    }

    #[test]
    fn every_corruption_is_named() {
        let good = encode(FileKind::Metadata, b"0123456789");
        let mut flipped = good.clone();
        flipped[HEADER_LEN + 3] ^= 0x01;
        let e = message(decode(FileKind::Metadata, "/x/_metadata", &flipped).unwrap_err());
        assert!(e.contains("/x/_metadata") && e.contains("checksum mismatch"), "{e}");

        let e = message(decode(FileKind::Metadata, "m", &good[..good.len() - 1]).unwrap_err());
        assert!(e.contains("truncated") && e.contains("announces 10"), "{e}");
        let e = message(decode(FileKind::Metadata, "m", &good[..5]).unwrap_err());
        assert!(e.contains("truncated") && e.contains("5 bytes"), "{e}");

        let mut longer = good.clone();
        longer.push(0);
        assert!(message(decode(FileKind::Metadata, "m", &longer).unwrap_err()).contains("1 trailing bytes"));

        let e = message(decode(FileKind::State, "m", &good).unwrap_err());
        assert!(e.contains("expected a state file but found a _metadata file"), "{e}");
        let e = message(decode(FileKind::State, "m", b"PK\x03\x04 definitely not ours, long enough").unwrap_err());
        assert!(e.contains("not a Rasch state file"), "{e}");

        let mut v2 = good.clone();
        v2[8] = 2;
        assert!(message(decode(FileKind::Metadata, "m", &v2).unwrap_err()).contains("version 2 is not supported"));
    }
}
