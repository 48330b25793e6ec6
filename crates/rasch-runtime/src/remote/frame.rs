//! Length-prefixed control frames: a big-endian `u32` length, then a postcard-encoded message.
//! The length is checked against a limit before anything is allocated, so a peer cannot make
//! a process allocate by announcing a huge frame.

use rasch_core::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{Read, Write};

/// Largest control frame accepted (checkpoint acknowledgements carry operator state).
pub const MAX_FRAME: usize = 1 << 30;

/// Writes `msg` as one frame and flushes.
pub fn write_message<W: Write, M: Serialize>(w: &mut W, msg: &M) -> Result<()> {
    let bytes = postcard::to_stdvec(msg).map_err(|e| Error::Internal(format!("encoding a control message: {e}")))?;
    if bytes.len() > MAX_FRAME {
        return Err(Error::Internal(format!("a control message of {} bytes exceeds the {MAX_FRAME}-byte frame limit", bytes.len())));
    }
    w.write_all(&(bytes.len() as u32).to_be_bytes()).map_err(|e| Error::io("sending a control frame", e))?;
    w.write_all(&bytes).map_err(|e| Error::io("sending a control frame", e))?;
    w.flush().map_err(|e| Error::io("sending a control frame", e))
}

/// Reads one frame of at most `limit` bytes and decodes it. `Ok(None)` on a clean end of
/// stream before the first byte of a frame.
pub fn read_message<R: Read, M: DeserializeOwned>(r: &mut R, limit: usize) -> Result<Option<M>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(Error::Internal("the connection closed in the middle of a frame header".into())),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading a control frame", e)),
        }
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > limit {
        return Err(Error::Internal(format!("a peer announced a {len}-byte frame; the limit is {limit} bytes")));
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf).map_err(|e| Error::io(format!("reading a {len}-byte control frame"), e))?;
    postcard::from_bytes(&buf).map(Some).map_err(|e| Error::Internal(format!("a malformed {len}-byte control frame: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let mut buf = Vec::new();
        write_message(&mut buf, &("hello".to_string(), 7u64)).unwrap();
        let m: Option<(String, u64)> = read_message(&mut buf.as_slice(), 1024).unwrap();
        assert_eq!(m, Some(("hello".to_string(), 7)));
        // Oversized announcement is refused before allocating.
        let huge = [0xffu8, 0xff, 0xff, 0xff];
        let e = read_message::<_, String>(&mut huge.as_slice(), 1024).unwrap_err();
        assert!(e.to_string().contains("limit"), "{e}");
        // Truncated header and undecodable payload are errors, not panics.
        assert!(read_message::<_, String>(&mut [0u8, 0].as_slice(), 1024).is_err());
        let bad = [0u8, 0, 0, 2, 0xff, 0xff];
        assert!(read_message::<_, (String, u64)>(&mut bad.as_slice(), 1024).is_err());
        // Clean end of stream.
        assert!(read_message::<_, String>(&mut [].as_slice(), 1024).unwrap().is_none());
    }
}
