//! The chain of incremental checkpoints of one keyed backend: which shared files a restore
//! replays (a base first, then deltas), which checkpoints are in flight, and — for the
//! `hashmap` backend — which key groups each checkpoint writes whole, so that the chain stays
//! short without ever writing the whole state in one checkpoint (rolling re-basing).

use rasch_core::keygroup::KeyGroupRange;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// (lsm) Incremental checkpoints longer than this many deltas after their base start a new base.
pub(crate) const MAX_DELTA_CHAIN: usize = 8;

/// (hashmap) Every key group is written whole at least once in this many checkpoints, so a
/// restore replays at most this many files plus one, and each checkpoint re-bases a sixteenth
/// of the state on top of its changes.
pub(crate) const REBASE_ROUNDS: usize = 16;

/// One incremental checkpoint of the chain.
#[derive(Debug, Clone)]
pub(crate) struct ChainLink {
    pub(crate) id: u64,
    /// Its shared file name.
    pub(crate) name: String,
    /// A full base: it replaces everything before it.
    pub(crate) base: bool,
    /// Its delta's size, set once the delta is built.
    pub(crate) size: Arc<AtomicUsize>,
    /// (hashmap) Indexes (in the backend's range) of the key groups it writes whole.
    pub(crate) rebased: Vec<usize>,
}

/// What the next incremental checkpoint writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Everything: a new base.
    Base,
    /// The changes since the last completed checkpoint (`since`), and the key groups of
    /// `rebased` (indexes in the range) whole.
    Delta { since: u64, rebased: Vec<usize> },
}

/// The incremental checkpoints of one backend: the completed chain (base first) and the
/// snapshots in flight.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    completed: Vec<ChainLink>,
    in_flight: Vec<ChainLink>,
    /// The next incremental snapshot must be a base (after a restore, or once restored state
    /// was declared and its entries carry no change marks).
    pub(crate) need_base: bool,
    /// (hashmap) Per key group of the range, the completed checkpoint that last wrote it whole.
    group_base: Vec<u64>,
}

impl Chain {
    /// The lsm backend's rule: a new base when there is none, when asked to, or once the chain
    /// is long or its deltas outgrow its base.
    pub(crate) fn plan_lsm(&self, force_base: bool) -> Plan {
        let size_of = |c: &ChainLink| c.size.load(Ordering::Relaxed);
        let base_bytes = self.completed.first().map_or(0, size_of);
        let delta_bytes: usize = self.completed.iter().skip(1).map(size_of).sum();
        let since = self.completed.last().map_or(0, |c| c.id);
        if force_base || self.need_base || self.completed.is_empty() || self.completed.len() > MAX_DELTA_CHAIN || delta_bytes > base_bytes {
            Plan::Base
        } else {
            Plan::Delta { since, rebased: Vec::new() }
        }
    }

    /// The hashmap backend's rule: a base only when there is none (or asked to); otherwise the
    /// changes plus the `1 / REBASE_ROUNDS` of the key groups written whole longest ago (not
    /// counting those an in-flight checkpoint writes whole), so that the state is re-based
    /// group by group and no checkpoint has to write all of it.
    pub(crate) fn plan_rolling(&self, range: KeyGroupRange, force_base: bool) -> Plan {
        let Some(last) = self.completed.last().filter(|_| !force_base && !self.need_base) else { return Plan::Base };
        let in_flight: std::collections::HashSet<usize> = self.in_flight.iter().flat_map(|l| l.rebased.iter().copied()).collect();
        let mut candidates: Vec<usize> = (0..range.len()).filter(|i| !in_flight.contains(i)).collect();
        candidates.sort_by_key(|&i| (self.group_base.get(i).copied().unwrap_or(0), i));
        candidates.truncate(range.len().div_ceil(REBASE_ROUNDS));
        Plan::Delta { since: last.id, rebased: candidates }
    }

    /// The size of the latest delta built (0 before the first).
    pub(crate) fn last_size(&self) -> usize {
        let latest = self.in_flight.iter().chain(&self.completed).map(|l| l.size.load(Ordering::Relaxed)).find(|s| *s > 0);
        latest.unwrap_or(0)
    }

    /// Records a started checkpoint; returns the shared files (base first) its delta builds on.
    pub(crate) fn start(&mut self, link: ChainLink) -> Vec<String> {
        let chain = if link.base { Vec::new() } else { self.completed.iter().map(|c| c.name.clone()).collect() };
        self.in_flight.push(link);
        chain
    }

    /// Checkpoint `id` completed: its link (if this backend took one) joins the chain, and links
    /// no restore needs any more leave it. Returns whether it was this backend's checkpoint.
    pub(crate) fn complete(&mut self, id: u64, range: KeyGroupRange) -> bool {
        let Some(pos) = self.in_flight.iter().position(|f| f.id == id) else { return false };
        let done = self.in_flight.remove(pos);
        self.in_flight.retain(|f| f.id > id);
        if self.group_base.len() != range.len() {
            self.group_base = vec![0; range.len()];
        }
        if done.base {
            self.group_base.iter_mut().for_each(|g| *g = id);
            self.completed = vec![done];
            self.need_base = false;
            return true;
        }
        for &i in &done.rebased {
            if let Some(g) = self.group_base.get_mut(i) {
                *g = id;
            }
        }
        let rolling = !done.rebased.is_empty();
        self.completed.push(done);
        if rolling {
            // Every key group was written whole at or after `oldest`: older links are dead.
            let oldest = self.group_base.iter().copied().min().unwrap_or(0);
            self.completed.retain(|l| l.id >= oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(id: u64, plan: &Plan, range: KeyGroupRange) -> ChainLink {
        let (base, rebased) = match plan {
            Plan::Base => (true, (0..range.len()).collect()),
            Plan::Delta { rebased, .. } => (false, rebased.clone()),
        };
        ChainLink { id, name: format!("f{id}"), base, size: Arc::default(), rebased }
    }

    /// With rolling re-basing every group is rewritten within REBASE_ROUNDS checkpoints, the
    /// chain never grows past that, and an aborted checkpoint's groups are picked again.
    #[test]
    fn rolling_rebase_keeps_the_chain_short_and_covers_every_group() {
        let range = KeyGroupRange::new(0, 19);
        let mut chain = Chain::default();
        let first = chain.plan_rolling(range, false);
        assert_eq!(first, Plan::Base);
        assert!(chain.start(link(1, &first, range)).is_empty());
        assert!(chain.complete(1, range));
        let mut seen = std::collections::HashSet::new();
        for id in 2..40u64 {
            let plan = chain.plan_rolling(range, false);
            let Plan::Delta { since, rebased } = &plan else { panic!("a delta: {plan:?}") };
            assert_eq!(*since, if id == 11 { 9 } else { id - 1 }, "changes since the last completed checkpoint");
            assert_eq!(rebased.len(), 2, "ceil(20 / 16) groups whole per checkpoint");
            let files = chain.start(link(id, &plan, range));
            assert!(files.len() <= REBASE_ROUNDS, "checkpoint {id} builds on {files:?}");
            if id == 10 {
                // Aborted: never completes; its groups are picked by the next one.
                continue;
            }
            seen.extend(rebased.iter().copied());
            assert!(chain.complete(id, range));
        }
        assert_eq!(seen.len(), 20, "every group was re-based");
        assert!(chain.completed.first().is_some_and(|l| !l.base), "the first base left the chain");
    }
}
