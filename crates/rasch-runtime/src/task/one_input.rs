//! The loop of a task whose head has one input gate.

use super::{GateUpdate, TaskBody, TaskEnv, WatermarkTracker, wait_time};
use crate::channel::{Event, GateReceiver};
use crate::output::BoxOutput;
use crate::time::ProcessingTimeService;
use crossbeam_channel::{RecvTimeoutError, TryRecvError};
use rasch_core::{Error, Result};
use std::rc::Rc;

/// Reads one gate and pushes into the chain.
pub struct OneInputTask<T> {
    head: BoxOutput<T>,
    gate: GateReceiver<T>,
    watermarks: WatermarkTracker,
    time: Rc<ProcessingTimeService>,
}

impl<T: 'static> OneInputTask<T> {
    /// A task reading `gate` (with `channels` producers) into `head`.
    pub fn new(head: BoxOutput<T>, gate: GateReceiver<T>, channels: usize, time: Rc<ProcessingTimeService>) -> Self {
        OneInputTask { head, gate, watermarks: WatermarkTracker::new(channels), time }
    }

    fn apply(&mut self, update: GateUpdate) -> Result<()> {
        if let Some(status) = update.status {
            self.head.watermark_status(status)?;
        }
        if let Some(w) = update.watermark {
            self.head.watermark(w)?;
        }
        Ok(())
    }

    fn fire_timers(&mut self) -> Result<()> {
        let now = self.time.now();
        if self.time.take_due(now) {
            self.head.on_processing_time(now)?;
        }
        Ok(())
    }
}

impl<T: 'static> TaskBody for OneInputTask<T> {
    fn run(mut self: Box<Self>, env: &TaskEnv) -> Result<()> {
        loop {
            if env.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            self.fire_timers()?;
            let envelope = match self.gate.try_recv() {
                Ok(e) => e,
                Err(TryRecvError::Empty) => {
                    self.head.flush()?;
                    match self.gate.recv_timeout(wait_time(&self.time)) {
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
                    let u = self.watermarks.on_watermark(channel, w);
                    self.apply(u)?;
                }
                Event::WatermarkStatus(s) => {
                    let u = self.watermarks.on_status(channel, s);
                    self.apply(u)?;
                }
                Event::EndOfInput => {
                    let u = self.watermarks.on_end(channel);
                    self.apply(u)?;
                    if self.watermarks.all_ended() {
                        self.head.end_input()?;
                        return self.head.close();
                    }
                }
            }
        }
    }
}
