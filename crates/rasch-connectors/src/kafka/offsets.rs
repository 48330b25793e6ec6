//! Where a Kafka source starts reading each partition (Flink's `OffsetsInitializer`), and the
//! resolved position a split carries in the checkpoint.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where reading starts in partitions the job has no checkpointed offset for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartingOffsets {
    /// The first offset still in the log.
    Earliest,
    /// The end of the log when the partition is first assigned.
    Latest,
    /// The consumer group's committed offset (`group.id` must be set); `reset` where the group
    /// has none.
    Committed {
        /// Where to start in partitions without a committed offset.
        reset: OffsetReset,
    },
    /// The first record whose timestamp is at or after this one (epoch milliseconds); the end
    /// of the log if there is none.
    Timestamp(i64),
    /// Exactly these offsets per `(topic, partition)`; `reset` for the others.
    Specific {
        /// The offsets.
        offsets: BTreeMap<(String, i32), i64>,
        /// Where to start in partitions not listed.
        reset: OffsetReset,
    },
}

/// Earliest or latest: the fallback of committed and specific offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetReset {
    /// The first offset in the log.
    Earliest,
    /// The end of the log.
    Latest,
}

/// Where a split resumes: a concrete offset once the reader resolved it (that is what the
/// checkpoint stores), or how to find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SplitPosition {
    /// The next offset to read.
    Offset(i64),
    /// The start of the log.
    Earliest,
    /// The end of the log when resolved.
    Latest,
    /// The group's committed offset, else the fallback.
    Committed(OffsetReset),
    /// The first record at or after this timestamp.
    Timestamp(i64),
}

impl StartingOffsets {
    /// The initial position of `topic`/`partition`.
    pub(crate) fn position(&self, topic: &str, partition: i32) -> SplitPosition {
        match self {
            StartingOffsets::Earliest => SplitPosition::Earliest,
            StartingOffsets::Latest => SplitPosition::Latest,
            StartingOffsets::Committed { reset } => SplitPosition::Committed(*reset),
            StartingOffsets::Timestamp(ts) => SplitPosition::Timestamp(*ts),
            StartingOffsets::Specific { offsets, reset } => match offsets.get(&(topic.to_owned(), partition)) {
                Some(o) => SplitPosition::Offset(*o),
                None => reset.position(),
            },
        }
    }
}

impl OffsetReset {
    fn position(self) -> SplitPosition {
        match self {
            OffsetReset::Earliest => SplitPosition::Earliest,
            OffsetReset::Latest => SplitPosition::Latest,
        }
    }
}
