//! The Kafka source (Flink's `KafkaSource`): topics or a topic pattern, one split per
//! topic-partition, starting offsets, bounded mode, periodic partition discovery, offsets in
//! the checkpoint (committed to the consumer group when it completes, for monitoring),
//! per-partition watermarks, and a choice of what happens to malformed records.

use super::client::{KafkaProperties, kafka_error};
use super::deserializer::KafkaDeserializer;
use super::offsets::StartingOffsets;
use super::reader::KafkaReader;
use super::split::{KafkaPartitionSplit, split_owner};
use super::watermarks::{ClockFactory, clock_factory};
use crate::formats::OnMalformed;
use rasch_core::{Data, Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, Source, SourceReader, SplitAssignment};
use rasch_runtime::watermarks::{TimestampAssigner, WatermarkGenerator, WatermarkStrategy};
use rdkafka::consumer::{BaseConsumer, Consumer};
use std::sync::Arc;
use std::time::Duration;

/// Flink's property for the partition discovery interval (milliseconds; ≤ 0 disables it).
pub const PARTITION_DISCOVERY_INTERVAL_MS: &str = "partition.discovery.interval.ms";

/// Which topics a source reads.
#[derive(Debug, Clone)]
pub enum TopicSelection {
    /// These topics (each must exist when the job starts).
    Topics(Vec<String>),
    /// Every topic whose whole name matches this pattern, including topics created later
    /// (found by partition discovery).
    Pattern(regex::Regex),
}

impl TopicSelection {
    pub(crate) fn matches(&self, topic: &str) -> bool {
        match self {
            TopicSelection::Topics(t) => t.iter().any(|x| x == topic),
            TopicSelection::Pattern(re) => re.find(topic).is_some_and(|m| m.start() == 0 && m.end() == topic.len()),
        }
    }
}

/// A Kafka source of `T` values.
///
/// ```no_run
/// use rasch_connectors::kafka::{KafkaSource, StartingOffsets, StringDeserializer};
/// let source = KafkaSource::builder("localhost:9092", StringDeserializer)
///     .topics(&["input"])
///     .group_id("my-group")
///     .starting_offsets(StartingOffsets::Earliest)
///     .build()
///     .unwrap();
/// ```
pub struct KafkaSource<T> {
    pub(crate) props: KafkaProperties,
    pub(crate) topics: TopicSelection,
    pub(crate) starting: StartingOffsets,
    pub(crate) bounded: bool,
    pub(crate) discovery: Option<Duration>,
    pub(crate) deserializer: Arc<dyn KafkaDeserializer<T>>,
    pub(crate) on_malformed: OnMalformed,
    pub(crate) clocks: Option<(ClockFactory<T>, Option<Duration>)>,
    pub(crate) commit_on_checkpoint: bool,
}

impl<T> Clone for KafkaSource<T> {
    fn clone(&self) -> Self {
        KafkaSource {
            props: self.props.clone(),
            topics: self.topics.clone(),
            starting: self.starting.clone(),
            bounded: self.bounded,
            discovery: self.discovery,
            deserializer: self.deserializer.clone(),
            on_malformed: self.on_malformed,
            clocks: self.clocks.clone(),
            commit_on_checkpoint: self.commit_on_checkpoint,
        }
    }
}

/// Builds a [`KafkaSource`].
pub struct KafkaSourceBuilder<T> {
    source: KafkaSource<T>,
    pattern: Option<String>,
}

impl<T: Data> KafkaSource<T> {
    /// A builder for a source reading from the brokers at `bootstrap_servers`, decoding every
    /// record with `deserializer`.
    pub fn builder(bootstrap_servers: &str, deserializer: impl KafkaDeserializer<T>) -> KafkaSourceBuilder<T> {
        KafkaSourceBuilder {
            source: KafkaSource {
                props: KafkaProperties::new(bootstrap_servers),
                topics: TopicSelection::Topics(Vec::new()),
                starting: StartingOffsets::Earliest,
                bounded: false,
                discovery: Some(Duration::from_secs(300)),
                deserializer: Arc::new(deserializer),
                on_malformed: OnMalformed::Fail,
                clocks: None,
                commit_on_checkpoint: true,
            },
            pattern: None,
        }
    }

    /// Lists the partitions of the selected topics.
    pub(crate) fn partitions(&self, consumer: &BaseConsumer) -> Result<Vec<(String, i32)>> {
        let md = consumer.fetch_metadata(None, Duration::from_secs(30)).map_err(|e| kafka_error("listing topics", e))?;
        let mut out = Vec::new();
        for t in md.topics().iter().filter(|t| self.topics.matches(t.name())) {
            out.extend(t.partitions().iter().map(|p| (t.name().to_owned(), p.id())));
        }
        if let TopicSelection::Topics(wanted) = &self.topics
            && let Some(missing) = wanted.iter().find(|w| !out.iter().any(|(t, _)| t == *w))
        {
            return Err(Error::user(format!("Kafka topic '{missing}' does not exist")));
        }
        out.sort();
        Ok(out)
    }

