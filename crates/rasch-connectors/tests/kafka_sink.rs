//! The Kafka sink's writers against a real broker (Tansu, started per test, killed by PID;
//! installed by `scripts/install-kafka-broker.sh` — without it these tests fail): the
//! partitioners, at-least-once flushing at checkpoints, and the exactly-once recovery steps —
//! a prepared transaction committed again by a restored writer (resuming its producer id and
//! epoch), a lingering one aborted by fencing, and transactions committed only when told.

use rasch_connectors::kafka::testing::{StoredRecord, TestBroker};
use rasch_connectors::kafka::*;
use rasch_core::Record;
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::Sink;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

fn records(values: &[&str]) -> Vec<Record<String>> {
    values.iter().map(|v| Record::new((*v).to_string())).collect()
}

fn by_partition(stored: &[StoredRecord]) -> BTreeMap<i32, Vec<String>> {
    let mut m: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for r in stored {
        m.entry(r.partition).or_default().push(String::from_utf8_lossy(&r.value).into_owned());
    }
    m
}

fn write_all(sink: &KafkaSink<String>, subtask: usize, parallelism: usize, values: &[&str]) {
    let mut w = sink.create_writer(&RuntimeContext::for_test(subtask, parallelism)).unwrap();
    w.write(&mut records(values)).unwrap();
    assert!(w.prepare_commit(1).unwrap().is_empty(), "at-least-once has nothing to commit");
    w.finish().unwrap();
    w.close().unwrap();
}

#[test]
fn partitioners_spread_records_as_chosen() {
    let broker = TestBroker::start();
    let values: Vec<String> = (0..40).map(|i| format!("r{i}")).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let sink = |topic: &str, p: KafkaPartitioner<String>| {
        broker.create_topic(topic, 4);
        KafkaSink::builder(&broker.bootstrap(), topic, StringSerializer).partitioner(p).build().unwrap()
    };
    write_all(&sink("rr", KafkaPartitioner::RoundRobin), 0, 1, &refs);
    assert!(by_partition(&broker.read_all("rr")).values().all(|v| v.len() == 10), "round-robin: 10 per partition");

    let fixed = sink("fixed", KafkaPartitioner::Fixed);
    write_all(&fixed, 1, 2, &refs[..5]);
    write_all(&fixed, 2, 3, &refs[5..]);
    let got = by_partition(&broker.read_all("fixed"));
    assert_eq!(got.keys().copied().collect::<Vec<_>>(), vec![1, 2], "subtask i writes to partition i % 4");

    let custom = sink("custom", KafkaPartitioner::Custom(Arc::new(|v: &String, _, n| v.len() as i32 % n)));
    write_all(&custom, 0, 1, &refs);
    for (p, vs) in by_partition(&broker.read_all("custom")) {
        assert!(vs.iter().all(|v| v.len() as i32 % 4 == p), "partition {p}: {vs:?}");
    }

    broker.create_topic("keyed", 4);
    let keyed = KafkaSink::builder(
        &broker.bootstrap(),
        "keyed",
        FnSerializer(|v: &String, out: &mut SerializedRecord| {
            out.set_key(&v.as_bytes()[..2]);
            out.value.extend_from_slice(v.as_bytes());
            Ok(())
        }),
    )
    .build()
    .unwrap();
    write_all(&keyed, 0, 1, &refs);
    let mut partition_of_key: BTreeMap<Vec<u8>, i32> = BTreeMap::new();
    for r in broker.read_all("keyed") {
        let key = r.key.clone().unwrap();
        assert_eq!(*partition_of_key.entry(key.clone()).or_insert(r.partition), r.partition, "one partition per key");
    }
    assert_eq!(partition_of_key.len(), 10, "keys r0 … r9");
    assert!(partition_of_key.values().collect::<std::collections::BTreeSet<_>>().len() > 1, "keys spread");
}

fn exactly_once(broker: &TestBroker, topic: &str, events: &Arc<Mutex<Vec<TransactionEvent>>>) -> KafkaSink<String> {
    let events = events.clone();
    KafkaSink::builder(&broker.bootstrap(), topic, StringSerializer)
        .delivery_guarantee(DeliveryGuarantee::ExactlyOnce)
        .transactional_id_prefix(&format!("{topic}-tx"))
        .transaction_header("txn")
        .transaction_listener(move |e| events.lock().unwrap().push(e.clone()))
        .build()
        .unwrap()
}

