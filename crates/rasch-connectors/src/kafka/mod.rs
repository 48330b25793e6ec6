//! Apache Kafka: a split-based source (one split per topic-partition) and a sink with
//! Flink's delivery guarantees — none, at-least-once, and exactly-once by Kafka transactions
//! on the two-phase-commit [`SinkWriter`](rasch_runtime::sink::SinkWriter). The client is
//! librdkafka (the `rdkafka` crate, built from source); see `docs/kafka.md` for the choice,
//! the semantics and what the tests against a real broker prove.

mod client;
mod deserializer;
mod offsets;
mod protocol;
mod reader;
mod record;
mod serializer;
mod sink;
mod source;
mod split;
mod transactional;
mod watermarks;
mod writer;

pub mod testing;

pub use client::KafkaProperties;
pub use deserializer::{
    BytesDeserializer, FnDeserializer, JsonDeserializer, KafkaDeserializer, KafkaMessage, MessageDeserializer, StringDeserializer,
};
pub use offsets::{OffsetReset, SplitPosition, StartingOffsets};
pub use record::KafkaRecord;
pub use serializer::{BytesSerializer, FnSerializer, JsonSerializer, KafkaSerializer, SerializedRecord, StringSerializer};
pub use sink::{DeliveryGuarantee, KafkaPartitioner, KafkaSink, KafkaSinkBuilder, PartitionFn, TransactionEvent, TransactionListener};
pub use source::{KafkaSource, KafkaSourceBuilder, PARTITION_DISCOVERY_INTERVAL_MS, TopicSelection};
pub use split::{KafkaPartitionSplit, split_owner};
