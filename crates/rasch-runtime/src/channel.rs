//! In-process channels between tasks: bounded queues of batches, so a slow consumer blocks
//! its producers (back-pressure) instead of growing memory. Each gate also has a small pool
//! through which the consumer hands emptied batch buffers back to the producers, so a steady
//! stream allocates no `Vec` per batch (and frees none on another thread).

use rasch_core::{Error, Record, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What travels on a channel: batches of records and, in order with them, control events.
#[derive(Debug)]
pub enum Event<T> {
    /// A batch of records.
    Records(Vec<Record<T>>),
    /// A batch of hash-partitioned records with the key group of each (same length), computed
    /// once by the sender's partitioner so that keyed receivers do not hash the key again.
    KeyedRecords(Vec<Record<T>>, Vec<u16>),
    /// Event time advanced on this channel.
    Watermark(i64),
    /// The producer of this channel became idle or active again.
    WatermarkStatus(rasch_core::WatermarkStatus),
    /// A checkpoint barrier: everything before it belongs to the checkpoint.
    Barrier(crate::checkpoint::Barrier),
    /// The producer of this channel has finished.
    EndOfInput,
}

/// An event tagged with the input channel it arrived on (an index within the input gate).
#[derive(Debug)]
pub struct Envelope<T> {
    /// Index of the channel within the receiving gate.
    pub channel: u32,
    /// The event.
    pub event: Event<T>,
}

/// Both ends of a queue of emptied buffers.
type Recycler<B> = (crossbeam_channel::Sender<B>, crossbeam_channel::Receiver<B>);

/// Emptied buffers travelling back from a gate's consumer to its producers.
struct BufferPool<T> {
    records: Recycler<Vec<Record<T>>>,
    groups: Recycler<Vec<u16>>,
}

/// Sending half of a gate's queue (dereferences to the crossbeam sender).
pub struct GateSender<T> {
    tx: crossbeam_channel::Sender<Envelope<T>>,
    pool: Arc<BufferPool<T>>,
}

/// Receiving half of a gate's queue (dereferences to the crossbeam receiver).
pub struct GateReceiver<T> {
    rx: crossbeam_channel::Receiver<Envelope<T>>,
    pool: Arc<BufferPool<T>>,
}

impl<T> Clone for GateSender<T> {
    fn clone(&self) -> Self {
        GateSender { tx: self.tx.clone(), pool: self.pool.clone() }
    }
}

impl<T> Clone for GateReceiver<T> {
    fn clone(&self) -> Self {
        GateReceiver { rx: self.rx.clone(), pool: self.pool.clone() }
    }
}

impl<T> std::ops::Deref for GateSender<T> {
    type Target = crossbeam_channel::Sender<Envelope<T>>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<T> std::ops::Deref for GateReceiver<T> {
    type Target = crossbeam_channel::Receiver<Envelope<T>>;
    fn deref(&self) -> &Self::Target {
        &self.rx
    }
}

impl<T> GateSender<T> {
    /// An empty record buffer with room for `capacity` records: a recycled one if the
    /// consumer returned one, else a new one.
    #[inline]
    pub fn records_buffer(&self, capacity: usize) -> Vec<Record<T>> {
        self.pool.records.1.try_recv().unwrap_or_else(|_| Vec::with_capacity(capacity))
    }
    /// An empty key-group buffer (recycled if possible).
    #[inline]
    pub fn groups_buffer(&self, capacity: usize) -> Vec<u16> {
        self.pool.groups.1.try_recv().unwrap_or_else(|_| Vec::with_capacity(capacity))
    }
}

impl<T> GateReceiver<T> {
    /// Hands an emptied record buffer back to the producers (dropped if the pool is full or
    /// the buffer has no capacity).
    #[inline]
    pub fn recycle_records(&self, mut buf: Vec<Record<T>>) {
        if buf.capacity() > 0 {
            buf.clear();
            let _ = self.pool.records.0.try_send(buf);
        }
    }
    /// Hands an emptied key-group buffer back to the producers.
    #[inline]
    pub fn recycle_groups(&self, mut buf: Vec<u16>) {
        if buf.capacity() > 0 {
            buf.clear();
            let _ = self.pool.groups.0.try_send(buf);
        }
    }
}

/// Creates the queue of one input gate holding at most `capacity` batches (and a recycling
/// pool of as many buffers, plus some for the batches being filled).
pub fn gate<T>(capacity: usize) -> (GateSender<T>, GateReceiver<T>) {
    let (tx, rx) = crossbeam_channel::bounded(capacity);
    let spare = capacity + 4;
    let pool = Arc::new(BufferPool { records: crossbeam_channel::bounded(spare), groups: crossbeam_channel::bounded(spare) });
    (GateSender { tx, pool: pool.clone() }, GateReceiver { rx, pool })
}

/// How often blocked tasks look at the cancel flag.
pub const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Shared cancellation flag of a job attempt.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// Asks every task to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }
    /// Whether cancellation was requested.
    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Writes events into one channel of a downstream gate, blocking while the gate is full
/// (back-pressure) but giving up promptly when the job is cancelled.
pub struct ChannelWriter<T> {
    sender: GateSender<T>,
    channel: u32,
    cancel: CancelToken,
}

impl<T> ChannelWriter<T> {
    /// A writer for `channel` of the gate behind `sender`.
    pub fn new(sender: GateSender<T>, channel: u32, cancel: CancelToken) -> Self {
        ChannelWriter { sender, channel, cancel }
    }

    /// An empty record buffer for the next batch (recycled by the consumer when possible).
    #[inline]
    pub fn records_buffer(&self, capacity: usize) -> Vec<Record<T>> {
        self.sender.records_buffer(capacity)
    }

    /// An empty key-group buffer for the next batch (recycled when possible).
    #[inline]
    pub fn groups_buffer(&self, capacity: usize) -> Vec<u16> {
        self.sender.groups_buffer(capacity)
    }

    /// Sends an event, waiting for space.
    pub fn send(&self, event: Event<T>) -> Result<()> {
        let mut msg = Envelope { channel: self.channel, event };
        match self.sender.try_send(msg) {
            Ok(()) => return Ok(()),
            Err(crossbeam_channel::TrySendError::Full(m)) => msg = m,
            Err(crossbeam_channel::TrySendError::Disconnected(_)) => return Err(Error::Cancelled),
        }
        self.send_blocking(msg)
    }

    /// Waits for space, charging the wait to the task's back-pressured time as it goes (so a
    /// long wait shows while it lasts).
    fn send_blocking(&self, mut msg: Envelope<T>) -> Result<()> {
        loop {
            if self.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let blocked = std::time::Instant::now();
            let sent = self.sender.send_timeout(msg, CANCEL_POLL);
            crate::metrics::record_backpressure(blocked.elapsed());
            match sent {
                Ok(()) => return Ok(()),
                Err(crossbeam_channel::SendTimeoutError::Timeout(m)) => msg = m,
                Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => return Err(Error::Cancelled),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumers_hand_emptied_buffers_back_to_producers() {
        let (tx, rx) = gate::<i32>(2);
        let mut buf = tx.records_buffer(16);
        assert_eq!(buf.capacity(), 16);
        buf.extend([Record::new(1), Record::new(2)]);
        let ptr = buf.as_ptr();
        let w = ChannelWriter::new(tx.clone(), 0, CancelToken::default());
        w.send(Event::Records(buf)).unwrap();
        let Event::Records(got) = rx.recv().unwrap().event else { panic!("records expected") };
        rx.recycle_records(got);
        let again = w.records_buffer(16);
        assert!(again.is_empty());
        assert_eq!(again.as_ptr(), ptr, "the consumer's buffer came back");
        rx.recycle_groups(vec![1, 2, 3]);
        let groups = w.groups_buffer(4);
        assert!(groups.is_empty() && groups.capacity() >= 3);
    }

    #[test]
    fn full_gate_blocks_until_cancelled() {
        let (tx, _rx) = gate::<i32>(1);
        let cancel = CancelToken::default();
        let w = ChannelWriter::new(tx, 0, cancel.clone());
        w.send(Event::Watermark(1)).unwrap();
        let c2 = cancel.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            c2.cancel();
        });
        assert!(matches!(w.send(Event::Watermark(2)), Err(Error::Cancelled)));
        t.join().unwrap();
    }
}
