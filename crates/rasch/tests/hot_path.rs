//! The record path's promises, observed end to end: a key is hashed once per record — by the
//! sender of a hash exchange, whose key group travels with the batch — not again by the keyed
//! operator that receives it; windowed keyed operators receive the same key groups.

use rasch::prelude::*;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How often a [`CountedKey`] was serialized (hashing a key serializes it).
static SERIALIZED: AtomicUsize = AtomicUsize::new(0);

/// The tests of this file count serializations, so they run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

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
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = SERIALIZED.load(Ordering::Relaxed);
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
    assert_eq!(SERIALIZED.load(Ordering::Relaxed) - before, n as usize, "keys were serialized (hashed) more than once per record");
}

/// Counts the records of both inputs per key.
#[derive(Clone)]
struct CoCount {
    seen: ValueState<u64>,
}

impl KeyedCoProcessFunction<CountedKey, (CountedKey, i64), (CountedKey, i64), (u32, u64)> for CoCount {
    fn process_element1(
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
    fn process_element2(
        &mut self,
        v: (CountedKey, i64),
        ctx: &mut KeyedContext<'_, CountedKey>,
        out: &mut Collector<'_, (u32, u64)>,
    ) -> rasch::Result<()> {
        self.process_element1(v, ctx, out)
    }
}

#[test]
fn two_input_keyed_operators_do_not_hash_keys_again_either() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let n = 10_000i64;
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let keyed = |s: DataStream<i64>| s.map(|v: i64| (CountedKey((v % 29) as u32), v)).key_by_ref(|t: &(CountedKey, i64)| &t.0);
    let before = SERIALIZED.load(Ordering::Relaxed);
    let out = keyed(env.from_sequence(1, n))
        .connect(&keyed(env.from_sequence(1, n)))
        .process(CoCount { seen: ValueState::new("seen") })
        .execute_and_collect()
        .unwrap();
    let mut last: BTreeMap<u32, u64> = BTreeMap::new();
    for (k, c) in out {
        let e = last.entry(k).or_default();
        *e = (*e).max(c);
    }
    assert_eq!(last.values().sum::<u64>(), 2 * n as u64);
    assert_eq!(SERIALIZED.load(Ordering::Relaxed) - before, 2 * n as usize, "keys were serialized (hashed) more than once per record");
}
