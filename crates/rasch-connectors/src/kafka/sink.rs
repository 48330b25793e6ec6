//! The Kafka sink (Flink's `KafkaSink`): a topic, a serializer, a partitioner and a delivery
//! guarantee — none (fire and forget), at-least-once (every checkpoint waits until all records
//! are acknowledged) or exactly-once (one Kafka transaction per subtask and checkpoint,
//! committed when the checkpoint completes).

use super::client::KafkaProperties;
use super::serializer::KafkaSerializer;
use super::transactional::TransactionalWriter;
use super::writer::{PlainWriter, Producing};
use rasch_core::{Data, Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use std::sync::Arc;

/// What a Kafka sink promises after failures: `None` (nothing waits for the broker),
/// `AtLeastOnce` (each checkpoint waits until every record written before it is acknowledged;
/// after a restore, records since the checkpoint are written again), `ExactlyOnce` (records go
/// into a Kafka transaction per subtask and checkpoint, committed when the checkpoint completes).
pub use crate::DeliveryGuarantee;

/// A user partitioner: `(value, key, number of partitions) → partition`.
pub type PartitionFn<T> = Arc<dyn Fn(&T, Option<&[u8]>, i32) -> i32 + Send + Sync>;

/// Which partition a record goes to.
pub enum KafkaPartitioner<T> {
    /// By the murmur2 hash of the key, as Kafka's Java client (keyless records: random).
    KeyHash,
    /// Every record of a subtask to one partition: `subtask % partitions` (Flink's
    /// `FlinkFixedPartitioner`).
    Fixed,
    /// Records of each subtask cycle through the partitions.
    RoundRobin,
    /// The user's function.
    Custom(PartitionFn<T>),
}

impl<T> Clone for KafkaPartitioner<T> {
    fn clone(&self) -> Self {
        match self {
            KafkaPartitioner::KeyHash => KafkaPartitioner::KeyHash,
            KafkaPartitioner::Fixed => KafkaPartitioner::Fixed,
            KafkaPartitioner::RoundRobin => KafkaPartitioner::RoundRobin,
            KafkaPartitioner::Custom(f) => KafkaPartitioner::Custom(f.clone()),
        }
    }
}

/// What an exactly-once sink did with a transaction, for auditing and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionEvent {
    /// Phase one at checkpoint `checkpoint_id`: the transaction holds `records` records,
    /// all acknowledged, not yet visible.
    Prepared {
        /// The transactional id.
        transactional_id: String,
        /// The producer epoch: an id is used again after a restore, with a higher epoch.
        epoch: i16,
        /// The checkpoint it belongs to.
        checkpoint_id: u64,
        /// How many records it holds.
        records: u64,
    },
    /// Committed — by this producer, or after a restore by resuming its producer id and epoch.
    Committed {
        /// The transactional id.
        transactional_id: String,
        /// The producer epoch of the committed transaction.
        epoch: i16,
        /// True when committed from a restored checkpoint.
        recovered: bool,
    },
    /// Whatever a transactional id left open with an epoch below `fenced_epoch` was aborted:
    /// by fencing on recovery (the id had been used by a failed attempt), or by closing.
    Aborted {
        /// The transactional id.
        transactional_id: String,
        /// Open transactions of this id with a lower epoch are aborted.
        fenced_epoch: i16,
    },
}

/// Receives [`TransactionEvent`]s.
pub type TransactionListener = Arc<dyn Fn(&TransactionEvent) + Send + Sync>;

/// A Kafka sink of `T` values.
pub struct KafkaSink<T> {
    pub(crate) props: KafkaProperties,
    pub(crate) topic: String,
    pub(crate) serializer: Arc<dyn KafkaSerializer<T>>,
    pub(crate) partitioner: KafkaPartitioner<T>,
    pub(crate) guarantee: DeliveryGuarantee,
    pub(crate) prefix: Option<String>,
    pub(crate) listener: Option<TransactionListener>,
    pub(crate) txn_header: Option<String>,
}

/// Builds a [`KafkaSink`].
pub struct KafkaSinkBuilder<T>(KafkaSink<T>);

impl<T: Data> KafkaSink<T> {
    /// A builder for a sink writing to `topic` on the brokers at `bootstrap_servers`.
    pub fn builder(bootstrap_servers: &str, topic: &str, serializer: impl KafkaSerializer<T>) -> KafkaSinkBuilder<T> {
        KafkaSinkBuilder(KafkaSink {
            props: KafkaProperties::new(bootstrap_servers),
            topic: topic.to_owned(),
            serializer: Arc::new(serializer),
            partitioner: KafkaPartitioner::KeyHash,
            guarantee: DeliveryGuarantee::AtLeastOnce,
            prefix: None,
            listener: None,
            txn_header: None,
        })
    }
}

impl<T: Data> KafkaSinkBuilder<T> {
    /// The delivery guarantee (default at-least-once).
    pub fn delivery_guarantee(mut self, guarantee: DeliveryGuarantee) -> Self {
        self.0.guarantee = guarantee;
        self
    }
    /// The prefix of the sink's transactional ids (`<prefix>-<subtask>-<n>`); required for
    /// exactly-once, and must be unique per job on the cluster.
    pub fn transactional_id_prefix(mut self, prefix: &str) -> Self {
        self.0.prefix = Some(prefix.to_owned());
        self
    }
    /// How records are spread over partitions (default: by key hash).
    pub fn partitioner(mut self, partitioner: KafkaPartitioner<T>) -> Self {
        self.0.partitioner = partitioner;
        self
    }
    /// Sets a client property (librdkafka / Java client names).
    pub fn property(mut self, key: &str, value: &str) -> Self {
        self.0.props.set(key, value);
        self
    }
    /// Calls `listener` on every transaction prepared, committed or aborted (exactly-once).
    pub fn transaction_listener(mut self, listener: impl Fn(&TransactionEvent) + Send + Sync + 'static) -> Self {
        self.0.listener = Some(Arc::new(listener));
        self
    }
    /// Stamps every record with a header `name` holding `<transactional id>@<epoch>` — an audit trail
    /// for brokers whose consumers cannot filter aborted transactions (costs a header per
    /// record).
    pub fn transaction_header(mut self, name: &str) -> Self {
        self.0.txn_header = Some(name.to_owned());
        self
    }
    /// The sink, or why it is misconfigured.
    pub fn build(self) -> Result<KafkaSink<T>> {
        let s = self.0;
        if s.guarantee == DeliveryGuarantee::ExactlyOnce && s.prefix.as_deref().is_none_or(str::is_empty) {
            return Err(Error::Config("an exactly-once Kafka sink needs a transactional id prefix".into()));
        }
        if s.props.get("transactional.id").is_some() {
            return Err(Error::Config("set transactional_id_prefix instead of transactional.id".into()));
        }
        Ok(s)
    }
}

impl<T: Data> Sink<T> for KafkaSink<T> {
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        let producing = Producing::new(self, ctx)?;
        Ok(match self.guarantee {
            DeliveryGuarantee::ExactlyOnce => Box::new(TransactionalWriter::new(self, ctx, producing)),
            g => Box::new(PlainWriter::new(self, ctx, producing, g == DeliveryGuarantee::AtLeastOnce)?),
        })
    }
}
