//! The consumer side: a listener that accepts data connections, checks their handshake,
//! matches them to registered channels and runs one reader thread per channel.

use super::wire::{self, FrameReader, HANDSHAKE_LEN, Handshake, Polled, ReadFailure};
use super::{ByteCounter, ChannelKey, DEFAULT_REGISTRATION_TIMEOUT, ErrorHandler, HANDSHAKE_TIMEOUT, INITIAL_CREDITS, channel_error};
use crate::channel::{CANCEL_POLL, CancelToken, Envelope, Event, GateSender};
use rasch_core::{Data, Error, Result};
use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// An accepted connection whose handshake was valid.
struct Conn {
    stream: TcpStream,
    reader: FrameReader,
    peer: SocketAddr,
    shared: Arc<Shared>,
}

/// Serves one connection for a registered channel (runs the typed reader loop).
type ServeFn = Box<dyn FnOnce(Conn) + Send>;

/// A registered channel: the attempt token it belongs to and, until a connection takes it, the
/// reader to run.
struct Slot {
    token: u64,
    serve: Option<ServeFn>,
}

struct Shared {
    secret: Option<String>,
    stopped: AtomicBool,
    registration_timeout_ms: AtomicU64,
    channels: Mutex<HashMap<ChannelKey, Slot>>,
    changed: Condvar,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }
    fn channels(&self) -> MutexGuard<'_, HashMap<ChannelKey, Slot>> {
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Listens for data connections of producers in other processes and feeds them into local
/// input gates. One per worker process; shut down (or dropped) when the worker stops.
pub struct DataServer {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for DataServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataServer").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}

impl DataServer {
    /// Binds the listener (port 0 picks a free port, see [`DataServer::local_addr`]) and starts
    /// accepting. With a `secret`, every handshake must carry its HMAC; without one, handshakes
    /// signed with a secret are rejected.
    pub fn bind(addr: impl ToSocketAddrs, secret: Option<String>) -> Result<DataServer> {
        let listener = TcpListener::bind(addr).map_err(|e| Error::io("binding the data server", e))?;
        let local_addr = listener.local_addr().map_err(|e| Error::io("data server address", e))?;
        let shared = Arc::new(Shared {
            secret,
            stopped: AtomicBool::new(false),
            registration_timeout_ms: AtomicU64::new(DEFAULT_REGISTRATION_TIMEOUT.as_millis() as u64),
            channels: Mutex::new(HashMap::new()),
            changed: Condvar::new(),
            threads: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let acceptor = std::thread::Builder::new()
            .name(format!("rasch-net-accept {local_addr}"))
            .spawn(move || accept_loop(listener, s))
            .map_err(|e| Error::io("starting the data server thread", e))?;
        Ok(DataServer { shared, local_addr, acceptor: Mutex::new(Some(acceptor)) })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How long a connection for a channel that is not registered yet is held before it is
    /// rejected (default [`DEFAULT_REGISTRATION_TIMEOUT`]).
    pub fn set_registration_timeout(&self, timeout: Duration) {
        self.shared.registration_timeout_ms.store(timeout.as_millis() as u64, Ordering::Release);
        self.shared.changed.notify_all();
    }

    /// Registers the consumer end of channel `key` for job attempt `token`: the connection of
    /// its producer (already waiting or yet to come) is served by a reader thread that pushes
    /// `Envelope { channel, event }` into `gate`, blocking while the gate is full and giving up
    /// when `cancel` is set. `on_error` is called once if the channel fails before its
    /// end-of-input (undecodable frame, disconnect). The bytes of every frame received are added
    /// to `bytes_in`.
    ///
    /// Tokens must increase from attempt to attempt: a connection with an older token than the
    /// registration is rejected as stale, one with a newer token waits for its registration.
    /// Registering a key again with a new token replaces the old registration.
    #[allow(clippy::too_many_arguments)] // one registration: channel, attempt, destination, hooks
    pub fn register<T: Data>(
        &self,
        key: ChannelKey,
        token: u64,
        gate: GateSender<T>,
        channel: u32,
        cancel: CancelToken,
        on_error: ErrorHandler,
        bytes_in: ByteCounter,
    ) -> Result<()> {
        if self.shared.stopped() {
            return Err(Error::Internal(format!("registering network channel {key}: the data server is shut down")));
        }
        let serve: ServeFn = Box::new(move |conn| serve_channel::<T>(conn, key, gate, channel, cancel, on_error, bytes_in));
        let mut channels = self.shared.channels();
        if channels.get(&key).is_some_and(|slot| slot.token == token) {
            return Err(Error::Internal(format!("network channel {key} is registered twice for attempt {token}")));
        }
        channels.insert(key, Slot { token, serve: Some(serve) });
        drop(channels);
        self.shared.changed.notify_all();
        Ok(())
    }

    /// Closes the listener, stops every reader (within [`CANCEL_POLL`]) and waits for the
    /// server's threads. Readers stopped this way do not report errors.
    pub fn shutdown(&self) {
        self.shared.stopped.store(true, Ordering::Release);
        drop(self.shared.channels());
        self.shared.changed.notify_all();
        let acceptor = self.acceptor.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(acceptor) = acceptor {
            // Wake the blocking accept() with a connection of our own.
            let mut wake = self.local_addr;
            if wake.ip().is_unspecified() {
                wake.set_ip(match wake {
                    SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                    SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
                });
            }
            let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
            let _ = acceptor.join();
        }
        let threads = std::mem::take(&mut *self.shared.threads.lock().unwrap_or_else(|p| p.into_inner()));
        // (A reader thread may shut the server down from its `on_error` handler: skip itself.)
        let me = std::thread::current().id();
        for t in threads.into_iter().filter(|t| t.thread().id() != me) {
            let _ = t.join();
        }
        self.shared.channels().clear();
    }
}

impl Drop for DataServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.stopped() {
            return;
        }
        match accepted {
            Ok((stream, peer)) => {
                let s = shared.clone();
                let spawned =
                    std::thread::Builder::new().name(format!("rasch-net-recv {peer}")).spawn(move || handle_connection(stream, peer, s));
                match spawned {
                    Ok(handle) => {
                        let mut threads = shared.threads.lock().unwrap_or_else(|p| p.into_inner());
                        threads.retain(|t| !t.is_finished());
                        threads.push(handle);
                    }
                    Err(e) => eprintln!("rasch net: cannot start a thread for the data connection from {peer}: {e}"),
                }
            }
            Err(e) => {
                eprintln!("rasch net: accepting a data connection failed: {e}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Logs why a connection is refused, tells the peer (best effort) and closes it.
fn reject(stream: &TcpStream, peer: SocketAddr, why: &str) {
    eprintln!("rasch net: rejected data connection from {peer}: {why}");
    let mut frame = Vec::new();
    wire::encode_reject(why, &mut frame);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = (&*stream).write_all(&frame);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads `out.len()` handshake bytes before `deadline`; the error says what went wrong.
fn read_handshake_part(conn: &mut Conn, out: &mut [u8], got: usize, deadline: Instant) -> std::result::Result<(), Option<String>> {
    loop {
        if conn.shared.stopped() {
            return Err(None);
        }
        match conn.reader.poll_exact(&mut conn.stream, out) {
            Ok(Polled::Pending) if Instant::now() >= deadline => {
                return Err(Some(format!("no complete handshake within {HANDSHAKE_TIMEOUT:?}")));
            }
            Ok(Polled::Pending) => {}
            Ok(Polled::Eof { partial }) => {
                return Err(Some(format!("truncated handshake: connection closed after {} of {HANDSHAKE_LEN} bytes", got + partial)));
            }
            Ok(Polled::Frame(..)) => return Ok(()),
            Err(e) => return Err(Some(format!("handshake {e}"))),
        }
    }
}

fn handle_connection(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let setup = stream
        .set_nodelay(true)
        .and_then(|()| stream.set_read_timeout(Some(CANCEL_POLL)))
        .and_then(|()| stream.set_write_timeout(Some(Duration::from_secs(10))));
    if let Err(e) = setup {
        eprintln!("rasch net: configuring the data connection from {peer} failed: {e}");
        return;
    }
    let mut conn = Conn { stream, reader: FrameReader::new(), peer, shared };
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let mut bytes = [0u8; HANDSHAKE_LEN];
    // The magic first, so that garbage is refused without waiting for 58 bytes.
    let read = read_handshake_part(&mut conn, &mut bytes[..4], 0, deadline).and_then(|()| {
        if bytes[..4] != wire::MAGIC {
            return Err(Some(format!("bad magic {:02x?} (not a Rasch data connection)", &bytes[..4])));
        }
        read_handshake_part(&mut conn, &mut bytes[4..], 4, deadline)
    });
    match read {
        Ok(()) => {}
        Err(None) => return,
        Err(Some(why)) => return reject(&conn.stream, peer, &why),
    }
    let handshake = match Handshake::decode(&bytes, conn.shared.secret.as_deref()) {
        Ok(h) => h,
        Err(why) => return reject(&conn.stream, peer, &why),
    };
    let (key, token) = (handshake.key, handshake.token);
    let shared = conn.shared.clone();
    let waited_from = Instant::now();
    let mut channels = shared.channels();
    loop {
        if shared.stopped() {
            drop(channels);
            let _ = conn.stream.shutdown(Shutdown::Both);
            return;
        }
        let timeout = Duration::from_millis(shared.registration_timeout_ms.load(Ordering::Acquire));
        let waited = waited_from.elapsed();
        match channels.get_mut(&key) {
            Some(slot) if token < slot.token => {
                let why = format!("stale connection for channel {key}: attempt token {token}, but the current attempt is {}", slot.token);
                drop(channels);
                return reject(&conn.stream, peer, &why);
            }
            Some(slot) if token == slot.token => match slot.serve.take() {
                Some(serve) => {
                    drop(channels);
                    return serve(conn);
                }
                None => {
                    let why = format!("channel {key} (attempt {token}) is already connected");
                    drop(channels);
                    return reject(&conn.stream, peer, &why);
                }
            },
            // Not registered (yet), or registered for an older attempt: wait.
            found => {
                if waited >= timeout {
                    let why = match found {
                        Some(slot) => {
                            format!("wrong attempt token {token} for channel {key}: registered for {} (waited {timeout:?})", slot.token)
                        }
                        None => format!("channel {key} is not registered here (waited {timeout:?})"),
                    };
                    drop(channels);
                    return reject(&conn.stream, peer, &why);
                }
                let wait = (timeout - waited).min(Duration::from_millis(100));
                channels = shared.changed.wait_timeout(channels, wait).unwrap_or_else(|p| p.into_inner()).0;
            }
        }
    }
}

/// Writes all of `bytes`, tolerating write timeouts while the channel is not cancelled.
pub(super) fn write_fully(stream: &TcpStream, bytes: &[u8], stop: &dyn Fn() -> bool) -> std::io::Result<()> {
    let mut off = 0;
    while off < bytes.len() {
        match (&*stream).write(&bytes[off..]) {
            Ok(0) => return Err(std::io::Error::new(ErrorKind::WriteZero, "connection closed")),
            Ok(n) => off += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if stop() {
                    return Err(std::io::Error::new(ErrorKind::Interrupted, "cancelled"));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Pushes into the gate, blocking while it is full; false if cancelled or the gate is gone.
fn push<T>(gate: &GateSender<T>, mut msg: Envelope<T>, stop: &dyn Fn() -> bool) -> bool {
    loop {
        match gate.send_timeout(msg, CANCEL_POLL) {
            Ok(()) => return true,
            Err(crossbeam_channel::SendTimeoutError::Timeout(m)) => {
                if stop() {
                    return false;
                }
                msg = m;
            }
            Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => return false,
        }
    }
}

/// The reader of one established channel: frames → events → gate, one credit per frame.
fn serve_channel<T: Data>(
    conn: Conn,
    key: ChannelKey,
    gate: GateSender<T>,
    channel: u32,
    cancel: CancelToken,
    on_error: ErrorHandler,
    bytes_in: ByteCounter,
) {
    let Conn { mut stream, mut reader, peer, shared } = conn;
    let stop = || cancel.is_cancelled() || shared.stopped();
    let fail = |kind: ErrorKind, what: String| {
        if !stop() {
            on_error(channel_error(key, peer, kind, what));
        }
    };
    let mut credit = Vec::with_capacity(16);
    wire::encode_credit(INITIAL_CREDITS, &mut credit);
    if let Err(e) = write_fully(&stream, &credit, &stop) {
        fail(e.kind(), format!("sending credit failed: {e}"));
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    credit.clear();
    wire::encode_credit(1, &mut credit);
    loop {
        if stop() {
            break;
        }
        match reader.poll(&mut stream) {
            Ok(Polled::Frame(tag, range)) => {
                bytes_in.fetch_add((wire::HEADER_LEN + range.len()) as u64, Ordering::Relaxed);
                let event = match wire::decode_event::<T>(tag, reader.payload(range)) {
                    Ok(event) => event,
                    Err(what) => {
                        fail(ErrorKind::InvalidData, what);
                        break;
                    }
                };
                let end = matches!(event, Event::EndOfInput);
                if !push(&gate, Envelope { channel, event }, &stop) || end {
                    break;
                }
                if let Err(e) = write_fully(&stream, &credit, &stop) {
                    fail(e.kind(), format!("sending credit failed: {e}"));
                    break;
                }
            }
            Ok(Polled::Pending) => {}
            Ok(Polled::Eof { partial }) => {
                let what = if partial > 0 {
                    format!("connection closed by the producer in the middle of a frame ({partial} bytes) before end of input")
                } else {
                    "connection closed by the producer before end of input".to_string()
                };
                fail(ErrorKind::UnexpectedEof, what);
                break;
            }
            Err(ReadFailure::Oversize(n)) => {
                fail(ErrorKind::InvalidData, ReadFailure::Oversize(n).to_string());
                break;
            }
            Err(ReadFailure::Io(e)) => {
                fail(e.kind(), format!("connection lost before end of input: {e}"));
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}
