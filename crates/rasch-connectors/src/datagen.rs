//! `DataGenSource`: generates records from their index with a user function, optionally
//! bounded and rate limited (Flink's DataGen connector / `DataGeneratorSource`).

use rasch_core::{Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::source::{Boundedness, PollStatus, Source, SourceOutput, SourceReader};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// The longest a rate-limited reader sleeps in one poll, so cancellation stays responsive.
const MAX_WAIT: Duration = Duration::from_millis(50);

/// A parallel source whose record for index `k` is `generator(k)`.
///
/// * Unbounded (the default): subtask `i` of `p` generates the indices `i, i+p, i+2p, …`, so
///   together the subtasks cover every index exactly once (up to `u64::MAX`).
/// * Bounded ([`with_count`](Self::with_count)`(n)`): the indices `0..n` are cut into one
///   contiguous near-equal range per subtask; each index is generated exactly once.
/// * Rate limited ([`with_rows_per_second`](Self::with_rows_per_second)`(r)`): `r` is the
///   total rate over all subtasks; each reader paces itself to `r / parallelism` with a token
///   bucket (bursts of at most ~100 ms worth of records), sleeping at most 50 ms per poll.
///   A subtask without indices (count below the parallelism) leaves its share unused.
pub struct DataGenSource<T, F> {
    generator: F,
    count: Option<u64>,
    rows_per_second: Option<f64>,
    _type: PhantomData<fn() -> T>,
}

impl<T, F> DataGenSource<T, F>
where
    F: Fn(u64) -> T + Clone + Send + Sync + 'static,
{
    /// An unbounded, unthrottled source of `generator(0), generator(1), …`.
    pub fn new(generator: F) -> Self {
        DataGenSource { generator, count: None, rows_per_second: None, _type: PhantomData }
    }

    /// Makes the source bounded: it generates the indices `0..n`.
    pub fn with_count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }

    /// Limits the total rate over all subtasks to `r` records per second (must be finite and
    /// positive; checked when the job starts).
    pub fn with_rows_per_second(mut self, r: f64) -> Self {
        self.rows_per_second = Some(r);
        self
    }
}

/// The indices one reader generates: `next, next+step, …` while below `end` (exclusive;
/// `None` = unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataGenSplit {
    /// The next index to generate.
    pub next: u64,
    /// The first index not to generate, or `None` for an unbounded split.
    pub end: Option<u64>,
    /// Distance between consecutive indices: 1 for bounded ranges, the parallelism for the
    /// interleaved unbounded splits. 0 is treated as 1.
    pub step: u64,
}

impl DataGenSplit {
    /// How many indices remain (saturating at `u64::MAX`).
    fn remaining(&self) -> u64 {
        let step = self.step.max(1);
        match self.end {
            Some(end) if self.next >= end => 0,
            Some(end) => (end - 1 - self.next) / step + 1,
            None => ((u64::MAX - self.next) / step).saturating_add(1),
        }
    }
}

impl<T, F> Source<T> for DataGenSource<T, F>
where
    T: 'static,
    F: Fn(u64) -> T + Clone + Send + Sync + 'static,
{
    type Split = DataGenSplit;

    fn boundedness(&self) -> Boundedness {
        if self.count.is_some() { Boundedness::Bounded } else { Boundedness::Unbounded }
    }

    fn create_splits(&self, parallelism: usize) -> Result<Vec<DataGenSplit>> {
        if let Some(r) = self.rows_per_second.filter(|r| !(r.is_finite() && *r > 0.0)) {
            return Err(Error::InvalidJob(format!("datagen source: rows per second must be a positive number, got {r}")));
        }
        let p = parallelism.max(1) as u64;
        Ok(match self.count {
            Some(n) => (0..p)
                .map(|i| {
                    let cut = |i: u64| (n as u128 * i as u128 / p as u128) as u64;
                    DataGenSplit { next: cut(i), end: Some(cut(i + 1)), step: 1 }
                })
                .filter(|s| s.remaining() > 0)
                .collect(),
            None => (0..p).map(|i| DataGenSplit { next: i, end: None, step: p }).collect(),
        })
    }

    fn create_reader(&self, ctx: &RuntimeContext) -> Result<Box<dyn SourceReader<T, DataGenSplit>>> {
        let pacer = self.rows_per_second.map(|r| Pacer::new(r / ctx.parallelism.max(1) as f64));
        Ok(Box::new(DataGenReader { generator: self.generator.clone(), splits: Vec::new(), pacer, _type: PhantomData }))
    }
}

