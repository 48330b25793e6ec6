//! The loop of a task whose head is a two-input operator.

use super::{BarrierAligner, GateUpdate, TaskBody, TaskControl, TaskEnv, TwoInputTaskBuilder, WatermarkTracker, wait_time};
use crate::channel::{Envelope, Event, GateReceiver};
use crate::checkpoint::{Barrier, Snapshot};
use crate::operators::TwoInputOperator;
use crate::time::ProcessingTimeService;
use crossbeam_channel::Select;
use rasch_core::{Error, Result, WatermarkStatus};
use std::any::Any;
use std::collections::VecDeque;
use std::rc::Rc;

/// An event of either input.
enum Input<A, B> {
    First(Envelope<A>),
    Second(Envelope<B>),
}

/// Reads two gates and pushes into a two-input operator.
pub struct TwoInputTask<A, B> {
    op: Box<dyn TwoInputOperator<A, B>>,
    gates: Option<(GateReceiver<A>, GateReceiver<B>)>,
    watermarks: [WatermarkTracker; 2],
    combined: i64,
    idle: bool,
    time: Option<Rc<ProcessingTimeService>>,
    /// Channels of the first gate come first in the aligner, then those of the second.
    first_channels: usize,
    held: Vec<VecDeque<Input<A, B>>>,
    replay: VecDeque<Input<A, B>>,
}

impl<A: 'static, B: 'static> TwoInputTask<A, B> {
    /// A builder that waits for the gates.
    pub fn builder(op: Box<dyn TwoInputOperator<A, B>>) -> Self {
        TwoInputTask {
            op,
            gates: None,
            watermarks: [WatermarkTracker::new(0), WatermarkTracker::new(0)],
            combined: rasch_core::MIN_WATERMARK,
            idle: false,
            time: None,
            first_channels: 0,
            held: Vec::new(),
            replay: VecDeque::new(),
        }
    }

    fn apply(&mut self, update: GateUpdate) -> Result<()> {
        if update.status.is_some() {
            let idle = self.watermarks.iter().all(|w| w.is_idle() || w.all_ended());
            if idle != self.idle {
                self.idle = idle;
                self.op.watermark_status(if idle { WatermarkStatus::Idle } else { WatermarkStatus::Active })?;
            }
        }
        if update.watermark.is_some() {
            // An idle input does not hold back the other one.
            let effective = |t: &WatermarkTracker| if t.is_idle() { i64::MAX } else { t.current() };
            let w = effective(&self.watermarks[0]).min(effective(&self.watermarks[1]));
            if w > self.combined {
                self.combined = w;
                self.op.watermark(w)?;
            }
        }
        Ok(())
    }

    fn snapshot(&mut self, env: &TaskEnv, barrier: Barrier, alignment_ms: u64) -> Result<()> {
        let mut snapshot = Snapshot::new(barrier);
        snapshot.alignment_ms = alignment_ms;
        self.op.snapshot(&mut snapshot)?;
        env.ack(snapshot);
        for held in &mut self.held {
            self.replay.extend(held.drain(..));
        }
        Ok(())
    }

    /// Handles a control event of input `gate` (0 or 1) on its channel `ch`.
    fn on_event<X>(&mut self, env: &TaskEnv, aligner: &mut BarrierAligner, gate: usize, ch: usize, event: Event<X>) -> Result<()> {
        let global = if gate == 0 { ch } else { self.first_channels + ch };
        match event {
            Event::Records(_) | Event::KeyedRecords(..) => unreachable!("records are pushed by the caller"),
            Event::Watermark(w) => {
                let u = self.watermarks[gate].on_watermark(ch, w);
                self.apply(u)
            }
            Event::WatermarkStatus(s) => {
                let u = self.watermarks[gate].on_status(ch, s);
                self.apply(u)
            }
            Event::Barrier(b) => match aligner.on_barrier(global, b) {
                Some(b) => self.snapshot(env, b, aligner.last_alignment_ms()),
                None => Ok(()),
            },
            Event::EndOfInput => {
                if let Some(b) = aligner.on_end(global) {
                    self.snapshot(env, b, aligner.last_alignment_ms())?;
                }
                let mut u = self.watermarks[gate].on_end(ch);
                u.watermark = u.watermark.or(Some(i64::MAX));
                u.status = u.status.or(Some(WatermarkStatus::Active));
                self.apply(u)
            }
        }
    }
}

