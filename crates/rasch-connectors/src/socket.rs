//! `SocketTextSource`: reads delimited text records from a TCP socket (Flink's
//! `socketTextStream` / `SocketTextStreamFunction`).
//!
//! **Not replayable.** A checkpoint records only the address (the split is returned
//! unchanged by `snapshot_state`); on recovery the restored reader reconnects, and whatever
//! the server sent in the meantime — or had sent after the checkpoint and before the failure —
//! is lost or not re-read. A job reading a socket is therefore at-most-once for that input,
//! whatever its sinks guarantee, exactly like Flink's socket source.

use memchr::memmem::Finder;
use rasch_core::{Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
use serde::{Deserialize, Serialize};
use std::io::{ErrorKind, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Pause between connection attempts (Flink's `DEFAULT_CONNECTION_RETRY_SLEEP`).
const RETRY_DELAY: Duration = Duration::from_millis(500);
/// How long one connection attempt (per resolved address) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The longest a poll waits for data or for the next attempt.
const MAX_WAIT: Duration = Duration::from_millis(50);
/// Initial size of the receive buffer; it grows for records that do not fit.
const BUFFER_SIZE: usize = 64 << 10;

/// An unbounded, non-parallel source of the text records sent to a TCP server socket.
///
/// Records are separated by `delimiter` (default `"\n"`; with `"\n"` a `'\r'` before it is
/// stripped too). Bytes that are not valid UTF-8 are replaced by U+FFFD, like Java's decoder.
///
/// When the connection ends (end of stream or an error), a pending partial record is
/// emitted and the source reconnects after 500 ms, up to `max_retry` times over its life
/// (`-1`: forever, `0`: never). Once the retries are used up, a closed connection ends the
/// input, while a failed connection attempt or a broken connection fails the job with an
/// error naming `host:port`. A connection attempt may block for up to 3 s per address;
/// otherwise a poll waits at most ~50 ms, so the task stays responsive.
///
/// Unlike Flink, a partial record is emitted when *each* connection ends, instead of being
/// glued to the data of the next connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketTextSource {
    host: String,
    port: u16,
    delimiter: String,
    max_retry: i64,
}

impl SocketTextSource {
    /// Reads `\n`-delimited records from `host:port`, without reconnecting.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        SocketTextSource { host: host.into(), port, delimiter: "\n".into(), max_retry: 0 }
    }

    /// Sets the record delimiter (must not be empty).
    pub fn with_delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = delimiter.into();
        self
    }

    /// Sets how often to reconnect after the connection ends: `-1` forever, `0` never.
    pub fn with_max_retry(mut self, n: i64) -> Self {
        self.max_retry = n;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.delimiter.is_empty() {
            return Err(Error::InvalidJob(format!("socket text source {}:{}: the delimiter must not be empty", self.host, self.port)));
        }
        if self.max_retry < -1 {
            return Err(Error::InvalidJob(format!(
                "socket text source {}:{}: max retry must be -1 (forever) or >= 0, got {}",
                self.host, self.port, self.max_retry
            )));
        }
        Ok(())
    }
}

/// The single split of a [`SocketTextSource`]: the address to read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocketSplit {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Source<String> for SocketTextSource {
    type Split = SocketSplit;

    fn boundedness(&self) -> Boundedness {
        Boundedness::Unbounded
    }

    fn max_parallelism(&self) -> Option<usize> {
        Some(1)
    }

    fn create_splits(&self, _parallelism: usize) -> Result<Vec<SocketSplit>> {
        self.validate()?;
        Ok(vec![SocketSplit { host: self.host.clone(), port: self.port }])
    }

    fn create_reader(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<String, SocketSplit>>> {
        self.validate()?;
        Ok(Box::new(SocketReader {
            addr: None,
            finder: Finder::new(self.delimiter.as_bytes()).into_owned(),
            strip_cr: self.delimiter == "\n",
            retries_left: self.max_retry,
            retries_used: 0,
            state: State::Connect,
            stream: None,
            buf: Vec::new(),
            lo: 0,
            scan: 0,
            hi: 0,
        }))
    }
}

enum State {
    /// Connect on the next poll.
    Connect,
    /// Reconnect once the instant has passed.
    Wait(Instant),
    /// Reading from `SocketReader::stream`.
    Connected,
    Done,
}

