//! `WindowOperator`: Flink's `WindowOperator` (and, with [`EvictingContents`], its
//! `EvictingWindowOperator`) on a [`KeyedRuntime`] whose namespace is the window.
//!
//! Per element: assign windows, merge session windows, drop elements of late windows (or send
//! them to the late-data side output), add to the window contents, ask the trigger, fire
//! and/or purge, register the cleanup timer at `max_timestamp + allowed_lateness` (event time)
//! or `max_timestamp` (processing time). Timers fire in time order on watermarks and
//! processing-time wake-ups; results are stamped with `window.max_timestamp()`.
//!
//! [`EvictingContents`]: crate::windows::EvictingContents

use super::contract::{Downstream, OneInputOperator};
use crate::collector::{Collector, OutputTag, SideOutputs};
use crate::functions::KeySelector;
use crate::keyed::{KeyCell, KeyedRuntime};
use crate::output::BoxOutput;
use crate::windows::{
    AssignerContext, KeyedTriggerContext, Trigger, TriggerResult, Window, WindowAssigner, WindowContents, WindowContext, add_window,
    retire_window,
};
use rasch_core::{Error, Key, Record, Result};
use rasch_state::{StateTable, Timer};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

pub(crate) const CONTENTS: &str = "window-contents";
const MERGING: &str = "merging-window-set";

/// The table of window contents: `Option<Acc>` per (key, window).
type ContentsTable<K, W, A> = StateTable<K, W, Option<A>>;

/// How a windowed stream is configured (everything but the function).
pub struct WindowSpec<IN, A: WindowAssigner<IN>> {
    /// Assigns elements to windows.
    pub assigner: A,
    /// Decides when windows fire.
    pub trigger: Arc<dyn Trigger<IN, A::W>>,
    /// How long after the watermark passed a window's end late elements are still added (ms).
    pub allowed_lateness: i64,
    /// Where elements of windows that are already cleaned up go (dropped when `None`).
    pub late_tag: Option<OutputTag<IN>>,
}

impl<IN, A: WindowAssigner<IN>> Clone for WindowSpec<IN, A> {
    fn clone(&self) -> Self {
        WindowSpec {
            assigner: self.assigner.clone(),
            trigger: self.trigger.clone(),
            allowed_lateness: self.allowed_lateness,
            late_tag: self.late_tag.clone(),
        }
    }
}

/// Runs windows of one keyed stream (see the module docs).
pub struct WindowOperator<K, IN, S, A: WindowAssigner<IN>, C: WindowContents<IN, K, A::W>> {
    selector: S,
    spec: WindowSpec<IN, A>,
    event_time: bool,
    merging: bool,
    contents: C,
    keyed: KeyedRuntime<K, A::W>,
    /// The current key, reused across records (no clone per record for borrowed keys).
    key: KeyCell<K>,
    sides: SideOutputs,
    out: BoxOutput<C::Out>,
    buf: Vec<Record<C::Out>>,
    windows: Vec<A::W>,
    batch_size: usize,
    slot: OnceLock<usize>,
    merging_slot: OnceLock<usize>,
    late_dropped: u64,
    _in: PhantomData<fn(IN)>,
}

