//! The wire format: the handshake, length-prefixed frames, and the incremental frame reader
//! that tolerates read timeouts (so blocked threads can look at their cancel flag).
//!
//! ```text
//! handshake (58 bytes, producer → consumer):
//!   b"RSCH" | version: u16 | token: u64 | edge: u32 | producer: u32 | consumer: u32 | auth: [u8; 32]
//! frame (both directions):
//!   length: u32 (payload bytes, ≤ MAX_FRAME) | tag: u8 | payload
//! ```
//! All integers are big-endian. `auth` is HMAC-SHA256(secret, first 30 bytes) when a shared
//! secret is configured, otherwise all zeros.

use super::ChannelKey;
use crate::channel::Event;
use crate::checkpoint::{Barrier, SnapshotKind};
use rasch_core::{Data, Record, WatermarkStatus};
use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// Magic bytes opening every data connection.
pub const MAGIC: [u8; 4] = *b"RSCH";
/// Version of the wire protocol; a peer speaking another version is rejected.
pub const PROTOCOL_VERSION: u16 = 2;
/// Length of the handshake in bytes.
pub const HANDSHAKE_LEN: usize = 4 + 2 + 8 + 12 + 32;
/// Bytes of the handshake covered by the authentication code.
const SIGNED_LEN: usize = HANDSHAKE_LEN - 32;
/// Largest frame payload accepted (checked before any allocation).
pub const MAX_FRAME: usize = 64 << 20;
/// Bytes of a frame header: length (u32) and tag (u8).
pub const HEADER_LEN: usize = 5;

/// Frame tag: a postcard-serialized `Vec<Record<T>>`.
pub const TAG_RECORDS: u8 = 1;
/// Frame tag: a watermark (`i64`).
pub const TAG_WATERMARK: u8 = 2;
/// Frame tag: a watermark status (`u8`: 0 idle, 1 active).
pub const TAG_WATERMARK_STATUS: u8 = 3;
/// Frame tag: a checkpoint barrier (`u64` id, `u8` kind: 0 checkpoint, 1 savepoint).
pub const TAG_BARRIER: u8 = 4;
/// Frame tag: end of input (empty payload).
pub const TAG_END_OF_INPUT: u8 = 5;
/// Frame tag: a postcard-serialized `(Vec<Record<T>>, Vec<u16>)`: records and their key groups.
pub const TAG_KEYED_RECORDS: u8 = 6;
/// Reverse frame tag: credits (`u32`) granted by the consumer.
pub const TAG_CREDIT: u8 = 16;
/// Reverse frame tag: the consumer rejected the connection (UTF-8 reason).
pub const TAG_REJECT: u8 = 17;

/// The decoded handshake of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    /// Attempt token.
    pub token: u64,
    /// The logical channel.
    pub key: ChannelKey,
    /// Authentication code (zeros without a secret).
    pub auth: [u8; 32],
}