/// Reads from the socket into `buf`: `buf[lo..hi]` is unconsumed, `buf[lo..scan]` holds no
/// complete delimiter.
struct SocketReader {
    addr: Option<SocketSplit>,
    finder: Finder<'static>,
    strip_cr: bool,
    /// Retries still allowed; negative = forever.
    retries_left: i64,
    retries_used: u64,
    state: State,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    lo: usize,
    scan: usize,
    hi: usize,
}

impl SocketReader {
    fn address(&self) -> String {
        match &self.addr {
            Some(a) => format!("{}:{}", a.host, a.port),
            None => "<no address>".into(),
        }
    }

    /// Uses one retry if any is left.
    fn take_retry(&mut self) -> bool {
        match self.retries_left {
            0 => false,
            n => {
                if n > 0 {
                    self.retries_left = n - 1;
                }
                self.retries_used += 1;
                true
            }
        }
    }

    fn connect(&self) -> std::io::Result<TcpStream> {
        let Some(split) = &self.addr else { return Err(std::io::Error::other("no socket split assigned")) };
        let mut last = None;
        for addr in (split.host.as_str(), split.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(MAX_WAIT))?;
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::new(ErrorKind::NotFound, "host name resolved to no address")))
    }

    /// Emits the complete records in the buffer; true if the output filled up.
    fn parse(&mut self, output: &mut SourceOutput<'_, String>) -> bool {
        let dlen = self.finder.needle().len();
        loop {
            if output.is_full() {
                return true;
            }
            let window = &self.buf[self.scan..self.hi];
            let found = if dlen == 1 { memchr::memchr(self.finder.needle()[0], window) } else { self.finder.find(window) };
            let Some(i) = found else {
                // A delimiter may straddle the end of what has been received.
                self.scan = self.hi.saturating_sub(dlen - 1).max(self.lo);
                return false;
            };
            let at = self.scan + i;
            let mut record = &self.buf[self.lo..at];
            if self.strip_cr {
                record = record.strip_suffix(b"\r").unwrap_or(record);
            }
            output.collect(String::from_utf8_lossy(record).into_owned());
            self.lo = at + dlen;
            self.scan = self.lo;
        }
    }

    /// The connection ended: emits the partial record and decides what comes next.
    fn connection_lost(&mut self, output: &mut SourceOutput<'_, String>, error: Option<std::io::Error>) -> Result<PollStatus> {
        if self.lo < self.hi {
            output.collect(String::from_utf8_lossy(&self.buf[self.lo..self.hi]).into_owned());
        }
        self.stream = None;
        self.lo = 0;
        self.scan = 0;
        self.hi = 0;
        if self.take_retry() {
            self.state = State::Wait(Instant::now() + RETRY_DELAY);
            return Ok(PollStatus::NothingAvailable);
        }
        self.state = State::Done;
        match error {
            None => Ok(PollStatus::EndOfInput),
            Some(e) => Err(Error::io(format!("connection to socket {} lost", self.address()), e)),
        }
    }

    /// Makes room for at least one more byte after `hi`.
    fn make_room(&mut self) {
        if self.lo == self.hi {
            (self.lo, self.scan, self.hi) = (0, 0, 0);
        } else if self.lo > 0 && (self.hi == self.buf.len() || self.lo >= self.buf.len() / 2) {
            self.buf.copy_within(self.lo..self.hi, 0);
            self.scan -= self.lo;
            self.hi -= self.lo;
            self.lo = 0;
        }
        if self.hi == self.buf.len() {
            self.buf.resize((self.buf.len() * 2).max(BUFFER_SIZE), 0);
        }
    }
}

impl SourceReader<String, SocketSplit> for SocketReader {
    fn add_splits(&mut self, splits: Vec<SocketSplit>) -> Result<()> {
        if let Some(split) = splits.into_iter().next() {
            self.addr = Some(split);
        }
        Ok(())
    }

