//! `MapState<UK, UV>`: a map per key (and namespace).

use crate::Namespace;
use crate::backend::StateContext;
use crate::ttl::StateTtlConfig;
use crate::value::{Handle, with_table};
use rasch_core::{Key, Result};
use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;

type UserMap<UK, UV> = HashMap<UK, UV, foldhash::fast::RandomState>;

/// A map per key (Flink's `MapState`). TTL applies to the map as a whole.
pub struct MapState<UK, UV> {
    handle: Handle,
    _type: PhantomData<fn() -> (UK, UV)>,
}

impl<UK, UV> Clone for MapState<UK, UV> {
    fn clone(&self) -> Self {
        MapState { handle: self.handle.clone(), _type: PhantomData }
    }
}

impl<UK: Clone + Hash + Eq + crate::StateValue, UV: Clone + crate::StateValue> MapState<UK, UV> {
    /// A map state named `name`.
    pub fn new(name: &str) -> Self {
        MapState { handle: Handle::new(name), _type: PhantomData }
    }
    /// Maps expire after the configured time-to-live.
    pub fn with_ttl(mut self, ttl: StateTtlConfig) -> Self {
        self.handle.ttl = Some(ttl);
        self
    }
    /// The value under `user_key`.
    pub fn get<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, user_key: &UK) -> Result<Option<UV>> {
        with_table!(self.handle, ctx, N, UserMap<UK, UV>, |t, kg, key, ns, now| Ok(t.get(kg, key, ns, now)?.and_then(|m| m.get(user_key).cloned())))
    }
    /// Whether `user_key` is present.
    pub fn contains<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, user_key: &UK) -> Result<bool> {
        with_table!(self.handle, ctx, N, UserMap<UK, UV>, |t, kg, key, ns, now| Ok(t.get(kg, key, ns, now)?.is_some_and(|m| m.contains_key(user_key))))
    }
    /// Sets `user_key` to `value`.
    pub fn put<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, user_key: UK, value: UV) -> Result<()> {
        with_table!(self.handle, ctx, N, UserMap<UK, UV>, |t, kg, key, ns, now| {
            t.get_mut_or_insert_with(kg, key, ns, now, UserMap::default)?.insert(user_key, value);
            Ok(())
        })
    }
    /// Removes `user_key`, returning its value.
    pub fn remove<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, user_key: &UK) -> Result<Option<UV>> {
        with_table!(self.handle, ctx, N, UserMap<UK, UV>, |t, kg, key, ns, now| {
            let Some(m) = t.get_mut(kg, key, ns, now)? else { return Ok(None) };
            let removed = m.remove(user_key);
            if m.is_empty() {
                t.remove(kg, key, ns, now)?;
            }
            Ok(removed)
        })
    }
    /// A copy of every entry.
    pub fn entries<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<Vec<(UK, UV)>> {
        with_table!(self.handle, ctx, N, UserMap<UK, UV>, |t, kg, key, ns, now| Ok(t
            .get(kg, key, ns, now)?
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()))
    }
    /// Whether the map is empty.
    pub fn is_empty<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<bool> {
        with_table!(self.handle, ctx, N, UserMap<UK, UV>, |t, kg, key, ns, now| Ok(t.get(kg, key, ns, now)?.is_none_or(|m| m.is_empty())))
    }
    /// Removes the whole map.
    pub fn clear<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<()> {
        with_table!(self.handle, ctx, N, UserMap<UK, UV>, |t, kg, key, ns, now| t.remove(kg, key, ns, now).map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::StateView;
    use crate::backend::tests::backend;
    use rasch_core::ManualClock;

    #[test]
    fn map_entries_per_key() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let s = MapState::<String, i64>::new("m");
        let key = "k".to_string();
        let kg = b.key_group(&key).unwrap();
        let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &() };
        s.put(&mut view, "a".into(), 1).unwrap();
        s.put(&mut view, "b".into(), 2).unwrap();
        assert_eq!(s.get(&mut view, &"a".into()).unwrap(), Some(1));
        assert!(s.contains(&mut view, &"b".into()).unwrap());
        assert_eq!(s.remove(&mut view, &"a".into()).unwrap(), Some(1));
        assert_eq!(s.entries(&mut view).unwrap(), vec![("b".to_string(), 2)]);
        s.remove(&mut view, &"b".into()).unwrap();
        assert!(s.is_empty(&mut view).unwrap());
    }
}
