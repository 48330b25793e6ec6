//! `rasch-bench kafka`: records/s written and read through a local Kafka-compatible broker
//! (Tansu, as the tests use it), by librdkafka alone and by a Rasch job, with the engine's
//! overhead over the raw client. Needs `scripts/install-kafka-broker.sh` and the `kafka`
//! feature (`cargo run --release -p rasch-bench --features kafka -- kafka`).
//!
//! Raw write: one `BaseProducer`, flushed at the end. Rasch write: datagen → `KafkaSink`
//! (at-least-once, and exactly-once with checkpoints every second). Raw read: one
//! `BaseConsumer` assigned every partition. Rasch read: `KafkaSource` → counting sink, until
//! every record arrived.

use crate::report::finish;
use rasch::connectors::kafka::testing::TestBroker;
use rasch::connectors::kafka::*;
use rasch::prelude::*;
use rasch::sink::FnSink;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PARTITIONS: i32 = 4;

fn payload(i: u64, size: usize) -> Vec<u8> {
    let mut v = format!("{i:012}").into_bytes();
    v.resize(size, b'x');
    v
}

fn raw_write(bootstrap: &str, topic: &str, records: u64, size: usize) -> Result<f64, String> {
    let producer: BaseProducer =
        ClientConfig::new().set("bootstrap.servers", bootstrap).set("linger.ms", "5").create().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut buf = Vec::new();
    for i in 0..records {
        buf.clear();
        buf.extend_from_slice(&payload(i, size));
        let mut rec = BaseRecord::<[u8], [u8]>::to(topic).payload(&buf).partition((i % PARTITIONS as u64) as i32);
        loop {
            match producer.send(rec) {
                Ok(()) => break,
                Err((_, back)) => {
                    producer.poll(Duration::from_millis(5));
                    rec = back;
                }
            }
        }
    }
    producer.flush(Duration::from_secs(120)).map_err(|e| e.to_string())?;
    Ok(start.elapsed().as_secs_f64())
}

fn raw_read(bootstrap: &str, topic: &str, records: u64) -> Result<f64, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "rasch-bench-raw")
        // As the engine's reader: offsets live in checkpoints, not in the client's store.
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .create()
        .map_err(|e| e.to_string())?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning).map_err(|e| e.to_string())?;
    }
    consumer.assign(&tpl).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let (mut n, mut bytes) = (0u64, 0usize);
    while n < records {
        if start.elapsed() > Duration::from_secs(300) {
            return Err(format!("raw read: only {n} of {records} records in 300 s"));
        }
        // Wait only when the queue is empty (a zero-timeout poll is much cheaper).
        let mut wait = Duration::from_millis(50);
        while let Some(Ok(m)) = consumer.poll(wait) {
            bytes += rdkafka::message::Message::payload(&m).map_or(0, <[u8]>::len);
            n += 1;
            wait = Duration::ZERO;
        }
    }
    std::hint::black_box(bytes);
    Ok(start.elapsed().as_secs_f64())
}

fn rasch_write(
    bootstrap: &str,
    topic: &str,
    records: u64,
    size: usize,
    guarantee: DeliveryGuarantee,
    parallelism: usize,
) -> Result<f64, String> {
    let env = StreamEnv::local();
    env.set_parallelism(parallelism);
    if guarantee == DeliveryGuarantee::ExactlyOnce {
        env.enable_checkpointing(Duration::from_secs(1));
    }
    let sink = KafkaSink::builder(bootstrap, topic, BytesSerializer)
        .delivery_guarantee(guarantee)
        .transactional_id_prefix(&format!("bench-{topic}"))
        .partitioner(KafkaPartitioner::RoundRobin)
        .build()
        .map_err(|e| e.to_string())?;
    env.datagen(Some(records), None, move |i| payload(i, size)).sink_to(sink);
    let result = env.execute("kafka write").map_err(|e| e.to_string())?;
    Ok(result.net_runtime().as_secs_f64())
}