    /// The address, unchanged: a socket cannot be replayed (see the module docs).
    fn snapshot_state(&mut self) -> Result<Vec<SocketSplit>> {
        Ok(self.addr.iter().cloned().collect())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, String>) -> Result<PollStatus> {
        if self.addr.is_none() {
            return Ok(PollStatus::EndOfInput);
        }
        loop {
            match &mut self.state {
                State::Done => return Ok(PollStatus::EndOfInput),
                State::Wait(at) => {
                    let now = Instant::now();
                    if now < *at {
                        std::thread::sleep((*at - now).min(MAX_WAIT));
                        if Instant::now() < *at {
                            return Ok(PollStatus::NothingAvailable);
                        }
                    }
                    self.state = State::Connect;
                }
                State::Connect => match self.connect() {
                    Ok(stream) => {
                        self.stream = Some(stream);
                        self.state = State::Connected;
                    }
                    Err(e) => {
                        if self.take_retry() {
                            self.state = State::Wait(Instant::now() + RETRY_DELAY);
                            return Ok(PollStatus::NothingAvailable);
                        }
                        self.state = State::Done;
                        let retries = match self.retries_used {
                            0 => String::new(),
                            n => format!(" (after {n} retries)"),
                        };
                        return Err(Error::io(format!("cannot connect to socket {}{retries}", self.address()), e));
                    }
                },
                State::Connected => {
                    if self.parse(output) {
                        return Ok(PollStatus::MoreAvailable);
                    }
                    self.make_room();
                    let Some(stream) = &mut self.stream else {
                        self.state = State::Connect;
                        continue;
                    };
                    let space = self.buf.len() - self.hi;
                    match stream.read(&mut self.buf[self.hi..]) {
                        Ok(0) => return self.connection_lost(output, None),
                        Ok(n) => {
                            self.hi += n;
                            if n < space {
                                // Probably drained the socket: hand over what we have.
                                let full = self.parse(output);
                                return Ok(if full { PollStatus::MoreAvailable } else { PollStatus::NothingAvailable });
                            }
                        }
                        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                            return Ok(PollStatus::NothingAvailable);
                        }
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) => return self.connection_lost(output, Some(e)),
                    }
                }
            }
        }
    }

    fn close(&mut self) -> Result<()> {
        self.stream = None;
        self.state = State::Done;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    fn reader(source: &SocketTextSource) -> Box<dyn SourceReader<String, SocketSplit>> {
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        reader.add_splits(source.create_splits(1).unwrap()).unwrap();
        reader
    }

    /// Polls until end of input (or an error), checking no poll blocks for long.
    fn drain(reader: &mut dyn SourceReader<String, SocketSplit>, batch: usize) -> Result<Vec<String>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = Vec::new();
        loop {
            assert!(Instant::now() < deadline, "source did not end");
            let t = Instant::now();
            let limit = buf.len() + batch;
            let status = reader.poll_next(&mut SourceOutput::new(&mut buf, limit))?;
            assert!(t.elapsed() < Duration::from_millis(400), "poll blocked for {:?}", t.elapsed());
            if status == PollStatus::EndOfInput {
                return Ok(buf.into_iter().map(|r| r.value).collect());
            }
        }
    }

    /// A server that answers each of `sessions` connections with its chunks, then closes it.
    fn serve(sessions: Vec<Vec<&'static [u8]>>) -> (u16, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            for chunks in sessions {
                let (mut conn, _) = listener.accept().unwrap();
                for chunk in chunks {
                    conn.write_all(chunk).unwrap();
                    conn.flush().unwrap();
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        });
        (port, handle)
    }

    #[test]
    fn reads_lines_strips_cr_and_emits_the_partial_record() {
        let (port, server) = serve(vec![vec![b"hello\nwor", b"ld\r\n\n", b"caf\xc3\xa9 \xff\npartial"]]);
        let source = SocketTextSource::new("127.0.0.1", port);
        assert_eq!(source.boundedness(), Boundedness::Unbounded);
        assert_eq!(source.max_parallelism(), Some(1));
        let got = drain(reader(&source).as_mut(), 2).unwrap();
        assert_eq!(got, ["hello", "world", "", "caf\u{e9} \u{fffd}", "partial"]);
        server.join().unwrap();
    }

    #[test]
    fn custom_delimiter_may_straddle_reads() {
        let (port, server) = serve(vec![vec![b"a||b|", b"|c\r|", b"|", b"tail"]]);
        let source = SocketTextSource::new("127.0.0.1", port).with_delimiter("||");
        let got = drain(reader(&source).as_mut(), 100).unwrap();
        assert_eq!(got, ["a", "b", "c\r", "tail"]);
        server.join().unwrap();
    }

    #[test]
    fn many_records_in_small_batches() {
        let mut data = String::new();
        for i in 0..50_000 {
            data.push_str(&format!("record {i}\n"));
        }
        let data: &'static str = Box::leak(data.into_boxed_str());
        let (port, server) = serve(vec![vec![data.as_bytes()]]);
        let got = drain(reader(&SocketTextSource::new("localhost", port)).as_mut(), 1000).unwrap();
        assert_eq!(got.len(), 50_000);
        assert_eq!(got[49_999], "record 49999");
        server.join().unwrap();
    }

    #[test]
    fn reconnects_while_retries_remain() {
        let (port, server) = serve(vec![vec![b"one\nhalf"], vec![b"two\n"]]);
        let source = SocketTextSource::new("127.0.0.1", port).with_max_retry(1);
        let start = Instant::now();
        let got = drain(reader(&source).as_mut(), 10).unwrap();
        assert_eq!(got, ["one", "half", "two"]);
        assert!(start.elapsed() >= RETRY_DELAY);
        server.join().unwrap();
    }

    #[test]
    fn idle_connection_returns_nothing_available_quickly() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut reader = reader(&SocketTextSource::new("127.0.0.1", port));
        let mut buf = Vec::new();
        let t = Instant::now();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 10)).unwrap(), PollStatus::NothingAvailable);
        assert!(t.elapsed() < Duration::from_millis(400));
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(b"x\n").unwrap();
        drop(conn);
        assert_eq!(drain(reader.as_mut(), 10).unwrap(), ["x"]);
    }

    fn refused_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        port
    }

    #[test]
    fn refused_connection_is_an_error_naming_the_address() {
        let port = refused_port();
        let e = drain(reader(&SocketTextSource::new("127.0.0.1", port)).as_mut(), 10).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
        assert!(msg.to_lowercase().contains("refused"), "{msg}");

        // With a retry, the error comes after the retry failed too.
        let start = Instant::now();
        let e = drain(reader(&SocketTextSource::new("127.0.0.1", port).with_max_retry(1)).as_mut(), 10).unwrap_err();
        assert!(start.elapsed() >= RETRY_DELAY);
        assert!(e.to_string().contains("after 1 retries"), "{e}");
    }

    #[test]
    fn retry_forever_keeps_trying() {
        let port = refused_port();
        let mut reader = reader(&SocketTextSource::new("127.0.0.1", port).with_max_retry(-1));
        let mut buf = Vec::new();
        let deadline = Instant::now() + Duration::from_millis(1200);
        while Instant::now() < deadline {
            assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 10)).unwrap(), PollStatus::NothingAvailable);
        }
    }

    #[test]
    fn invalid_configuration_is_rejected() {
        let e = SocketTextSource::new("h", 1).with_delimiter("").create_splits(1).unwrap_err();
        assert!(e.to_string().contains("delimiter"), "{e}");
        let e = SocketTextSource::new("h", 1).with_max_retry(-2).create_splits(1).unwrap_err();
        assert!(e.to_string().contains("-2"), "{e}");
    }

    #[test]
    fn snapshot_returns_the_address_and_a_restored_reader_reconnects() {
        let (port, server) = serve(vec![vec![b"a\nb\n"], vec![b"c\n"]]);
        let source = SocketTextSource::new("127.0.0.1", port);
        let mut first = reader(&source);
        let mut buf = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while buf.is_empty() {
            assert!(Instant::now() < deadline, "no record received");
            first.poll_next(&mut SourceOutput::new(&mut buf, 1)).unwrap();
        }
        assert_eq!(buf[0].value, "a");
        let snapshot = first.snapshot_state().unwrap();
        assert_eq!(snapshot, source.create_splits(1).unwrap());
        first.close().unwrap();
        drop(first);
        // Not replayable: the restored reader gets what the server sends on the new
        // connection; "b" is lost.
        let mut restored = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        restored.add_splits(snapshot).unwrap();
        assert_eq!(drain(restored.as_mut(), 10).unwrap(), ["c"]);
        server.join().unwrap();
    }
}