/// A token bucket: `rate` tokens per second, holding at most ~100 ms worth (at least one).
struct Pacer {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl Pacer {
    fn new(rate: f64) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 { rate } else { f64::MIN_POSITIVE };
        let capacity = (rate * 0.1).max(1.0);
        Pacer { rate, capacity, tokens: 1.0, last: None }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        if let Some(last) = self.last {
            self.tokens = (self.tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.capacity);
        }
        self.last = Some(now);
    }

    /// Takes up to `max` tokens, waiting at most [`MAX_WAIT`] for the first one; 0 if none.
    fn acquire(&mut self, max: u64) -> u64 {
        self.refill();
        if self.tokens < 1.0 {
            let wait = (1.0 - self.tokens) / self.rate;
            let pause = if wait < MAX_WAIT.as_secs_f64() { Duration::from_secs_f64(wait) } else { MAX_WAIT };
            std::thread::sleep(pause);
            // A throttled source is idle, not busy.
            rasch_runtime::metrics::record_idle(pause);
            self.refill();
        }
        let n = (self.tokens.floor() as u64).min(max);
        self.tokens -= n as f64;
        n
    }
}

struct DataGenReader<T, F> {
    generator: F,
    /// Pending splits, the current one last.
    splits: Vec<DataGenSplit>,
    pacer: Option<Pacer>,
    _type: PhantomData<fn() -> T>,
}

