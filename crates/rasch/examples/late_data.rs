//! Event time with out-of-order and late data: per-sensor sums over 10-second tumbling
//! event-time windows, one second of out-of-orderness, five seconds of allowed lateness
//! (late-but-allowed readings re-fire their window), and readings later than that routed to a
//! side output instead of being lost.
//!
//! ```text
//! cargo run --release --example late_data
//! ```

use rasch::prelude::*;
use std::time::Duration;

/// A punctuated generator: after every reading, watermark = highest timestamp − 1 s − 1 ms
/// (bounded out-of-orderness, but emitted per event so the example is deterministic).
#[derive(Clone)]
struct PerEvent {
    max: i64,
}

impl WatermarkGenerator<(String, i64, i64)> for PerEvent {
    fn on_event(&mut self, _: &(String, i64, i64), ts: i64, out: &mut WatermarkOutput) {
        self.max = self.max.max(ts);
        out.emit_watermark(self.max - 1_000 - 1);
    }
    fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
}

fn main() -> rasch::Result<()> {
    let env = StreamEnv::from_args();
    env.set_parallelism(1);
    // (sensor, event time in ms, value) in arrival order: note the stragglers.
    let readings = vec![
        ("a", 1_000, 1),
        ("a", 4_000, 2),
        ("b", 5_000, 10),
        ("a", 11_000, 3),  // watermark → 9_999: [0, 10 s) fires for a: 3
        ("a", 9_000, 4),   // late but within the allowed 5 s: a's [0, 10 s) fires again: 7
        ("b", 12_500, 20), // watermark → 11_499: b's [0, 10 s) fires: 10
        ("a", 8_000, 5),   // late but allowed: a's [0, 10 s) fires again: 12
        ("b", 21_000, 30), // watermark → 19_999: [10 s, 20 s) fires
        ("a", 2_000, 6),   // later than window end + lateness: side output
    ];
    let late = OutputTag::<(String, i64, i64)>::new("late-readings");
    let sums = env
        .from_collection(readings.into_iter().map(|(s, t, v)| (s.to_string(), t, v)).collect())
        .assign_event_time(WatermarkStrategy::for_generator(PerEvent { max: i64::MIN / 2 }), |r, _| r.1)
        .key_by(|r| r.0.clone())
        .window(TumblingEventTimeWindows::of(Duration::from_secs(10)))
        .allowed_lateness(Duration::from_secs(5))
        .side_output_late_data(&late)
        .reduce_with_process_fn(
            |a, b| (a.0, a.1.max(b.1), a.2 + b.2),
            |key, ctx, sum, out| {
                let w = ctx.window();
                out.collect(format!("{key} [{}s, {}s): sum {}", w.start / 1000, w.end / 1000, sum[0].2));
                Ok(())
            },
        );
    sums.print_with_identifier("window");
    sums.get_side_output(&late).print_with_identifier("late");
    env.execute("Late Data")?;
    Ok(())
}