/// HMAC-SHA256 of `msg` under `key` (RFC 2104).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Compares two codes in time independent of where they differ.
fn same_code(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Handshake {
    /// Encodes the handshake, signing it with `secret` if given.
    pub fn encode(token: u64, key: ChannelKey, secret: Option<&str>) -> [u8; HANDSHAKE_LEN] {
        let mut out = [0u8; HANDSHAKE_LEN];
        out[0..4].copy_from_slice(&MAGIC);
        out[4..6].copy_from_slice(&PROTOCOL_VERSION.to_be_bytes());
        out[6..14].copy_from_slice(&token.to_be_bytes());
        out[14..18].copy_from_slice(&key.edge.to_be_bytes());
        out[18..22].copy_from_slice(&key.producer.to_be_bytes());
        out[22..26].copy_from_slice(&key.consumer.to_be_bytes());
        if let Some(secret) = secret {
            let code = hmac_sha256(secret.as_bytes(), &out[..SIGNED_LEN]);
            out[SIGNED_LEN..].copy_from_slice(&code);
        }
        out
    }

    /// Decodes and checks a handshake (magic, version, secret); the message says what is wrong.
    pub fn decode(bytes: &[u8; HANDSHAKE_LEN], secret: Option<&str>) -> Result<Handshake, String> {
        if bytes[0..4] != MAGIC {
            return Err(format!("bad magic {:02x?} (not a Rasch data connection)", &bytes[0..4]));
        }
        let version = u16::from_be_bytes([bytes[4], bytes[5]]);
        if version != PROTOCOL_VERSION {
            return Err(format!("unsupported protocol version {version} (this side speaks {PROTOCOL_VERSION})"));
        }
        let u32_at = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        let token = u64::from_be_bytes(bytes[6..14].try_into().expect("8 bytes"));
        let key = ChannelKey { edge: u32_at(14), producer: u32_at(18), consumer: u32_at(22) };
        let auth: [u8; 32] = bytes[SIGNED_LEN..].try_into().expect("32 bytes");
        match secret {
            Some(secret) => {
                if !same_code(&auth, &hmac_sha256(secret.as_bytes(), &bytes[..SIGNED_LEN])) {
                    return Err(format!("wrong or missing shared secret for channel {key}"));
                }
            }
            None => {
                if auth != [0u8; 32] {
                    return Err(format!("channel {key} was signed with a shared secret but this side has none configured"));
                }
            }
        }
        Ok(Handshake { token, key, auth })
    }
}

/// Appends the header of a frame with `payload_len` bytes.
fn put_header(buf: &mut Vec<u8>, tag: u8, payload_len: usize) {
    buf.extend_from_slice(&(payload_len as u32).to_be_bytes());
    buf.push(tag);
}

/// A postcard flavor appending to a `Vec`: short pieces (varints) byte by byte, which is
/// much cheaper than a `memcpy` call each.
struct Append<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Append<'_> {
    type Output = ();

    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        if data.len() <= 16 {
            for &b in data {
                self.0.push(b);
            }
        } else {
            self.0.extend_from_slice(data);
        }
        Ok(())
    }

    #[inline]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Appends a frame of `count` records serialized as `payload`; on failure `buf` is left as
/// it was.
fn put_records<P: serde::Serialize + ?Sized>(buf: &mut Vec<u8>, tag: u8, count: usize, payload: &P) -> Result<(), String> {
    let start = buf.len();
    put_header(buf, tag, 0);
    buf.reserve(count * 16);
    if let Err(e) = postcard::serialize_with_flavor::<_, _, ()>(payload, Append(buf)) {
        buf.truncate(start);
        return Err(format!("serializing a batch of {count} records failed: {e}"));
    }
    let len = buf.len() - start - HEADER_LEN;
    if len > MAX_FRAME {
        buf.truncate(start);
        return Err(format!("a batch of {count} records is {len} bytes, more than the frame limit of {MAX_FRAME}"));
    }
    buf[start..start + 4].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(())
}

/// Appends the frame of `event` to `buf`. Fails if the records do not serialize or the frame
/// would exceed [`MAX_FRAME`] (then `buf` is left as it was).
pub fn encode_event<T: Data>(event: &Event<T>, buf: &mut Vec<u8>) -> Result<(), String> {
    match event {
        Event::Records(records) => put_records(buf, TAG_RECORDS, records.len(), records)?,
        Event::KeyedRecords(records, groups) => put_records(buf, TAG_KEYED_RECORDS, records.len(), &(records, groups))?,
        Event::Watermark(w) => {
            put_header(buf, TAG_WATERMARK, 8);
            buf.extend_from_slice(&w.to_be_bytes());
        }
        Event::WatermarkStatus(s) => {
            put_header(buf, TAG_WATERMARK_STATUS, 1);
            buf.push(match s {
                WatermarkStatus::Idle => 0,
                WatermarkStatus::Active => 1,
            });
        }
        Event::Barrier(b) => {
            // id, kind, then the savepoint target (UTF-8, possibly empty) filling the rest.
            let target = b.target.as_deref().unwrap_or("").as_bytes();
            put_header(buf, TAG_BARRIER, 9 + target.len());
            buf.extend_from_slice(&b.id.to_be_bytes());
            buf.push(match b.kind {
                SnapshotKind::Checkpoint => 0,
                SnapshotKind::Savepoint => 1,
            });
            buf.extend_from_slice(target);
        }
        Event::EndOfInput => put_header(buf, TAG_END_OF_INPUT, 0),
    }
    Ok(())
}

