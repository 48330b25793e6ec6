//! The lsm backend against the hashmap backend as the model: random operations on every kind of
//! state (with TTL, clears, a cache far smaller than the state), compared result by result and
//! snapshot by snapshot; incremental snapshots replayed against full ones.

use crate::backend::StateView;
use crate::{BackendOptions, KeyGroupSnapshot, KeyedDelta, KeyedStateBackend, ListState, MapState, ReducingState, StateTtlConfig};
use crate::{TtlUpdateType, ValueState, materialize};
use rasch_core::ManualClock;
use rasch_core::keygroup::{compute_key_group_range_for_operator_index, key_group_for_key};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct States {
    value: ValueState<u64>,
    list: ListState<String>,
    map: MapState<u32, u64>,
    sum: ReducingState<i64>,
}

pub(crate) fn states() -> States {
    let ttl = StateTtlConfig::new(Duration::from_millis(500)).update_type(TtlUpdateType::OnReadAndWrite);
    States {
        value: ValueState::new("value").with_ttl(ttl),
        list: ListState::new("list"),
        map: MapState::new("map"),
        sum: ReducingState::new("sum", |a, b| a + b),
    }
}

pub(crate) fn backend(clock: &ManualClock, options: &BackendOptions, subtask: usize, parallelism: usize) -> KeyedStateBackend<String> {
    let range = compute_key_group_range_for_operator_index(128, parallelism, subtask);
    KeyedStateBackend::with_options(range, 128, Arc::new(clock.clone()), options, "op").unwrap()
}

pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Applies one random operation to `b`, returning what it observed.
fn step(b: &mut KeyedStateBackend<String>, s: &States, key: &String, op: u64, arg: u64) -> String {
    let kg = b.key_group(key).unwrap();
    let mut v = StateView { backend: b, key, key_group: kg, namespace: &() };
    match op {
        0 => format!("{:?}", s.value.value(&mut v).unwrap()),
        1 => format!("{:?}", s.value.update(&mut v, arg).unwrap()),
        2 => format!("{:?}", s.value.clear(&mut v).unwrap()),
        3 => format!("{:?}", s.list.add(&mut v, format!("e{arg}")).unwrap()),
        4 => format!("{:?}", s.list.get(&mut v).unwrap()),
        5 => format!("{:?}", s.list.take(&mut v).unwrap()),
        6 => format!("{:?}", s.map.put(&mut v, (arg % 7) as u32, arg).unwrap()),
        7 => format!("{:?}", s.map.remove(&mut v, &((arg % 7) as u32)).unwrap()),
        8 => {
            let mut e = s.map.entries(&mut v).unwrap();
            e.sort();
            format!("{e:?}")
        }
        9 => format!("{:?}", s.sum.add(&mut v, arg as i64).unwrap()),
        10 => format!("{:?}", s.sum.get(&mut v).unwrap()),
        _ => format!("{:?}", s.map.clear(&mut v).unwrap()),
    }
}

/// Canonical snapshot tables decoded into sorted entries, per (key group, state name).
pub(crate) fn decoded(snap: &[KeyGroupSnapshot]) -> BTreeMap<(u32, String), Vec<String>> {
    let mut out = BTreeMap::new();
    for g in snap {
        for (name, bytes) in &g.tables {
            let mut entries: Vec<String> = match name.as_str() {
                "value" => postcard::from_bytes::<Vec<((String, ()), u64, i64)>>(bytes).unwrap().iter().map(|e| format!("{e:?}")).collect(),
                "list" => {
                    postcard::from_bytes::<Vec<((String, ()), Vec<String>, i64)>>(bytes).unwrap().iter().map(|e| format!("{e:?}")).collect()
                }
                "map" => postcard::from_bytes::<Vec<((String, ()), BTreeMap<u32, u64>, i64)>>(bytes)
                    .unwrap()
                    .iter()
                    .map(|e| format!("{e:?}"))
                    .collect(),
                "sum" => {
                    postcard::from_bytes::<Vec<((String, ()), Option<i64>, i64)>>(bytes).unwrap().iter().map(|e| format!("{e:?}")).collect()
                }
                other => panic!("unexpected table {other}"),
            };
            entries.sort();
            out.insert((g.key_group, name.clone()), entries);
        }
    }
    out
}

pub(crate) fn run_ops(
    model: &mut KeyedStateBackend<String>,
    lsm: &mut KeyedStateBackend<String>,
    clock: &ManualClock,
    rng: &mut Rng,
    n: usize,
) {
    let s = states();
    let keys: Vec<String> = (0..3_000).map(|i| format!("key-{i}")).collect();
    for i in 0..n {
        let key = &keys[rng.next(keys.len() as u64) as usize];
        let (op, arg) = (rng.next(12), rng.next(1_000));
        let (a, b) = (step(model, &s, key, op, arg), step(lsm, &s, key, op, arg));
        assert_eq!(a, b, "operation {i} ({op} on {key}) differs");
        if i % 1_000 == 0 {
            clock.advance(rng.next(200) as i64);
        }
    }
}

