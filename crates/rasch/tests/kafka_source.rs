//! The Kafka source against a real broker (Tansu on 127.0.0.1, started per test and killed
//! by PID; `scripts/install-kafka-broker.sh` installs it — without it these tests fail):
//! multi-partition topics at parallelism 1, 2 and 4, bounded mode, partition discovery,
//! per-partition watermarks with idle and slow partitions, offsets committed to the group on
//! checkpoints, offsets surviving a savepoint and a rescale, and malformed records.

use rasch::connectors::formats::OnMalformed;
use rasch::connectors::kafka::testing::TestBroker;
use rasch::connectors::kafka::*;
use rasch::prelude::*;
use rasch::sink::FnSink;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PARTITIONS: i32 = 6;

/// `n` records `v<i>` spread round-robin over the topic's partitions.
fn fill(broker: &TestBroker, topic: &str, partitions: i32, n: usize) -> Vec<String> {
    broker.create_topic(topic, partitions as u32);
    let values: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
    let records: Vec<rasch::connectors::kafka::testing::Input<'_>> =
        values.iter().enumerate().map(|(i, v)| ((i % partitions as usize) as i32, None, v.as_bytes())).collect();
    broker.produce(topic, &records);
    values
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A sink that shows records at once (the collect sink commits them on checkpoints).
#[derive(Clone, Default)]
struct Live(Arc<Mutex<Vec<String>>>);

impl Live {
    fn sink(&self) -> FnSink<impl FnMut(String) + Clone + Send + Sync + 'static> {
        let out = self.0.clone();
        FnSink(move |s: String| out.lock().unwrap().push(s))
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn snapshot(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn wait_for(&self, n: usize, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.len() < n {
            assert!(Instant::now() < deadline, "{what}: only {} of {n} records within 60 s", self.len());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_multi_partition_topic_is_read_exactly_once_at_parallelism_1_2_and_4() {
    let broker = TestBroker::start();
    let expected = fill(&broker, "numbers", PARTITIONS, 3_000);
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let source = KafkaSource::builder(&broker.bootstrap(), StringDeserializer).topics(&["numbers"]).bounded().build().unwrap();
        let got = env.from_source(source, "Kafka").execute_and_collect().unwrap();
        assert_eq!(sorted(got), sorted(expected.clone()), "parallelism {p}");
    }
}

#[test]
fn records_carry_key_timestamp_partition_and_offset() {
    let broker = TestBroker::start();
    broker.create_topic("meta", 2);
    broker.produce_with_timestamps(
        "meta",
        &[(1, Some(b"k1"), b"one", Some(1_000)), (1, None, b"two", Some(2_000)), (0, Some(b"k0"), b"zero", Some(500))],
    );
    let env = StreamEnv::local();
    env.set_parallelism(1);
    let source = KafkaSource::builder(&broker.bootstrap(), MessageDeserializer).topics(&["meta"]).bounded().build().unwrap();
    let mut got = env.from_source(source, "Kafka").execute_and_collect().unwrap();
    got.sort_by_key(|m| (m.partition, m.offset));
    let seen: Vec<_> = got.iter().map(|m| (m.partition, m.offset, m.key.clone(), m.value.clone(), m.timestamp)).collect();
    assert_eq!(
        seen,
        vec![
            (0, 0, Some(b"k0".to_vec()), Some(b"zero".to_vec()), Some(500)),
            (1, 0, Some(b"k1".to_vec()), Some(b"one".to_vec()), Some(1_000)),
            (1, 1, None, Some(b"two".to_vec()), Some(2_000)),
        ]
    );
    assert!(got.iter().all(|m| m.topic == "meta"));
}

#[test]
fn bounded_mode_stops_at_the_offsets_seen_at_the_start() {
    let broker = TestBroker::start();
    let expected = fill(&broker, "growing", 3, 300);
    let (bootstrap, produced) = (broker.bootstrap(), Arc::new(Mutex::new(false)));
    // One reader: each reader fixes its partitions' stop offsets when it gets them.
    let env = StreamEnv::local();
    env.set_parallelism(1);
    let source = KafkaSource::builder(&bootstrap, StringDeserializer).topics(&["growing"]).bounded().build().unwrap();
    let got = env
        .from_source(source, "Kafka")
        .map(move |v: String| {
            // While the job runs, the topic grows: those records are past the stop offsets.
            let mut done = produced.lock().unwrap();
            if !*done {
                *done = true;
                let more: Vec<String> = (0..90).map(|i| format!("late{i}")).collect();
                let recs: Vec<rasch::connectors::kafka::testing::Input<'_>> =
                    more.iter().enumerate().map(|(i, v)| ((i % 3) as i32, None, v.as_bytes())).collect();
                let b = rasch::connectors::kafka::testing::Producer::new(&bootstrap);
                b.send("growing", &recs);
            }
            v
        })
        .execute_and_collect()
        .unwrap();
    assert_eq!(sorted(got), sorted(expected));
    assert_eq!(broker.read_all("growing").len(), 390, "the late records did arrive in the topic");
}

#[test]
fn partition_discovery_picks_up_topics_created_while_the_job_runs() {
    let broker = TestBroker::start();
    let first = fill(&broker, "disc-a", 2, 40);
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let source = KafkaSource::builder(&broker.bootstrap(), StringDeserializer)
        .topic_pattern("disc-.*")
        .property(PARTITION_DISCOVERY_INTERVAL_MS, "200")
        .starting_offsets(StartingOffsets::Latest)
        .build()
        .unwrap();
    broker.create_topic("other", 1);
    broker.produce("other", &[(0, None, b"not matched")]);
    let live = Live::default();
    env.from_source(source, "Kafka").sink_to(live.sink());
    let client = env.execute_async("discovery").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(live.len(), 0, "started at the latest offsets: the 40 old records are skipped");
    let more: Vec<String> = (0..30).map(|i| format!("new-a{i}")).collect();
    broker.produce("disc-a", &more.iter().enumerate().map(|(i, v)| ((i % 2) as i32, None, v.as_bytes())).collect::<Vec<_>>());
    live.wait_for(30, "records of the known topic");
    // A new topic matching the pattern: its partitions are discovered and read from the start.
    let created: Vec<String> = fill(&broker, "disc-b", 3, 45).into_iter().collect();
    live.wait_for(75, "records of the discovered topic");
    std::thread::sleep(Duration::from_millis(300));
    client.cancel();
    let _ = client.wait();
    let mut expected = more;
    expected.extend(created);
    assert_eq!(sorted(live.snapshot()), sorted(expected));
    drop(first);
}

/// One-second tumbling event-time windows counting records, as `start:count` lines.
fn windowed(env: &StreamEnv, source: KafkaSource<String>, live: &Live) {
    env.from_source(source, "Kafka")
        .map(|v: String| (0u8, v))
        .key_by(|t| t.0)
        .window(TumblingEventTimeWindows::of(Duration::from_secs(1)))
        .aggregate(AggregateFn {
            create: || 0u64,
            add: |_: (u8, String), n: u64| n + 1,
            result: |n: &u64| *n,
            merge: |a: u64, b: u64| a + b,
        })
        .map(|n: u64| n.to_string())
        .sink_to(live.sink());
}

fn event_time_source(broker: &TestBroker, topic: &str, idleness: Option<Duration>) -> KafkaSource<String> {
    let strategy = WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|v: &String, _| v.parse::<i64>().unwrap());
    let strategy = match idleness {
        Some(d) => strategy.with_idleness(d),
        None => strategy,
    };
    KafkaSource::builder(&broker.bootstrap(), StringDeserializer).topics(&[topic]).watermarks(strategy).build().unwrap()
}

/// Feeds a partition in the background: one record every 20 ms, its event time (the value)
/// `step` ms after the previous one, until dropped.
struct Feeder {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Feeder {
    fn start(broker: &TestBroker, topic: &str, partition: i32, step: i64) -> Feeder {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, bootstrap, topic) = (stop.clone(), broker.bootstrap(), topic.to_owned());
        let thread = std::thread::spawn(move || {
            let p = rasch::connectors::kafka::testing::Producer::new(&bootstrap);
            let mut ts = 0;
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                p.send(&topic, &[(partition, None, ts.to_string().as_bytes())]);
                ts += step;
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Feeder { stop, thread: Some(thread) }
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs the windowed job on `topic` while `during` runs; returns how many windows fired.
fn windows_fired(broker: &TestBroker, topic: &str, idleness: Option<Duration>, during: impl FnOnce(&Live)) -> usize {
    let env = StreamEnv::local();
    env.set_parallelism(1);
    let live = Live::default();
    windowed(&env, event_time_source(broker, topic, idleness), &live);
    let client = env.execute_async("event time").unwrap();
    during(&live);
    client.cancel();
    let _ = client.wait();
    live.len()
}

#[test]
fn an_idle_partition_does_not_hold_the_watermark_back_but_a_slow_one_does() {
    let broker = TestBroker::start();
    broker.create_topic("events", 2);
    // Partition 0 advances 100 ms of event time every 20 ms; partition 1 stays empty.
    let _fast = Feeder::start(&broker, "events", 0, 100);
    let held = windows_fired(&broker, "events", None, |_| std::thread::sleep(Duration::from_millis(1_500)));
    assert_eq!(held, 0, "an empty partition without idleness holds the watermark back");

    let fired =
        windows_fired(&broker, "events", Some(Duration::from_millis(300)), |live| live.wait_for(3, "windows with an idle partition"));
    assert!(fired >= 3);

    // A slow partition — records at event time 0, 0, 0 … still arriving — holds the watermark
    // back even with idleness; once it stops, it goes idle and the windows fire.
    windows_fired(&broker, "events", Some(Duration::from_millis(300)), |live| {
        let slow = Feeder::start(&broker, "events", 1, 0);
        std::thread::sleep(Duration::from_millis(1_500));
        assert_eq!(live.len(), 0, "a slow partition holds the watermark back");
        drop(slow);
        live.wait_for(3, "windows after the slow partition went idle");
    });
}

#[test]
fn offsets_are_committed_to_the_group_when_checkpoints_complete() {
    let broker = TestBroker::start();
    fill(&broker, "committed", 3, 90);
    let env = StreamEnv::local();
    env.set_parallelism(2);
    env.enable_checkpointing(Duration::from_millis(100));
    let source =
        KafkaSource::builder(&broker.bootstrap(), StringDeserializer).topics(&["committed"]).group_id("rasch-test").build().unwrap();
    let live = Live::default();
    env.from_source(source, "Kafka").sink_to(live.sink());
    let client = env.execute_async("commits").unwrap();
    live.wait_for(90, "all records");
    let deadline = Instant::now() + Duration::from_secs(30);
    while broker.committed_offsets("rasch-test", "committed", 3) != vec![30, 30, 30] {
        assert!(Instant::now() < deadline, "offsets not committed: {:?}", broker.committed_offsets("rasch-test", "committed", 3));
        std::thread::sleep(Duration::from_millis(50));
    }
    client.cancel();
    let _ = client.wait();
    // A new job of the same group starts where the group is.
    broker.produce("committed", &[(0, None, b"after")]);
    let env = StreamEnv::local();
    let source = KafkaSource::builder(&broker.bootstrap(), StringDeserializer)
        .topics(&["committed"])
        .group_id("rasch-test")
        .starting_offsets(StartingOffsets::Committed { reset: OffsetReset::Earliest })
        .bounded()
        .build()
        .unwrap();
    assert_eq!(env.from_source(source, "Kafka").execute_and_collect().unwrap(), vec!["after".to_string()]);
}

#[test]
fn source_offsets_survive_a_savepoint_and_a_rescale() {
    let broker = TestBroker::start();
    let expected = fill(&broker, "resumable", PARTITIONS, 6_000);
    let dir = std::env::temp_dir().join(format!("rasch-kafka-savepoint-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let job = |env: &StreamEnv, live: &Live| {
        let source = KafkaSource::builder(&broker.bootstrap(), StringDeserializer).topics(&["resumable"]).bounded().build().unwrap();
        env.from_source(source, "Kafka")
            .uid("kafka")
            .map(|v: String| {
                std::thread::sleep(Duration::from_micros(200));
                v
            })
            .uid("slow")
            .sink_to(live.sink());
    };
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let before = Live::default();
    job(&env, &before);
    let client = env.execute_async("before").unwrap();
    before.wait_for(200, "the first records");
    let savepoint = client.stop_with_savepoint(dir.to_str().unwrap(), rasch::StopMode::Stop).unwrap();
    client.wait().unwrap();
    let first = before.snapshot();
    assert!(first.len() < expected.len(), "stopped before the end");
    for p in [3, 1] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        env.set_config("execution.savepoint.path", savepoint.as_str());
        let after = Live::default();
        job(&env, &after);
        env.execute("after").unwrap();
        let mut all = first.clone();
        all.extend(after.snapshot());
        assert_eq!(sorted(all), sorted(expected.clone()), "resumed at parallelism {p}: every record exactly once");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Reading {
    sensor: String,
    value: f64,
}

#[test]
fn malformed_records_fail_the_job_naming_their_position_or_are_skipped_and_counted() {
    let broker = TestBroker::start();
    broker.create_topic("readings", 2);
    let good = br#"{"sensor":"a","value":1.5}"#;
    broker.produce("readings", &[(0, None, good), (1, None, good), (1, None, good), (1, None, b"{not json"), (0, None, good)]);
    let source = |on: OnMalformed| {
        KafkaSource::builder(&broker.bootstrap(), JsonDeserializer::<Reading>::new())
            .topics(&["readings"])
            .bounded()
            .on_malformed(on)
            .build()
            .unwrap()
    };
    let env = StreamEnv::local();
    env.from_source(source(OnMalformed::Fail), "Kafka").discard();
    let err = env.execute("strict").unwrap_err().to_string();
    assert!(err.contains("topic 'readings', partition 1, offset 2") && err.contains("invalid JSON"), "{err}");

    let env = StreamEnv::local();
    let (sink, handle) = rasch::connectors::CollectSink::new();
    env.from_source(source(OnMalformed::Skip), "Kafka").sink_to(sink);
    let result = env.execute("lenient").unwrap();
    assert_eq!(handle.take().len(), 4);
    assert_eq!(result.accumulator(rasch::MALFORMED_RECORDS), Some(1));
}