fn txn_of(r: &StoredRecord) -> String {
    r.headers.iter().find(|(k, _)| k == "txn").map(|(_, v)| String::from_utf8_lossy(v).into_owned()).unwrap()
}

#[test]
fn a_restored_writer_commits_the_prepared_transaction_and_aborts_the_lingering_one() {
    let broker = TestBroker::start();
    broker.create_topic("eo", 1);
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = exactly_once(&broker, "eo", &events);
    let ctx = RuntimeContext::for_test(0, 1);

    // Attempt 1: a transaction prepared at checkpoint 1, then another one left open; crash.
    let mut first = sink.create_writer(&ctx).unwrap();
    first.write(&mut records(&["a", "b", "c"])).unwrap();
    let prepared = first.prepare_commit(1).unwrap();
    first.write(&mut records(&["lost1", "lost2"])).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300)); // sent (linger is 5 ms), not prepared
    first.flush().unwrap();
    drop(first);
    assert!(
        !events.lock().unwrap().iter().any(|e| matches!(e, TransactionEvent::Committed { .. })),
        "nothing is committed before its checkpoint completes"
    );

    // Attempt 2 restores checkpoint 1: commits its transaction again, fences the open one.
    let mut second = sink.create_writer(&ctx).unwrap();
    second.recover(prepared).unwrap();
    second.write(&mut records(&["d"])).unwrap();
    let next = second.prepare_commit(2).unwrap();
    assert!(
        !events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, TransactionEvent::Committed { transactional_id, .. } if transactional_id == "eo-tx-0-3"))
    );
    second.commit(next).unwrap();
    second.close().unwrap();

    let log = events.lock().unwrap().clone();
    // The fenced id is used again, with the next epoch.
    let expected = vec![
        TransactionEvent::Prepared { transactional_id: "eo-tx-0-1".into(), epoch: 0, checkpoint_id: 1, records: 3 },
        TransactionEvent::Committed { transactional_id: "eo-tx-0-1".into(), epoch: 0, recovered: true },
        TransactionEvent::Aborted { transactional_id: "eo-tx-0-2".into(), fenced_epoch: 1 },
        TransactionEvent::Prepared { transactional_id: "eo-tx-0-2".into(), epoch: 1, checkpoint_id: 2, records: 1 },
        TransactionEvent::Committed { transactional_id: "eo-tx-0-2".into(), epoch: 1, recovered: false },
    ];
    assert_eq!(log, expected);

    // The log holds all three transactions' records (Tansu does not filter aborted ones);
    // the committed transactions hold exactly a, b, c and d.
    let stored = broker.read_all("eo");
    let mut per_txn: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &stored {
        per_txn.entry(txn_of(r)).or_default().push(String::from_utf8_lossy(&r.value).into_owned());
    }
    assert_eq!(per_txn["eo-tx-0-1@0"], ["a", "b", "c"]);
    assert_eq!(per_txn["eo-tx-0-2@0"], ["lost1", "lost2"]);
    assert_eq!(per_txn["eo-tx-0-2@1"], ["d"]);
    // Each ended transaction left a control record (commit or abort marker) in the log, at the
    // offsets no data record occupies: the recovered commit of tx 1 and the abort of tx 2
    // come after tx 2's records and before tx 3's.
    let offsets: Vec<(i64, String)> = stored.iter().map(|r| (r.offset, txn_of(r))).collect();
    let at = |txn: &str| offsets.iter().filter(|(_, t)| t == txn).map(|(o, _)| *o).collect::<Vec<_>>();
    assert_eq!((at("eo-tx-0-1@0"), at("eo-tx-0-2@0"), at("eo-tx-0-2@1")), (vec![0, 1, 2], vec![3, 4], vec![7]), "two markers at 5 and 6");
}

#[test]
fn a_transaction_begun_after_an_empty_checkpoint_is_fenced_on_recovery() {
    let broker = TestBroker::start();
    broker.create_topic("late", 1);
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = exactly_once(&broker, "late", &events);
    let ctx = RuntimeContext::for_test(0, 1);
    let mut first = sink.create_writer(&ctx).unwrap();
    let empty = first.prepare_commit(1).unwrap(); // nothing written yet
    first.write(&mut records(&["after"])).unwrap();
    drop(first);
    let mut second = sink.create_writer(&ctx).unwrap();
    second.recover(empty).unwrap();
    second.close().unwrap();
    let log = events.lock().unwrap().clone();
    assert_eq!(log, vec![TransactionEvent::Aborted { transactional_id: "late-tx-0-1".into(), fenced_epoch: 1 }]);
}
