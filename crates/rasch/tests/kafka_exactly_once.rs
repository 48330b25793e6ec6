//! Exactly-once from Kafka to Kafka under injected failures (at least 20 restarts while the
//! job writes to Kafka), against a real broker (Tansu, started per test and killed by PID;
//! `scripts/install-kafka-broker.sh` installs it — without it this test fails).
//!
//! Tansu's consumers do not filter aborted transactions, so a `read_committed` read cannot
//! show the guarantee. The test proves it from the transactions themselves: every record
//! carries its transactional id in a header, the sink reports every transaction it prepared,
//! committed and aborted, and the test checks that (1) each commit comes after the prepare at
//! its checkpoint, (2) the records of the committed transactions are exactly the output of a
//! failure-free run, computed independently, and (3) every other transaction that reached
//! the log was aborted — and none was both committed and aborted.

use rasch::connectors::kafka::testing::TestBroker;
use rasch::connectors::kafka::*;
use rasch::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const N: u64 = 160_000;
const PARTITIONS: u64 = 4;
const FAILURES: u32 = 25;

/// Rolling sums per key; key = partition, so each key's order is its partition's order.
fn expected() -> HashMap<String, usize> {
    let mut sums = [0u64; PARTITIONS as usize];
    let mut out = HashMap::new();
    for i in 0..N {
        let k = i % PARTITIONS;
        sums[k as usize] += i;
        *out.entry(format!("sum {k} {}", sums[k as usize])).or_insert(0) += 1;
    }
    out
}

#[test]
fn kafka_to_kafka_is_exactly_once_under_twenty_restarts() {
    let broker = TestBroker::start();
    broker.create_topic("in", PARTITIONS as u32);
    broker.create_topic("out", 3);
    let values: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    broker.produce("in", &values.iter().enumerate().map(|(i, v)| ((i as u64 % PARTITIONS) as i32, None, v.as_bytes())).collect::<Vec<_>>());

    let events = Arc::new(Mutex::new(Vec::<TransactionEvent>::new()));
    let injected = Arc::new(AtomicU32::new(0));
    let env = StreamEnv::local();
    env.set_parallelism(2);
    env.enable_checkpointing(Duration::from_millis(50));
    env.set_config("execution.checkpointing.mode", "EXACTLY_ONCE");
    env.set_config("restart-strategy.type", "fixed-delay");
    env.set_config("restart-strategy.fixed-delay.attempts", "1000");
    env.set_config("restart-strategy.fixed-delay.delay", "1 ms");
    let source = KafkaSource::builder(&broker.bootstrap(), StringDeserializer).topics(&["in"]).bounded().build().unwrap();
    let log = events.clone();
    let commits = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (commits_seen, counted) = (commits.clone(), commits.clone());
    let sink = KafkaSink::builder(&broker.bootstrap(), "out", StringSerializer)
        .delivery_guarantee(DeliveryGuarantee::ExactlyOnce)
        .transactional_id_prefix("chaos")
        .transaction_header("txn")
        .transaction_listener(move |e| {
            if matches!(e, TransactionEvent::Committed { recovered: false, .. }) {
                counted.fetch_add(1, Ordering::SeqCst);
            }
            log.lock().unwrap().push(e.clone())
        })
        .build()
        .unwrap();
    let fail = injected.clone();
    let processed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = std::time::Instant::now();
    let commits_at_failure = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let last_failure_ms = Arc::new(std::sync::atomic::AtomicU64::new(0));
    env.from_source(source, "Kafka")
        .map(move |v: String| {
            let i: u64 = v.parse().unwrap();
            // Every partition paced alike: the runtime takes no checkpoints once a source ended.
            if (i / PARTITIONS).is_multiple_of(2) {
                std::thread::sleep(Duration::from_millis(1));
            }
            // A failure every 500 records processed (replays included), FAILURES times.
            // Every other one waits until a checkpoint completed since the previous failure
            // (seen as a commit), so that attempts restore from ever newer checkpoints, as a
            // job that keeps failing but progresses does; the others strike 1 s after the
            // previous failure, in the restored attempt, whether a checkpoint completed or not.
            let commits_now = commits_seen.load(Ordering::SeqCst);
            let now = started.elapsed().as_millis() as u64;
            let free = fail.load(Ordering::SeqCst) % 2 == 1 && now >= last_failure_ms.load(Ordering::SeqCst) + 1_000;
            if processed.fetch_add(1, Ordering::SeqCst) % 500 == 499
                && (free || commits_now > commits_at_failure.load(Ordering::SeqCst))
                && fail.fetch_add(1, Ordering::SeqCst) < FAILURES
            {
                commits_at_failure.store(commits_now, Ordering::SeqCst);
                last_failure_ms.store(now, Ordering::SeqCst);
                panic!("injected failure at record {i}, {} ms after the start", started.elapsed().as_millis());
            }
            (i % PARTITIONS, i)
        })
        .key_by(|t| t.0)
        .sum(1)
        .map(|(k, s): (u64, u64)| format!("sum {k} {s}"))
        .sink_to(sink);
    let result = env.execute("kafka exactly-once chaos").unwrap();
    assert!(result.restarts() >= 20, "only {} restarts", result.restarts());
    let at_checkpoints = commits.load(Ordering::SeqCst);
    assert!(at_checkpoints >= 10, "restores must come from completed checkpoints: only {at_checkpoints} commits on completion");

    // Transactions are `(transactional id, epoch)`: recovery uses fenced ids again.
    let events = events.lock().unwrap().clone();
    let mut prepared_at: BTreeMap<(String, i16), u64> = BTreeMap::new();
    let mut committed = BTreeSet::new();
    let mut fenced: BTreeMap<String, i16> = BTreeMap::new();
    for e in &events {
        match e {
            TransactionEvent::Prepared { transactional_id, epoch, checkpoint_id, .. } => {
                prepared_at.insert((transactional_id.clone(), *epoch), *checkpoint_id);
            }
            TransactionEvent::Committed { transactional_id, epoch, .. } => {
                let txn = (transactional_id.clone(), *epoch);
                assert!(prepared_at.contains_key(&txn), "{txn:?} committed before it was prepared");
                committed.insert(txn);
            }
            TransactionEvent::Aborted { transactional_id, fenced_epoch } => {
                let f = fenced.entry(transactional_id.clone()).or_insert(0);
                *f = (*f).max(*fenced_epoch);
            }
        }
    }
    let aborted = |txn: &(String, i16)| fenced.get(&txn.0).is_some_and(|f| txn.1 < *f);
    let both: Vec<_> = committed.iter().filter(|t| aborted(t)).collect();
    assert!(both.is_empty(), "committed and aborted: {both:?}");

    let mut got: HashMap<String, usize> = HashMap::new();
    let mut uncommitted_records = 0;
    let mut aborted_txns = BTreeSet::new();
    for r in broker.read_all("out") {
        let header =
            r.headers.iter().find(|(k, _)| k == "txn").map(|(_, v)| String::from_utf8_lossy(v).into_owned()).expect("a txn header");
        let (id, epoch) = header.rsplit_once('@').expect("id@epoch");
        let txn = (id.to_string(), epoch.parse::<i16>().unwrap());
        if committed.contains(&txn) {
            *got.entry(String::from_utf8(r.value).unwrap()).or_insert(0) += 1;
        } else {
            assert!(aborted(&txn), "{txn:?} reached the log but was neither committed nor aborted");
            uncommitted_records += 1;
            aborted_txns.insert(txn);
        }
    }
    let expected = expected();
    let wrong: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(5).collect();
    assert!(
        wrong.is_empty() && got.len() == expected.len(),
        "differences (line, expected count): {wrong:?}; {} distinct lines, expected {}",
        got.len(),
        expected.len()
    );
    eprintln!(
        "{} restarts, {at_checkpoints} commits on checkpoint completion, {} transactions committed, {uncommitted_records} records of {} aborted transactions in the log",
        result.restarts(),
        committed.len(),
        aborted_txns.len()
    );
}

