//! Per-partition watermarks (Flink's split-local watermark outputs): each partition runs its
//! own copy of the user's generator; the reader emits the minimum over partitions that are
//! neither idle nor finished, so one slow partition holds event time back and an idle one
//! (no record for the idleness timeout) does not. With every partition idle, the reader is.

use rasch_core::{MIN_WATERMARK, WatermarkStatus};
use rasch_runtime::source::SourceOutput;
use rasch_runtime::watermarks::{TimestampAssigner, WatermarkGenerator, WatermarkOutput, WatermarkStrategy};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One partition's timestamp assigner and watermark generator.
pub(crate) trait PartitionClock<T>: Send {
    /// The event timestamp of `value` (Kafka timestamp `kafka_ts`); may advance the watermark.
    fn on_event(&mut self, value: &T, kafka_ts: i64) -> i64;
    /// The periodic call.
    fn on_periodic(&mut self);
    /// The highest watermark generated so far.
    fn watermark(&self) -> i64;
}

struct Clock<G, A> {
    generator: G,
    assigner: A,
    out: WatermarkOutput,
    current: i64,
}

impl<G, A> Clock<G, A> {
    fn absorb(&mut self) {
        if let (Some(w), _) = self.out.take() {
            self.current = self.current.max(w);
        }
    }
}

impl<T: 'static, G: WatermarkGenerator<T>, A: TimestampAssigner<T>> PartitionClock<T> for Clock<G, A> {
    fn on_event(&mut self, value: &T, kafka_ts: i64) -> i64 {
        let ts = self.assigner.extract_timestamp(value, kafka_ts);
        self.generator.on_event(value, ts, &mut self.out);
        self.absorb();
        ts
    }
    fn on_periodic(&mut self) {
        self.generator.on_periodic_emit(&mut self.out);
        self.absorb();
    }
    fn watermark(&self) -> i64 {
        self.current
    }
}

/// Makes a fresh clock for each partition.
pub(crate) type ClockFactory<T> = Arc<dyn Fn() -> Box<dyn PartitionClock<T>> + Send + Sync>;

/// The factory and idleness timeout of a strategy.
pub(crate) fn clock_factory<T: 'static, G, A>(strategy: WatermarkStrategy<G, A>) -> (ClockFactory<T>, Option<Duration>)
where
    G: WatermarkGenerator<T>,
    A: TimestampAssigner<T>,
{
    let idleness = strategy.idleness;
    let factory: ClockFactory<T> = Arc::new(move || {
        Box::new(Clock {
            generator: strategy.generator.clone(),
            assigner: strategy.assigner.clone(),
            out: WatermarkOutput::default(),
            current: MIN_WATERMARK,
        })
    });
    (factory, idleness)
}

/// The event-time state of one partition.
pub(crate) struct PartitionTime<T> {
    pub(crate) clock: Box<dyn PartitionClock<T>>,
    pub(crate) last_record: Instant,
}

/// Combines the partitions' watermarks into the reader's.
pub(crate) struct ReaderTime {
    idleness: Option<Duration>,
    interval: Duration,
    next_periodic: Instant,
    emitted: i64,
    idle: bool,
}

impl ReaderTime {
    pub(crate) fn new(idleness: Option<Duration>, interval: Duration) -> Self {
        ReaderTime { idleness, interval, next_periodic: Instant::now(), emitted: MIN_WATERMARK, idle: false }
    }

    /// Runs the periodic generators when due and emits the combined watermark (or idleness)
    /// into `output`. `partitions` yields each unfinished partition's state.
    pub(crate) fn update<'p, T: 'p, O>(
        &mut self,
        partitions: impl Iterator<Item = &'p mut PartitionTime<T>>,
        output: &mut SourceOutput<'_, O>,
    ) {
        let now = Instant::now();
        let periodic = now >= self.next_periodic;
        if periodic {
            self.next_periodic = now + self.interval;
        }
        let mut min: Option<i64> = None;
        for p in partitions {
            if periodic {
                p.clock.on_periodic();
            }
            let idle = self.idleness.is_some_and(|d| now.duration_since(p.last_record) >= d);
            if !idle {
                let w = p.clock.watermark();
                min = Some(min.map_or(w, |m| m.min(w)));
            }
        }
        match min {
            Some(w) => {
                if self.idle {
                    self.idle = false;
                    output.set_status(WatermarkStatus::Active);
                }
                if w > self.emitted {
                    self.emitted = w;
                    output.emit_watermark(w);
                }
            }
            // No partition, or every partition idle: hold nothing back.
            None if !self.idle && (periodic || self.idleness.is_some()) => {
                self.idle = true;
                output.set_status(WatermarkStatus::Idle);
            }
            None => {}
        }
    }
}