impl<A: 'static, B: 'static> TwoInputTaskBuilder for TwoInputTask<A, B> {
    fn build(
        mut self: Box<Self>,
        gates: [Box<dyn Any + Send>; 2],
        channels: [usize; 2],
        time: Rc<ProcessingTimeService>,
    ) -> Result<Box<dyn TaskBody>> {
        self.time = Some(time);
        let [g1, g2] = gates;
        let g1 = g1.downcast::<GateReceiver<A>>().map_err(|_| Error::Internal("first input gate has the wrong type".into()))?;
        let g2 = g2.downcast::<GateReceiver<B>>().map_err(|_| Error::Internal("second input gate has the wrong type".into()))?;
        self.gates = Some((*g1, *g2));
        self.watermarks = [WatermarkTracker::new(channels[0]), WatermarkTracker::new(channels[1])];
        self.first_channels = channels[0];
        self.held = (0..channels[0] + channels[1]).map(|_| VecDeque::new()).collect();
        Ok(self)
    }
}

impl<A: 'static, B: 'static> TaskBody for TwoInputTask<A, B> {
    fn run(mut self: Box<Self>, env: &TaskEnv) -> Result<()> {
        let (g1, g2) = self.gates.take().ok_or_else(|| Error::Internal("two-input task started without gates".into()))?;
        let time = self.time.clone().ok_or_else(|| Error::Internal("two-input task started without a clock".into()))?;
        let mut aligner = BarrierAligner::new(self.held.len(), env.exactly_once);
        // The selection over both gates is built once, and rebuilt only when an input ends
        // (an ended gate must not be selected: its disconnected queue would always be ready).
        let mut ended = [false, false];
        let mut sel = Select::new();
        let mut indices = [Some(sel.recv(&g1)), Some(sel.recv(&g2))];
        loop {
            if env.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let now = time.now();
            if time.take_due(now) {
                self.op.on_processing_time(now)?;
            }
            while let Ok(c) = env.control.try_recv() {
                if let TaskControl::Complete(id) = c {
                    self.op.notify_checkpoint_complete(id)?;
                }
            }
            if self.watermarks[0].all_ended() && self.watermarks[1].all_ended() {
                self.op.end_input()?;
                let op = &mut self.op;
                env.finish(|id| op.notify_checkpoint_complete(id))?;
                return self.op.close();
            }
            let now_ended = [self.watermarks[0].all_ended(), self.watermarks[1].all_ended()];
            if now_ended != ended {
                ended = now_ended;
                sel = Select::new();
                indices = [(!ended[0]).then(|| sel.recv(&g1)), (!ended[1]).then(|| sel.recv(&g2))];
            }
            let input = match self.replay.pop_front() {
                Some(i) => i,
                None => {
                    let op = match sel.try_select() {
                        Ok(op) => op,
                        Err(_) => {
                            self.op.flush()?;
                            let waiting = std::time::Instant::now();
                            let selected = sel.select_timeout(wait_time(&time));
                            crate::metrics::record_idle(waiting.elapsed());
                            match selected {
                                Ok(op) => op,
                                Err(_) => continue,
                            }
                        }
                    };
                    if Some(op.index()) == indices[0] {
                        Input::First(op.recv(&g1).map_err(|_| Error::Cancelled)?)
                    } else if Some(op.index()) == indices[1] {
                        Input::Second(op.recv(&g2).map_err(|_| Error::Cancelled)?)
                    } else {
                        continue;
                    }
                }
            };
            let global = match &input {
                Input::First(e) => e.channel as usize,
                Input::Second(e) => self.first_channels + e.channel as usize,
            };
            if aligner.is_blocked(global) {
                self.held[global].push_back(input);
                continue;
            }
            match input {
                Input::First(Envelope { event: Event::Records(mut b), .. }) => {
                    self.op.push1(&mut b)?;
                    g1.recycle_records(b);
                }
                Input::First(Envelope { event: Event::KeyedRecords(mut b, mut groups), .. }) => {
                    self.op.push1_keyed(&mut b, &mut groups)?;
                    g1.recycle_records(b);
                    g1.recycle_groups(groups);
                }
                Input::Second(Envelope { event: Event::Records(mut b), .. }) => {
                    self.op.push2(&mut b)?;
                    g2.recycle_records(b);
                }
                Input::Second(Envelope { event: Event::KeyedRecords(mut b, mut groups), .. }) => {
                    self.op.push2_keyed(&mut b, &mut groups)?;
                    g2.recycle_records(b);
                    g2.recycle_groups(groups);
                }
                Input::First(e) => self.on_event(env, &mut aligner, 0, e.channel as usize, e.event)?,
                Input::Second(e) => self.on_event(env, &mut aligner, 1, e.channel as usize, e.event)?,
            }
        }
    }
}
