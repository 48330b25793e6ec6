//! `KeyedStream::process`: a [`KeyedProcessFunction`] with keyed state and timers.

use crate::collector::{Collector, SideOutputs};
use crate::functions::{KeySelector, KeyedProcessFunction};
use crate::keyed::{KeyedContext, KeyedRuntime, TimeDomain};
use crate::output::{BoxOutput, Output};
use rasch_core::{Key, NO_TIMESTAMP, Record, Result, WatermarkStatus};
use std::marker::PhantomData;

/// Runs a keyed process function.
pub struct KeyedProcessOperator<K, T, U, S, F> {
    selector: S,
    f: F,
    keyed: KeyedRuntime<K, ()>,
    sides: SideOutputs,
    out: BoxOutput<U>,
    buf: Vec<Record<U>>,
    _input: PhantomData<fn(T)>,
}

impl<K: Key, T: 'static, U: 'static, S: KeySelector<T, K>, F: KeyedProcessFunction<K, T, U>> KeyedProcessOperator<K, T, U, S, F> {
    /// A keyed process operator over `keyed` state, emitting to `out` and `sides`.
    pub fn new(selector: S, f: F, keyed: KeyedRuntime<K, ()>, out: BoxOutput<U>, sides: SideOutputs) -> Self {
        KeyedProcessOperator { selector, f, keyed, sides, out, buf: Vec::new(), _input: PhantomData }
    }

    fn emit(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }

    fn fire(&mut self, domain: TimeDomain, limit: i64) -> Result<()> {
        loop {
            let timer = match domain {
                TimeDomain::EventTime => self.keyed.timers.event.pop_due(limit),
                TimeDomain::ProcessingTime => self.keyed.timers.processing.pop_due(limit),
            };
            let Some(timer) = timer else { break };
            let kg = self.keyed.backend.key_group(&timer.key)?;
            let ts = if domain == TimeDomain::EventTime { timer.time } else { NO_TIMESTAMP };
            let k = &mut self.keyed;
            let mut ctx =
                KeyedContext::new(ts, k.watermark, &timer.key, kg, &mut k.backend, &mut k.timers, &k.time, &mut self.sides, Some(domain));
            self.f.on_timer(timer.time, &mut ctx, &mut Collector::new(&mut self.buf, ts))?;
        }
        self.emit()
    }
}

impl<K: Key, T: 'static, U: 'static, S: KeySelector<T, K>, F: KeyedProcessFunction<K, T, U>> Output<T>
    for KeyedProcessOperator<K, T, U, S, F>
{
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        for r in batch.drain(..) {
            let key = self.selector.get_key(&r.value).into_owned();
            let kg = self.keyed.backend.key_group(&key)?;
            let k = &mut self.keyed;
            let mut ctx = KeyedContext::new(r.ts, k.watermark, &key, kg, &mut k.backend, &mut k.timers, &k.time, &mut self.sides, None);
            self.f.process_element(r.value, &mut ctx, &mut Collector::new(&mut self.buf, r.ts))?;
        }
        self.emit()
    }
    fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.keyed.watermark = watermark;
        self.fire(TimeDomain::EventTime, watermark)?;
        self.sides.watermark(watermark)?;
        self.out.watermark(watermark)
    }
    fn on_processing_time(&mut self, now: i64) -> Result<()> {
        self.fire(TimeDomain::ProcessingTime, now)?;
        self.keyed.request_processing_wakeup();
        self.sides.on_processing_time(now)?;
        self.out.on_processing_time(now)
    }
    fn watermark_status(&mut self, status: WatermarkStatus) -> Result<()> {
        self.sides.watermark_status(status)?;
        self.out.watermark_status(status)
    }
    fn end_input(&mut self) -> Result<()> {
        self.sides.end_input()?;
        self.out.end_input()
    }
    fn flush(&mut self) -> Result<()> {
        self.sides.flush()?;
        self.out.flush()
    }
    fn close(&mut self) -> Result<()> {
        self.f.close()?;
        self.sides.close()?;
        self.out.close()
    }
}
