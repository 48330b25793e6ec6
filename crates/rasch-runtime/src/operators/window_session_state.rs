//! The state of [`SessionWindowOperator`](super::SessionWindowOperator): each key's sessions in
//! a slot, a hash index from key to slot, and the queue of per-key checks (the earliest time
//! something of the key is due), with stale checks skipped when they come up.

use crate::windows::{TimeWindow, Window};
use rasch_core::Key;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One session of a key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session<A> {
    /// The session's window.
    pub window: TimeWindow,
    /// Its contents.
    pub acc: Option<A>,
    /// Whether the trigger waits for the watermark to pass `window.max_timestamp()`.
    pub fire_pending: bool,
}

impl<A> Session<A> {
    /// The earliest time something of this session is due, given its cleanup time.
    pub fn next_due(&self, cleanup: i64) -> i64 {
        let fire = if self.fire_pending { self.window.max_timestamp() } else { i64::MAX };
        fire.min(cleanup)
    }
}

/// A key's sessions: usually one, kept inline (no pointer to chase per element).
pub type Sessions<A> = SmallVec<[Session<A>; 1]>;

/// A key and its sessions (sorted by start, pairwise apart).
pub struct KeySessions<K, A> {
    /// The key.
    pub key: K,
    /// Its sessions.
    pub sessions: Sessions<A>,
    /// Time of the key's queued check (`i64::MAX`: none).
    check: i64,
}

/// All keys' sessions and the check queue.
pub struct SessionIndex<K, A> {
    index: FastMap<K, u32>,
    slots: Vec<Option<KeySessions<K, A>>>,
    free: Vec<u32>,
    queue: BinaryHeap<Reverse<(i64, u32)>>,
}

impl<K, A> Default for SessionIndex<K, A> {
    fn default() -> Self {
        SessionIndex { index: FastMap::default(), slots: Vec::new(), free: Vec::new(), queue: BinaryHeap::new() }
    }
}

impl<K: Key, A> SessionIndex<K, A> {
    /// The slot of `key`, created empty if the key has none (a borrowed key is cloned only
    /// then).
    #[inline]
    pub fn slot_of(&mut self, key: Cow<'_, K>) -> u32 {
        if let Some(&slot) = self.index.get(key.as_ref()) {
            return slot;
        }
        let key = key.into_owned();
        let entry = KeySessions { key: key.clone(), sessions: SmallVec::new(), check: i64::MAX };
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(entry);
                s
            }
            None => {
                self.slots.push(Some(entry));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        slot
    }

    /// The key in `slot`.
    ///
    /// # Panics
    /// If the slot is free (a bug of the operator).
    #[inline]
    pub fn get_mut(&mut self, slot: u32) -> &mut KeySessions<K, A> {
        self.slots[slot as usize].as_mut().expect("slot in use")
    }

    /// Frees `slot` if its key has no sessions left.
    pub fn release_if_empty(&mut self, slot: u32) {
        let empty = self.slots[slot as usize].as_ref().is_some_and(|ks| ks.sessions.is_empty());
        if empty && let Some(ks) = self.slots[slot as usize].take() {
            self.index.remove(&ks.key);
            self.free.push(slot);
        }
    }

    /// Makes sure the key in `slot` is checked no later than `due` (`i64::MAX`: never).
    #[inline]
    pub fn schedule(&mut self, slot: u32, due: i64) {
        let ks = self.get_mut(slot);
        if due < ks.check {
            ks.check = due;
            self.queue.push(Reverse((due, slot)));
        }
    }

    /// Pops the next key whose check is due at `watermark`, skipping stale checks.
    pub fn pop_due(&mut self, watermark: i64) -> Option<u32> {
        while let Some(&Reverse((time, slot))) = self.queue.peek() {
            if time > watermark {
                return None;
            }
            self.queue.pop();
            if let Some(ks) = self.slots[slot as usize].as_mut()
                && ks.check == time
            {
                ks.check = i64::MAX;
                return Some(slot);
            }
        }
        None
    }

    /// After the key in `slot` was checked: queues its next check, or frees the slot.
    pub fn reschedule(&mut self, slot: u32, cleanup: impl Fn(&TimeWindow) -> i64) {
        let due = self.get_mut(slot).sessions.iter().map(|s| s.next_due(cleanup(&s.window))).min();
        match due {
            None => self.release_if_empty(slot),
            Some(due) => self.schedule(slot, due),
        }
    }

    /// Adds restored sessions of `key`.
    pub fn restore(&mut self, key: K, sessions: Vec<Session<A>>, cleanup: impl Fn(&TimeWindow) -> i64) {
        let slot = self.slot_of(Cow::Owned(key));
        let ks = self.get_mut(slot);
        ks.sessions.extend(sessions);
        ks.sessions.sort_by_key(|s| s.window);
        self.reschedule(slot, cleanup);
    }

    /// Every key with sessions.
    pub fn iter(&self) -> impl Iterator<Item = &KeySessions<K, A>> {
        self.slots.iter().flatten().filter(|ks| !ks.sessions.is_empty())
    }
}
