//! In-process channels between tasks: bounded queues of batches, so a slow consumer blocks
//! its producers (back-pressure) instead of growing memory.

use rasch_core::{Error, Record, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What travels on a channel: batches of records and, in order with them, control events.
#[derive(Debug)]
pub enum Event<T> {
    /// A batch of records.
    Records(Vec<Record<T>>),
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

/// Sending half of a gate's queue.
pub type GateSender<T> = crossbeam_channel::Sender<Envelope<T>>;
/// Receiving half of a gate's queue.
pub type GateReceiver<T> = crossbeam_channel::Receiver<Envelope<T>>;

/// Creates the queue of one input gate holding at most `capacity` batches.
pub fn gate<T>(capacity: usize) -> (GateSender<T>, GateReceiver<T>) {
    crossbeam_channel::bounded(capacity)
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
