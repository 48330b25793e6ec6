//! Producing batches: serializing into reused buffers, choosing partitions, back-pressure
//! when librdkafka's queue is full, and delivery reports; plus the writer of the
//! non-transactional guarantees (none, at-least-once).

use super::client::{kafka_error, parse_acquired_pid};
use super::serializer::{KafkaSerializer, SerializedRecord};
use super::sink::{KafkaPartitioner, KafkaSink};
use rasch_core::{Data, Error, NO_TIMESTAMP, Record, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::SinkWriter;
use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);

/// Collects delivery failures and the producer id librdkafka acquired.
#[derive(Default)]
pub(crate) struct DeliveryContext {
    failures: AtomicU64,
    first_failure: Mutex<Option<String>>,
    pid: Mutex<Option<(i64, i16)>>,
}

impl DeliveryContext {
    /// The producer id and epoch of a transactional producer (after `init_transactions`).
    pub(crate) fn producer_id(&self) -> Option<(i64, i16)> {
        *self.pid.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// An error if any record was not delivered.
    pub(crate) fn check(&self, topic: &str) -> Result<()> {
        match self.failures.load(Ordering::Acquire) {
            0 => Ok(()),
            n => {
                let first = self.first_failure.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default();
                Err(Error::Unavailable(format!("Kafka: {n} records to topic '{topic}' were not delivered: {first}")))
            }
        }
    }
}

impl ClientContext for DeliveryContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        if fac == "GETPID"
            && let Some(pid) = parse_acquired_pid(message)
        {
            *self.pid.lock().unwrap_or_else(|e| e.into_inner()) = Some(pid);
        } else if (level as i32) <= (RDKafkaLogLevel::Warning as i32) {
            eprintln!("rasch kafka producer: {fac}: {message}");
        }
    }
}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result
            && self.failures.fetch_add(1, Ordering::AcqRel) == 0
        {
            *self.first_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
        }
    }
}

/// A producer with its context.
pub(crate) type KafkaProducer = BaseProducer<DeliveryContext>;

/// Serializes and sends batches for one subtask.
pub(crate) struct Producing<T> {
    pub(crate) sink_props: super::client::KafkaProperties,
    pub(crate) topic: String,
    serializer: Arc<dyn KafkaSerializer<T>>,
    partitioner: KafkaPartitioner<T>,
    partitions: i32,
    subtask: usize,
    next: u64,
    buf: SerializedRecord,
    txn_header: Option<String>,
    /// The transactional id stamped into `txn_header`.
    pub(crate) header_value: String,
}

impl<T: Data> Producing<T> {
    pub(crate) fn new(sink: &KafkaSink<T>, ctx: &RuntimeContext) -> Result<Self> {
        let partitions = match sink.partitioner {
            KafkaPartitioner::KeyHash => 0,
            _ => {
                let probe: BaseProducer = sink.props.client_config(&[]).create().map_err(|e| kafka_error("creating a producer", e))?;
                let md = probe
                    .client()
                    .fetch_metadata(Some(&sink.topic), Duration::from_secs(30))
                    .map_err(|e| kafka_error("reading topic metadata", e))?;
                let n = md.topics().iter().find(|t| t.name() == sink.topic).map_or(0, |t| t.partitions().len());
                if n == 0 {
                    return Err(Error::user(format!("Kafka topic '{}' does not exist or has no partitions", sink.topic)));
                }
                n as i32
            }
        };
        Ok(Producing {
            sink_props: sink.props.clone(),
            topic: sink.topic.clone(),
            serializer: sink.serializer.clone(),
            partitioner: sink.partitioner.clone(),
            partitions,
            subtask: ctx.subtask_index,
            next: ctx.subtask_index as u64,
            buf: SerializedRecord::default(),
            txn_header: sink.txn_header.clone(),
            header_value: String::new(),
        })
    }

    /// How this sink's producers are made.
    pub(crate) fn factory(&self) -> ProducerFactory {
        ProducerFactory { props: self.sink_props.clone(), key_hash: matches!(self.partitioner, KafkaPartitioner::KeyHash) }
    }

    fn partition(&mut self, value: &T) -> Option<i32> {
        let key = self.buf.has_key.then_some(self.buf.key.as_slice());
        match &self.partitioner {
            KafkaPartitioner::KeyHash => None,
            KafkaPartitioner::Fixed => Some(self.subtask as i32 % self.partitions),
            KafkaPartitioner::RoundRobin => {
                self.next = self.next.wrapping_add(1);
                Some((self.next % self.partitions as u64) as i32)
            }
            KafkaPartitioner::Custom(f) => Some(f(value, key, self.partitions).rem_euclid(self.partitions)),
        }
    }