impl<K, IN, S, A, C> WindowOperator<K, IN, S, A, C>
where
    K: Key,
    IN: Clone + 'static,
    S: KeySelector<IN, K>,
    A: WindowAssigner<IN>,
    C: WindowContents<IN, K, A::W>,
{
    /// A window operator over `keyed` state, evaluating windows with `contents`.
    pub fn new(
        selector: S,
        spec: WindowSpec<IN, A>,
        contents: C,
        keyed: KeyedRuntime<K, A::W>,
        out: BoxOutput<C::Out>,
        sides: SideOutputs,
        batch_size: usize,
    ) -> Self {
        let event_time = spec.assigner.is_event_time();
        let merging = spec.assigner.is_merging();
        WindowOperator {
            selector,
            spec,
            event_time,
            merging,
            contents,
            keyed,
            key: KeyCell::default(),
            sides,
            out,
            buf: Vec::new(),
            windows: Vec::new(),
            batch_size: batch_size.max(1),
            slot: OnceLock::new(),
            merging_slot: OnceLock::new(),
            late_dropped: 0,
            _in: PhantomData,
        }
    }

    /// Elements dropped because all their windows were late and no late-data tag was set.
    pub fn num_late_records_dropped(&self) -> u64 {
        self.late_dropped
    }

    fn cleanup_time(&self, w: &A::W) -> i64 {
        if self.event_time { w.max_timestamp().saturating_add(self.spec.allowed_lateness) } else { w.max_timestamp() }
    }

    fn is_window_late(&self, w: &A::W) -> bool {
        self.event_time && self.cleanup_time(w) <= self.keyed.watermark
    }

    fn table(&mut self) -> Result<&mut ContentsTable<K, A::W, C::Acc>> {
        self.keyed.backend.table(CONTENTS, &self.slot, None)
    }

    fn trigger_ctx<'a>(&'a mut self, key: &'a K, kg: usize, window: &'a A::W, merged: &'a [A::W]) -> KeyedTriggerContext<'a, K, A::W> {
        let k = &mut self.keyed;
        KeyedTriggerContext {
            key,
            key_group: kg,
            window,
            backend: &mut k.backend,
            timers: &mut k.timers,
            time: &k.time,
            watermark: k.watermark,
            merged,
        }
    }

    fn register_cleanup_timer(&mut self, key: &K, w: &A::W) {
        let t = self.cleanup_time(w);
        if t == i64::MAX {
            return;
        }
        if self.event_time {
            self.keyed.timers.event.register(key, w, t);
        } else {
            self.keyed.timers.processing.register(key, w, t);
            self.keyed.time.request(t);
        }
    }

    fn delete_cleanup_timer(&mut self, key: &K, w: &A::W) {
        let t = self.cleanup_time(w);
        if self.event_time {
            self.keyed.timers.event.delete(key, w, t);
        } else {
            self.keyed.timers.processing.delete(key, w, t);
        }
    }

    /// Runs the window function on the contents of (key, w); `consume` removes them.
    fn fire(&mut self, key: &K, kg: usize, w: &A::W, consume: bool) -> Result<()> {
        let table = self.table()?;
        let acc = if consume { table.remove(kg, key, w, 0)?.flatten() } else { table.get(kg, key, w, 0)?.and_then(|a| a.clone()) };
        let Some(mut acc) = acc else { return Ok(()) };
        let k = &mut self.keyed;
        let mut ctx = WindowContext {
            key,
            key_group: kg,
            window: w,
            backend: &mut k.backend,
            watermark: k.watermark,
            time: &k.time,
            sides: &mut self.sides,
        };
        self.contents.fire(key, &mut acc, &mut ctx, &mut Collector::new(&mut self.buf, w.max_timestamp()))?;
        if !consume && C::MUTATES_ON_FIRE {
            self.table()?.put(kg, key, w, Some(acc), 0)?;
        }
        if self.buf.len() >= self.batch_size {
            self.out.push(&mut self.buf)?;
        }
        Ok(())
    }

    fn act(&mut self, key: &K, kg: usize, w: &A::W, result: TriggerResult, cleanup_follows: bool) -> Result<()> {
        if result.is_fire() {
            self.fire(key, kg, w, result.is_purge() || cleanup_follows)?;
        } else if result.is_purge() {
            self.table()?.remove(kg, key, w, 0)?;
        }
        Ok(())
    }

    fn merging_set(&mut self, key: &K, kg: usize) -> Result<Vec<A::W>> {
        let t = self.keyed.backend.table::<(), Vec<A::W>>(MERGING, &self.merging_slot, None)?;
        Ok(t.get_mut(kg, key, &(), 0)?.map(std::mem::take).unwrap_or_default())
    }

    fn store_merging_set(&mut self, key: &K, kg: usize, set: Vec<A::W>) -> Result<()> {
        let t = self.keyed.backend.table::<(), Vec<A::W>>(MERGING, &self.merging_slot, None)?;
        if set.is_empty() { t.remove(kg, key, &(), 0).map(|_| ()) } else { t.put(kg, key, &(), set, 0) }
    }

    /// Merge callback: trigger `on_merge`, clear the merged windows' trigger state and cleanup
    /// timers, merge their contents (in window order) into `result`.
    fn merge(&mut self, key: &K, kg: usize, result: &A::W, merged: &[A::W]) -> Result<()> {
        if self.is_window_late(result) {
            return Err(Error::Internal("the end of an event-time window cannot become earlier than the watermark by merging".into()));
        }
        if !self.event_time && result.max_timestamp() <= self.keyed.time.now() {
            return Err(Error::Internal("the end of a processing-time window cannot become earlier than now by merging".into()));
        }
        let trigger = self.spec.trigger.clone();
        trigger.on_merge(result, &mut self.trigger_ctx(key, kg, result, merged))?;
        for m in merged {
            trigger.clear(m, &mut self.trigger_ctx(key, kg, m, &[]))?;
            self.delete_cleanup_timer(key, m);
        }
        let mut sources: Vec<&A::W> = merged.iter().chain(std::iter::once(result)).collect();
        sources.sort();
        sources.dedup();
        let mut acc: Option<C::Acc> = None;
        for w in sources {
            if let Some(a) = self.table()?.remove(kg, key, w, 0)?.flatten() {
                acc = Some(match acc {
                    Some(x) => self.contents.merge(x, a)?,
                    None => a,
                });
            }
        }
        if let Some(a) = acc {
            self.table()?.put(kg, key, result, Some(a), 0)?;
        }
        Ok(())
    }

    /// Adds `value` to (key, w) and acts on the trigger's answer.
    fn add_to_window(&mut self, key: &K, kg: usize, w: &A::W, value: IN, ts: i64) -> Result<()> {
        let k = &mut self.keyed;
        let mut ctx = KeyedTriggerContext {
            key,
            key_group: kg,
            window: w,
            backend: &mut k.backend,
            timers: &mut k.timers,
            time: &k.time,
            watermark: k.watermark,
            merged: &[],
        };
        let result = self.spec.trigger.on_element(&value, ts, w, &mut ctx)?;
        let table: &mut ContentsTable<K, A::W, C::Acc> = self.keyed.backend.table(CONTENTS, &self.slot, None)?;
        let slot = table.get_mut_or_insert_with(kg, key, w, 0, || None)?;
        let fresh = slot.is_none();
        self.contents.add(slot, value, ts)?;
        self.act(key, kg, w, result, false)?;
        if fresh || self.merging {
            self.register_cleanup_timer(key, w);
        }
        Ok(())
    }

    /// Processes one element; `key_group` is the one the sender computed, if it did.
    fn process_element(&mut self, value: IN, ts: i64, actx: &AssignerContext, key_group: Option<u16>) -> Result<()> {
        // The cell is moved out while the key is in use (the methods below borrow `self`).
        let mut cell = std::mem::take(&mut self.key);
        let key = cell.set(self.selector.get_key(&value));
        let kg = self.keyed.backend.key_group_of(key, key_group)?;
        self.process_keyed(key, kg, value, ts, actx)?;
        self.key = cell;
        Ok(())
    }

    fn process_keyed(&mut self, key: &K, kg: usize, value: IN, ts: i64, actx: &AssignerContext) -> Result<()> {
        let mut windows = std::mem::take(&mut self.windows);
        windows.clear();
        self.spec.assigner.assign_windows(&value, ts, actx, &mut windows)?;
        let mut value = Some(value);
        let mut skipped = true;
        let n = windows.len();
        if self.merging {
            let mut set = self.merging_set(key, kg)?;
            for (i, w) in windows.iter().enumerate() {
                let assigner = &self.spec.assigner;
                let groups = |ws: &[A::W]| assigner.merge_windows(ws);
                let mut merges: Vec<(A::W, Vec<A::W>)> = Vec::new();
                let actual = add_window(&mut set, w.clone(), groups, |r, m| {
                    merges.push((r.clone(), m.to_vec()));
                    Ok(())
                })?;
                for (r, m) in &merges {
                    self.merge(key, kg, r, m)?;
                }
                if self.is_window_late(&actual) {
                    retire_window(&mut set, &actual);
                    continue;
                }
                skipped = false;
                let v = if i + 1 == n { value.take() } else { value.clone() };
                self.add_to_window(key, kg, &actual, v.expect("value present"), ts)?;
            }
            self.store_merging_set(key, kg, set)?;
        } else {
            for (i, w) in windows.iter().enumerate() {
                if self.is_window_late(w) {
                    continue;
                }
                skipped = false;
                let v = if i + 1 == n { value.take() } else { value.clone() };
                self.add_to_window(key, kg, w, v.expect("value present"), ts)?;
            }
        }
        self.windows = windows;
        if skipped && self.event_time && ts.saturating_add(self.spec.allowed_lateness) <= self.keyed.watermark {
            match (&self.spec.late_tag, value) {
                (Some(tag), Some(v)) => self.sides.emit(tag, v, ts)?,
                _ => self.late_dropped += 1,
            }
        }
        Ok(())
    }

    fn on_timer(&mut self, timer: Timer<K, A::W>, event: bool) -> Result<()> {
        let Timer { time, key, namespace: w } = timer;
        let kg = self.keyed.backend.key_group(&key)?;
        let mut set = None;
        if self.merging {
            let s = self.merging_set(&key, kg)?;
            if s.binary_search(&w).is_err() {
                // a timer of a window merged away whose trigger did not delete it
                return self.store_merging_set(&key, kg, s);
            }
            set = Some(s);
        }
        let trigger = self.spec.trigger.clone();
        let mut ctx = self.trigger_ctx(&key, kg, &w, &[]);
        let result = if event { trigger.on_event_time(time, &w, &mut ctx)? } else { trigger.on_processing_time(time, &w, &mut ctx)? };
        let cleanup = event == self.event_time && time == self.cleanup_time(&w);
        self.act(&key, kg, &w, result, cleanup)?;
        if cleanup {
            self.table()?.remove(kg, &key, &w, 0)?;
            trigger.clear(&w, &mut self.trigger_ctx(&key, kg, &w, &[]))?;
            let k = &mut self.keyed;
            let mut wctx = WindowContext {
                key: &key,
                key_group: kg,
                window: &w,
                backend: &mut k.backend,
                watermark: k.watermark,
                time: &k.time,
                sides: &mut self.sides,
            };
            self.contents.clear(&mut wctx)?;
            if let Some(s) = set.as_mut() {
                retire_window(s, &w);
            }
        }
        match set {
            Some(s) => self.store_merging_set(&key, kg, s),
            None => Ok(()),
        }
    }

    fn emit(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }
}

