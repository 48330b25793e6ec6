//! The CEP operator (Flink's `CepOperator`): per key, an [`NfaState`] in keyed state. In event
//! time, elements wait in a keyed queue (sorted by timestamp) until the watermark passes them,
//! then run through the NFA in timestamp order; elements at or behind the watermark are late.
//! In processing time, elements run through the NFA as they arrive. `within` timeouts are
//! timers. State and timers are the keyed runtime's, so they checkpoint, restore and rescale by
//! key group like any keyed operator's.

use crate::functions::{MatchHandler, PatternContext};
use crate::nfa::{Nfa, NfaState, Outcome};
use rasch_core::{Error, Key, NO_TIMESTAMP, Record, Result};
use rasch_runtime::checkpoint::Snapshot;
use rasch_runtime::collector::{Collector, OutputTag, SideOutputs};
use rasch_runtime::context::Counter;
use rasch_runtime::functions::KeySelector;
use rasch_runtime::keyed::{KeyCell, KeyedRuntime};
use rasch_runtime::operators::{Downstream, OneInputOperator, OperatorSetup};
use rasch_runtime::output::BoxOutput;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

/// Which clock orders elements and fires `within` timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeMode {
    /// Element timestamps and watermarks (the default, as in Flink).
    EventTime,
    /// The processing-time clock.
    ProcessingTime,
}

/// Elements waiting for the watermark, sorted by timestamp, equal ones in arrival order (a
/// sorted vector: input is mostly in order, so insertion is mostly a push, and the elements the
/// watermark releases are a prefix).
type Queue<T> = Vec<(i64, T)>;
const NFA_STATE: &str = "cep-nfa-state";
const QUEUE: &str = "cep-element-queue";

/// Runs a compiled pattern over a keyed stream.
pub struct CepOperator<K, T, U, S, H> {
    selector: S,
    nfa: Arc<Nfa<T>>,
    handler: H,
    mode: TimeMode,
    late: Option<OutputTag<T>>,
    /// Late elements dropped because no late-data output was set (Flink's
    /// `numLateRecordsDropped`).
    late_dropped: Counter,
    keyed: KeyedRuntime<K, ()>,
    key: KeyCell<K>,
    slots: [OnceLock<usize>; 2],
    out: BoxOutput<U>,
    sides: SideOutputs,
    buf: Vec<Record<U>>,
    outcome: Outcome<T>,
    /// Queued elements the watermark released, reused across keys.
    due: Vec<(i64, T)>,
    _types: PhantomData<fn() -> U>,
}

