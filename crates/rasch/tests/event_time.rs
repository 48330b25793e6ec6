//! Event time end to end: timestamps and watermarks from a strategy, keyed state and
//! event-time timers in a `KeyedProcessFunction`, idleness — compared with answers computed
//! independently in the test.

use rasch::prelude::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// (key, event time) pairs, out of order by up to 400 ms.
fn events(n: u64) -> Vec<(u32, i64)> {
    (0..n)
        .map(|i| {
            let jitter = ((i * 7919) % 400) as i64;
            ((i % 7) as u32, 1_000 + (i as i64) * 10 - jitter)
        })
        .collect()
}

/// Counts elements per key and event-time second; emits each count when the watermark passes
/// the end of its second (a hand-made tumbling window on state + timers).
#[derive(Clone)]
struct PerSecondCount {
    counts: MapState<i64, u64>,
}

impl KeyedProcessFunction<u32, (u32, i64), (u32, i64, u64)> for PerSecondCount {
    fn process_element(
        &mut self,
        v: (u32, i64),
        ctx: &mut KeyedContext<'_, u32>,
        _out: &mut Collector<'_, (u32, i64, u64)>,
    ) -> rasch::Result<()> {
        let second = ctx.timestamp().expect("timestamps assigned").div_euclid(1_000);
        let n = self.counts.get(ctx, &second)?.unwrap_or(0);
        self.counts.put(ctx, second, n + 1)?;
        ctx.timer_service().register_event_time_timer(second * 1_000 + 999);
        let _ = v;
        Ok(())
    }

    fn on_timer(&mut self, ts: i64, ctx: &mut KeyedContext<'_, u32>, out: &mut Collector<'_, (u32, i64, u64)>) -> rasch::Result<()> {
        assert_eq!(ctx.time_domain(), Some(TimeDomain::EventTime));
        assert!(ctx.current_watermark() >= ts, "timers fire only once the watermark passed them");
        let second = ts.div_euclid(1_000);
        if let Some(n) = self.counts.remove(ctx, &second)? {
            out.collect((*ctx.current_key(), second, n));
        }
        Ok(())
    }
}

#[test]
fn keyed_state_and_event_time_timers_match_a_brute_force_count_at_every_parallelism() {
    let input = events(20_000);
    let mut expected: BTreeMap<(u32, i64), u64> = BTreeMap::new();
    for (k, ts) in &input {
        *expected.entry((*k, ts.div_euclid(1_000))).or_default() += 1;
    }
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let out = env
            .from_collection(input.clone())
            .assign_timestamps_and_watermarks(
                WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(500))
                    .with_timestamp_assigner(|e: &(u32, i64), _| e.1),
            )
            .key_by(|e| e.0)
            .process(PerSecondCount { counts: MapState::new("counts") })
            .execute_and_collect()
            .unwrap();
        let got: BTreeMap<(u32, i64), u64> = out.iter().map(|(k, s, n)| ((*k, *s), *n)).collect();
        assert_eq!(out.len(), got.len(), "each (key, second) emitted once at parallelism {p}");
        assert_eq!(got, expected, "parallelism {p}");
    }
}

/// A parallel source whose subtask 0 emits timestamps 0..=9_999 then lingers, while subtask 1
/// emits nothing and ends later — the idle one must not hold the watermark back.
struct LingeringSource;

impl Source<i64> for LingeringSource {
    type Split = u32;
    fn boundedness(&self) -> Boundedness {
        Boundedness::Bounded
    }
    fn create_splits(&self, _: usize) -> rasch::Result<Vec<u32>> {
        Ok(vec![0, 1])
    }
    fn create_reader(&self, _: &RuntimeContext) -> rasch::Result<Box<dyn SourceReader<i64, u32>>> {
        Ok(Box::new(LingeringReader { split: None, next: 0, started: None }))
    }
}

struct LingeringReader {
    split: Option<u32>,
    next: i64,
    started: Option<Instant>,
}

impl SourceReader<i64, u32> for LingeringReader {
    fn add_splits(&mut self, splits: Vec<u32>) -> rasch::Result<()> {
        self.split = splits.first().copied();
        Ok(())
    }
    fn poll_next(&mut self, out: &mut SourceOutput<'_, i64>) -> rasch::Result<PollStatus> {
        let started = *self.started.get_or_insert_with(Instant::now);
        if self.split == Some(0) && self.next < 10_000 {
            while self.next < 10_000 && !out.is_full() {
                out.collect_with_timestamp(self.next, self.next);
                self.next += 1;
            }
            return Ok(PollStatus::MoreAvailable);
        }
        let linger = if self.split == Some(0) { 1_000 } else { 2_000 };
        if started.elapsed() >= Duration::from_millis(linger) {
            return Ok(PollStatus::EndOfInput);
        }
        std::thread::sleep(Duration::from_millis(10));
        Ok(PollStatus::NothingAvailable)
    }
}

/// Emits the wall-clock time (ms since the test started) at which its timer fired.
#[derive(Clone)]
struct FiredAt {
    start: Instant,
}

impl KeyedProcessFunction<u8, i64, u128> for FiredAt {
    fn process_element(&mut self, _: i64, ctx: &mut KeyedContext<'_, u8>, _: &mut Collector<'_, u128>) -> rasch::Result<()> {
        ctx.register_event_time_timer(5_000);
        Ok(())
    }
    fn on_timer(&mut self, _: i64, _: &mut KeyedContext<'_, u8>, out: &mut Collector<'_, u128>) -> rasch::Result<()> {
        out.collect(self.start.elapsed().as_millis());
        Ok(())
    }
}

fn fired_after_ms(idleness: Option<Duration>) -> u128 {
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let mut strategy = WatermarkStrategy::for_monotonous_timestamps();
    if let Some(d) = idleness {
        strategy = strategy.with_idleness(d);
    }
    let start = Instant::now();
    let out = env
        .from_source(LingeringSource, "Lingering")
        .assign_timestamps_and_watermarks(strategy)
        .key_by(|_| 0u8)
        .process(FiredAt { start })
        .set_parallelism(1)
        .execute_and_collect()
        .unwrap();
    assert_eq!(out.len(), 1);
    out[0]
}

#[test]
fn an_idle_subtask_does_not_hold_back_event_time() {
    let with_idleness = fired_after_ms(Some(Duration::from_millis(200)));
    assert!(with_idleness < 1_500, "timer fired after {with_idleness} ms although the silent subtask was idle");
    let without = fired_after_ms(None);
    assert!(without >= 1_900, "without idleness the silent subtask holds the watermark until it ends, fired at {without} ms");
}
