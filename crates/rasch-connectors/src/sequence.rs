//! `SequenceSource`: the numbers of an inclusive range, in parallel (Flink's `fromSequence`).

use rasch_core::{Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
use serde::{Deserialize, Serialize};

/// A bounded, parallel source emitting every `i64` from `from` to `to`, both inclusive.
///
/// The range is cut into one contiguous near-equal range per subtask; each subtask emits its
/// range in ascending order. The whole `i64` range is supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceSource {
    from: i64,
    to: i64,
}

impl SequenceSource {
    /// The numbers `from..=to`; an error if `from > to`.
    pub fn new(from: i64, to: i64) -> Result<Self> {
        if from > to {
            return Err(Error::InvalidJob(format!("sequence source: start {from} must not be greater than end {to}")));
        }
        Ok(SequenceSource { from, to })
    }

    /// The first number.
    pub fn from(&self) -> i64 {
        self.from
    }

    /// The last number (inclusive).
    pub fn to(&self) -> i64 {
        self.to
    }
}

/// A contiguous part of a sequence: the numbers `next..=end_inclusive` still to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceSplit {
    /// The next number to emit.
    pub next: i64,
    /// The last number of this split.
    pub end_inclusive: i64,
}

impl Source<i64> for SequenceSource {
    type Split = SequenceSplit;

    fn boundedness(&self) -> Boundedness {
        Boundedness::Bounded
    }

    /// `parallelism` contiguous near-equal ranges (fewer if the range has fewer numbers).
    fn create_splits(&self, parallelism: usize) -> Result<Vec<SequenceSplit>> {
        let total = self.to as i128 - self.from as i128 + 1; // 1 ..= 2^64
        let n = (parallelism.max(1) as i128).min(total);
        let from = self.from as i128;
        // Both bounds stay within [from, to], so the casts back to i64 are exact.
        Ok((0..n)
            .map(|i| SequenceSplit { next: (from + total * i / n) as i64, end_inclusive: (from + total * (i + 1) / n - 1) as i64 })
            .collect())
    }

    fn create_reader(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<i64, SequenceSplit>>> {
        Ok(Box::new(SequenceReader { splits: Vec::new() }))
    }
}

struct SequenceReader {
    /// Pending splits, the current one last.
    splits: Vec<SequenceSplit>,
}

impl SourceReader<i64, SequenceSplit> for SequenceReader {
    fn add_splits(&mut self, splits: Vec<SequenceSplit>) -> Result<()> {
        self.splits.splice(0..0, splits.into_iter().rev());
        Ok(())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, i64>) -> Result<PollStatus> {
        while let Some(split) = self.splits.last_mut() {
            if split.next > split.end_inclusive {
                self.splits.pop();
                continue;
            }
            let left = split.end_inclusive as i128 - split.next as i128 + 1;
            let n = (output.remaining() as i128).min(left);
            if n <= 0 {
                return Ok(PollStatus::MoreAvailable);
            }
            // `last` lies within [next, end_inclusive].
            let last = (split.next as i128 + n - 1) as i64;
            for v in split.next..=last {
                output.collect(v);
            }
            if last == split.end_inclusive {
                self.splits.pop();
            } else {
                split.next = last + 1;
                return Ok(PollStatus::MoreAvailable);
            }
        }
        Ok(PollStatus::EndOfInput)
    }

    /// The splits not yet exhausted, in reading order, each at the next number to emit.
    fn snapshot_state(&mut self) -> Result<Vec<SequenceSplit>> {
        Ok(self.splits.iter().rev().filter(|s| s.next <= s.end_inclusive).copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{read_with_restores, run_source};

    #[test]
    fn rejects_reversed_range_naming_both_ends() {
        let e = SequenceSource::new(5, 4).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains('5') && msg.contains('4'), "{msg}");
        assert!(matches!(e, Error::InvalidJob(_)));
    }

    #[test]
    fn emits_every_number_once_for_any_parallelism() {
        let source = SequenceSource::new(-7, 1000).unwrap();
        for p in [1, 2, 3, 7, 16] {
            for batch in [1, 10, 1024] {
                let out = run_source(&source, p, batch).unwrap();
                assert_eq!(out.len(), p);
                let all: Vec<i64> = out.concat();
                assert_eq!(all, (-7..=1000).collect::<Vec<_>>(), "p={p} batch={batch}");
                let sizes: Vec<usize> = out.iter().map(Vec::len).collect();
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(max - min <= 1, "near-equal ranges: {sizes:?}");
            }
        }
    }

    #[test]
    fn small_range_yields_fewer_splits() {
        let source = SequenceSource::new(10, 12).unwrap();
        let splits = source.create_splits(8).unwrap();
        assert_eq!(splits.len(), 3);
        assert_eq!(run_source(&source, 8, 4).unwrap().concat(), vec![10, 11, 12]);
        let single = SequenceSource::new(i64::MAX, i64::MAX).unwrap();
        assert_eq!(run_source(&single, 2, 4).unwrap().concat(), vec![i64::MAX]);
    }

    #[test]
    fn full_i64_range_splits_without_overflow() {
        let source = SequenceSource::new(i64::MIN, i64::MAX).unwrap();
        for p in [1, 2, 3, 5, 64] {
            let splits = source.create_splits(p).unwrap();
            assert_eq!(splits.len(), p);
            assert_eq!(splits[0].next, i64::MIN);
            assert_eq!(splits[p - 1].end_inclusive, i64::MAX);
            for w in splits.windows(2) {
                assert_eq!(w[0].end_inclusive as i128 + 1, w[1].next as i128);
            }
        }
        // The ends of the range are emitted without overflowing.
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        reader.add_splits(vec![SequenceSplit { next: i64::MAX - 2, end_inclusive: i64::MAX }]).unwrap();
        let mut buf = Vec::new();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 2)).unwrap(), PollStatus::MoreAvailable);
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 10)).unwrap(), PollStatus::EndOfInput);
        assert_eq!(buf.iter().map(|r| r.value).collect::<Vec<_>>(), vec![i64::MAX - 2, i64::MAX - 1, i64::MAX]);
    }

    #[test]
    fn snapshot_and_restore_at_every_cut_point() {
        let source = SequenceSource::new(-3, 8).unwrap();
        let want: Vec<i64> = (-3..=8).collect();
        for p in [1, 3, 5] {
            // One reader owning every split, like a subtask restored after a scale-in.
            let splits = source.create_splits(p).unwrap();
            for a in 0..=13 {
                assert_eq!(read_with_restores(&source, splits.clone(), &[a]).unwrap(), want, "p={p} cut {a}");
                for b in [0, 1, 2, 5] {
                    assert_eq!(read_with_restores(&source, splits.clone(), &[a, b]).unwrap(), want, "p={p} cuts {a},{b}");
                }
            }
        }
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        reader.add_splits(source.create_splits(2).unwrap()).unwrap();
        reader.poll_next(&mut SourceOutput::new(&mut Vec::new(), 8)).unwrap();
        assert_eq!(reader.snapshot_state().unwrap(), [SequenceSplit { next: 5, end_inclusive: 8 }]);
        // The top of the range snapshots without overflowing.
        reader.add_splits(vec![SequenceSplit { next: i64::MAX - 1, end_inclusive: i64::MAX }]).unwrap();
        reader.poll_next(&mut SourceOutput::new(&mut Vec::new(), 100)).unwrap();
        assert!(reader.snapshot_state().unwrap().is_empty());
    }
}
