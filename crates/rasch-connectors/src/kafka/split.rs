//! One split per topic-partition: where reading resumes (the checkpointed state) and, in
//! bounded mode, where it stops; and which subtask owns it (Flink's enumerator rule, so that
//! readers discover partitions without a coordinator and restores hand each to its owner).

use super::offsets::SplitPosition;
use serde::{Deserialize, Serialize};

/// A topic-partition and the reader's position in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaPartitionSplit {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// Where reading resumes.
    pub position: SplitPosition,
    /// Bounded mode: the offset reading stops before (the end of the log when the split was
    /// first assigned); `None` until resolved, and always in unbounded mode.
    pub stop: Option<i64>,
}

/// Java's `String.hashCode` (Flink's `KafkaSourceEnumerator.getSplitOwner` uses it, so
/// partitions land on the same subtasks as in Flink).
fn java_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// The subtask that reads `split` at `parallelism`: partitions of a topic go round-robin,
/// starting at a subtask derived from the topic name.
pub fn split_owner(split: &KafkaPartitionSplit, parallelism: usize) -> usize {
    owner(&split.topic, split.partition, parallelism)
}

pub(crate) fn owner(topic: &str, partition: i32, parallelism: usize) -> usize {
    let p = parallelism.max(1) as i64;
    let start = i64::from(java_hash(topic).wrapping_mul(31) & 0x7FFF_FFFF) % p;
    ((start + i64::from(partition.max(0))) % p) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_match_flink_and_spread_partitions() {
        // "topic".hashCode() == 110546223 in Java.
        assert_eq!(java_hash("topic"), 110_546_223);
        let start = owner("topic", 0, 4);
        assert_eq!(start as i64, i64::from(110_546_223i32.wrapping_mul(31) & 0x7FFF_FFFF) % 4);
        let owners: Vec<usize> = (0..8).map(|p| owner("topic", p, 4)).collect();
        for s in 0..4 {
            assert_eq!(owners.iter().filter(|o| **o == s).count(), 2, "{owners:?}");
        }
    }
}
