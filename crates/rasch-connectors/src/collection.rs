//! `CollectionSource`: emits the elements of a `Vec` (Flink's `fromCollection`/`fromElements`).

use rasch_core::{Data, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A bounded, non-parallel source emitting the given values in order.
///
/// The values are shared (not copied) between the source and its reader; each value is
/// cloned once when it is emitted.
pub struct CollectionSource<T> {
    values: Arc<Vec<T>>,
}

impl<T> CollectionSource<T> {
    /// A source emitting `values` in order.
    pub fn new(values: Vec<T>) -> Self {
        CollectionSource { values: Arc::new(values) }
    }

    /// Number of values this source emits.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the source emits nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// The single split of a [`CollectionSource`]: the index of the next value to emit, so that a
/// checkpoint can resume by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionSplit {
    /// Index of the next value to emit.
    pub next_index: usize,
}

impl<T: Data + Sync> Source<T> for CollectionSource<T> {
    type Split = CollectionSplit;

    fn boundedness(&self) -> Boundedness {
        Boundedness::Bounded
    }

    fn max_parallelism(&self) -> Option<usize> {
        Some(1)
    }

    /// Always one split, whatever the parallelism (only subtask 0 emits).
    fn create_splits(&self, _parallelism: usize) -> Result<Vec<CollectionSplit>> {
        Ok(vec![CollectionSplit { next_index: 0 }])
    }

    fn create_reader(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<T, CollectionSplit>>> {
        Ok(Box::new(CollectionReader { values: Arc::clone(&self.values), splits: Vec::new() }))
    }
}

struct CollectionReader<T> {
    values: Arc<Vec<T>>,
    /// Pending splits, the current one last.
    splits: Vec<CollectionSplit>,
}

impl<T: Clone + 'static> SourceReader<T, CollectionSplit> for CollectionReader<T> {
    fn add_splits(&mut self, splits: Vec<CollectionSplit>) -> Result<()> {
        self.splits.splice(0..0, splits.into_iter().rev());
        Ok(())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, T>) -> Result<PollStatus> {
        let values = self.values.as_slice();
        while let Some(split) = self.splits.last_mut() {
            let start = split.next_index.min(values.len());
            let end = start.saturating_add(output.remaining()).min(values.len());
            for v in &values[start..end] {
                output.collect(v.clone());
            }
            split.next_index = end;
            if end == values.len() {
                self.splits.pop();
            } else {
                return Ok(PollStatus::MoreAvailable);
            }
        }
        Ok(PollStatus::EndOfInput)
    }

    /// The splits not yet exhausted, in reading order, each at the index of its next value.
    fn snapshot_state(&mut self) -> Result<Vec<CollectionSplit>> {
        let len = self.values.len();
        Ok(self.splits.iter().rev().filter(|s| s.next_index < len).copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{read_with_restores, run_source};

    #[test]
    fn emits_all_values_in_order_across_batches() {
        let values: Vec<String> = (0..2500).map(|i| format!("v{i}")).collect();
        let source = CollectionSource::new(values.clone());
        assert_eq!(source.len(), 2500);
        for batch in [1, 7, 1024, 5000] {
            let out = run_source(&source, 1, batch).unwrap();
            assert_eq!(out, vec![values.clone()]);
        }
    }

    #[test]
    fn is_non_parallel_and_bounded() {
        let source = CollectionSource::new(vec![1u8, 2, 3]);
        assert_eq!(Source::<u8>::max_parallelism(&source), Some(1));
        assert_eq!(Source::<u8>::boundedness(&source), Boundedness::Bounded);
        // Even if asked for more, only subtask 0 gets the split.
        let out = run_source(&source, 3, 2).unwrap();
        assert_eq!(out, vec![vec![1, 2, 3], vec![], vec![]]);
    }

    #[test]
    fn empty_collection_ends_immediately() {
        let source = CollectionSource::<i32>::new(Vec::new());
        assert!(source.is_empty());
        assert_eq!(run_source(&source, 1, 10).unwrap(), vec![Vec::<i32>::new()]);
    }

    #[test]
    fn resumes_from_a_split_position() {
        let source = CollectionSource::new((0..10).collect::<Vec<i64>>());
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        reader.add_splits(vec![CollectionSplit { next_index: 7 }]).unwrap();
        let mut buf = Vec::new();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 100)).unwrap(), PollStatus::EndOfInput);
        assert_eq!(buf.into_iter().map(|r| r.value).collect::<Vec<_>>(), vec![7, 8, 9]);
        // A position past the end emits nothing and does not panic.
        reader.add_splits(vec![CollectionSplit { next_index: 99 }]).unwrap();
        let mut buf = Vec::new();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 100)).unwrap(), PollStatus::EndOfInput);
        assert!(buf.is_empty());
    }

    #[test]
    fn snapshot_and_restore_at_every_cut_point() {
        let values: Vec<u32> = (0..9).collect();
        let source = CollectionSource::new(values.clone());
        let splits = Source::<u32>::create_splits(&source, 1).unwrap();
        for a in 0..=10 {
            assert_eq!(read_with_restores(&source, splits.clone(), &[a]).unwrap(), values, "cut {a}");
            for b in 0..=10 - a {
                assert_eq!(read_with_restores(&source, splits.clone(), &[a, b]).unwrap(), values, "cuts {a},{b}");
            }
        }
        // A finished reader snapshots nothing; a fresh one snapshots its split as assigned.
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        assert!(reader.snapshot_state().unwrap().is_empty());
        reader.add_splits(splits.clone()).unwrap();
        assert_eq!(reader.snapshot_state().unwrap(), splits);
        reader.poll_next(&mut SourceOutput::new(&mut Vec::new(), 4)).unwrap();
        assert_eq!(reader.snapshot_state().unwrap(), [CollectionSplit { next_index: 4 }]);
        reader.poll_next(&mut SourceOutput::new(&mut Vec::new(), 100)).unwrap();
        assert!(reader.snapshot_state().unwrap().is_empty());
    }
}