impl<T, F> SourceReader<T, DataGenSplit> for DataGenReader<T, F>
where
    T: 'static,
    F: Fn(u64) -> T + 'static,
{
    fn add_splits(&mut self, splits: Vec<DataGenSplit>) -> Result<()> {
        self.splits.splice(0..0, splits.into_iter().rev());
        Ok(())
    }

    fn poll_next(&mut self, output: &mut SourceOutput<'_, T>) -> Result<PollStatus> {
        while let Some(split) = self.splits.last_mut() {
            let left = split.remaining();
            if left == 0 {
                self.splits.pop();
                continue;
            }
            let mut n = left.min(output.remaining() as u64);
            if n == 0 {
                return Ok(PollStatus::MoreAvailable);
            }
            if let Some(pacer) = &mut self.pacer {
                n = pacer.acquire(n);
                if n == 0 {
                    return Ok(PollStatus::NothingAvailable);
                }
            }
            let (start, step) = (split.next, split.step.max(1));
            if step == 1 {
                (start..start + (n - 1)).for_each(|k| output.collect((self.generator)(k)));
                output.collect((self.generator)(start + (n - 1)));
            } else {
                (0..n).for_each(|i| output.collect((self.generator)(start + i * step)));
            }
            // `n <= left`, so the last index did not overflow; the one after it may.
            match (start + (n - 1) * step).checked_add(step) {
                Some(next) if n < left => split.next = next,
                _ => {
                    self.splits.pop();
                }
            }
            if self.pacer.is_some() || output.is_full() {
                // A paced reader emits at most one bucket per poll.
                return Ok(if self.splits.is_empty() { PollStatus::EndOfInput } else { PollStatus::MoreAvailable });
            }
        }
        Ok(PollStatus::EndOfInput)
    }

    /// The splits not yet exhausted, in reading order, each at the next index to generate.
    /// The rate limiter's tokens are not state: a restored reader starts with a fresh bucket.
    fn snapshot_state(&mut self) -> Result<Vec<DataGenSplit>> {
        Ok(self.splits.iter().rev().filter(|s| s.remaining() > 0).copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{read_with_restores, run_source};

    #[test]
    fn bounded_generates_each_index_once_in_contiguous_ranges() {
        let source = DataGenSource::new(|k| k * 10).with_count(1001);
        assert_eq!(source.boundedness(), Boundedness::Bounded);
        for p in [1, 2, 3, 8] {
            for batch in [1, 64, 1024] {
                let out = run_source(&source, p, batch).unwrap();
                assert_eq!(out.concat(), (0..1001).map(|k| k * 10).collect::<Vec<u64>>(), "p={p} batch={batch}");
            }
        }
        let small = DataGenSource::new(|k| k).with_count(2);
        assert_eq!(small.create_splits(4).unwrap().len(), 2);
        let none = DataGenSource::new(|k| k).with_count(0);
        assert_eq!(run_source(&none, 3, 8).unwrap(), vec![Vec::<u64>::new(); 3]);
    }

    #[test]
    fn unbounded_interleaves_indices_by_subtask() {
        let source = DataGenSource::new(|k| format!("#{k}"));
        assert_eq!(source.boundedness(), Boundedness::Unbounded);
        let splits = source.create_splits(3).unwrap();
        assert_eq!(splits[1], DataGenSplit { next: 1, end: None, step: 3 });
        let mut reader = source.create_reader(&RuntimeContext::for_test(1, 3)).unwrap();
        reader.add_splits(vec![splits[1]]).unwrap();
        let mut buf = Vec::new();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 4)).unwrap(), PollStatus::MoreAvailable);
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 6)).unwrap(), PollStatus::MoreAvailable);
        let got: Vec<String> = buf.into_iter().map(|r| r.value).collect();
        assert_eq!(got, ["#1", "#4", "#7", "#10", "#13", "#16"]);
    }

    #[test]
    fn unbounded_split_ends_at_the_top_of_u64() {
        let source = DataGenSource::new(|k| k);
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        reader.add_splits(vec![DataGenSplit { next: u64::MAX - 5, end: None, step: 2 }]).unwrap();
        let mut buf = Vec::new();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 100)).unwrap(), PollStatus::EndOfInput);
        let got: Vec<u64> = buf.into_iter().map(|r| r.value).collect();
        assert_eq!(got, [u64::MAX - 5, u64::MAX - 3, u64::MAX - 1]);
    }

    #[test]
    fn rate_limit_paces_the_total_rate() {
        // 200 records at 1000/s over 2 subtasks = 500/s each: about 0.2 s.
        let source = DataGenSource::new(|k| k).with_count(200).with_rows_per_second(1000.0);
        let start = Instant::now();
        let out = run_source(&source, 2, 1024).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(out.concat(), (0..200).collect::<Vec<_>>());
        // run_source runs subtasks one after another, each taking ~0.2 s.
        assert!(elapsed >= Duration::from_millis(300), "too fast: {elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "too slow: {elapsed:?}");
    }

    #[test]
    fn slow_rate_never_blocks_a_poll_long() {
        let source = DataGenSource::new(|k| k).with_rows_per_second(0.5);
        let mut reader = source.create_reader(&RuntimeContext::for_test(0, 1)).unwrap();
        reader.add_splits(source.create_splits(1).unwrap()).unwrap();
        let mut buf = Vec::new();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 10)).unwrap(), PollStatus::MoreAvailable);
        assert_eq!(buf.len(), 1);
        let t = Instant::now();
        assert_eq!(reader.poll_next(&mut SourceOutput::new(&mut buf, 10)).unwrap(), PollStatus::NothingAvailable);
        assert!(t.elapsed() < Duration::from_millis(200));
        assert_eq!(buf.len(), 1);
    }

    #[test]
    fn invalid_rate_is_rejected() {
        for r in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = DataGenSource::new(|k| k).with_rows_per_second(r).create_splits(1).unwrap_err();
            assert!(e.to_string().contains("rows per second"), "{e}");
        }
    }

    #[test]
    fn snapshot_and_restore_at_every_cut_point() {
        let bounded = DataGenSource::new(|k| k * 2).with_count(11);
        let want: Vec<u64> = (0..11).map(|k| k * 2).collect();
        for p in [1, 2, 4] {
            let splits = bounded.create_splits(p).unwrap();
            for a in 0..=12 {
                assert_eq!(read_with_restores(&bounded, splits.clone(), &[a]).unwrap(), want, "p={p} cut {a}");
                for b in [0, 1, 3] {
                    assert_eq!(read_with_restores(&bounded, splits.clone(), &[a, b]).unwrap(), want, "p={p} cuts {a},{b}");
                }
            }
        }
        // Unbounded interleaved split: positions are snapshotted by index.
        let unbounded = DataGenSource::new(|k| k);
        let mut reader = unbounded.create_reader(&RuntimeContext::for_test(1, 3)).unwrap();
        reader.add_splits(vec![unbounded.create_splits(3).unwrap()[1]]).unwrap();
        reader.poll_next(&mut SourceOutput::new(&mut Vec::new(), 4)).unwrap();
        assert_eq!(reader.snapshot_state().unwrap(), [DataGenSplit { next: 13, end: None, step: 3 }]);
    }

    #[test]
    fn rate_limited_reader_snapshots_and_restores() {
        let source = DataGenSource::new(|k| k).with_count(30).with_rows_per_second(2000.0);
        let splits = source.create_splits(1).unwrap();
        for cuts in [&[0][..], &[1], &[7, 5], &[29], &[30], &[31]] {
            assert_eq!(read_with_restores(&source, splits.clone(), cuts).unwrap(), (0..30).collect::<Vec<_>>(), "cuts {cuts:?}");
        }
    }
}
