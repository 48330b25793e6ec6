//! `ValueState<V>`: one value per key (and namespace).

use crate::Namespace;
use crate::backend::StateContext;
use crate::ttl::StateTtlConfig;
use rasch_core::{Key, Result};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

/// Common part of every state handle: the name, TTL and the resolved table slot.
pub(crate) struct Handle {
    pub(crate) name: Arc<str>,
    pub(crate) ttl: Option<StateTtlConfig>,
    pub(crate) slot: OnceLock<usize>,
}

impl Handle {
    pub(crate) fn new(name: &str) -> Self {
        Handle { name: name.into(), ttl: None, slot: OnceLock::new() }
    }
}

impl Clone for Handle {
    fn clone(&self) -> Self {
        // A clone serves another operator instance (another backend): resolve its slot anew.
        Handle { name: self.name.clone(), ttl: self.ttl, slot: OnceLock::new() }
    }
}

/// Runs `f` on the table of `handle` for the current key (processing time read only with TTL).
macro_rules! with_table {
    ($handle:expr, $ctx:expr, $n:ty, $v:ty, |$table:ident, $kg:ident, $key:ident, $ns:ident, $now:ident| $body:expr) => {{
        let view = $ctx.state_view();
        let $now = if $handle.ttl.is_some() { view.backend.now() } else { 0 };
        let ($kg, $key, $ns) = (view.key_group, view.key, view.namespace);
        let $table = view.backend.table::<$n, $v>(&$handle.name, &$handle.slot, $handle.ttl)?;
        $body
    }};
}
pub(crate) use with_table;

/// A single value per key (Flink's `ValueState`). Declare it as a field of your function:
/// `count: ValueState::new("count")`, then use `self.count.value(ctx)`.
pub struct ValueState<V> {
    handle: Handle,
    _type: PhantomData<fn() -> V>,
}

impl<V> Clone for ValueState<V> {
    fn clone(&self) -> Self {
        ValueState { handle: self.handle.clone(), _type: PhantomData }
    }
}

impl<V: Clone + crate::StateValue> ValueState<V> {
    /// A value state named `name` (unique within the operator).
    pub fn new(name: &str) -> Self {
        ValueState { handle: Handle::new(name), _type: PhantomData }
    }

    /// Values expire after the configured time-to-live.
    pub fn with_ttl(mut self, ttl: StateTtlConfig) -> Self {
        self.handle.ttl = Some(ttl);
        self
    }

    /// The current key's value, if any.
    pub fn value<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<Option<V>> {
        with_table!(self.handle, ctx, N, V, |t, kg, key, ns, now| Ok(t.get(kg, key, ns, now)?.cloned()))
    }

    /// Sets the current key's value.
    pub fn update<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, value: V) -> Result<()> {
        with_table!(self.handle, ctx, N, V, |t, kg, key, ns, now| t.put(kg, key, ns, value, now))
    }

    /// Removes the current key's value.
    pub fn clear<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<()> {
        with_table!(self.handle, ctx, N, V, |t, kg, key, ns, now| t.remove(kg, key, ns, now).map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::StateView;
    use crate::backend::tests::backend;
    use crate::ttl::TtlUpdateType;
    use rasch_core::ManualClock;
    use std::time::Duration;

    #[test]
    fn values_are_per_key() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let s = ValueState::<u64>::new("count");
        for (k, n) in [("a", 1), ("b", 2), ("a", 3)] {
            let key = k.to_string();
            let kg = b.key_group(&key).unwrap();
            let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &() };
            let old = s.value(&mut view).unwrap().unwrap_or(0);
            s.update(&mut view, old + n).unwrap();
        }
        let key = "a".to_string();
        let kg = b.key_group(&key).unwrap();
        let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &() };
        assert_eq!(s.value(&mut view).unwrap(), Some(4));
        s.clear(&mut view).unwrap();
        assert_eq!(s.value(&mut view).unwrap(), None);
    }

    #[test]
    fn ttl_never_returns_expired_values() {
        let clock = ManualClock::new(1_000);
        let mut b = backend(&clock);
        let write_only = ValueState::<u64>::new("w").with_ttl(StateTtlConfig::new(Duration::from_millis(100)));
        let read_too = ValueState::<u64>::new("r")
            .with_ttl(StateTtlConfig::new(Duration::from_millis(100)).update_type(TtlUpdateType::OnReadAndWrite));
        let key = "k".to_string();
        let kg = b.key_group(&key).unwrap();
        let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &() };
        write_only.update(&mut view, 1).unwrap();
        read_too.update(&mut view, 2).unwrap();
        clock.advance(60);
        assert_eq!(write_only.value(&mut view).unwrap(), Some(1));
        assert_eq!(read_too.value(&mut view).unwrap(), Some(2), "read refreshes");
        clock.advance(60);
        assert_eq!(write_only.value(&mut view).unwrap(), None, "expired 100 ms after the write");
        assert_eq!(read_too.value(&mut view).unwrap(), Some(2), "refreshed by the read 60 ms ago");
        clock.advance(100);
        assert_eq!(read_too.value(&mut view).unwrap(), None);
    }
}
