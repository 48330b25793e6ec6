//! Event-time session windows with a fixed gap and the default trigger, evaluated by an
//! incremental aggregate (`reduce`, `sum`, `aggregate`, …): the fast path of
//! [`WindowOperator`](super::WindowOperator) for this case, with the same results.
//!
//! The generic operator keeps a merging-window set, one state entry per window and two timers
//! per window in the keyed backend, and rewrites all of them for every element that extends a
//! session — which is nearly every element. Here each key's sessions live in one small sorted
//! vector beside their accumulators, and time is kept by one *check* per key in a queue: the
//! earliest time at which one of the key's sessions has something due. A session that grows
//! leaves its check where it is; when the check comes due, the key's sessions are looked at,
//! whatever is due fires, and the next check is queued. So an element costs one hash lookup
//! and an accumulator update.
//!
//! What is kept identical to the generic path (and tested against it on random input in
//! `window_session_tests.rs`): merging (windows that intersect or touch merge, contents merged
//! in window order), the trigger (fire when the watermark passes `end - 1`, and at once for an
//! element joining a session the watermark already passed — within the allowed lateness),
//! cleanup at `end - 1 + allowed_lateness`, dropping or side-outputting late elements, the
//! error for a merge that would end before the watermark, and results stamped `end - 1`.

use super::contract::{Downstream, OneInputOperator};
use super::window_session_state::{KeySessions, Session, SessionIndex};
use crate::collector::{Collector, OutputTag, SideOutputs};
use crate::functions::KeySelector;
use crate::output::BoxOutput;
use crate::time::ProcessingTimeService;
use crate::windows::{TimeWindow, Window, WindowContents, WindowContext};
use rasch_core::{Error, Key, NO_TIMESTAMP, Record, Result};
use rasch_state::KeyedStateBackend;
use std::marker::PhantomData;
use std::rc::Rc;

/// The table the sessions are filed under in snapshots.
const SESSIONS_TABLE: &str = "session-windows";

/// Session windows of one keyed stream (see the module docs).
pub struct SessionWindowOperator<K, IN, S, C: WindowContents<IN, K, TimeWindow>> {
    selector: S,
    gap: i64,
    allowed_lateness: i64,
    late_tag: Option<OutputTag<IN>>,
    contents: C,
    sessions: SessionIndex<K, C::Acc>,
    watermark: i64,
    /// Only for the window context handed to `contents` when a window fires.
    backend: KeyedStateBackend<K>,
    time: Rc<ProcessingTimeService>,
    sides: SideOutputs,
    out: BoxOutput<C::Out>,
    buf: Vec<Record<C::Out>>,
    batch_size: usize,
    late_dropped: u64,
    checkpoint: Option<crate::checkpoint::KeyedMapState>,
    _in: PhantomData<fn(IN)>,
}

