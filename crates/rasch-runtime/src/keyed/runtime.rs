//! `KeyedRuntime`: the state backend, timers and clocks of one keyed operator instance.

use super::{KeyedContext, TimeDomain};
use crate::checkpoint::{Barrier, Deferred, OperatorState, Snapshot, SnapshotKind};
use crate::collector::{Collector, SideOutputs};
use crate::operators::OperatorSetup;
use crate::time::ProcessingTimeService;
use rasch_core::keygroup::compute_key_group_range_for_operator_index;
use rasch_core::{Key, MIN_WATERMARK, NO_TIMESTAMP, Record, Result};
use rasch_state::{BackendOptions, Increment, KeyGroupSnapshot, KeyedStateBackend, Namespace, TimerService};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Keyed state and timers of one parallel instance, owning the key groups that Flink's range
/// assignment gives its subtask.
pub struct KeyedRuntime<K, N> {
    /// Keyed state of this instance.
    pub backend: KeyedStateBackend<K>,
    /// Event- and processing-time timers.
    pub timers: TimerService<K, N>,
    /// The task's processing-time service.
    pub time: Rc<ProcessingTimeService>,
    /// The operator's current event-time watermark.
    pub watermark: i64,
    /// The operator's stable id (its state is filed under it in snapshots).
    pub operator_id: std::sync::Arc<str>,
}

impl<K: Key, N: Namespace> KeyedRuntime<K, N> {
    /// The keyed runtime of the instance described by `setup`, with the keyed state and timers
    /// of its key groups restored if the job was restored.
    pub fn new(setup: &OperatorSetup) -> Result<Self> {
        let ctx = &setup.ctx;
        let range = compute_key_group_range_for_operator_index(ctx.max_parallelism, ctx.parallelism, ctx.subtask_index);
        let mut options = BackendOptions::from_config(&ctx.config)?;
        // Without periodic checkpoints there is nothing to be incremental to: track no changes.
        options.incremental &= ctx.config.read(rasch_core::config::CHECKPOINTING_INTERVAL)?.is_some_and(|d| !d.is_zero());
        let mut keyed = KeyedRuntime {
            backend: KeyedStateBackend::with_options(range, ctx.max_parallelism, setup.time.clock(), &options, &setup.operator_id)?,
            timers: TimerService::default(),
            time: setup.time.clone(),
            watermark: MIN_WATERMARK,
            operator_id: setup.operator_id.clone(),
        };
        if let Some(state) = &setup.restored {
            let mine: Vec<&KeyGroupSnapshot> = state.keyed.iter().filter(|g| range.contains(g.key_group as usize)).collect();
            keyed.backend.restore(&mine.iter().map(|g| (*g).clone()).collect::<Vec<_>>())?;
            for g in mine {
                if !g.event_timers.is_empty() {
                    keyed.timers.event.restore(&g.event_timers)?;
                }
                if !g.processing_timers.is_empty() {
                    keyed.timers.processing.restore(&g.processing_timers)?;
                }
            }
            keyed.request_processing_wakeup();
        }
        Ok(keyed)
    }

    /// Keyed state and timers of every owned key group, by key group (canonical, full).
    pub fn snapshot_key_groups(&mut self) -> Result<Vec<KeyGroupSnapshot>> {
        let tables = self.backend.snapshot()?;
        self.with_timers(tables)
    }

    /// The keyed state for `barrier`: canonical and full for savepoints and without incremental
    /// checkpoints; otherwise the timers (always in full) plus the state tables' increment.
    pub fn keyed_state(&mut self, barrier: &Barrier) -> Result<(Vec<KeyGroupSnapshot>, Option<Increment>)> {
        if barrier.kind == SnapshotKind::Savepoint || !self.backend.incremental() {
            return Ok((self.snapshot_key_groups()?, None));
        }
        let increment = self.backend.snapshot_increment(barrier.id)?;
        Ok((self.with_timers(Vec::new())?, Some(increment)))
    }