/// Appends a credit frame granting `n` frames.
pub fn encode_credit(n: u32, buf: &mut Vec<u8>) {
    put_header(buf, TAG_CREDIT, 4);
    buf.extend_from_slice(&n.to_be_bytes());
}

/// Appends a reject frame carrying `reason`.
pub fn encode_reject(reason: &str, buf: &mut Vec<u8>) {
    let reason = &reason.as_bytes()[..reason.len().min(4096)];
    put_header(buf, TAG_REJECT, reason.len());
    buf.extend_from_slice(reason);
}

fn fixed<const N: usize>(tag: &str, payload: &[u8]) -> Result<[u8; N], String> {
    payload.try_into().map_err(|_| format!("{tag} frame has {} payload bytes, expected {N}", payload.len()))
}

/// Decodes the payload of a data frame.
pub fn decode_event<T: Data>(tag: u8, payload: &[u8]) -> Result<Event<T>, String> {
    Ok(match tag {
        TAG_RECORDS => {
            let (records, rest) = postcard::take_from_bytes::<Vec<Record<T>>>(payload)
                .map_err(|e| format!("undecodable records frame ({} bytes): {e}", payload.len()))?;
            if !rest.is_empty() {
                return Err(format!("records frame has {} trailing bytes", rest.len()));
            }
            Event::Records(records)
        }
        TAG_KEYED_RECORDS => {
            let ((records, groups), rest) = postcard::take_from_bytes::<(Vec<Record<T>>, Vec<u16>)>(payload)
                .map_err(|e| format!("undecodable keyed records frame ({} bytes): {e}", payload.len()))?;
            if !rest.is_empty() {
                return Err(format!("keyed records frame has {} trailing bytes", rest.len()));
            }
            if records.len() != groups.len() {
                return Err(format!("keyed records frame has {} records but {} key groups", records.len(), groups.len()));
            }
            Event::KeyedRecords(records, groups)
        }
        TAG_WATERMARK => Event::Watermark(i64::from_be_bytes(fixed::<8>("watermark", payload)?)),
        TAG_WATERMARK_STATUS => Event::WatermarkStatus(match fixed::<1>("watermark status", payload)?[0] {
            0 => WatermarkStatus::Idle,
            1 => WatermarkStatus::Active,
            other => return Err(format!("unknown watermark status {other}")),
        }),
        TAG_BARRIER => {
            if payload.len() < 9 {
                return Err(format!("barrier frame has {} payload bytes, expected at least 9", payload.len()));
            }
            let kind = match payload[8] {
                0 => SnapshotKind::Checkpoint,
                1 => SnapshotKind::Savepoint,
                other => return Err(format!("unknown barrier kind {other}")),
            };
            let target = std::str::from_utf8(&payload[9..]).map_err(|_| "barrier target is not UTF-8".to_string())?;
            let target = (!target.is_empty()).then(|| std::sync::Arc::from(target));
            Event::Barrier(Barrier { id: u64::from_be_bytes(payload[..8].try_into().expect("8 bytes")), kind, target })
        }
        TAG_END_OF_INPUT => {
            fixed::<0>("end-of-input", payload)?;
            Event::EndOfInput
        }
        other => return Err(format!("unknown data frame tag {other}")),
    })
}

/// What the consumer sent back to the producer.
#[derive(Debug, PartialEq, Eq)]
pub enum Reverse {
    /// More credits.
    Credit(u32),
    /// The connection was rejected.
    Reject(String),
}

/// Decodes a reverse (consumer → producer) frame.
pub fn decode_reverse(tag: u8, payload: &[u8]) -> Result<Reverse, String> {
    match tag {
        TAG_CREDIT => Ok(Reverse::Credit(u32::from_be_bytes(fixed::<4>("credit", payload)?))),
        TAG_REJECT => Ok(Reverse::Reject(String::from_utf8_lossy(payload).into_owned())),
        other => Err(format!("unknown reverse frame tag {other}")),
    }
}

/// Result of polling a [`FrameReader`].
#[derive(Debug)]
pub enum Polled {
    /// A complete frame: tag and the payload's range in [`FrameReader::payload`].
    Frame(u8, std::ops::Range<usize>),
    /// Nothing complete yet (the read timed out); poll again.
    Pending,
    /// The peer closed the connection; `partial` bytes of an incomplete frame were left.
    Eof {
        /// Bytes of an incomplete frame or handshake received before the close.
        partial: usize,
    },
}