    pub(crate) fn metadata_consumer(&self) -> Result<BaseConsumer> {
        self.props.client_config(&[]).create().map_err(|e| kafka_error("creating a consumer", e))
    }
}

impl<T: Data> KafkaSourceBuilder<T> {
    /// Reads these topics.
    pub fn topics(mut self, topics: &[&str]) -> Self {
        self.source.topics = TopicSelection::Topics(topics.iter().map(|t| (*t).to_owned()).collect());
        self
    }
    /// Reads every topic whose whole name matches `pattern` (a regular expression), including
    /// topics created while the job runs.
    pub fn topic_pattern(mut self, pattern: &str) -> Self {
        self.pattern = Some(pattern.to_owned());
        self
    }
    /// The consumer group offsets are committed to (and read from, for
    /// [`StartingOffsets::Committed`]).
    pub fn group_id(self, group: &str) -> Self {
        self.property("group.id", group)
    }
    /// Where partitions without checkpointed offsets start (default: earliest).
    pub fn starting_offsets(mut self, starting: StartingOffsets) -> Self {
        self.source.starting = starting;
        self
    }
    /// Bounded mode: read up to the offsets that are the end of each partition when it is
    /// first assigned, then end (partition discovery is off).
    pub fn bounded(mut self) -> Self {
        self.source.bounded = true;
        self
    }
    /// How often readers look for new partitions and topics (default 5 minutes; `None`: never).
    pub fn partition_discovery(mut self, interval: Option<Duration>) -> Self {
        self.source.discovery = interval;
        self
    }
    /// What a record that does not deserialize does: fail the job naming topic, partition and
    /// offset (the default), or get skipped and counted in `numMalformedRecords`.
    pub fn on_malformed(mut self, on_malformed: OnMalformed) -> Self {
        self.source.on_malformed = on_malformed;
        self
    }
    /// Per-partition timestamps and watermarks (Flink's `fromSource(source, strategy, …)`).
    /// The timestamp assigner sees the Kafka record timestamp.
    pub fn watermarks<G, A>(mut self, strategy: WatermarkStrategy<G, A>) -> Self
    where
        G: WatermarkGenerator<T>,
        A: TimestampAssigner<T>,
    {
        self.source.clocks = Some(clock_factory(strategy));
        self
    }
    /// Whether offsets are committed to the group when a checkpoint completes (default true,
    /// when a group id is set).
    pub fn commit_offsets_on_checkpoint(mut self, commit: bool) -> Self {
        self.source.commit_on_checkpoint = commit;
        self
    }
    /// Sets a client property (librdkafka / Java client names);
    /// [`PARTITION_DISCOVERY_INTERVAL_MS`] is understood as in Flink.
    pub fn property(mut self, key: &str, value: &str) -> Self {
        if key == PARTITION_DISCOVERY_INTERVAL_MS {
            self.source.discovery = value.trim().parse::<i64>().ok().filter(|ms| *ms > 0).map(|ms| Duration::from_millis(ms as u64));
        } else {
            self.source.props.set(key, value);
        }
        self
    }
    /// The source, or why it is misconfigured.
    pub fn build(mut self) -> Result<KafkaSource<T>> {
        if let Some(p) = self.pattern.take() {
            let re = regex::Regex::new(&p).map_err(|e| Error::Config(format!("invalid Kafka topic pattern '{p}': {e}")))?;
            self.source.topics = TopicSelection::Pattern(re);
        }
        if matches!(&self.source.topics, TopicSelection::Topics(t) if t.is_empty()) {
            return Err(Error::Config("a Kafka source needs topics or a topic pattern".into()));
        }
        if matches!(self.source.starting, StartingOffsets::Committed { .. }) && self.source.props.get("group.id").is_none() {
            return Err(Error::Config("starting from committed offsets needs a group id".into()));
        }
        if self.source.bounded {
            self.source.discovery = None;
        }
        Ok(self.source)
    }
}

impl<T: Data> Source<T> for KafkaSource<T> {
    type Split = KafkaPartitionSplit;

    fn boundedness(&self) -> Boundedness {
        if self.bounded { Boundedness::Bounded } else { Boundedness::Unbounded }
    }

    fn split_assignment(&self) -> SplitAssignment<KafkaPartitionSplit> {
        SplitAssignment::ByOwner(split_owner)
    }

    fn create_splits(&self, _parallelism: usize) -> Result<Vec<KafkaPartitionSplit>> {
        let consumer = self.metadata_consumer()?;
        Ok(self
            .partitions(&consumer)?
            .into_iter()
            .map(|(topic, partition)| {
                let position = self.starting.position(&topic, partition);
                KafkaPartitionSplit { topic, partition, position, stop: None }
            })
            .collect())
    }

    fn create_reader(&self, ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<T, KafkaPartitionSplit>>> {
        Ok(Box::new(KafkaReader::new(self, ctx)?))
    }
}
