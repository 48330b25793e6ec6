//! `ReducingState<V>`: a value per key that every `add` folds into with a reduce function.

use crate::Namespace;
use crate::backend::StateContext;
use crate::ttl::StateTtlConfig;
use crate::value::{Handle, with_table};
use rasch_core::{Key, Result};
use std::sync::Arc;

/// A reduced value per key (Flink's `ReducingState`).
pub struct ReducingState<V> {
    handle: Handle,
    reduce: Arc<dyn Fn(V, V) -> V + Send + Sync>,
}

impl<V> Clone for ReducingState<V> {
    fn clone(&self) -> Self {
        ReducingState { handle: self.handle.clone(), reduce: self.reduce.clone() }
    }
}

impl<V: Clone + crate::StateValue> ReducingState<V> {
    /// A reducing state named `name` folding with `reduce`.
    pub fn new(name: &str, reduce: impl Fn(V, V) -> V + Send + Sync + 'static) -> Self {
        ReducingState { handle: Handle::new(name), reduce: Arc::new(reduce) }
    }
    /// Values expire after the configured time-to-live.
    pub fn with_ttl(mut self, ttl: StateTtlConfig) -> Self {
        self.handle.ttl = Some(ttl);
        self
    }
    /// Folds `value` into the current key's value.
    pub fn add<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, value: V) -> Result<()> {
        let reduce = self.reduce.clone();
        with_table!(self.handle, ctx, N, Option<V>, |t, kg, key, ns, now| {
            let slot = t.get_mut_or_insert_with(kg, key, ns, now, || None)?;
            *slot = Some(match slot.take() {
                Some(acc) => reduce(acc, value),
                None => value,
            });
            Ok(())
        })
    }
    /// The current key's reduced value.
    pub fn get<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<Option<V>> {
        with_table!(self.handle, ctx, N, Option<V>, |t, kg, key, ns, now| Ok(t.get(kg, key, ns, now)?.and_then(|v| v.clone())))
    }
    /// Removes the current key's value.
    pub fn clear<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<()> {
        with_table!(self.handle, ctx, N, Option<V>, |t, kg, key, ns, now| t.remove(kg, key, ns, now).map(|_| ()))
    }
}
