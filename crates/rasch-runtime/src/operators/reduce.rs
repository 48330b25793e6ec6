//! Keyed rolling aggregation (`reduce`, `sum`, `min`, `max`, `min_by`, `max_by`).
//!
//! In STREAMING mode every input record emits the key's updated aggregate. In BATCH mode only
//! the final aggregate per key is emitted, at the end of input (Flink's batch semantics).

use super::contract::{Downstream, OneInputOperator};
use crate::functions::{KeySelector, ReduceFunction};
use crate::output::BoxOutput;
#[cfg(test)]
use crate::output::Output;
use rasch_core::{Key, Record, Result};
use std::collections::HashMap;
use std::marker::PhantomData;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Per-key state of a rolling reduce.
pub struct KeyedReduceOperator<T, K, S, F> {
    selector: S,
    f: F,
    state: FastMap<K, Option<T>>,
    emit_updates: bool,
    out: BoxOutput<T>,
    buf: Vec<Record<T>>,
    batch_size: usize,
    checkpoint: Option<crate::checkpoint::KeyedMapState>,
    _key: PhantomData<K>,
}

impl<T, K, S, F> KeyedReduceOperator<T, K, S, F> {
    /// A keyed reduce; `emit_updates` is false in BATCH mode.
    pub fn new(selector: S, f: F, emit_updates: bool, out: BoxOutput<T>, batch_size: usize) -> Self {
        KeyedReduceOperator {
            selector,
            f,
            state: FastMap::default(),
            emit_updates,
            out,
            buf: Vec::new(),
            batch_size,
            checkpoint: None,
            _key: PhantomData,
        }
    }

    /// Files the per-key values in snapshots of the operator described by `setup`, and loads
    /// the restored ones.
    pub fn with_checkpointing(mut self, setup: &super::OperatorSetup) -> Result<Self>
    where
        K: Key,
        T: rasch_core::Data,
    {
        let cp = crate::checkpoint::KeyedMapState::new(setup, "keyed-reduce");
        for (k, v) in cp.restore::<K, T>(setup.restored.as_ref())? {
            self.state.insert(k, Some(v));
        }
        self.checkpoint = Some(cp);
        Ok(self)
    }
}

impl<T: rasch_core::Data, K: Key, S: KeySelector<T, K>, F: ReduceFunction<T>> OneInputOperator for KeyedReduceOperator<T, K, S, F> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::main(&mut self.out)
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        for r in batch.drain(..) {
            let key = self.selector.get_key(&r.value);
            let updated = match self.state.get_mut(key.as_ref()) {
                Some(slot) => {
                    let acc = slot.take().expect("reduce state is always filled between records");
                    let new = self.f.reduce(acc, r.value)?;
                    slot.insert(new)
                }
                None => {
                    let key = key.into_owned();
                    self.state.entry(key).or_insert(Some(r.value)).as_mut().expect("just inserted")
                }
            };
            if self.emit_updates {
                self.buf.push(Record { value: updated.clone(), ts: r.ts });
            }
        }
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        Ok(())
    }
    fn on_end_input(&mut self) -> Result<()> {
        if !self.emit_updates {
            for (_, v) in self.state.drain() {
                self.buf.extend(v.map(Record::new));
                if self.buf.len() >= self.batch_size {
                    self.out.push(&mut self.buf)?;
                }
            }
            if !self.buf.is_empty() {
                self.out.push(&mut self.buf)?;
            }
        }
        Ok(())
    }
    fn snapshot_state(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        if let Some(cp) = &self.checkpoint {
            cp.snapshot(snapshot, self.state.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v))), Vec::new())?;
        }
        Ok(())
    }
    fn on_close(&mut self) -> Result<()> {
        self.f.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::{KeyRefFn, ReduceFn};
    use crate::output::tests::Recorder;

    fn word(t: &(String, u64)) -> &String {
        &t.0
    }

    fn input() -> Vec<Record<(String, u64)>> {
        ["a", "b", "a", "a", "b"].iter().map(|w| Record::new((w.to_string(), 1))).collect()
    }

    #[test]
    fn streaming_emits_every_update() {
        let rec = Recorder::default();
        let sel = KeyRefFn(word);
        let mut op =
            KeyedReduceOperator::new(sel, ReduceFn(|a: (String, u64), b: (String, u64)| (a.0, a.1 + b.1)), true, Box::new(rec.clone()), 8);
        op.push(&mut input()).unwrap();
        let counts: Vec<u64> = rec.values().into_iter().map(|t| t.1).collect();
        assert_eq!(counts, vec![1, 1, 2, 3, 2]);
    }

    #[test]
    fn batch_emits_final_values_only() {
        let rec = Recorder::default();
        let sel = KeyRefFn(word);
        let mut op =
            KeyedReduceOperator::new(sel, ReduceFn(|a: (String, u64), b: (String, u64)| (a.0, a.1 + b.1)), false, Box::new(rec.clone()), 8);
        op.push(&mut input()).unwrap();
        assert!(rec.values().is_empty());
        op.end_input().unwrap();
        let mut got = rec.values();
        got.sort();
        assert_eq!(got, vec![("a".to_string(), 3), ("b".to_string(), 2)]);
    }
}