#[test]
fn the_example_counts_clicks_per_user_and_minute_into_kafka() {
    let broker = TestBroker::start();
    broker.create_topic("clicks", 3);
    broker.create_topic("click-counts", 2);
    // Users a, b, c; minute m holds m + 1 clicks of each user, spread over the partitions.
    let mut clicks = Vec::new();
    for minute in 0..4i64 {
        for user in ["a", "b", "c"] {
            for k in 0..=minute {
                clicks.push(format!(r#"{{"user":"{user}","ts":{}}}"#, minute * 60_000 + k * 1_000));
            }
        }
    }
    broker.produce("clicks", &clicks.iter().enumerate().map(|(i, c)| ((i % 3) as i32, None, c.as_bytes())).collect::<Vec<_>>());
    let exe = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("examples/kafka_window_counts");
    let out = std::process::Command::new(&exe)
        .args([
            "--bootstrap",
            &broker.bootstrap(),
            "--input",
            "clicks",
            "--output",
            "click-counts",
            "--parallelism",
            "2",
            "--checkpoint-interval",
            "200",
            "--bounded",
        ])
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    assert!(out.status.success(), "the example failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut got: Vec<(String, i64, u64)> = broker
        .read_all("click-counts")
        .into_iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_slice(&r.value).unwrap();
            assert_eq!(r.key.as_deref(), v["user"].as_str().map(str::as_bytes), "keyed by user");
            (v["user"].as_str().unwrap().to_string(), v["window_start"].as_i64().unwrap(), v["clicks"].as_u64().unwrap())
        })
        .collect();
    got.sort();
    let mut expected = Vec::new();
    for user in ["a", "b", "c"] {
        for minute in 0..4i64 {
            expected.push((user.to_string(), minute * 60_000, minute as u64 + 1));
        }
    }
    assert_eq!(got, expected);
}