    /// Sends (and removes) every record of `batch`; returns how many were sent.
    pub(crate) fn send(&mut self, producer: &KafkaProducer, batch: &mut Vec<Record<T>>) -> Result<u64> {
        let n = batch.len() as u64;
        for r in batch.drain(..) {
            self.buf.clear();
            self.serializer
                .serialize(&r.value, &mut self.buf)
                .map_err(|e| Error::user(format!("Kafka sink: cannot serialize a record for topic '{}': {e}", self.topic)))?;
            let partition = self.partition(&r.value);
            let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&self.topic).payload(self.buf.value.as_slice());
            if self.buf.has_key {
                record = record.key(self.buf.key.as_slice());
            }
            if let Some(p) = partition {
                record = record.partition(p);
            }
            if r.ts != NO_TIMESTAMP {
                record = record.timestamp(r.ts);
            }
            if !self.buf.headers.is_empty() || self.txn_header.is_some() {
                let mut headers = OwnedHeaders::new_with_capacity(self.buf.headers.len() + 1);
                for (k, v) in &self.buf.headers {
                    headers = headers.insert(Header { key: k, value: Some(v.as_slice()) });
                }
                if let Some(name) = &self.txn_header {
                    headers = headers.insert(Header { key: name, value: Some(self.header_value.as_bytes()) });
                }
                record = record.headers(headers);
            }
            let mut pending = record;
            loop {
                match producer.send(pending) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        // Back-pressure: serve delivery reports until there is room.
                        producer.poll(Duration::from_millis(10));
                        pending = back;
                    }
                    Err((e, _)) => return Err(kafka_error(format!("producing to '{}'", self.topic), e)),
                }
            }
        }
        producer.poll(Duration::ZERO);
        producer.context().check(&self.topic)?;
        Ok(n)
    }
}

/// Makes producers with a sink's properties; can be sent to another thread.
#[derive(Clone)]
pub(crate) struct ProducerFactory {
    props: super::client::KafkaProperties,
    key_hash: bool,
}

impl ProducerFactory {
    /// A producer with the sink's properties plus `extra`; a transactional one logs its
    /// producer id (librdkafka's `eos` debug context), which the context picks up.
    pub(crate) fn producer(&self, extra: &[(&str, &str)], transactional: bool) -> Result<KafkaProducer> {
        let mut config = self.props.client_config(extra);
        if transactional {
            config.set("debug", "eos").set_log_level(RDKafkaLogLevel::Debug);
        }
        if self.key_hash && self.props.get("partitioner").is_none() {
            config.set("partitioner", "murmur2_random");
        }
        config.create_with_context(DeliveryContext::default()).map_err(|e| kafka_error("creating a producer", e))
    }
}

/// Waits until every record `producer` was given is acknowledged (or failed).
pub(crate) fn flush(producer: &KafkaProducer, topic: &str) -> Result<()> {
    producer.flush(FLUSH_TIMEOUT).map_err(|e| kafka_error(format!("flushing records to '{topic}'"), e))?;
    producer.context().check(topic)
}

/// The writer of [`DeliveryGuarantee::None`](super::DeliveryGuarantee::None) and
/// [`AtLeastOnce`](super::DeliveryGuarantee::AtLeastOnce).
pub(crate) struct PlainWriter<T> {
    producing: Producing<T>,
    producer: KafkaProducer,
    at_least_once: bool,
}

impl<T: Data> PlainWriter<T> {
    pub(crate) fn new(_sink: &KafkaSink<T>, _ctx: &RuntimeContext, producing: Producing<T>, at_least_once: bool) -> Result<Self> {
        let acks = if at_least_once { "all" } else { "1" };
        let producer = producing.factory().producer(&[("acks", acks)], false)?;
        Ok(PlainWriter { producing, producer, at_least_once })
    }
}

impl<T: Data> SinkWriter<T> for PlainWriter<T> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.producing.send(&self.producer, batch).map(drop)
    }
    fn flush(&mut self) -> Result<()> {
        self.producer.poll(Duration::ZERO);
        self.producer.context().check(&self.producing.topic)
    }
    fn prepare_commit(&mut self, _checkpoint_id: u64) -> Result<Vec<Vec<u8>>> {
        if self.at_least_once {
            flush(&self.producer, &self.producing.topic)?;
        }
        Ok(Vec::new())
    }
    fn finish(&mut self) -> Result<()> {
        flush(&self.producer, &self.producing.topic)
    }
    fn close(&mut self) -> Result<()> {
        flush(&self.producer, &self.producing.topic)
    }
}
