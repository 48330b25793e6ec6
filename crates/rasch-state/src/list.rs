//! `ListState<V>`: a list of values per key (and namespace).

use crate::Namespace;
use crate::backend::StateContext;
use crate::ttl::StateTtlConfig;
use crate::value::{Handle, with_table};
use rasch_core::{Key, Result};
use std::marker::PhantomData;

/// A list per key (Flink's `ListState`). TTL applies to the list as a whole.
pub struct ListState<V> {
    handle: Handle,
    _type: PhantomData<fn() -> V>,
}

impl<V> Clone for ListState<V> {
    fn clone(&self) -> Self {
        ListState { handle: self.handle.clone(), _type: PhantomData }
    }
}

impl<V: Clone + crate::StateValue> ListState<V> {
    /// A list state named `name`.
    pub fn new(name: &str) -> Self {
        ListState { handle: Handle::new(name), _type: PhantomData }
    }
    /// Lists expire after the configured time-to-live.
    pub fn with_ttl(mut self, ttl: StateTtlConfig) -> Self {
        self.handle.ttl = Some(ttl);
        self
    }
    /// A copy of the current key's list (empty if none).
    pub fn get<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<Vec<V>> {
        with_table!(self.handle, ctx, N, Vec<V>, |t, kg, key, ns, now| Ok(t.get(kg, key, ns, now)?.cloned().unwrap_or_default()))
    }
    /// Runs `f` on the current key's list without copying it.
    pub fn with<K: Key, N: Namespace, R>(&self, ctx: &mut impl StateContext<K, N>, f: impl FnOnce(&[V]) -> R) -> Result<R> {
        with_table!(self.handle, ctx, N, Vec<V>, |t, kg, key, ns, now| Ok(f(t.get(kg, key, ns, now)?.map(|v| v.as_slice()).unwrap_or(&[]))))
    }
    /// Appends a value.
    pub fn add<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, value: V) -> Result<()> {
        with_table!(self.handle, ctx, N, Vec<V>, |t, kg, key, ns, now| {
            t.get_mut_or_insert_with(kg, key, ns, now, Vec::new)?.push(value);
            Ok(())
        })
    }
    /// Appends several values.
    pub fn add_all<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, values: impl IntoIterator<Item = V>) -> Result<()> {
        with_table!(self.handle, ctx, N, Vec<V>, |t, kg, key, ns, now| {
            t.get_mut_or_insert_with(kg, key, ns, now, Vec::new)?.extend(values);
            Ok(())
        })
    }
    /// Replaces the list.
    pub fn update<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, values: Vec<V>) -> Result<()> {
        with_table!(self.handle, ctx, N, Vec<V>, |t, kg, key, ns, now| t.put(kg, key, ns, values, now))
    }
    /// Removes and returns the list.
    pub fn take<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<Vec<V>> {
        with_table!(self.handle, ctx, N, Vec<V>, |t, kg, key, ns, now| Ok(t.remove(kg, key, ns, now)?.unwrap_or_default()))
    }
    /// Removes the list.
    pub fn clear<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<()> {
        self.take(ctx).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::StateView;
    use crate::backend::tests::backend;
    use rasch_core::ManualClock;

    #[test]
    fn lists_append_per_key_and_namespace() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let s = ListState::<i32>::new("l");
        let key = "k".to_string();
        let kg = b.key_group(&key).unwrap();
        for ns in [1u8, 2] {
            let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &ns };
            s.add(&mut view, ns as i32).unwrap();
            s.add_all(&mut view, [10, 11]).unwrap();
        }
        let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &1u8 };
        assert_eq!(s.get(&mut view).unwrap(), vec![1, 10, 11]);
        assert_eq!(s.with(&mut view, |l| l.len()).unwrap(), 3);
        assert_eq!(s.take(&mut view).unwrap(), vec![1, 10, 11]);
        assert!(s.get(&mut view).unwrap().is_empty());
        let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &2u8 };
        assert_eq!(s.get(&mut view).unwrap(), vec![2, 10, 11]);
    }
}
