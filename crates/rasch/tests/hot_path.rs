//! The record path's promises, observed end to end: a key is hashed once per record — by the
//! sender of a hash exchange, whose key group travels with the batch — not again by the keyed
//! operator that receives it; windowed keyed operators receive the same key groups.

use rasch::prelude::*;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How often a [`CountedKey`] was serialized (hashing a key serializes it).
static SERIALIZED: AtomicUsize = AtomicUsize::new(0);

/// A key that counts its serializations.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
struct CountedKey(u32);

impl Serialize for CountedKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.fetch_add(1, Ordering::Relaxed);
        s.serialize_u32(self.0)
    }
}

/// Counts records per key in keyed state and emits the running count.
#[derive(Clone)]
struct Count {
    seen: ValueState<u64>,
}

impl KeyedProcessFunction<CountedKey, (CountedKey, i64), (u32, u64)> for Count {
    fn process_element(
        &mut self,
        v: (CountedKey, i64),
        ctx: &mut KeyedContext<'_, CountedKey>,
        out: &mut Collector<'_, (u32, u64)>,
    ) -> rasch::Result<()> {
        let n = self.seen.value(ctx)?.unwrap_or(0) + 1;
        self.seen.update(ctx, n)?;
        out.collect((v.0.0, n));
        Ok(())
    }
}

#[test]
fn keyed_operators_do_not_hash_keys_the_sender_hashed() {
    let n = 20_000i64;
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let out = env
        .from_sequence(1, n)
        .map(|v: i64| (CountedKey((v % 37) as u32), v))
        .key_by_ref(|t: &(CountedKey, i64)| &t.0)
        .process(Count { seen: ValueState::new("seen") })
        .execute_and_collect()
        .unwrap();
    let mut last: BTreeMap<u32, u64> = BTreeMap::new();
    for (k, c) in out {
        let e = last.entry(k).or_default();
        *e = (*e).max(c);
    }
    assert_eq!(last.values().sum::<u64>(), n as u64, "every record counted once under its key");
    // Once per record at the sender; the receiving operator used the key group sent along.
    assert_eq!(SERIALIZED.load(Ordering::Relaxed), n as usize, "keys were serialized (hashed) more than once per record");
}