impl<K, IN, S, C> SessionWindowOperator<K, IN, S, C>
where
    K: Key,
    IN: Clone + 'static,
    S: KeySelector<IN, K>,
    C: WindowContents<IN, K, TimeWindow>,
{
    /// Sessions of `gap` ms, kept `allowed_lateness` ms after they end, late elements to
    /// `late_tag` (or dropped), evaluated with `contents`. `backend` only serves the window
    /// context of firing windows.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        selector: S,
        gap: i64,
        allowed_lateness: i64,
        late_tag: Option<OutputTag<IN>>,
        contents: C,
        backend: KeyedStateBackend<K>,
        time: Rc<ProcessingTimeService>,
        out: BoxOutput<C::Out>,
        sides: SideOutputs,
        batch_size: usize,
    ) -> Self {
        SessionWindowOperator {
            selector,
            gap,
            allowed_lateness,
            late_tag,
            contents,
            sessions: SessionIndex::default(),
            watermark: rasch_core::MIN_WATERMARK,
            backend,
            time,
            sides,
            out,
            buf: Vec::new(),
            batch_size: batch_size.max(1),
            late_dropped: 0,
            checkpoint: None,
            _in: PhantomData,
        }
    }

    /// Files the sessions in snapshots of the operator described by `setup`, and loads the
    /// restored ones.
    pub fn with_checkpointing(mut self, setup: &super::OperatorSetup) -> Result<Self> {
        if let Some(state) = &setup.restored {
            // State of the generic window operator (same uid, older Rasch or a process function)
            // must not be dropped silently.
            let generic = state.increment.is_some()
                || state.keyed.iter().any(|g| !g.event_timers.is_empty() || g.tables.iter().any(|(name, _)| name != SESSIONS_TABLE));
            if generic {
                return Err(Error::User(format!(
                    "the restored state of operator {} was written by the generic window operator, not by the session-window fast \
                     path this job uses; evaluate the windows with aggregate_with_process(f, rasch::windows::PassThrough) to restore it",
                    setup.operator_id
                )));
            }
        }
        let cp = crate::checkpoint::KeyedMapState::new(setup, SESSIONS_TABLE);
        let allowed_lateness = self.allowed_lateness;
        for (key, list) in cp.restore::<K, Vec<Session<C::Acc>>>(setup.restored.as_ref())? {
            self.sessions.restore(key, list, |w: &TimeWindow| w.max_timestamp().saturating_add(allowed_lateness));
        }
        self.checkpoint = Some(cp);
        Ok(self)
    }

    /// Elements dropped because their session was late and no late-data tag was set.
    pub fn num_late_records_dropped(&self) -> u64 {
        self.late_dropped
    }

    fn process_element(&mut self, value: IN, ts: i64) -> Result<()> {
        if ts == NO_TIMESTAMP {
            return Err(Error::User(
                "record has no timestamp: event-time windows need timestamps — did you forget assign_timestamps_and_watermarks(...)?"
                    .into(),
            ));
        }
        let new = TimeWindow::new(ts, ts.saturating_add(self.gap));
        let (lateness, watermark) = (self.allowed_lateness, self.watermark);
        let is_late = |w: &TimeWindow| cleanup_time(w, lateness) <= watermark;
        let slot = self.sessions.slot_of(self.selector.get_key(&value));
        let ks = self.sessions.get_mut(slot);
        // The key's sessions are sorted and pairwise apart; those `new` intersects are a run.
        let first = ks.sessions.partition_point(|s| s.window.end < new.start);
        let last = first + ks.sessions[first..].iter().take_while(|s| s.window.start <= new.end).count();
        let index = match last - first {
            0 => {
                if is_late(&new) {
                    self.sessions.release_if_empty(slot);
                    return self.late(value, ts);
                }
                ks.sessions.insert(first, Session { window: new, acc: None, fire_pending: false });
                first
            }
            1 if ks.sessions[first].window.cover(&new) == ks.sessions[first].window => {
                if is_late(&ks.sessions[first].window) {
                    // As the generic path: the late window leaves the set, the element is late.
                    ks.sessions.remove(first);
                    self.sessions.release_if_empty(slot);
                    return self.late(value, ts);
                }
                first
            }
            _ => {
                let result = ks.sessions[first..last].iter().fold(new, |c, s| c.cover(&s.window));
                let mut merged = ks.sessions.drain(first..last);
                if result.max_timestamp().saturating_add(self.allowed_lateness) <= self.watermark {
                    return Err(Error::Internal(
                        "the end of an event-time window cannot become earlier than the watermark by merging".into(),
                    ));
                }
                let mut acc = merged.next().and_then(|s| s.acc);
                for s in merged {
                    acc = match (acc, s.acc) {
                        (Some(a), Some(b)) => Some(self.contents.merge(a, b)?),
                        (a, b) => a.or(b),
                    };
                }
                // The trigger's merge hook registers the end of the merged window if still ahead.
                let fire_pending = result.max_timestamp() > self.watermark;
                ks.sessions.insert(first, Session { window: result, acc, fire_pending });
                first
            }
        };
        self.add_to_session(slot, index, value, ts)
    }

    /// Adds `value` to session `index` of the key in `slot` and acts like the trigger.
    fn add_to_session(&mut self, slot: u32, index: usize, value: IN, ts: i64) -> Result<()> {
        let watermark = self.watermark;
        let ks = self.sessions.get_mut(slot);
        let session = &mut ks.sessions[index];
        let w = session.window;
        let fire_now = w.max_timestamp() <= watermark;
        if !fire_now {
            session.fire_pending = true;
        }
        self.contents.add(&mut session.acc, value, ts)?;
        if fire_now {
            self.fire(slot, index)?;
        }
        let due = self.sessions.get_mut(slot).sessions[index].next_due(cleanup_time(&w, self.allowed_lateness));
        self.sessions.schedule(slot, due);
        Ok(())
    }

    /// Evaluates session `index` of the key in `slot` (its contents stay).
    fn fire(&mut self, slot: u32, index: usize) -> Result<()> {
        let ks: &mut KeySessions<K, C::Acc> = self.sessions.get_mut(slot);
        let session = &mut ks.sessions[index];
        let Some(acc) = session.acc.as_mut() else { return Ok(()) };
        let w = session.window;
        let key_group = self.backend.key_group(&ks.key)?;
        let mut ctx = WindowContext {
            key: &ks.key,
            key_group,
            window: &w,
            backend: &mut self.backend,
            watermark: self.watermark,
            time: &self.time,
            sides: &mut self.sides,
        };
        self.contents.fire(&ks.key, acc, &mut ctx, &mut Collector::new(&mut self.buf, w.max_timestamp()))?;
        if self.buf.len() >= self.batch_size {
            self.out.push(&mut self.buf)?;
        }
        Ok(())
    }

    fn late(&mut self, value: IN, ts: i64) -> Result<()> {
        if ts.saturating_add(self.allowed_lateness) <= self.watermark {
            match &self.late_tag {
                Some(tag) => self.sides.emit(tag, value, ts)?,
                None => self.late_dropped += 1,
            }
        }
        Ok(())
    }

    /// Fires and cleans up, in time order per key, everything due at `watermark`.
    fn advance(&mut self, watermark: i64) -> Result<()> {
        self.watermark = watermark;
        while let Some(slot) = self.sessions.pop_due(watermark) {
            let mut index = 0;
            while index < self.sessions.get_mut(slot).sessions.len() {
                let s = &mut self.sessions.get_mut(slot).sessions[index];
                let w = s.window;
                let cleanup = cleanup_time(&w, self.allowed_lateness);
                if s.fire_pending && w.max_timestamp() <= watermark {
                    s.fire_pending = false;
                    self.fire(slot, index)?;
                }
                if cleanup != i64::MAX && cleanup <= watermark {
                    let ks = self.sessions.get_mut(slot);
                    ks.sessions.remove(index);
                    let key_group = self.backend.key_group(&ks.key)?;
                    let mut ctx = WindowContext {
                        key: &ks.key,
                        key_group,
                        window: &w,
                        backend: &mut self.backend,
                        watermark,
                        time: &self.time,
                        sides: &mut self.sides,
                    };
                    self.contents.clear(&mut ctx)?;
                } else {
                    index += 1;
                }
            }
            let allowed_lateness = self.allowed_lateness;
            self.sessions.reschedule(slot, |w| w.max_timestamp().saturating_add(allowed_lateness));
        }
        self.emit()
    }

    fn emit(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }
}

/// When a session's contents are dropped: `allowed_lateness` after its end.
fn cleanup_time(w: &TimeWindow, allowed_lateness: i64) -> i64 {
    w.max_timestamp().saturating_add(allowed_lateness)
}

impl<K, IN, S, C> OneInputOperator for SessionWindowOperator<K, IN, S, C>
where
    K: Key,
    IN: Clone + 'static,
    S: KeySelector<IN, K>,
    C: WindowContents<IN, K, TimeWindow>,
{
    type In = IN;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.out, &mut self.sides)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<IN>>) -> Result<()> {
        for r in batch.drain(..) {
            self.process_element(r.value, r.ts)?;
        }
        self.emit()
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.advance(watermark)?;
        self.downstream().watermark(watermark)
    }
    fn snapshot_state(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        if let Some(cp) = &self.checkpoint {
            cp.snapshot(snapshot, self.sessions.iter().map(|ks| (&ks.key, ks.sessions.to_vec())), Vec::new())?;
        }
        Ok(())
    }
    fn on_end_input(&mut self) -> Result<()> {
        self.emit()
    }
    fn on_flush(&mut self) -> Result<()> {
        self.emit()
    }
    fn on_close(&mut self) -> Result<()> {
        self.contents.close()
    }
}
