//! Back-pressure: a slow sink slows the source down instead of letting records pile up.

use rasch::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone)]
struct SlowSink {
    generated: Arc<AtomicU64>,
    consumed: Arc<AtomicU64>,
    max_lag: Arc<AtomicU64>,
}

struct SlowWriter(SlowSink);

impl Sink<u64> for SlowSink {
    fn create_writer(&self, _: &RuntimeContext) -> rasch::Result<Box<dyn SinkWriter<u64>>> {
        Ok(Box::new(SlowWriter(self.clone())))
    }
}

impl SinkWriter<u64> for SlowWriter {
    fn write(&mut self, batch: &mut Vec<Record<u64>>) -> rasch::Result<()> {
        let consumed = self.0.consumed.fetch_add(batch.len() as u64, Ordering::SeqCst) + batch.len() as u64;
        let lag = self.0.generated.load(Ordering::SeqCst).saturating_sub(consumed);
        self.0.max_lag.fetch_max(lag, Ordering::SeqCst);
        batch.clear();
        std::thread::sleep(std::time::Duration::from_millis(2));
        Ok(())
    }
}

#[test]
fn a_slow_sink_bounds_the_records_in_flight() {
    const TOTAL: u64 = 300_000;
    let sink = SlowSink { generated: Arc::default(), consumed: Arc::default(), max_lag: Arc::default() };
    let generated = sink.generated.clone();
    let env = StreamEnv::local();
    env.set_parallelism(1);
    env.datagen(Some(TOTAL), None, |i| i)
        .map(move |v| {
            generated.fetch_add(1, Ordering::SeqCst);
            v
        })
        .rebalance()
        .sink_to(sink.clone())
        .disable_chaining();
    env.execute("backpressure").unwrap();
    assert_eq!(sink.consumed.load(Ordering::SeqCst), TOTAL);
    let max_lag = sink.max_lag.load(Ordering::SeqCst);
    // In flight at most: the gate's queue (4 batches), the writer's buffer and the batch being
    // produced — each up to 1024 records. Without back-pressure the lag would reach ~TOTAL.
    assert!(max_lag <= 7 * 1024, "source ran {max_lag} records ahead of a slow sink");
}
