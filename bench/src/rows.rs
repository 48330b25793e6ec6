//! The generated-row benchmarks: pass-through and filter-project.
//!
//! Rows are `(id: i64, key: i64 in [0,10000), payload: 16-char string, ts: i64 millis)`. The
//! payload is a fixed 16-byte ASCII array (no heap allocation); `--string-payload` uses a
//! heap `String` instead to show what an allocation per record costs.

use crate::report::{finish, percentile};
use rasch::prelude::*;
use serde_json::{Map, json};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A 16-character ASCII payload stored inline.
pub type Payload = [u8; 16];

fn payload(i: u64) -> Payload {
    let mut p = *b"payload-00000000";
    let mut n = i;
    for b in p[8..].iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
    p
}

fn key(i: u64) -> i64 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33) as i64 % 10_000
}

/// Samples end-to-end latency (generation → sink) of every 1024th record per subtask.
#[derive(Clone)]
struct LatencySink {
    start: Instant,
    samples: Arc<Mutex<Vec<u64>>>,
}

impl LatencySink {
    fn new(start: Instant) -> Self {
        LatencySink { start, samples: Arc::default() }
    }
    fn summary(&self) -> Map<String, serde_json::Value> {
        let mut s = self.samples.lock().unwrap();
        let mut m = Map::new();
        m.insert("latency_p50_us".into(), json!(percentile(&mut s, 0.5) as f64 / 1000.0));
        m.insert("latency_p99_us".into(), json!(percentile(&mut s, 0.99) as f64 / 1000.0));
        m
    }
}

struct LatencyWriter {
    start: Instant,
    local: Vec<u64>,
    shared: Arc<Mutex<Vec<u64>>>,
}

impl<T: 'static> Sink<T> for LatencySink {
    fn create_writer(&self, _: &RuntimeContext) -> rasch::Result<Box<dyn SinkWriter<T>>> {
        Ok(Box::new(LatencyWriter { start: self.start, local: Vec::new(), shared: self.samples.clone() }))
    }
}

impl<T: 'static> SinkWriter<T> for LatencyWriter {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> rasch::Result<()> {
        // The generator stamps each record with its creation time (ns since start).
        if let Some(first) = batch.first() {
            let now = self.start.elapsed().as_nanos() as i64;
            self.local.push((now - first.ts).max(0) as u64);
        }
        batch.clear();
        Ok(())
    }
    fn close(&mut self) -> rasch::Result<()> {
        self.shared.lock().unwrap().append(&mut self.local);
        Ok(())
    }
}

fn args(params: &Params) -> Result<(u64, usize), String> {
    let records = params.get_or("records", 10_000_000u64).map_err(|e| e.to_string())?;
    let parallelism = params.get_or("parallelism", 1usize).map_err(|e| e.to_string())?;
    Ok((records, parallelism))
}

fn run_rows<T: Data, U: Data>(
    bench: &str,
    params: &Params,
    make: impl Fn(u64) -> T + Clone + Send + Sync + 'static,
    pipeline: impl Fn(DataStream<T>) -> DataStream<U>,
) -> Result<(), String> {
    let (records, parallelism) = args(params)?;
    let env = StreamEnv::local();
    env.set_parallelism(parallelism);
    let start = Instant::now();
    let source = env.from_source(StampedGen { inner: rasch::connectors::DataGenSource::new(make).with_count(records), start }, "Rows");
    let sink = LatencySink::new(start);
    pipeline(source).sink_to(sink.clone());
    let t0 = Instant::now();
    let result = env.execute(bench).map_err(|e| e.to_string())?;
    let seconds = t0.elapsed().as_secs_f64();
    let emitted = result.operators().first().map(|o| o.records_out).unwrap_or(0);
    if emitted != records {
        return Err(format!("source emitted {emitted} records, expected {records}"));
    }
    finish(bench, parallelism, records, seconds, sink.summary());
    Ok(())
}

/// Wraps the datagen source so each record carries its creation time as timestamp.
struct StampedGen<S> {
    inner: S,
    start: Instant,
}

impl<T: Data, S: Source<T>> Source<T> for StampedGen<S> {
    type Split = S::Split;
    fn boundedness(&self) -> Boundedness {
        self.inner.boundedness()
    }
    fn create_splits(&self, parallelism: usize) -> rasch::Result<Vec<Self::Split>> {
        self.inner.create_splits(parallelism)
    }
    fn create_reader(&self, ctx: &RuntimeContext) -> rasch::Result<Box<dyn SourceReader<T, Self::Split>>> {
        Ok(Box::new(StampedReader { inner: self.inner.create_reader(ctx)?, start: self.start, buf: Vec::new() }))
    }
}

struct StampedReader<T, S> {
    inner: Box<dyn SourceReader<T, S>>,
    start: Instant,
    buf: Vec<Record<T>>,
}

impl<T: 'static, S: 'static> SourceReader<T, S> for StampedReader<T, S> {
    fn add_splits(&mut self, splits: Vec<S>) -> rasch::Result<()> {
        self.inner.add_splits(splits)
    }
    fn poll_next(&mut self, output: &mut SourceOutput<'_, T>) -> rasch::Result<PollStatus> {
        let status = self.inner.poll_next(&mut SourceOutput::new(&mut self.buf, output.remaining()))?;
        let now = self.start.elapsed().as_nanos() as i64;
        for r in self.buf.drain(..) {
            output.collect_with_timestamp(r.value, now);
        }
        Ok(status)
    }
}

/// Generated rows → discarding sink.
pub fn passthrough(params: &Params) -> Result<(), String> {
    if params.has("string-payload") {
        return run_rows("passthrough", params, |i| (i as i64, key(i), String::from_utf8_lossy(&payload(i)).into_owned(), i as i64), |s| s);
    }
    run_rows("passthrough", params, |i| (i as i64, key(i), payload(i), i as i64), |s| s)
}

/// Generated rows → keep `key < 5000` → `(id, key * 10, ts)` → discarding sink.
pub fn filter_project(params: &Params) -> Result<(), String> {
    run_rows(
        "filter-project",
        params,
        |i| (i as i64, key(i), payload(i), i as i64),
        |s| s.filter(|r: &(i64, i64, Payload, i64)| r.1 < 5_000).map(|r: (i64, i64, Payload, i64)| (r.0, r.1 * 10, r.3)),
    )
}
