//! Channel selectors: the per-record decision of each partitioner.

use super::WriterContext;
use crate::functions::KeySelector;
use rasch_core::keygroup::KeyGroupAssigner;
use rasch_core::{Error, Key, Result};
use std::marker::PhantomData;

/// Picks the output channel of a record.
pub trait ChannelSelector<T>: Send + 'static {
    /// True when every record goes to every channel.
    const BROADCAST: bool = false;
    /// Called once per writer, before the first record.
    fn setup(&mut self, _ctx: &WriterContext) {}
    /// True when the selector computes key groups ([`select_keyed`](Self::select_keyed)), which
    /// then travel with the records so that keyed receivers need not hash keys again.
    const KEYED: bool = false;
    /// The channel (in `0..channels`) for `value`.
    fn select(&mut self, value: &T, channels: usize) -> Result<usize>;
    /// The channel for `value` and its key group (0 for selectors that are not keyed).
    #[inline]
    fn select_keyed(&mut self, value: &T, channels: usize) -> Result<(usize, u16)> {
        Ok((self.select(value, channels)?, 0))
    }
}

/// Everything to channel 0 (forward: one target; global: the first subtask).
#[derive(Clone, Copy, Debug, Default)]
pub struct Forward;
impl<T> ChannelSelector<T> for Forward {
    #[inline]
    fn select(&mut self, _: &T, _: usize) -> Result<usize> {
        Ok(0)
    }
}

/// Everything to the first consumer subtask (Flink's `global()`).
pub type Global = Forward;

/// Every record to every channel (Flink's `broadcast()`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Broadcast;
impl<T> ChannelSelector<T> for Broadcast {
    const BROADCAST: bool = true;
    fn select(&mut self, _: &T, _: usize) -> Result<usize> {
        Ok(0)
    }
}

/// Round-robin over the channels, starting at the producer's index (rebalance, rescale).
#[derive(Clone, Copy, Debug, Default)]
pub struct RoundRobin {
    next: usize,
}
impl<T> ChannelSelector<T> for RoundRobin {
    fn setup(&mut self, ctx: &WriterContext) {
        self.next = ctx.subtask_index;
    }
    #[inline]
    fn select(&mut self, _: &T, channels: usize) -> Result<usize> {
        self.next += 1;
        if self.next >= channels {
            self.next = 0;
        }
        Ok(self.next)
    }
}

/// Uniformly random channel (Flink's `shuffle()`), from a per-writer xorshift generator.
#[derive(Clone, Copy, Debug)]
pub struct Shuffle {
    state: u64,
}
impl Default for Shuffle {
    fn default() -> Self {
        Shuffle { state: 0x9E37_79B9_7F4A_7C15 }
    }
}
impl<T> ChannelSelector<T> for Shuffle {
    fn setup(&mut self, ctx: &WriterContext) {
        let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
        self.state = (seed ^ (ctx.subtask_index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1;
    }
    #[inline]
    fn select(&mut self, _: &T, channels: usize) -> Result<usize> {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        Ok((x % channels as u64) as usize)
    }
}

/// Hash partitioning by key group (DESIGN §5): murmur3 of the serialized key, modulo max
/// parallelism, then Flink's range assignment of key groups to subtasks.
pub struct KeyGroupSelector<T, K, S> {
    selector: S,
    max_parallelism: usize,
    /// Assignment for the current channel count (built on first use).
    assigner: Option<(usize, KeyGroupAssigner)>,
    _types: PhantomData<fn(&T) -> K>,
}
impl<T, K, S: Clone> Clone for KeyGroupSelector<T, K, S> {
    fn clone(&self) -> Self {
        KeyGroupSelector::new(self.selector.clone())
    }
}
impl<T, K, S> KeyGroupSelector<T, K, S> {
    /// Partitions by the key `selector` extracts.
    pub fn new(selector: S) -> Self {
        KeyGroupSelector { selector, max_parallelism: 0, assigner: None, _types: PhantomData }
    }
}
impl<T: 'static, K: Key, S: KeySelector<T, K>> ChannelSelector<T> for KeyGroupSelector<T, K, S> {
    const KEYED: bool = true;
    fn setup(&mut self, ctx: &WriterContext) {
        self.max_parallelism = ctx.target_max_parallelism;
        self.assigner = None;
    }
    #[inline]
    fn select(&mut self, value: &T, channels: usize) -> Result<usize> {
        if channels == 1 {
            return Ok(0);
        }
        Ok(self.select_keyed(value, channels)?.0)
    }
    #[inline]
    fn select_keyed(&mut self, value: &T, channels: usize) -> Result<(usize, u16)> {
        let assigner = match &self.assigner {
            Some((n, a)) if *n == channels => a,
            _ => &self.assigner.insert((channels, KeyGroupAssigner::new(self.max_parallelism, channels))).1,
        };
        let key = self.selector.get_key(value);
        let group = assigner.key_group(key.as_ref())?;
        Ok((assigner.subtask(group), group as u16))
    }
}

/// A user partitioner `Fn(&K, channels) -> channel` on a selected key (`partition_custom`).
pub struct CustomSelector<T, K, S, P> {
    selector: S,
    partitioner: P,
    _types: PhantomData<fn(&T) -> K>,
}
impl<T, K, S: Clone, P: Clone> Clone for CustomSelector<T, K, S, P> {
    fn clone(&self) -> Self {
        CustomSelector::new(self.selector.clone(), self.partitioner.clone())
    }
}
impl<T, K, S, P> CustomSelector<T, K, S, P> {
    /// Routes each record to `partitioner(key, channels)`.
    pub fn new(selector: S, partitioner: P) -> Self {
        CustomSelector { selector, partitioner, _types: PhantomData }
    }
}
impl<T: 'static, K: Key, S: KeySelector<T, K>, P: Fn(&K, usize) -> usize + Send + Sync + 'static> ChannelSelector<T>
    for CustomSelector<T, K, S, P>
{
    #[inline]
    fn select(&mut self, value: &T, channels: usize) -> Result<usize> {
        let key = self.selector.get_key(value);
        let channel = (self.partitioner)(key.as_ref(), channels);
        if channel >= channels {
            return Err(Error::user(format!("custom partitioner returned channel {channel}, but there are only {channels}")));
        }
        Ok(channel)
    }
}
