//! The producer side: a local queue drained by a writer thread that sends frames within the
//! credit granted by the consumer.

use super::server::write_fully;
use super::wire::{self, FrameReader, Handshake, Polled, Reverse};
use super::{ByteCounter, CONNECT_TIMEOUT, ChannelKey, ErrorHandler, LOCAL_QUEUE_CAPACITY, channel_error};
use crate::channel::{CANCEL_POLL, CancelToken, Envelope, Event, GateReceiver, GateSender};
use rasch_core::{Data, Error, Result};
use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Frames sent together in one write when several are queued and credit allows (bytes).
const COALESCE_BYTES: usize = 64 << 10;

/// Opens the producer end of channel `key` (job attempt `token`) to the [`DataServer`] at
/// `addr` and returns the sender of a small local queue ([`LOCAL_QUEUE_CAPACITY`] batches) for
/// the producer's `ChannelWriter`. The channel index of the envelopes sent into it is ignored:
/// the consumer's registration decides it.
///
/// A writer thread sends every event as one frame as soon as the consumer grants credit. It
/// stops after end-of-input, when `cancel` is set, or when every sender is dropped (then the
/// connection is closed without end-of-input, which the consumer reports as a failure).
/// The bytes of every frame sent are added to `bytes_out`. `on_error` is called once if the consumer rejects the connection or it breaks before
/// end-of-input. Refused connections are retried for up to [`CONNECT_TIMEOUT`].
///
/// [`DataServer`]: super::DataServer
pub fn connect<T: Data>(
    addr: SocketAddr,
    key: ChannelKey,
    token: u64,
    cancel: CancelToken,
    on_error: ErrorHandler,
    secret: Option<String>,
    bytes_out: ByteCounter,
) -> Result<GateSender<T>> {
    let context = || format!("connecting network channel {key} to {addr}");
    let started = Instant::now();
    let stream = loop {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => break s,
            Err(e) if e.kind() == ErrorKind::ConnectionRefused && started.elapsed() < CONNECT_TIMEOUT => {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(Error::io(context(), e)),
        }
    };
    stream
        .set_nodelay(true)
        .and_then(|()| stream.set_read_timeout(Some(CANCEL_POLL)))
        .and_then(|()| stream.set_write_timeout(Some(CANCEL_POLL)))
        .map_err(|e| Error::io(context(), e))?;
    let handshake = Handshake::encode(token, key, secret.as_deref());
    write_fully(&stream, &handshake, &|| cancel.is_cancelled()).map_err(|e| Error::io(context(), e))?;
    let (tx, rx) = crate::channel::gate(LOCAL_QUEUE_CAPACITY);
    let writer = Writer { stream, peer: addr, key, rx, cancel, on_error, credits: 0, reader: FrameReader::new(), bytes_out };
    std::thread::Builder::new()
        .name(format!("rasch-net-send {key}"))
        .spawn(move || writer.run())
        .map_err(|e| Error::io(format!("starting the writer thread of network channel {key}"), e))?;
    Ok(tx)
}

struct Writer<T> {
    stream: TcpStream,
    peer: SocketAddr,
    key: ChannelKey,
    rx: GateReceiver<T>,
    cancel: CancelToken,
    on_error: ErrorHandler,
    credits: u64,
    reader: FrameReader,
    bytes_out: ByteCounter,
}

impl<T: Data> Writer<T> {
    fn run(mut self) {
        if let Err(Some((kind, what))) = self.pump()
            && !self.cancel.is_cancelled()
        {
            (self.on_error)(channel_error(self.key, self.peer, kind, what));
        }
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Sends until end of input; `Err(None)` is a quiet stop (cancelled, producer gone).
    fn pump(&mut self) -> std::result::Result<(), Option<(ErrorKind, String)>> {
        let mut buf: Vec<u8> = Vec::with_capacity(COALESCE_BYTES);
        loop {
            let event = match self.rx.recv_timeout(CANCEL_POLL) {
                Ok(Envelope { event, .. }) => event,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    if self.cancel.is_cancelled() {
                        return Err(None);
                    }
                    continue;
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Err(None),
            };
            self.await_credit()?;
            let mut end = self.encode(event, &mut buf)?;
            // Coalesce what is already queued, as far as credit allows (free: no waiting).
            while !end && self.credits > 0 && buf.len() < COALESCE_BYTES {
                match self.rx.try_recv() {
                    Ok(Envelope { event, .. }) => end = self.encode(event, &mut buf)?,
                    Err(_) => break,
                }
            }
            let cancel = &self.cancel;
            write_fully(&self.stream, &buf, &|| cancel.is_cancelled())
                .map_err(|e| if self.cancel.is_cancelled() { None } else { Some((e.kind(), format!("sending failed: {e}"))) })?;
            self.bytes_out.fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed);
            if buf.capacity() > 4 * COALESCE_BYTES {
                buf = Vec::with_capacity(COALESCE_BYTES);
            } else {
                buf.clear();
            }
            if end {
                self.close();
                return Ok(());
            }
        }
    }

    /// Encodes `event` into `buf` and hands its emptied buffers back to the producer.
    fn encode(&mut self, event: Event<T>, buf: &mut Vec<u8>) -> std::result::Result<bool, Option<(ErrorKind, String)>> {
        wire::encode_event(&event, buf).map_err(|what| Some((ErrorKind::InvalidData, what)))?;
        self.credits -= 1;
        let end = matches!(event, Event::EndOfInput);
        match event {
            Event::Records(records) => self.rx.recycle_records(records),
            Event::KeyedRecords(records, groups) => {
                self.rx.recycle_records(records);
                self.rx.recycle_groups(groups);
            }
            _ => {}
        }
        Ok(end)
    }

    /// Reads reverse frames until at least one credit is available.
    fn await_credit(&mut self) -> std::result::Result<(), Option<(ErrorKind, String)>> {
        while self.credits == 0 {
            if self.cancel.is_cancelled() {
                return Err(None);
            }
            match self.reader.poll(&mut self.stream) {
                Ok(Polled::Frame(tag, range)) => match wire::decode_reverse(tag, self.reader.payload(range)) {
                    Ok(Reverse::Credit(n)) => self.credits += u64::from(n),
                    Ok(Reverse::Reject(why)) => {
                        return Err(Some((ErrorKind::ConnectionRefused, format!("rejected by the consumer: {why}"))));
                    }
                    Err(what) => return Err(Some((ErrorKind::InvalidData, what))),
                },
                Ok(Polled::Pending) => {}
                Ok(Polled::Eof { .. }) => {
                    return Err(Some((ErrorKind::UnexpectedEof, "connection closed by the consumer before end of input".into())));
                }
                Err(e) => return Err(Some((ErrorKind::InvalidData, e.to_string()))),
            }
        }
        Ok(())
    }

    /// After end of input: half-close, then wait (until cancelled) for the consumer to close
    /// after it has pushed the end of input into its gate, reading the credits it may still
    /// send, so that no byte it has not read yet is cut off by a reset.
    fn close(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        while !self.cancel.is_cancelled() {
            match self.reader.poll(&mut self.stream) {
                Ok(Polled::Frame(..)) | Ok(Polled::Pending) => {}
                Ok(Polled::Eof { .. }) | Err(_) => return,
            }
        }
    }
}
