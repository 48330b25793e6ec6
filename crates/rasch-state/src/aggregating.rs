//! `AggregatingState<IN, ACC, OUT>`: an accumulator per key fed by `add`, read as a result.

use crate::Namespace;
use crate::backend::StateContext;
use crate::functions::AggregateFunction;
use crate::ttl::StateTtlConfig;
use crate::value::{Handle, with_table};
use rasch_core::{Key, Result};
use std::marker::PhantomData;

/// An aggregate per key (Flink's `AggregatingState`).
pub struct AggregatingState<IN, ACC, OUT, F> {
    handle: Handle,
    f: F,
    _types: PhantomData<fn(IN) -> (ACC, OUT)>,
}

impl<IN, ACC, OUT, F: Clone> Clone for AggregatingState<IN, ACC, OUT, F> {
    fn clone(&self) -> Self {
        AggregatingState { handle: self.handle.clone(), f: self.f.clone(), _types: PhantomData }
    }
}

impl<IN, ACC: crate::StateValue, OUT, F: AggregateFunction<IN, ACC, OUT>> AggregatingState<IN, ACC, OUT, F> {
    /// An aggregating state named `name` using `f`.
    pub fn new(name: &str, f: F) -> Self {
        AggregatingState { handle: Handle::new(name), f, _types: PhantomData }
    }
    /// Accumulators expire after the configured time-to-live.
    pub fn with_ttl(mut self, ttl: StateTtlConfig) -> Self {
        self.handle.ttl = Some(ttl);
        self
    }
    /// Adds `value` to the current key's accumulator.
    pub fn add<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>, value: IN) -> Result<()> {
        with_table!(self.handle, ctx, N, Option<ACC>, |t, kg, key, ns, now| {
            let slot = t.get_mut_or_insert_with(kg, key, ns, now, || None)?;
            let acc = slot.take().unwrap_or_else(|| self.f.create_accumulator());
            *slot = Some(self.f.add(value, acc));
            Ok(())
        })
    }
    /// The current key's result, if anything was added.
    pub fn get<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<Option<OUT>> {
        with_table!(self.handle, ctx, N, Option<ACC>, |t, kg, key, ns, now| Ok(t
            .get(kg, key, ns, now)?
            .and_then(|a| a.as_ref())
            .map(|a| self.f.get_result(a))))
    }
    /// Removes the current key's accumulator.
    pub fn clear<K: Key, N: Namespace>(&self, ctx: &mut impl StateContext<K, N>) -> Result<()> {
        with_table!(self.handle, ctx, N, Option<ACC>, |t, kg, key, ns, now| t.remove(kg, key, ns, now).map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::StateView;
    use crate::backend::tests::backend;
    use crate::functions::AggregateFn;
    use crate::reducing::ReducingState;
    use rasch_core::ManualClock;

    #[test]
    fn reducing_and_aggregating_fold_per_key() {
        let clock = ManualClock::new(0);
        let mut b = backend(&clock);
        let max = ReducingState::<i64>::new("max", |a, b| a.max(b));
        let avg = AggregatingState::new(
            "avg",
            AggregateFn {
                create: || (0i64, 0i64),
                add: |v: i64, (s, n): (i64, i64)| (s + v, n + 1),
                result: |(s, n): &(i64, i64)| *s as f64 / *n as f64,
                merge: |a: (i64, i64), b: (i64, i64)| (a.0 + b.0, a.1 + b.1),
            },
        );
        let key = "k".to_string();
        let kg = b.key_group(&key).unwrap();
        let mut view = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &() };
        assert_eq!(avg.get(&mut view).unwrap(), None);
        for v in [3, 9, 6] {
            max.add(&mut view, v).unwrap();
            avg.add(&mut view, v).unwrap();
        }
        assert_eq!(max.get(&mut view).unwrap(), Some(9));
        assert_eq!(avg.get(&mut view).unwrap(), Some(6.0));
        max.clear(&mut view).unwrap();
        assert_eq!(max.get(&mut view).unwrap(), None);
    }
}
