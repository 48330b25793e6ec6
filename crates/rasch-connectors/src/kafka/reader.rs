//! The reader of one parallel Kafka source instance: assigns its partitions to a consumer
//! (no group rebalancing — the split owner rule decides), resolves starting and stopping
//! offsets, polls batches, tracks per-partition positions and watermarks, discovers new
//! partitions, and commits checkpointed offsets to the group when a checkpoint completes.

use super::client::kafka_error;
use super::offsets::{OffsetReset, SplitPosition};
use super::record::KafkaRecord;
use super::source::KafkaSource;
use super::split::{KafkaPartitionSplit, owner};
use super::watermarks::{PartitionTime, ReaderTime};
use crate::formats::{MALFORMED_RECORDS, OnMalformed};
use rasch_core::config::AUTO_WATERMARK_INTERVAL;
use rasch_core::{Data, Error, NO_TIMESTAMP, Result};
use rasch_runtime::context::{Counter, RuntimeContext};
use rasch_runtime::source::{PollStatus, SourceOutput, SourceReader};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);
/// How long consume errors may persist (librdkafka retries on its own) before the job fails.
const ERROR_TOLERANCE: Duration = Duration::from_secs(60);

/// One assigned partition.
struct Partition<T> {
    split: KafkaPartitionSplit,
    finished: bool,
    time: Option<PartitionTime<T>>,
}

/// Reads the partitions one subtask owns.
pub(crate) struct KafkaReader<T> {
    source: KafkaSource<T>,
    consumer: BaseConsumer,
    parts: Vec<Partition<T>>,
    subtask: usize,
    parallelism: usize,
    next_discovery: Option<Instant>,
    malformed: Counter,
    time: Option<ReaderTime>,
    /// Offsets snapshotted per checkpoint, committed to the group when it completes.
    pending_commits: BTreeMap<u64, Vec<(String, i32, i64)>>,
    reassign: bool,
    /// Since when polls have returned only errors.
    failing_since: Option<Instant>,
}

impl<T: Data> KafkaReader<T> {
    pub(crate) fn new(source: &KafkaSource<T>, ctx: &RuntimeContext) -> Result<Self> {
        let client_id = format!("rasch-{}-{}", ctx.operator_name, ctx.subtask_index);
        let eof = if source.bounded { "true" } else { "false" };
        // librdkafka needs a group for manual assignment even when nothing is committed.
        let mut config = source.props.client_config(&[]);
        if source.props.get("group.id").is_none() {
            config.set("group.id", "rasch-kafka-source");
        }
        config
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", eof)
            .set("client.id", client_id);
        let consumer: BaseConsumer = config.create().map_err(|e| kafka_error("creating a consumer", e))?;
        let interval = ctx.config.read(AUTO_WATERMARK_INTERVAL)?.unwrap_or(Duration::from_millis(200));
        Ok(KafkaReader {
            source: source.clone(),
            consumer,
            parts: Vec::new(),
            subtask: ctx.subtask_index,
            parallelism: ctx.parallelism,
            next_discovery: source.discovery.map(|d| Instant::now() + d),
            malformed: ctx.counter(MALFORMED_RECORDS),
            time: source.clocks.as_ref().map(|(_, idle)| ReaderTime::new(*idle, interval.max(Duration::from_millis(1)))),
            pending_commits: BTreeMap::new(),
            reassign: false,
            failing_since: None,
        })
    }