#[test]
fn random_operations_match_the_hashmap_backend_with_a_tiny_cache() {
    let clock = ManualClock::new(1_000);
    let mut model = backend(&clock, &BackendOptions::default(), 0, 1);
    let mut lsm = backend(&clock, &BackendOptions::lsm(64 << 10, false), 0, 1);
    let mut rng = Rng(0x1234_5678);
    crate::reset_lsm_peak_cache_bytes();
    run_ops(&mut model, &mut lsm, &clock, &mut rng, 40_000);
    assert!(lsm.cache_bytes() <= 32 << 10, "cache {} exceeds half the budget", lsm.cache_bytes());
    let (m, l) = (model.snapshot().unwrap(), lsm.snapshot().unwrap());
    assert_eq!(decoded(&m), decoded(&l));
    assert!(decoded(&m).values().map(Vec::len).sum::<usize>() > 1_000, "the state is several times the cache");

    // Either snapshot restores into either backend, at another parallelism too.
    for (snap, options) in [(&l, BackendOptions::default()), (&m, BackendOptions::lsm(64 << 10, false))] {
        let mut parts = Vec::new();
        for subtask in 0..3 {
            let mut b = backend(&clock, &options, subtask, 3);
            b.restore(snap).unwrap();
            let s = states();
            // Touch the states so that restored bytes are declared (and moved into the engine).
            for i in 0..3_000 {
                let key = format!("key-{i}");
                let kg = key_group_for_key(&key, 128, &mut Vec::new()).unwrap();
                if b.key_group_range().contains(kg) {
                    let mut v = StateView { backend: &mut b, key: &key, key_group: kg, namespace: &() };
                    s.list.get(&mut v).unwrap();
                    s.map.entries(&mut v).unwrap();
                    s.sum.get(&mut v).unwrap();
                }
            }
            parts.extend(b.snapshot().unwrap());
        }
        // The value state (with TTL) was not read above, so it is still the restored bytes.
        assert_eq!(decoded(&parts), decoded(&m));
    }
}

#[test]
fn incremental_snapshots_replay_to_the_full_state_and_survive_failed_checkpoints() {
    let clock = ManualClock::new(1_000);
    let mut model = backend(&clock, &BackendOptions::default(), 0, 1);
    let mut lsm = backend(&clock, &BackendOptions::lsm(256 << 10, true), 0, 1);
    let dir = lsm.local_dir().unwrap().to_path_buf();
    assert!(dir.exists());
    let mut rng = Rng(42);
    run_ops(&mut model, &mut lsm, &clock, &mut rng, 20_000);

    let decode = |i: &crate::Increment| postcard::from_bytes::<KeyedDelta>(i.delta.as_ref().unwrap()).unwrap();
    let canon = |tables: Vec<(u32, Vec<(String, crate::ByteBuf)>)>| {
        tables.into_iter().map(|(key_group, tables)| KeyGroupSnapshot { key_group, tables, ..Default::default() }).collect::<Vec<_>>()
    };
    let first = lsm.snapshot_increment(1).unwrap();
    assert!(first.chain.is_empty(), "the first increment is a base");
    lsm.notify_checkpoint_complete(1);
    let base = decode(&first);
    let base_size = first.delta.as_ref().unwrap().len();
    assert_eq!(decoded(&canon(materialize([base.clone()]).unwrap())), decoded(&model.snapshot().unwrap()));

    // ~1 % of the operations later, the delta is a small fraction of the base.
    run_ops(&mut model, &mut lsm, &clock, &mut rng, 200);
    let second = lsm.snapshot_increment(2).unwrap();
    assert_eq!(second.chain, vec![first.name.clone()]);
    let small = second.delta.as_ref().unwrap().len();
    assert!(small * 10 < base_size, "delta {small} bytes vs base {base_size}");
    lsm.notify_checkpoint_complete(2);

    // Checkpoint 3 fails (never completes); 4 must still hold its changes.
    run_ops(&mut model, &mut lsm, &clock, &mut rng, 300);
    let _failed = lsm.snapshot_increment(3).unwrap();
    run_ops(&mut model, &mut lsm, &clock, &mut rng, 300);
    let fourth = lsm.snapshot_increment(4).unwrap();
    assert_eq!(fourth.chain, vec![first.name.clone(), second.name.clone()]);
    lsm.notify_checkpoint_complete(4);
    let replay = [base, decode(&second), decode(&fourth)];
    assert_eq!(decoded(&canon(materialize(replay).unwrap())), decoded(&model.snapshot().unwrap()));
    // A savepoint's completion does not disturb the chain.
    lsm.notify_checkpoint_complete(5);
    let sixth = lsm.snapshot_increment(6).unwrap();
    assert_eq!(sixth.chain.len(), 3);

    drop(lsm);
    assert!(!dir.exists(), "the local directory is removed on close");
}