impl<K, T, U, S, H> CepOperator<K, T, U, S, H>
where
    K: Key,
    T: rasch_core::Data,
    U: 'static,
    S: KeySelector<T, K>,
    H: MatchHandler<T, U>,
{
    /// A CEP operator for the subtask `setup` describes (its keyed state restored if the job
    /// was); `handler` must be opened.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        selector: S,
        nfa: Arc<Nfa<T>>,
        handler: H,
        mode: TimeMode,
        late: Option<OutputTag<T>>,
        setup: &OperatorSetup,
        out: BoxOutput<U>,
        sides: SideOutputs,
    ) -> Result<Self> {
        Ok(CepOperator {
            selector,
            nfa,
            handler,
            mode,
            late,
            late_dropped: setup.ctx.counter("numLateRecordsDropped"),
            keyed: KeyedRuntime::new(setup)?,
            key: KeyCell::default(),
            slots: Default::default(),
            out,
            sides,
            buf: Vec::new(),
            outcome: Outcome::default(),
            due: Vec::new(),
            _types: PhantomData,
        })
    }

    fn process(&mut self, r: Record<T>, group: Option<u16>) -> Result<()> {
        let key = self.key.set(self.selector.get_key(&r.value));
        let kg = self.keyed.backend.key_group_of(key, group)?;
        match self.mode {
            TimeMode::EventTime => {
                if r.ts == NO_TIMESTAMP {
                    return Err(Error::user(
                        "CEP in event time got an element without a timestamp; assign timestamps and watermarks, or use in_processing_time()",
                    ));
                }
                if r.ts <= self.keyed.watermark {
                    match &self.late {
                        Some(tag) => self.sides.emit(tag, r.value, r.ts)?,
                        None => self.late_dropped.inc(),
                    }
                    return Ok(());
                }
                let queue = self.keyed.backend.table::<(), Queue<T>>(QUEUE, &self.slots[1], None)?;
                let q = queue.get_mut_or_insert_with(kg, key, &(), 0, Vec::new)?;
                // One timer per key, at its earliest waiting element: when the watermark passes
                // any element it passes that one, and the firing drains all that are due.
                let earliest = q.first().is_none_or(|&(first, _)| r.ts < first);
                let at = q.partition_point(|(t, _)| *t <= r.ts);
                q.insert(at, (r.ts, r.value));
                if earliest {
                    self.keyed.timers.event.register(key, &(), r.ts);
                }
            }
            TimeMode::ProcessingTime => {
                let now = self.keyed.time.now();
                let KeyedRuntime { backend, timers, time, .. } = &mut self.keyed;
                let (nfa, out) = (&*self.nfa, &mut self.outcome);
                let table = backend.table::<(), NfaState<T>>(NFA_STATE, &self.slots[0], None)?;
                let st = table.get_mut_or_insert_with(kg, key, &(), 0, || NfaState::new(nfa))?;
                st.advance_time(nfa, now, H::TIMEOUTS, out);
                st.process(nfa, &r.value, now, now, out);
                let idle = st.is_idle(nfa);
                if idle {
                    table.remove(kg, key, &(), 0)?;
                }
                if std::mem::take(&mut out.new_start)
                    && let Some(w) = nfa.window()
                {
                    timers.processing.register(key, &(), now.saturating_add(w));
                    time.request(now.saturating_add(w));
                }
                self.hand_over(now)?;
            }
        }
        Ok(())
    }

    /// Runs the key's queued elements up to `watermark` through its NFA, then times out what
    /// the watermark passed (Flink's `CepOperator.onEventTime`).
    fn on_event_time(&mut self, key: &K, watermark: i64) -> Result<()> {
        let kg = self.keyed.backend.key_group(key)?;
        let KeyedRuntime { backend, timers, time, .. } = &mut self.keyed;
        let queue = backend.table::<(), Queue<T>>(QUEUE, &self.slots[1], None)?;
        let due = &mut self.due;
        due.clear();
        if let Some(q) = queue.get_mut(kg, key, &(), 0)? {
            let n = q.partition_point(|(t, _)| *t <= watermark);
            due.extend(q.drain(..n));
            match q.first() {
                None => {
                    queue.remove(kg, key, &(), 0)?;
                }
                Some(&(next, _)) => {
                    timers.event.register(key, &(), next);
                }
            }
        }
        let (nfa, out) = (&*self.nfa, &mut self.outcome);
        let table = backend.table::<(), NfaState<T>>(NFA_STATE, &self.slots[0], None)?;
        if due.is_empty() && table.get(kg, key, &(), 0)?.is_none() {
            return Ok(());
        }
        let now = time.now();
        let st = table.get_mut_or_insert_with(kg, key, &(), 0, || NfaState::new(nfa))?;
        let mut last_ts = None;
        for (ts, e) in due.drain(..) {
            if last_ts != Some(ts) {
                st.advance_time(nfa, ts, H::TIMEOUTS, out);
                last_ts = Some(ts);
            }
            st.process(nfa, &e, ts, now, out);
            if std::mem::take(&mut out.new_start)
                && let Some(w) = nfa.window()
            {
                timers.event.register(key, &(), ts.saturating_add(w));
            }
        }
        st.advance_time(nfa, watermark, H::TIMEOUTS, out);
        if st.is_idle(nfa) {
            table.remove(kg, key, &(), 0)?;
        }
        Ok(())
    }

    fn on_processing_time_of(&mut self, key: &K, at: i64) -> Result<()> {
        let kg = self.keyed.backend.key_group(key)?;
        let (nfa, out) = (&*self.nfa, &mut self.outcome);
        let table = self.keyed.backend.table::<(), NfaState<T>>(NFA_STATE, &self.slots[0], None)?;
        if let Some(st) = table.get_mut(kg, key, &(), 0)? {
            st.advance_time(nfa, at, H::TIMEOUTS, out);
            if st.is_idle(nfa) {
                table.remove(kg, key, &(), 0)?;
            }
        }
        Ok(())
    }

    /// Hands the matches and timed-out partial matches found so far to the user function.
    fn hand_over(&mut self, now: i64) -> Result<()> {
        for (m, ts) in self.outcome.matches.drain(..) {
            let mut ctx = PatternContext { timestamp: ts, processing_time: now, sides: &mut self.sides };
            self.handler.on_match(m, &mut ctx, &mut Collector::new(&mut self.buf, ts))?;
        }
        for (m, ts) in self.outcome.timed_out.drain(..) {
            let mut ctx = PatternContext { timestamp: ts, processing_time: now, sides: &mut self.sides };
            self.handler.on_timeout(m, &mut ctx)?;
        }
        Ok(())
    }

    fn emit(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }
}

impl<K, T, U, S, H> OneInputOperator for CepOperator<K, T, U, S, H>
where
    K: Key,
    T: rasch_core::Data,
    U: 'static,
    S: KeySelector<T, K>,
    H: MatchHandler<T, U>,
{
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.out, &mut self.sides)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        for r in batch.drain(..) {
            self.process(r, None)?;
        }
        self.emit()
    }
    fn process_keyed_batch(&mut self, batch: &mut Vec<Record<T>>, key_groups: &mut Vec<u16>) -> Result<()> {
        for (r, g) in batch.drain(..).zip(key_groups.drain(..)) {
            self.process(r, Some(g))?;
        }
        self.emit()
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.keyed.watermark = watermark;
        let now = self.keyed.time.now();
        while let Some(timer) = self.keyed.timers.event.pop_due(watermark) {
            self.on_event_time(&timer.key, watermark)?;
            self.hand_over(now)?;
        }
        self.emit()?;
        self.downstream().watermark(watermark)
    }
    fn on_processing_timer(&mut self, now: i64) -> Result<()> {
        while let Some(timer) = self.keyed.timers.processing.pop_due(now) {
            self.on_processing_time_of(&timer.key, timer.time)?;
            self.hand_over(now)?;
        }
        self.keyed.request_processing_wakeup();
        self.emit()
    }
    fn snapshot_state(&mut self, snapshot: &mut Snapshot) -> Result<()> {
        self.keyed.snapshot_into(snapshot)
    }
    fn on_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.keyed.notify_checkpoint_complete(checkpoint_id);
        Ok(())
    }
    fn on_close(&mut self) -> Result<()> {
        self.handler.close()
    }
}
