//! A real Kafka-compatible broker for tests and benchmarks: Tansu (installed by
//! `scripts/install-kafka-broker.sh`), started on a free 127.0.0.1 port with in-memory
//! storage and killed by PID when dropped; plus helpers to create topics, produce and read
//! back everything (including records of aborted transactions: Tansu does not filter them).

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A record to produce: `(partition, key, value)`.
pub type Input<'a> = (i32, Option<&'a [u8]>, &'a [u8]);

/// A record to produce with a timestamp: `(partition, key, value, timestamp)`.
pub type TimedInput<'a> = (i32, Option<&'a [u8]>, &'a [u8], Option<i64>);

/// The Tansu version `scripts/install-kafka-broker.sh` installs.
pub const TANSU_VERSION: &str = "v0.6.0-510f3e2";

/// A record read back from a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Vec<u8>,
    /// The headers (those with a value).
    pub headers: Vec<(String, Vec<u8>)>,
}

/// A running broker; killed (by PID) when dropped, also when a test panics.
pub struct TestBroker {
    child: Child,
    binary: PathBuf,
    port: u16,
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestBroker {
    /// Where the broker binary is: `$RASCH_KAFKA_BROKER`, else the install script's cache
    /// (`$RASCH_CACHE_DIR` or `~/.cache/rasch`).
    pub fn binary() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("RASCH_KAFKA_BROKER") {
            return Some(PathBuf::from(p));
        }
        let cache = std::env::var_os("RASCH_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rasch")))?;
        let bin = cache.join(format!("tansu-{TANSU_VERSION}")).join("tansu");
        bin.is_file().then_some(bin)
    }

    /// Starts a broker. Panics — failing the test, never skipping it silently — when the
    /// binary is missing (run `scripts/install-kafka-broker.sh`) or the broker does not start.
    pub fn start() -> TestBroker {
        let binary = Self::binary().unwrap_or_else(|| {
            panic!("the Kafka test broker (Tansu) is not installed: run scripts/install-kafka-broker.sh (or set RASCH_KAFKA_BROKER)")
        });
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(&binary)
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url, "--storage-engine", "memory://tansu/"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the Kafka test broker {}: {e}", binary.display()));
        let broker = TestBroker { child, binary, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the Kafka test broker did not listen on 127.0.0.1:{port} within 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        broker
    }

    /// `127.0.0.1:<port>`, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Creates a topic with `partitions` partitions.
    pub fn create_topic(&self, name: &str, partitions: u32) {
        let out = Command::new(&self.binary)
            .args(["topic", "create", "--broker", &format!("tcp://127.0.0.1:{}", self.port), "--partitions", &partitions.to_string(), name])
            .output()
            .expect("running tansu topic create");
        assert!(out.status.success(), "creating topic {name}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Produces `(partition, key, value)` records (idempotent producer, flushed).
    pub fn produce(&self, topic: &str, records: &[Input<'_>]) {
        self.produce_with_timestamps(topic, &records.iter().map(|(p, k, v)| (*p, *k, *v, None)).collect::<Vec<_>>());
    }

    /// Produces `(partition, key, value, timestamp)` records (flushed).
    pub fn produce_with_timestamps(&self, topic: &str, records: &[TimedInput<'_>]) {
        Producer::new(&self.bootstrap()).send_with_timestamps(topic, records);
    }

    /// Every record in `topic` (all partitions, read uncommitted: with Tansu that includes
    /// records of aborted transactions), by partition then offset.
    pub fn read_all(&self, topic: &str) -> Vec<StoredRecord> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .set("enable.partition.eof", "true")
            .set("isolation.level", "read_uncommitted")
            .set("group.id", "rasch-test-reader")
            .create()
            .expect("a consumer");
        let md = consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
        let partitions: Vec<i32> = md.topics().iter().flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
        let mut tpl = TopicPartitionList::new();
        let mut open = 0;
        for p in &partitions {
            let (low, high) = consumer.fetch_watermarks(topic, *p, Duration::from_secs(10)).expect("offsets");
            if high > low {
                tpl.add_partition_offset(topic, *p, Offset::Offset(low)).expect("tpl");
                open += 1;
            }
        }
        consumer.assign(&tpl).expect("assign");
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while open > 0 {
            assert!(Instant::now() < deadline, "reading {topic} back took over 60 s");
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => out.push(StoredRecord {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().unwrap_or_default().to_vec(),
                    headers: m
                        .headers()
                        .map(|h| h.iter().filter_map(|h| h.value.map(|v| (h.key.to_owned(), v.to_vec()))).collect())
                        .unwrap_or_default(),
                }),
                Some(Err(KafkaError::PartitionEOF(_))) => open -= 1,
                Some(Err(e)) => panic!("reading {topic}: {e}"),
                None => {}
            }
        }
        out.sort_by_key(|r| (r.partition, r.offset));
        out
    }

    /// The consumer group's committed offset of each partition of `topic` (`-1`: none).
    pub fn committed_offsets(&self, group: &str, topic: &str, partitions: i32) -> Vec<i64> {
        let consumer: BaseConsumer =
            ClientConfig::new().set("bootstrap.servers", self.bootstrap()).set("group.id", group).create().expect("a consumer");
        let mut tpl = TopicPartitionList::new();
        for p in 0..partitions {
            tpl.add_partition(topic, p);
        }
        let got = consumer.committed_offsets(tpl, Duration::from_secs(10)).expect("committed offsets");
        (0..partitions)
            .map(|p| match got.find_partition(topic, p).map(|e| e.offset()) {
                Some(Offset::Offset(o)) => o,
                _ => -1,
            })
            .collect()
    }
}

/// A plain (non-transactional) producer for test input.
pub struct Producer(BaseProducer);

impl Producer {
    /// A producer for the brokers at `bootstrap`. It sends one record per batch: Tansu
    /// reports the end of a partition as the last batch's base offset + 1, so bounded reads
    /// would stop early in multi-record batches.
    pub fn new(bootstrap: &str) -> Self {
        Producer(
            ClientConfig::new()
                .set("bootstrap.servers", bootstrap)
                .set("linger.ms", "1")
                .set("batch.num.messages", "1")
                .create()
                .expect("a producer"),
        )
    }

    /// Sends `(partition, key, value)` records and waits until they are written.
    pub fn send(&self, topic: &str, records: &[Input<'_>]) {
        self.send_with_timestamps(topic, &records.iter().map(|(p, k, v)| (*p, *k, *v, None)).collect::<Vec<_>>());
    }

    /// Sends `(partition, key, value, timestamp)` records and waits until they are written.
    pub fn send_with_timestamps(&self, topic: &str, records: &[TimedInput<'_>]) {
        for (partition, key, value, ts) in records {
            let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic).partition(*partition).payload(*value);
            if let Some(k) = key {
                record = record.key(*k);
            }
            if let Some(ts) = ts {
                record = record.timestamp(*ts);
            }
            let mut pending = record;
            loop {
                match self.0.send(pending) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull), r)) => {
                        self.0.poll(Duration::from_millis(10));
                        pending = r;
                    }
                    Err((e, _)) => panic!("producing to {topic}: {e}"),
                }
            }
        }
        self.0.flush(Duration::from_secs(30)).expect("flushing the producer");
    }
}
