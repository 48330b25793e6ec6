//! Incremental checkpoints of the hashmap backend against full snapshots of a second hashmap
//! backend fed the same random operations: every increment, replayed with the chain it names,
//! is the state at its barrier — while the task keeps changing the state during the snapshot,
//! with failed checkpoints, rolling re-bases and a restore at another parallelism.

use crate::chain::REBASE_ROUNDS;
use crate::lsm_tests::{Rng, backend, decoded, run_ops};
use crate::{BackendOptions, Increment, KeyGroupSnapshot, KeyedDelta, materialize};
use rasch_core::ManualClock;
use std::collections::HashMap;

fn canon(tables: Vec<(u32, Vec<(String, crate::ByteBuf)>)>) -> Vec<KeyGroupSnapshot> {
    tables.into_iter().map(|(key_group, tables)| KeyGroupSnapshot { key_group, tables, ..Default::default() }).collect()
}

fn decode(i: &Increment) -> KeyedDelta {
    postcard::from_bytes(i.delta.as_ref().expect("a delta")).expect("the hand-written encoding decodes as a KeyedDelta")
}

#[test]
fn hashmap_increments_replay_to_the_state_at_their_barrier() {
    let clock = ManualClock::new(1_000);
    let mut model = backend(&clock, &BackendOptions::default(), 0, 1);
    let options = BackendOptions { incremental: true, ..BackendOptions::default() };
    let mut inc = backend(&clock, &options, 0, 1);
    assert!(inc.incremental());
    let mut rng = Rng(0xfeed);
    run_ops(&mut model, &mut inc, &clock, &mut rng, 20_000);

    let mut files: HashMap<String, KeyedDelta> = HashMap::new();
    let mut base_size = 0;
    let mut last_completed = None;
    for id in 1..=40u64 {
        let expected = decoded(&model.snapshot().unwrap());
        let pending = inc.start_increment(id).unwrap();
        // The delta is built on another thread while the task changes, removes and adds state.
        let builder = std::thread::spawn(move || pending.finish().unwrap());
        run_ops(&mut model, &mut inc, &clock, &mut rng, 300);
        let increment = builder.join().unwrap();
        let delta = decode(&increment);
        let size = increment.delta.as_ref().unwrap().len();
        if id == 1 {
            assert!(increment.chain.is_empty(), "the first increment is a base");
            assert!(delta.groups.iter().all(|g| g.reset), "a base writes every group whole");
            base_size = size;
        } else {
            assert!(size * 3 < base_size, "checkpoint {id}: delta {size} bytes vs base {base_size}");
            assert!(increment.chain.len() <= REBASE_ROUNDS + 1, "checkpoint {id} replays {} files", increment.chain.len());
            assert_eq!(increment.chain.last(), last_completed.as_ref(), "checkpoint {id} builds on the last completed one");
        }
        let mut replay: Vec<KeyedDelta> = increment.chain.iter().map(|n| files[n].clone()).collect();
        replay.push(delta.clone());
        assert_eq!(decoded(&canon(materialize(replay.clone()).unwrap())), expected, "checkpoint {id} replays to its barrier's state");
        files.insert(increment.name.clone(), delta);
        // Every seventh checkpoint fails: its changes must reach the next one.
        if id % 7 != 3 {
            inc.notify_checkpoint_complete(id);
            last_completed = Some(increment.name.clone());
        }
    }
    assert!(base_size > 0);

    // Restoring the last completed chain at parallelism 2 gives the state, and the next
    // increment of a restored backend is a base.
    let expected = decoded(&model.snapshot().unwrap());
    let pending = inc.start_increment(100).unwrap().finish().unwrap();
    let mut replay: Vec<KeyedDelta> = pending.chain.iter().map(|n| files[n].clone()).collect();
    replay.push(decode(&pending));
    let restored = canon(materialize(replay.clone()).unwrap());
    let mut parts = Vec::new();
    for subtask in 0..2 {
        let mut b = backend(&clock, &options, subtask, 2);
        b.restore(&restored).unwrap();
        let first = b.snapshot_increment(101).unwrap();
        assert!(first.chain.is_empty(), "a restored backend starts a new base");
        parts.extend(canon(materialize([decode(&first)]).unwrap()));
    }
    assert_eq!(decoded(&parts), expected);
}