    /// Turns a symbolic position into an offset (the checkpoint must not say "latest": after
    /// a restore that would skip what arrived in between).
    fn resolve(&self, split: &mut KafkaPartitionSplit) -> Result<()> {
        let (topic, p) = (split.topic.as_str(), split.partition);
        let watermarks =
            || self.consumer.fetch_watermarks(topic, p, TIMEOUT).map_err(|e| kafka_error(format!("offsets of {topic}/{p}"), e));
        let reset = |r: OffsetReset| -> Result<i64> {
            let (low, high) = watermarks()?;
            Ok(if r == OffsetReset::Earliest { low } else { high })
        };
        let offset = match split.position {
            SplitPosition::Offset(o) => o,
            SplitPosition::Earliest => reset(OffsetReset::Earliest)?,
            SplitPosition::Latest => reset(OffsetReset::Latest)?,
            SplitPosition::Committed(r) => {
                let mut tpl = TopicPartitionList::new();
                tpl.add_partition(topic, p);
                let committed = self.consumer.committed_offsets(tpl, TIMEOUT).map_err(|e| kafka_error("reading committed offsets", e))?;
                match committed.find_partition(topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(o)) if o >= 0 => o,
                    _ => reset(r)?,
                }
            }
            SplitPosition::Timestamp(ts) => {
                let mut tpl = TopicPartitionList::new();
                tpl.add_partition_offset(topic, p, Offset::Offset(ts)).map_err(|e| kafka_error("offsets for a timestamp", e))?;
                let found = self.consumer.offsets_for_times(tpl, TIMEOUT).map_err(|e| kafka_error("offsets for a timestamp", e))?;
                match found.find_partition(topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(o)) if o >= 0 => o,
                    _ => reset(OffsetReset::Latest)?,
                }
            }
        };
        split.position = SplitPosition::Offset(offset);
        if self.source.bounded && split.stop.is_none() {
            split.stop = Some(watermarks()?.1);
        }
        Ok(())
    }

    fn add(&mut self, mut split: KafkaPartitionSplit) -> Result<()> {
        if self.parts.iter().any(|p| p.split.topic == split.topic && p.split.partition == split.partition) {
            return Ok(());
        }
        self.resolve(&mut split)?;
        let finished = matches!((split.position, split.stop), (SplitPosition::Offset(o), Some(stop)) if o >= stop);
        let time = self.source.clocks.as_ref().map(|(factory, _)| PartitionTime { clock: factory(), last_record: Instant::now() });
        self.parts.push(Partition { split, finished, time });
        self.reassign = true;
        Ok(())
    }

    /// Assigns every unfinished partition at its position.
    fn assign(&mut self) -> Result<()> {
        let mut tpl = TopicPartitionList::new();
        for p in self.parts.iter().filter(|p| !p.finished) {
            let SplitPosition::Offset(o) = p.split.position else { continue };
            tpl.add_partition_offset(&p.split.topic, p.split.partition, Offset::Offset(o))
                .map_err(|e| kafka_error("assigning partitions", e))?;
        }
        self.consumer.assign(&tpl).map_err(|e| kafka_error("assigning partitions", e))?;
        self.reassign = false;
        Ok(())
    }

    /// Looks for partitions this subtask owns and does not read yet; they start at the
    /// earliest offset (they were created after the job started or was checkpointed).
    fn discover(&mut self) -> Result<()> {
        let metadata = self.source.metadata_consumer()?;
        for (topic, partition) in self.source.partitions(&metadata)? {
            if owner(&topic, partition, self.parallelism) == self.subtask {
                self.add(KafkaPartitionSplit { topic, partition, position: SplitPosition::Earliest, stop: None })?;
            }
        }
        Ok(())
    }

    /// Marks partitions finished whose consumer position reached their stop offset (control
    /// records of transactions occupy offsets no record is returned for).
    fn check_positions(&mut self) -> Result<()> {
        let positions = self.consumer.position().map_err(|e| kafka_error("reading positions", e))?;
        for p in self.parts.iter_mut().filter(|p| !p.finished) {
            if let (Some(Offset::Offset(pos)), Some(stop)) =
                (positions.find_partition(&p.split.topic, p.split.partition).map(|e| e.offset()), p.split.stop)
                && pos >= stop
            {
                p.finished = true;
            }
        }
        Ok(())
    }

    fn index_of(&self, topic: &str, partition: i32) -> Option<usize> {
        self.parts.iter().position(|p| p.split.partition == partition && p.split.topic == topic)
    }
}