    /// Checkpoint `checkpoint_id` completed (incremental checkpoints build on it).
    pub fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) {
        self.backend.notify_checkpoint_complete(checkpoint_id);
    }

    fn with_timers(&mut self, tables: Vec<KeyGroupSnapshot>) -> Result<Vec<KeyGroupSnapshot>> {
        let mut groups: BTreeMap<u32, KeyGroupSnapshot> = tables.into_iter().map(|g| (g.key_group, g)).collect();
        let backend = &mut self.backend;
        for (kg, bytes) in self.timers.event.snapshot_by_group(|k| backend.key_group(k))? {
            groups.entry(kg as u32).or_insert_with(|| KeyGroupSnapshot { key_group: kg as u32, ..Default::default() }).event_timers = bytes;
        }
        for (kg, bytes) in self.timers.processing.snapshot_by_group(|k| backend.key_group(k))? {
            groups.entry(kg as u32).or_insert_with(|| KeyGroupSnapshot { key_group: kg as u32, ..Default::default() }).processing_timers =
                bytes;
        }
        Ok(groups.into_values().collect())
    }

    /// Adds this operator's keyed state to `snapshot`. At the barrier only the timers are
    /// serialized; the state tables are frozen (hashmap: copy-on-write) or an engine snapshot is
    /// taken (lsm), and serialized off the task thread as deferred work.
    pub fn snapshot_into(&mut self, snapshot: &mut Snapshot) -> Result<()> {
        let barrier = &snapshot.barrier;
        let operator_id = self.operator_id.to_string();
        let work: Box<dyn FnOnce() -> Result<OperatorState> + Send> =
            if barrier.kind == SnapshotKind::Checkpoint && self.backend.incremental() {
                // Write back the cache and take an engine snapshot; the delta is read later.
                let pending = self.backend.start_increment(barrier.id)?;
                Box::new(move || Ok(OperatorState { increment: Some(pending.finish()?), ..Default::default() }))
            } else {
                let pending = self.backend.start_snapshot()?;
                Box::new(move || Ok(OperatorState { keyed: pending.finish()?, ..Default::default() }))
            };
        let timers = self.with_timers(Vec::new())?;
        snapshot.add(&self.operator_id, OperatorState { keyed: timers, ..Default::default() });
        snapshot.deferred.push(Deferred { operator_id, work });
        Ok(())
    }

    /// Asks the task to wake this operator at its earliest processing-time timer.
    pub fn request_processing_wakeup(&mut self) {
        if let Some(t) = self.timers.processing.peek_time() {
            self.time.request(t);
        }
    }
}

impl<K: Key> KeyedRuntime<K, ()> {
    /// Fires every timer of `domain` due at `limit`, in time order, calling
    /// `on_timer(time, context, collector)` for each with the timer's key as the current key.
    /// Event-time timers stamp their output with the timer's time.
    pub fn fire_timers<U>(
        &mut self,
        domain: TimeDomain,
        limit: i64,
        sides: &mut SideOutputs,
        buf: &mut Vec<Record<U>>,
        mut on_timer: impl FnMut(i64, &mut KeyedContext<'_, K>, &mut Collector<'_, U>) -> Result<()>,
    ) -> Result<()> {
        loop {
            let timer = match domain {
                TimeDomain::EventTime => self.timers.event.pop_due(limit),
                TimeDomain::ProcessingTime => self.timers.processing.pop_due(limit),
            };
            let Some(timer) = timer else { return Ok(()) };
            let kg = self.backend.key_group(&timer.key)?;
            let ts = if domain == TimeDomain::EventTime { timer.time } else { NO_TIMESTAMP };
            let mut ctx =
                KeyedContext::new(ts, self.watermark, &timer.key, kg, &mut self.backend, &mut self.timers, &self.time, sides, Some(domain));
            on_timer(timer.time, &mut ctx, &mut Collector::new(buf, ts))?;
        }
    }
}
