//! The two Kafka protocol requests librdkafka cannot make for us: finishing a prepared
//! transaction of another (dead) producer instance from its transactional id, producer id and
//! epoch — `FindCoordinator` (v1) then `EndTxn` (v1). This is how Flink's `KafkaSink` commits
//! a transaction again after a restore (it "resumes" the producer); a plain TCP exchange with
//! length-prefixed frames, every response bounds-checked.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

const FIND_COORDINATOR: i16 = 10;
const END_TXN: i16 = 26;
const TIMEOUT: Duration = Duration::from_secs(30);
const MAX_RESPONSE: usize = 1 << 20;

/// How an `EndTxn` for a prepared transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndTxnOutcome {
    /// The broker committed (or aborted) it now, or had already.
    Done,
    /// The broker no longer knows it in that state (a newer epoch exists, or it was already
    /// completed and a new one started): there is nothing left to finish.
    AlreadyCompleted(i16),
}

/// A protocol error: the broker answered with an error code we cannot treat as done, or the
/// exchange failed.
#[derive(Debug)]
pub(crate) struct ProtocolError(pub(crate) String);

fn string(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as i16).to_be_bytes());
    buf.extend_from_slice(s.as_bytes());
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ProtocolError> {
        if self.0.len() < n {
            return Err(ProtocolError("truncated response".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn i16(&mut self) -> Result<i16, ProtocolError> {
        Ok(i16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }
    fn i32(&mut self) -> Result<i32, ProtocolError> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn string(&mut self) -> Result<Option<String>, ProtocolError> {
        let n = self.i16()?;
        if n < 0 {
            return Ok(None);
        }
        Ok(Some(String::from_utf8_lossy(self.take(n as usize)?).into_owned()))
    }
}

/// One request/response on a fresh connection; returns the response body (after the
/// correlation id).
fn call(addr: &str, api_key: i16, version: i16, body: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let err = |what: &str, e: std::io::Error| ProtocolError(format!("{what} {addr}: {e}"));
    let target =
        addr.to_socket_addrs().map_err(|e| err("resolving", e))?.next().ok_or_else(|| ProtocolError(format!("no address for {addr}")))?;
    let mut conn = TcpStream::connect_timeout(&target, TIMEOUT).map_err(|e| err("connecting to", e))?;
    conn.set_read_timeout(Some(TIMEOUT)).map_err(|e| err("configuring", e))?;
    let mut req = Vec::with_capacity(64 + body.len());
    req.extend_from_slice(&[0; 4]);
    req.extend_from_slice(&api_key.to_be_bytes());
    req.extend_from_slice(&version.to_be_bytes());
    req.extend_from_slice(&1i32.to_be_bytes());
    string(&mut req, "rasch-txn-committer");
    req.extend_from_slice(body);
    let len = (req.len() - 4) as i32;
    req[..4].copy_from_slice(&len.to_be_bytes());
    conn.write_all(&req).map_err(|e| err("writing to", e))?;
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).map_err(|e| err("reading from", e))?;
    let len = i32::from_be_bytes(len);
    if len < 4 || len as usize > MAX_RESPONSE {
        return Err(ProtocolError(format!("bad response length {len} from {addr}")));
    }
    let mut resp = vec![0u8; len as usize];
    conn.read_exact(&mut resp).map_err(|e| err("reading from", e))?;
    if i32::from_be_bytes(resp[..4].try_into().expect("4 bytes")) != 1 {
        return Err(ProtocolError(format!("response from {addr} does not match the request")));
    }
    resp.drain(..4);
    Ok(resp)
}

/// The address of the transaction coordinator of `transactional_id`, asked of `bootstrap`.
fn coordinator(bootstrap: &str, transactional_id: &str) -> Result<String, ProtocolError> {
    let mut body = Vec::new();
    string(&mut body, transactional_id);
    body.push(1); // key type: transaction
    let resp = call(bootstrap, FIND_COORDINATOR, 1, &body)?;
    let mut r = Reader(&resp);
    let _throttle = r.i32()?;
    let code = r.i16()?;
    let message = r.string()?;
    if code != 0 {
        return Err(ProtocolError(format!("FindCoordinator for '{transactional_id}': error {code} {}", message.unwrap_or_default())));
    }
    let _node = r.i32()?;
    let host = r.string()?.ok_or_else(|| ProtocolError("FindCoordinator: no host".into()))?;
    let port = r.i32()?;
    Ok(format!("{host}:{port}"))
}

/// Commits (`commit`) or aborts the prepared transaction of `transactional_id` that producer
/// `producer_id` at `epoch` left open. `bootstrap` is one `host:port` of the cluster.
pub(crate) fn end_transaction(
    bootstrap: &str,
    transactional_id: &str,
    producer_id: i64,
    epoch: i16,
    commit: bool,
) -> Result<EndTxnOutcome, ProtocolError> {
    let mut last = String::new();
    for attempt in 0..20 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(50 * attempt));
        }
        let coordinator = coordinator(bootstrap, transactional_id)?;
        let mut body = Vec::new();
        string(&mut body, transactional_id);
        body.extend_from_slice(&producer_id.to_be_bytes());
        body.extend_from_slice(&epoch.to_be_bytes());
        body.push(u8::from(commit));
        let resp = call(&coordinator, END_TXN, 1, &body)?;
        let mut r = Reader(&resp);
        let _throttle = r.i32()?;
        match r.i16()? {
            0 => return Ok(EndTxnOutcome::Done),
            // INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE, PRODUCER_FENCED: finished before.
            code @ (47 | 48 | 90) => return Ok(EndTxnOutcome::AlreadyCompleted(code)),
            // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, CONCURRENT_TRANSACTIONS: retry.
            code @ (14 | 15 | 16 | 51) => last = format!("error {code}"),
            code => return Err(ProtocolError(format!("EndTxn for '{transactional_id}': error {code}"))),
        }
    }
    Err(ProtocolError(format!("EndTxn for '{transactional_id}' kept failing: {last}")))
}