fn rasch_read(bootstrap: &str, topic: &str, records: u64, parallelism: usize) -> Result<f64, String> {
    let env = StreamEnv::local();
    env.set_parallelism(parallelism);
    let source = KafkaSource::builder(bootstrap, BytesDeserializer).topics(&[topic]).build().map_err(|e| e.to_string())?;
    let seen = Arc::new(AtomicU64::new(0));
    let counter = seen.clone();
    env.from_source(source, "Kafka").sink_to(FnSink(move |v: Vec<u8>| {
        std::hint::black_box(v);
        counter.fetch_add(1, Ordering::Relaxed);
    }));
    let start = Instant::now();
    let client = env.execute_async("kafka read").map_err(|e| e.to_string())?;
    while seen.load(Ordering::Relaxed) < records {
        if start.elapsed() > Duration::from_secs(300) {
            client.cancel();
            return Err(format!("rasch read: only {} of {records} records in 300 s", seen.load(Ordering::Relaxed)));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let seconds = start.elapsed().as_secs_f64();
    client.cancel();
    let _ = client.wait();
    Ok(seconds)
}

/// Runs the benchmark.
pub fn run(params: &rasch::Params) -> Result<(), String> {
    let records: u64 = params.get_or("records", 200_000).map_err(|e| e.to_string())?;
    let size: usize = params.get_or("value-bytes", 100).map_err(|e| e.to_string())?;
    let parallelism: usize = params.get_or("parallelism", 1).map_err(|e| e.to_string())?;
    let broker = TestBroker::start();
    let bootstrap = broker.bootstrap();
    let rate = |s: f64| records as f64 / s;
    // Two rounds, alternating client and engine; the faster of each counts (the first round
    // warms the broker up).
    let (mut raw_w, mut alo_w, mut eo_w, mut raw_r, mut rasch_r) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX, f64::MAX);
    for round in 0..2 {
        let t = |name: &str| format!("{name}-{round}");
        for name in ["raw", "alo", "eo"] {
            broker.create_topic(&t(name), PARTITIONS as u32);
        }
        raw_w = raw_w.min(raw_write(&bootstrap, &t("raw"), records, size)?);
        alo_w = alo_w.min(rasch_write(&bootstrap, &t("alo"), records, size, DeliveryGuarantee::AtLeastOnce, parallelism)?);
        eo_w = eo_w.min(rasch_write(&bootstrap, &t("eo"), records, size, DeliveryGuarantee::ExactlyOnce, parallelism)?);
        // The same topic, read twice: each reader goes first in one round (the broker serves
        // a second read of the same data faster).
        if round == 0 {
            raw_r = raw_r.min(raw_read(&bootstrap, &t("raw"), records)?);
            rasch_r = rasch_r.min(rasch_read(&bootstrap, &t("raw"), records, parallelism)?);
        } else {
            rasch_r = rasch_r.min(rasch_read(&bootstrap, &t("raw"), records, parallelism)?);
            raw_r = raw_r.min(raw_read(&bootstrap, &t("raw"), records)?);
        }
        eprintln!("round {round}: write raw {raw_w:.3}s alo {alo_w:.3}s eo {eo_w:.3}s; read raw {raw_r:.3}s rasch {rasch_r:.3}s");
    }
    eprintln!(
        "write: raw librdkafka {:.0}/s, Rasch at-least-once {:.0}/s, Rasch exactly-once {:.0}/s",
        rate(raw_w),
        rate(alo_w),
        rate(eo_w)
    );
    eprintln!("read:  raw librdkafka {:.0}/s, Rasch {:.0}/s", rate(raw_r), rate(rasch_r));
    let overhead = |engine: f64, raw: f64| (engine / raw - 1.0) * 100.0;
    let extra = json!({
        "value_bytes": size,
        "raw_write_per_sec": rate(raw_w).round(),
        "rasch_write_at_least_once_per_sec": rate(alo_w).round(),
        "rasch_write_exactly_once_per_sec": rate(eo_w).round(),
        "raw_read_per_sec": rate(raw_r).round(),
        "rasch_read_per_sec": rate(rasch_r).round(),
        "write_overhead_pct": overhead(alo_w, raw_w).round(),
        "read_overhead_pct": overhead(rasch_r, raw_r).round(),
    });
    let serde_json::Value::Object(extra) = extra else { unreachable!("a JSON object") };
    finish("kafka", parallelism, records, rasch_r + alo_w, extra);
    Ok(())
}
