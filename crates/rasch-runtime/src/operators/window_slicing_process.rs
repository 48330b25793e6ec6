//! The process-function stage of sliced windows: `aggregate_with_process` and
//! `reduce_with_process` on tumbling and sliding event-time windows keep the sliced fast path
//! ([`SlicingWindowOperator`](super::SlicingWindowOperator) computes one `(key, window, result)`
//! per fired window), and this operator, chained right behind it, calls the user's
//! [`ProcessWindowFunction`] with the full window context: key, window, watermark, per-window
//! and global keyed state, side outputs.
//!
//! The sliced operator fires windows when a watermark arrives and forwards that watermark right
//! after their results, so this operator holds the results until the watermark and evaluates
//! them with it as the current watermark — what Flink's window operator shows a process function.
//! Per-window state is cleared after each evaluation: a sliced window fires once and is gone.

use super::contract::{Downstream, OneInputOperator};
use super::window::CONTENTS;
use crate::collector::{Collector, SideOutputs};
use crate::keyed::KeyedRuntime;
use crate::output::BoxOutput;
use crate::windows::{ProcessWindowFunction, Window, WindowContext};
use rasch_core::{Error, Key, Record, Result};
use std::marker::PhantomData;

/// Evaluates fired sliced windows, `(key, window, result)`, with a [`ProcessWindowFunction`].
pub struct SlicedWindowProcessOperator<K, W, R, OUT, P> {
    process: P,
    keyed: KeyedRuntime<K, W>,
    sides: SideOutputs,
    out: BoxOutput<OUT>,
    /// Results of windows fired by the watermark that has not arrived here yet.
    fired: Vec<Record<(K, W, R)>>,
    buf: Vec<Record<OUT>>,
    batch_size: usize,
    _result: PhantomData<fn(R)>,
}

impl<K, W, R, OUT, P> SlicedWindowProcessOperator<K, W, R, OUT, P>
where
    K: Key,
    W: Window,
    R: 'static,
    OUT: 'static,
    P: ProcessWindowFunction<R, OUT, K, W>,
{
    /// The stage of the instance described by `setup`, evaluating `process` with the keyed
    /// state of `keyed`. Fails on restored state of the general window operator (same uid,
    /// written by an older Rasch or with a custom trigger): its window contents would be lost.
    pub fn new(
        setup: &super::OperatorSetup,
        process: P,
        keyed: KeyedRuntime<K, W>,
        out: BoxOutput<OUT>,
        sides: SideOutputs,
        batch_size: usize,
    ) -> Result<Self> {
        if let Some(state) = &setup.restored {
            let general = state.keyed.iter().any(|g| !g.event_timers.is_empty() || g.tables.iter().any(|(name, _)| name == CONTENTS));
            if general {
                return Err(Error::User(format!(
                    "the restored state of operator {} was written by the general window operator, not by the sliced windows this \
                     job evaluates; set the trigger explicitly (.trigger(EventTimeTrigger)) to restore it",
                    setup.operator_id
                )));
            }
        }
        Ok(SlicedWindowProcessOperator { process, keyed, sides, out, fired: Vec::new(), buf: Vec::new(), batch_size, _result: PhantomData })
    }

    /// Evaluates every held window result at the current watermark.
    fn evaluate(&mut self) -> Result<()> {
        for Record { value: (key, window, result), .. } in std::mem::take(&mut self.fired) {
            let key_group = self.keyed.backend.key_group_of(&key, None)?;
            let k = &mut self.keyed;
            let mut ctx = WindowContext {
                key: &key,
                key_group,
                window: &window,
                backend: &mut k.backend,
                watermark: k.watermark,
                time: &k.time,
                sides: &mut self.sides,
            };
            self.process.process(
                &key,
                &mut ctx,
                std::slice::from_ref(&result),
                &mut Collector::new(&mut self.buf, window.max_timestamp()),
            )?;
            self.process.clear(&mut ctx)?;
            if self.buf.len() >= self.batch_size {
                self.out.push(&mut self.buf)?;
            }
        }
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }
}

impl<K, W, R, OUT, P> OneInputOperator for SlicedWindowProcessOperator<K, W, R, OUT, P>
where
    K: Key,
    W: Window,
    R: 'static,
    OUT: 'static,
    P: ProcessWindowFunction<R, OUT, K, W>,
{
    type In = (K, W, R);
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.out, &mut self.sides)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<(K, W, R)>>) -> Result<()> {
        self.fired.append(batch);
        Ok(())
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.keyed.watermark = watermark;
        self.evaluate()?;
        self.downstream().watermark(watermark)
    }
    fn snapshot_state(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        // Fired windows arrive together with the watermark that fired them, within one call of
        // the chained sliced operator: a barrier never finds any held.
        if !self.fired.is_empty() {
            return Err(Error::Internal(format!("{} fired windows held at a checkpoint barrier", self.fired.len())));
        }
        self.keyed.snapshot_into(snapshot)
    }
    fn on_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.keyed.notify_checkpoint_complete(checkpoint_id);
        Ok(())
    }
    fn on_end_input(&mut self) -> Result<()> {
        self.evaluate()
    }
    fn on_close(&mut self) -> Result<()> {
        self.process.close()
    }
}