impl<K, IN, S, A, C> OneInputOperator for WindowOperator<K, IN, S, A, C>
where
    K: Key,
    IN: Clone + 'static,
    S: KeySelector<IN, K>,
    A: WindowAssigner<IN>,
    C: WindowContents<IN, K, A::W>,
{
    type In = IN;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::with_sides(&mut self.out, &mut self.sides)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<IN>>) -> Result<()> {
        let now = if self.event_time { 0 } else { self.keyed.time.now() };
        let actx = AssignerContext { current_processing_time: now };
        for r in batch.drain(..) {
            self.process_element(r.value, r.ts, &actx, None)?;
        }
        self.emit()
    }
    fn process_keyed_batch(&mut self, batch: &mut Vec<Record<IN>>, key_groups: &mut Vec<u16>) -> Result<()> {
        let now = if self.event_time { 0 } else { self.keyed.time.now() };
        let actx = AssignerContext { current_processing_time: now };
        for (r, g) in batch.drain(..).zip(key_groups.drain(..)) {
            self.process_element(r.value, r.ts, &actx, Some(g))?;
        }
        self.emit()
    }
    fn on_watermark(&mut self, watermark: i64) -> Result<()> {
        self.keyed.watermark = watermark;
        while let Some(timer) = self.keyed.timers.event.pop_due(watermark) {
            self.on_timer(timer, true)?;
        }
        self.emit()?;
        self.downstream().watermark(watermark)
    }
    fn on_processing_timer(&mut self, now: i64) -> Result<()> {
        while let Some(timer) = self.keyed.timers.processing.pop_due(now) {
            self.on_timer(timer, false)?;
        }
        self.emit()?;
        self.keyed.request_processing_wakeup();
        Ok(())
    }
    fn snapshot_state(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        self.keyed.snapshot_into(snapshot)
    }
    fn on_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        self.keyed.notify_checkpoint_complete(checkpoint_id);
        Ok(())
    }
    fn on_end_input(&mut self) -> Result<()> {
        // Event-time windows already fired on the final MAX watermark; processing-time
        // windows do not fire at the end of input (Flink 1.20).
        self.emit()
    }
    fn on_flush(&mut self) -> Result<()> {
        self.emit()
    }
    fn on_close(&mut self) -> Result<()> {
        self.contents.close()
    }
}
