//! The loop of a task whose head has one input gate.

use super::{BarrierAligner, GateUpdate, TaskBody, TaskControl, TaskEnv, WatermarkTracker, wait_time};
use crate::channel::{Envelope, Event, GateReceiver};
use crate::checkpoint::{Barrier, Snapshot};
use crate::output::BoxOutput;
use crate::time::ProcessingTimeService;
use crossbeam_channel::{RecvTimeoutError, TryRecvError};
use rasch_core::{Error, Result};
use std::collections::VecDeque;
use std::rc::Rc;

/// Reads one gate and pushes into the chain.
pub struct OneInputTask<T> {
    head: BoxOutput<T>,
    gate: GateReceiver<T>,
    watermarks: WatermarkTracker,
    time: Rc<ProcessingTimeService>,
    aligner: Option<BarrierAligner>,
    /// Events of channels blocked by barrier alignment, per channel.
    held: Vec<VecDeque<Envelope<T>>>,
    /// Held events released after a snapshot, processed before new input.
    replay: VecDeque<Envelope<T>>,
}

impl<T: 'static> OneInputTask<T> {
    /// A task reading `gate` (with `channels` producers) into `head`.
    pub fn new(head: BoxOutput<T>, gate: GateReceiver<T>, channels: usize, time: Rc<ProcessingTimeService>) -> Self {
        OneInputTask {
            head,
            gate,
            watermarks: WatermarkTracker::new(channels),
            time,
            aligner: None,
            held: (0..channels).map(|_| VecDeque::new()).collect(),
            replay: VecDeque::new(),
        }
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

    fn snapshot(&mut self, env: &TaskEnv, barrier: Barrier, alignment_ms: u64) -> Result<()> {
        let mut snapshot = Snapshot::new(barrier);
        snapshot.alignment_ms = alignment_ms;
        self.head.snapshot(&mut snapshot)?;
        env.ack(snapshot);
        for held in &mut self.held {
            self.replay.extend(held.drain(..));
        }
        Ok(())
    }

    fn control(&mut self, env: &TaskEnv) -> Result<()> {
        while let Ok(c) = env.control.try_recv() {
            if let TaskControl::Complete(id) = c {
                self.head.notify_checkpoint_complete(id)?;
            }
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Option<Envelope<T>>> {
        if let Some(e) = self.replay.pop_front() {
            return Ok(Some(e));
        }
        match self.gate.try_recv() {
            Ok(e) => Ok(Some(e)),
            Err(TryRecvError::Empty) => {
                self.head.flush()?;
                let waiting = std::time::Instant::now();
                let received = self.gate.recv_timeout(wait_time(&self.time));
                crate::metrics::record_idle(waiting.elapsed());
                match received {
                    Ok(e) => Ok(Some(e)),
                    Err(RecvTimeoutError::Timeout) => Ok(None),
                    Err(RecvTimeoutError::Disconnected) => Err(Error::Cancelled),
                }
            }
            Err(TryRecvError::Disconnected) => Err(Error::Cancelled),
        }
    }
}

impl<T: 'static> TaskBody for OneInputTask<T> {
    fn run(mut self: Box<Self>, env: &TaskEnv) -> Result<()> {
        let aligner = self.aligner.insert(BarrierAligner::new(self.held.len(), env.exactly_once));
        let _ = aligner;
        loop {
            if env.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            self.fire_timers()?;
            self.control(env)?;
            let Some(envelope) = self.next()? else { continue };
            let channel = envelope.channel as usize;
            let aligner = self.aligner.as_mut().expect("set at start");
            if aligner.is_blocked(channel) {
                self.held[channel].push_back(envelope);
                continue;
            }
            match envelope.event {
                Event::Records(mut batch) => {
                    self.head.push(&mut batch)?;
                    self.gate.recycle_records(batch);
                }
                Event::KeyedRecords(mut batch, mut groups) => {
                    self.head.push_keyed(&mut batch, &mut groups)?;
                    self.gate.recycle_records(batch);
                    self.gate.recycle_groups(groups);
                }
                Event::Watermark(w) => {
                    let u = self.watermarks.on_watermark(channel, w);
                    self.apply(u)?;
                }
                Event::WatermarkStatus(s) => {
                    let u = self.watermarks.on_status(channel, s);
                    self.apply(u)?;
                }
                Event::Barrier(b) => {
                    if let Some(b) = aligner.on_barrier(channel, b) {
                        let ms = aligner.last_alignment_ms();
                        self.snapshot(env, b, ms)?;
                    }
                }
                Event::EndOfInput => {
                    if let Some(b) = aligner.on_end(channel) {
                        let ms = aligner.last_alignment_ms();
                        self.snapshot(env, b, ms)?;
                    }
                    let u = self.watermarks.on_end(channel);
                    self.apply(u)?;
                    if self.watermarks.all_ended() {
                        self.head.end_input()?;
                        let head = &mut self.head;
                        env.finish(|id| head.notify_checkpoint_complete(id))?;
                        return self.head.close();
                    }
                }
            }
        }
    }
}
