//! The network exchange: bridges input gates across worker processes over TCP, so that wiring
//! can swap an in-process gate queue for a remote one without the tasks noticing.
//!
//! * **Consumer side** — a [`DataServer`] listens on one port per worker. For every remote
//!   channel into one of its gates, the worker [`DataServer::register`]s the channel's
//!   [`ChannelKey`] with the gate's [`GateSender`](crate::channel::GateSender) and the channel
//!   index within the gate. A reader thread per connection decodes frames into
//!   [`Event`](crate::channel::Event)s and pushes them into the gate, blocking while it is full.
//! * **Producer side** — [`connect`] returns a [`GateSender`](crate::channel::GateSender) of a
//!   small local queue that the producer's `ChannelWriter` writes into as usual; a writer thread
//!   drains it and sends every event as one frame as soon as the consumer's credit allows.
//! * **Credit-based flow control** — the consumer grants [`INITIAL_CREDITS`] frames when it
//!   accepts the connection and one more each time a frame has been pushed into the gate. The
//!   writer sends a frame only while it holds credit, so per channel at most
//!   `LOCAL_QUEUE_CAPACITY + 1 (held by the writer) + INITIAL_CREDITS + gate capacity` batches
//!   exist (7 with a gate of 2) and back-pressure reaches the producing task.
//! * **Wire format** — see [`wire`]: a 58-byte handshake (magic `RSCH`, protocol version, attempt
//!   token, channel key, optional HMAC-SHA256 of a shared secret), then frames of
//!   `u32 length | u8 tag | payload` (records are a postcard-serialized `Vec<Record<T>>`, after hash partitioning with their key groups),
//!   at most [`wire::MAX_FRAME`] bytes, checked before allocating. One connection per channel
//!   keeps data and control events in order.
//! * **Bytes** — every channel adds the bytes of the frames it sends or receives to a
//!   [`ByteCounter`] of its task (Flink's `numBytesOut` / `numBytesIn`; handshakes and credit
//!   frames are not counted). Channels inside one process pass records without serializing them
//!   and count no bytes.
//! * **Failures** — a malformed handshake (bad magic, wrong version, wrong secret or token,
//!   unknown key after [`DEFAULT_REGISTRATION_TIMEOUT`]) is logged and the connection dropped;
//!   other channels are unaffected. On an established channel, an undecodable frame or a
//!   disconnect before end-of-input calls the channel's `on_error` handler with an error naming
//!   the channel (the job then fails over). Cancellation stops every thread within
//!   [`CANCEL_POLL`](crate::channel::CANCEL_POLL).

mod client;
mod server;
pub mod wire;

pub use client::connect;
pub use server::DataServer;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Identifies one logical channel of the job: a stream edge and the producer and consumer
/// subtasks it connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ChannelKey {
    /// Index of the stream edge.
    pub edge: u32,
    /// Producer subtask index.
    pub producer: u32,
    /// Consumer subtask index.
    pub consumer: u32,
}

impl fmt::Display for ChannelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "edge {} subtask {} -> {}", self.edge, self.producer, self.consumer)
    }
}

/// The bytes a task sent or received over the network, shared by its channels' threads.
pub type ByteCounter = Arc<std::sync::atomic::AtomicU64>;

/// Called (at most once per channel, from a network thread) when an established channel fails.
pub type ErrorHandler = Arc<dyn Fn(rasch_core::Error) + Send + Sync>;

/// Frames the consumer grants when it accepts a connection.
pub const INITIAL_CREDITS: u32 = 2;
/// Capacity (in batches) of the producer's local queue in front of the writer thread.
pub const LOCAL_QUEUE_CAPACITY: usize = 2;
/// How long a connection whose channel is not registered yet is held before it is rejected.
pub const DEFAULT_REGISTRATION_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a peer may take to send its complete handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`connect`] retries a refused connection (the peer may not listen yet).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The error reported for a failed channel.
fn channel_error(key: ChannelKey, peer: impl fmt::Display, kind: std::io::ErrorKind, what: impl fmt::Display) -> rasch_core::Error {
    rasch_core::Error::io(format!("network channel {key} (peer {peer})"), std::io::Error::new(kind, what.to_string()))
}
