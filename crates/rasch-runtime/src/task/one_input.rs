//! The loop of a task whose head has one input gate.

use super::{TaskBody, TaskEnv, WatermarkTracker};
use crate::channel::{CANCEL_POLL, Event, GateReceiver};
use crate::output::BoxOutput;
use crossbeam_channel::{RecvTimeoutError, TryRecvError};
use rasch_core::{Error, Result};

/// Reads one gate and pushes into the chain.
pub struct OneInputTask<T> {
    head: BoxOutput<T>,
    gate: GateReceiver<T>,
    watermarks: WatermarkTracker,
}

impl<T: 'static> OneInputTask<T> {
    /// A task reading `gate` (with `channels` producers) into `head`.
    pub fn new(head: BoxOutput<T>, gate: GateReceiver<T>, channels: usize) -> Self {
        OneInputTask { head, gate, watermarks: WatermarkTracker::new(channels) }
    }
}

impl<T: 'static> TaskBody for OneInputTask<T> {
    fn run(mut self: Box<Self>, env: &TaskEnv) -> Result<()> {
        loop {
            if env.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let envelope = match self.gate.try_recv() {
                Ok(e) => e,
                Err(TryRecvError::Empty) => {
                    self.head.flush()?;
                    match self.gate.recv_timeout(CANCEL_POLL) {
                        Ok(e) => e,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return Err(Error::Cancelled),
                    }
                }
                Err(TryRecvError::Disconnected) => return Err(Error::Cancelled),
            };
            let channel = envelope.channel as usize;
            match envelope.event {
                Event::Records(mut batch) => self.head.push(&mut batch)?,
                Event::Watermark(w) => {
                    if let Some(w) = self.watermarks.on_watermark(channel, w) {
                        self.head.watermark(w)?;
                    }
                }
                Event::EndOfInput => {
                    if let Some(w) = self.watermarks.on_end(channel) {
                        self.head.watermark(w)?;
                    }
                    if self.watermarks.all_ended() {
                        self.head.end_input()?;
                        return self.head.close();
                    }
                }
            }
        }
    }
}
