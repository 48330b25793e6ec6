//! Top-N per sliding window (Flink's "hot items"): page views counted per page over 1-hour
//! windows sliding every 10 minutes, then the 3 most viewed pages of each window.
//!
//! ```text
//! cargo run --release --example top_n
//! ```

use rasch::prelude::*;
use std::time::Duration;

const MINUTE: i64 = 60_000;

/// Counts views; the accumulator keeps the page so the result names it.
#[derive(Clone)]
struct ViewCount;

impl AggregateFunction<(String, i64), (String, u64), (String, u64)> for ViewCount {
    fn create_accumulator(&self) -> (String, u64) {
        (String::new(), 0)
    }
    fn add(&self, view: (String, i64), acc: (String, u64)) -> (String, u64) {
        (view.0, acc.1 + 1)
    }
    fn get_result(&self, acc: &(String, u64)) -> (String, u64) {
        acc.clone()
    }
    fn merge(&self, a: (String, u64), b: (String, u64)) -> (String, u64) {
        (if a.0.is_empty() { b.0 } else { a.0 }, a.1 + b.1)
    }
}

/// Collects the counts of one window (keyed by window end) and emits the top N when the
/// watermark passes the window's end.
#[derive(Clone)]
struct TopN {
    n: usize,
    counts: ListState<(String, u64)>,
}

impl KeyedProcessFunction<i64, (i64, String, u64), String> for TopN {
    fn process_element(
        &mut self,
        v: (i64, String, u64),
        ctx: &mut KeyedContext<'_, i64>,
        _: &mut Collector<'_, String>,
    ) -> rasch::Result<()> {
        self.counts.add(ctx, (v.1, v.2))?;
        ctx.register_event_time_timer(v.0);
        Ok(())
    }
    fn on_timer(&mut self, end: i64, ctx: &mut KeyedContext<'_, i64>, out: &mut Collector<'_, String>) -> rasch::Result<()> {
        let mut counts = self.counts.take(ctx)?;
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let top: Vec<String> = counts.iter().take(self.n).map(|(p, c)| format!("{p}={c}")).collect();
        out.collect(format!("window ending {} min: {}", end / MINUTE, top.join(", ")));
        Ok(())
    }
}

/// Tags each window result with its window end (its timestamp + 1).
#[derive(Clone)]
struct WithWindowEnd;

impl ProcessFunction<(String, u64), (i64, String, u64)> for WithWindowEnd {
    fn process_element(
        &mut self,
        v: (String, u64),
        ctx: &mut ProcessContext<'_>,
        out: &mut Collector<'_, (i64, String, u64)>,
    ) -> rasch::Result<()> {
        let end = ctx.timestamp().unwrap_or(0) + 1;
        out.collect((end, v.0, v.1));
        Ok(())
    }
}

fn main() -> rasch::Result<()> {
    let env = StreamEnv::from_args();
    let pages = ["home", "cart", "search", "item-1", "item-2"];
    // Deterministic views over two hours; "search" and "item-1" are popular.
    let views: Vec<(String, i64)> = (0..600i64)
        .map(|i| {
            let page = match i % 10 {
                0..=3 => pages[2],
                4..=6 => pages[3],
                7 => pages[0],
                8 => pages[1],
                _ => pages[4],
            };
            (page.to_string(), i * MINUTE / 5)
        })
        .collect();
    env.from_collection(views)
        .assign_event_time(WatermarkStrategy::for_monotonous_timestamps(), |v, _| v.1)
        .key_by(|v| v.0.clone())
        .window(SlidingEventTimeWindows::of(Duration::from_secs(3600), Duration::from_secs(600)))
        .aggregate(ViewCount)
        .process(WithWindowEnd)
        .key_by(|v| v.0)
        .process(TopN { n: 3, counts: ListState::new("counts") })
        .print()
        .set_parallelism(1);
    env.execute("Top N")?;
    Ok(())
}
