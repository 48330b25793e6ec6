//! The loop of a task whose head is a two-input operator.

use super::{GateUpdate, TaskBody, TaskEnv, TwoInputTaskBuilder, WatermarkTracker, wait_time};
use crate::channel::{Event, GateReceiver};
use crate::operators::TwoInputOperator;
use crate::time::ProcessingTimeService;
use crossbeam_channel::Select;
use rasch_core::{Error, Result, WatermarkStatus};
use std::any::Any;
use std::rc::Rc;

/// Reads two gates and pushes into a two-input operator.
pub struct TwoInputTask<A, B> {
    op: Box<dyn TwoInputOperator<A, B>>,
    gates: Option<(GateReceiver<A>, GateReceiver<B>)>,
    watermarks: [WatermarkTracker; 2],
    combined: i64,
    idle: bool,
    time: Option<Rc<ProcessingTimeService>>,
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
        self.on_watermark(update.watermark)
    }

    fn on_watermark(&mut self, advanced: Option<i64>) -> Result<()> {
        if advanced.is_some() {
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
        Ok(self)
    }
}

impl<A: 'static, B: 'static> TaskBody for TwoInputTask<A, B> {
    fn run(mut self: Box<Self>, env: &TaskEnv) -> Result<()> {
        let (g1, g2) = self.gates.take().ok_or_else(|| Error::Internal("two-input task started without gates".into()))?;
        let time = self.time.clone().ok_or_else(|| Error::Internal("two-input task started without a clock".into()))?;
        loop {
            if env.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let now = time.now();
            if time.take_due(now) {
                self.op.on_processing_time(now)?;
            }
            if self.watermarks[0].all_ended() && self.watermarks[1].all_ended() {
                self.op.end_input()?;
                return self.op.close();
            }
            let mut sel = Select::new();
            let i1 = (!self.watermarks[0].all_ended()).then(|| sel.recv(&g1));
            let i2 = (!self.watermarks[1].all_ended()).then(|| sel.recv(&g2));
            let op = match sel.try_select() {
                Ok(op) => op,
                Err(_) => {
                    self.op.flush()?;
                    match sel.select_timeout(wait_time(&time)) {
                        Ok(op) => op,
                        Err(_) => continue,
                    }
                }
            };
            if Some(op.index()) == i1 {
                let env = op.recv(&g1).map_err(|_| Error::Cancelled)?;
                let ch = env.channel as usize;
                match env.event {
                    Event::Records(mut b) => self.op.push1(&mut b)?,
                    Event::Watermark(w) => {
                        let u = self.watermarks[0].on_watermark(ch, w);
                        self.apply(u)?;
                    }
                    Event::WatermarkStatus(s) => {
                        let u = self.watermarks[0].on_status(ch, s);
                        self.apply(u)?;
                    }
                    Event::EndOfInput => {
                        let mut u = self.watermarks[0].on_end(ch);
                        u.watermark = u.watermark.or(Some(i64::MAX));
                        u.status = u.status.or(Some(WatermarkStatus::Active));
                        self.apply(u)?;
                    }
                }
            } else if Some(op.index()) == i2 {
                let env = op.recv(&g2).map_err(|_| Error::Cancelled)?;
                let ch = env.channel as usize;
                match env.event {
                    Event::Records(mut b) => self.op.push2(&mut b)?,
                    Event::Watermark(w) => {
                        let u = self.watermarks[1].on_watermark(ch, w);
                        self.apply(u)?;
                    }
                    Event::WatermarkStatus(s) => {
                        let u = self.watermarks[1].on_status(ch, s);
                        self.apply(u)?;
                    }
                    Event::EndOfInput => {
                        let mut u = self.watermarks[1].on_end(ch);
                        u.watermark = u.watermark.or(Some(i64::MAX));
                        u.status = u.status.or(Some(WatermarkStatus::Active));
                        self.apply(u)?;
                    }
                }
            }
        }
    }
}