impl<T: Data> SourceReader<T, KafkaPartitionSplit> for KafkaReader<T> {
    fn add_splits(&mut self, splits: Vec<KafkaPartitionSplit>) -> Result<()> {
        for s in splits {
            self.add(s)?;
        }
        Ok(())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, T>) -> Result<PollStatus> {
        if let (Some(at), Some(every)) = (self.next_discovery, self.source.discovery)
            && Instant::now() >= at
        {
            self.discover()?;
            self.next_discovery = Some(Instant::now() + every);
        }
        if self.reassign {
            self.assign()?;
        }
        let mut wait = Duration::from_millis(50);
        let mut eof = false;
        while !output.is_full() {
            let msg = match self.consumer.poll(wait) {
                None => break,
                Some(Err(KafkaError::PartitionEOF(_))) => {
                    eof = true;
                    wait = Duration::ZERO;
                    continue;
                }
                // Transient (a broker restarting, a leader moving): librdkafka retries; fail
                // only when nothing but errors arrive for a minute.
                Some(Err(e)) => {
                    let since = *self.failing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > ERROR_TOLERANCE {
                        return Err(kafka_error(format!("reading records (failing for {} s)", ERROR_TOLERANCE.as_secs()), e));
                    }
                    eprintln!("rasch kafka source: {e} (retrying)");
                    break;
                }
                Some(Ok(m)) => m,
            };
            wait = Duration::ZERO;
            self.failing_since = None;
            let Some(i) = self.index_of(msg.topic(), msg.partition()) else { continue };
            let part = &mut self.parts[i];
            let offset = msg.offset();
            if part.finished || part.split.stop.is_some_and(|s| offset >= s) {
                part.finished = true;
                continue;
            }
            part.split.position = SplitPosition::Offset(offset + 1);
            if part.split.stop.is_some_and(|s| offset + 1 >= s) {
                part.finished = true;
            }
            let record = KafkaRecord::new(&msg);
            match self.source.deserializer.deserialize(&record) {
                Ok(Some(value)) => {
                    let kafka_ts = record.timestamp().unwrap_or(NO_TIMESTAMP);
                    let ts = match &mut part.time {
                        Some(t) => {
                            t.last_record = Instant::now();
                            t.clock.on_event(&value, kafka_ts)
                        }
                        None => kafka_ts,
                    };
                    output.collect_with_timestamp(value, ts);
                }
                Ok(None) => {}
                Err(message) => match self.source.on_malformed {
                    OnMalformed::Fail => return Err(Error::MalformedInput { location: format!("Kafka {}", record.position()), message }),
                    OnMalformed::Skip => self.malformed.inc(),
                },
            }
        }
        if eof {
            self.check_positions()?;
        }
        if let Some(time) = &mut self.time {
            time.update(self.parts.iter_mut().filter(|p| !p.finished).filter_map(|p| p.time.as_mut()), output);
        }
        if self.source.bounded && self.parts.iter().all(|p| p.finished) {
            return Ok(PollStatus::EndOfInput);
        }
        Ok(if output.is_full() { PollStatus::MoreAvailable } else { PollStatus::NothingAvailable })
    }

    fn snapshot_state(&mut self) -> Result<Vec<KafkaPartitionSplit>> {
        Ok(self.parts.iter().map(|p| p.split.clone()).collect())
    }

    fn snapshot_state_for(&mut self, checkpoint_id: u64) -> Result<Vec<KafkaPartitionSplit>> {
        let splits = self.snapshot_state()?;
        if self.source.commit_on_checkpoint && self.source.props.get("group.id").is_some() {
            let offsets = splits
                .iter()
                .filter_map(|s| match s.position {
                    SplitPosition::Offset(o) => Some((s.topic.clone(), s.partition, o)),
                    _ => None,
                })
                .collect();
            self.pending_commits.insert(checkpoint_id, offsets);
        }
        Ok(splits)
    }

    fn notify_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        let Some(offsets) = self.pending_commits.remove(&checkpoint_id) else { return Ok(()) };
        self.pending_commits = self.pending_commits.split_off(&checkpoint_id);
        let mut tpl = TopicPartitionList::new();
        for (topic, partition, offset) in &offsets {
            tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset)).map_err(|e| kafka_error("committing offsets", e))?;
        }
        // For monitoring only (recovery uses the checkpoint): a failed commit is not fatal.
        if let Err(e) = self.consumer.commit(&tpl, CommitMode::Async) {
            eprintln!("rasch kafka: committing offsets of checkpoint {checkpoint_id} to the consumer group failed: {e}");
        }
        Ok(())
    }
}