/// Why polling failed.
#[derive(Debug)]
pub enum ReadFailure {
    /// A frame announced more than [`MAX_FRAME`] bytes.
    Oversize(usize),
    /// The socket failed.
    Io(io::Error),
}

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadFailure::Oversize(n) => write!(f, "frame of {n} bytes exceeds the limit of {MAX_FRAME} bytes"),
            ReadFailure::Io(e) => write!(f, "read failed: {e}"),
        }
    }
}

/// Reads frames from a socket whose read timeout is set: a timeout leaves the partial frame in
/// the buffer and returns [`Polled::Pending`], so no byte is lost. The buffer is reused.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// Bytes asked from the socket per read at least.
const READ_CHUNK: usize = 64 << 10;

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        FrameReader::default()
    }

    /// The bytes of a payload returned by [`FrameReader::poll`] (valid until the next poll).
    pub fn payload(&self, range: std::ops::Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Reads once into the buffer so that it can hold `need` bytes from `start`.
    fn read_more(&mut self, src: &mut impl Read, need: usize) -> Result<Option<usize>, io::Error> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // Grow towards `need` by doubling as bytes arrive, so that a header announcing a big
        // frame does not reserve its whole size up front.
        let want = need.min(self.end.max(READ_CHUNK) * 2).max(READ_CHUNK);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        loop {
            match src.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(Some(n));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits (up to one read timeout) until `n` bytes are buffered, then takes them.
    pub fn poll_exact(&mut self, src: &mut impl Read, out: &mut [u8]) -> Result<Polled, ReadFailure> {
        let n = out.len();
        while self.buffered() < n {
            match self.read_more(src, n).map_err(ReadFailure::Io)? {
                None => return Ok(Polled::Pending),
                Some(0) => return Ok(Polled::Eof { partial: self.buffered() }),
                Some(_) => {}
            }
        }
        out.copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Ok(Polled::Frame(0, 0..0))
    }

    /// Returns the next complete frame, [`Polled::Pending`] after a read timeout, or end of
    /// stream. The announced length is checked against [`MAX_FRAME`] before buffering.
    pub fn poll(&mut self, src: &mut impl Read) -> Result<Polled, ReadFailure> {
        if self.start == self.end && self.buf.len() > 16 * READ_CHUNK {
            // Release the room of an unusually large frame once it has been consumed.
            *self = FrameReader::new();
        }
        loop {
            if self.buffered() >= HEADER_LEN {
                let h = &self.buf[self.start..self.start + HEADER_LEN];
                let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
                let tag = h[4];
                if len > MAX_FRAME {
                    return Err(ReadFailure::Oversize(len));
                }
                if self.buffered() >= HEADER_LEN + len {
                    let payload = self.start + HEADER_LEN..self.start + HEADER_LEN + len;
                    self.start = payload.end;
                    return Ok(Polled::Frame(tag, payload));
                }
                match self.read_more(src, HEADER_LEN + len).map_err(ReadFailure::Io)? {
                    None => return Ok(Polled::Pending),
                    Some(0) => return Ok(Polled::Eof { partial: self.buffered() }),
                    Some(_) => {}
                }
            } else {
                match self.read_more(src, HEADER_LEN).map_err(ReadFailure::Io)? {
                    None => return Ok(Polled::Pending),
                    Some(0) => return Ok(Polled::Eof { partial: self.buffered() }),
                    Some(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(event: Event<(String, u64)>) -> Event<(String, u64)> {
        let mut buf = Vec::new();
        encode_event(&event, &mut buf).unwrap();
        let mut r = FrameReader::new();
        let mut src = &buf[..];
        match r.poll(&mut src).unwrap() {
            Polled::Frame(tag, range) => decode_event(tag, r.payload(range)).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn events_roundtrip() {
        let recs = vec![Record::new(("a".to_string(), 1)), Record::with_timestamp(("b".to_string(), 2), 7)];
        assert!(matches!(roundtrip(Event::Records(recs.clone())), Event::Records(r) if r == recs));
        let keyed = roundtrip(Event::KeyedRecords(recs.clone(), vec![3, 32767]));
        assert!(matches!(keyed, Event::KeyedRecords(r, g) if r == recs && g == vec![3, 32767]));
        let mut buf = Vec::new();
        encode_event(&Event::KeyedRecords(recs.clone(), vec![3, 4]), &mut buf).unwrap();
        // a frame whose key groups do not match its records is rejected, not trusted
        let bad = postcard::to_allocvec(&(&recs, vec![3u16])).unwrap();
        assert!(decode_event::<(String, u64)>(TAG_KEYED_RECORDS, &bad).unwrap_err().contains("2 records but 1 key groups"));
        assert!(matches!(roundtrip(Event::Watermark(-5)), Event::Watermark(-5)));
        assert!(matches!(roundtrip(Event::WatermarkStatus(WatermarkStatus::Idle)), Event::WatermarkStatus(WatermarkStatus::Idle)));
        let b = Barrier { id: 9, kind: SnapshotKind::Savepoint, target: Some("/tmp/savepoint-a1b2c3-0123456789ab".into()) };
        assert!(matches!(roundtrip(Event::Barrier(b.clone())), Event::Barrier(x) if x == b));
        let b = Barrier::checkpoint(10);
        assert!(matches!(roundtrip(Event::Barrier(b.clone())), Event::Barrier(x) if x == b));
        assert!(matches!(roundtrip(Event::EndOfInput), Event::EndOfInput));
    }

    #[test]
    fn handshake_checks_secret_and_version() {
        let key = ChannelKey { edge: 1, producer: 2, consumer: 3 };
        let h = Handshake::encode(42, key, Some("s3cret"));
        let d = Handshake::decode(&h, Some("s3cret")).unwrap();
        assert_eq!((d.token, d.key), (42, key));
        assert!(Handshake::decode(&h, Some("other")).unwrap_err().contains("secret"));
        assert!(Handshake::decode(&h, None).unwrap_err().contains("secret"));
        let plain = Handshake::encode(42, key, None);
        assert!(Handshake::decode(&plain, Some("s3cret")).unwrap_err().contains("secret"));
        let mut v = plain;
        v[5] = 99;
        assert!(Handshake::decode(&v, None).unwrap_err().contains("version"));
        let mut m = plain;
        m[0] = b'X';
        assert!(Handshake::decode(&m, None).unwrap_err().contains("magic"));
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let code = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = code.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn oversize_and_garbage_are_errors_not_panics() {
        let mut r = FrameReader::new();
        let mut src: &[u8] = &[0xff, 0xff, 0xff, 0xff, 1];
        assert!(matches!(r.poll(&mut src), Err(ReadFailure::Oversize(_))));
        assert!(decode_event::<u64>(99, &[]).is_err());
        assert!(decode_event::<u64>(TAG_RECORDS, &[0xff, 0xff, 0xff]).is_err());
        assert!(decode_event::<String>(TAG_RECORDS, &[1, 200, 1]).is_err());
        assert!(decode_event::<u64>(TAG_WATERMARK, &[1, 2]).is_err());
        assert!(decode_reverse(TAG_CREDIT, &[1]).is_err());
    }

    #[test]
    fn split_frames_are_reassembled() {
        let mut buf = Vec::new();
        encode_event::<u64>(&Event::Watermark(3), &mut buf).unwrap();
        encode_credit(7, &mut buf);
        // A reader that yields one byte per call, with a "timeout" in between.
        struct Trickle<'a>(&'a [u8], bool);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                self.1 = !self.1;
                if self.1 {
                    return Err(io::Error::new(io::ErrorKind::WouldBlock, "later"));
                }
                if self.0.is_empty() {
                    return Ok(0);
                }
                out[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let mut src = Trickle(&buf, false);
        let mut r = FrameReader::new();
        let mut got = Vec::new();
        loop {
            match r.poll(&mut src).unwrap() {
                Polled::Frame(tag, range) => got.push((tag, r.payload(range).to_vec())),
                Polled::Pending => {}
                Polled::Eof { partial } => {
                    assert_eq!(partial, 0);
                    break;
                }
            }
        }
        assert_eq!(got, vec![(TAG_WATERMARK, 3i64.to_be_bytes().to_vec()), (TAG_CREDIT, 7u32.to_be_bytes().to_vec())]);
    }
}
