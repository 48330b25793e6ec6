//! Network exchange benchmark: records/s of batches of 1024 records through one TCP channel
//! (`rasch::runtime::net`, credit-based flow control over 127.0.0.1) versus through an
//! in-process gate, both fed by a `ChannelWriter` on a producer thread and drained by a
//! consumer thread, the same way tasks exchange data.
//!
//! `--payload u64` (default) sends `(u64, u64)`; `--payload words` sends `(String, u64)` with
//! short words (a heap string per record, serialized and deserialized on the TCP path).

use crate::report::finish;
use rasch::Record;
use rasch::runtime::channel::{CancelToken, ChannelWriter, Event, GateReceiver, GateSender, gate};
use rasch::runtime::net::{ChannelKey, DataServer, connect};
use serde_json::{Map, json};
use std::sync::Arc;
use std::time::Instant;

const BATCH: u64 = 1024;
/// Gate capacity as wiring gives a gate with one or two channels.
const GATE_CAPACITY: usize = 4;

/// Sends `records` records made by `make` in batches, then end of input; drains the gate and
/// returns the elapsed seconds (after checking the count).
fn run<T: rasch::Data>(
    records: u64,
    make: fn(u64) -> T,
    sender: GateSender<T>,
    rx: GateReceiver<T>,
    cancel: CancelToken,
) -> Result<f64, String> {
    let start = Instant::now();
    let producer = std::thread::spawn(move || -> Result<(), String> {
        let w = ChannelWriter::new(sender, 0, cancel);
        let mut i = 0;
        while i < records {
            let n = BATCH.min(records - i);
            w.send(Event::Records((i..i + n).map(|j| Record::new(make(j))).collect())).map_err(|e| e.to_string())?;
            i += n;
        }
        w.send(Event::EndOfInput).map_err(|e| e.to_string())
    });
    let mut received = 0u64;
    loop {
        match rx.recv().map_err(|_| "the gate closed before end of input".to_string())?.event {
            Event::Records(batch) => received += batch.len() as u64,
            Event::EndOfInput => break,
            _ => {}
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    producer.join().map_err(|_| "producer panicked".to_string())??;
    if received != records {
        return Err(format!("received {received} of {records} records"));
    }
    Ok(seconds)
}

fn compare<T: rasch::Data>(records: u64, make: fn(u64) -> T) -> Result<(f64, f64), String> {
    // In-process gate.
    let (tx, rx) = gate::<T>(GATE_CAPACITY);
    let local = run(records, make, tx, rx, CancelToken::default())?;
    // One TCP channel.
    let server = DataServer::bind("127.0.0.1:0", None).map_err(|e| e.to_string())?;
    let cancel = CancelToken::default();
    let on_error: rasch::runtime::net::ErrorHandler = Arc::new(|e| eprintln!("net-exchange: channel failed: {e}"));
    let key = ChannelKey { edge: 0, producer: 0, consumer: 0 };
    let (tx, rx) = gate::<T>(GATE_CAPACITY);
    server.register(key, 1, tx, 0, cancel.clone(), on_error.clone(), Default::default()).map_err(|e| e.to_string())?;
    let remote =
        connect::<T>(server.local_addr(), key, 1, cancel.clone(), on_error, None, Default::default()).map_err(|e| e.to_string())?;
    let tcp = run(records, make, remote, rx, cancel)?;
    server.shutdown();
    Ok((local, tcp))
}

fn word(i: u64) -> (String, u64) {
    (format!("word{}", i % 10_000), i)
}

fn pair(i: u64) -> (u64, u64) {
    (i % 10_000, i)
}

/// `rasch-bench net-exchange --records N [--payload u64|words]`.
pub fn run_bench(params: &rasch::Params) -> Result<(), String> {
    let records: u64 = params.get_or("records", 20_000_000).map_err(|e| e.to_string())?;
    let payload = params.get("payload").unwrap_or("u64").to_string();
    let (local, tcp) = match payload.as_str() {
        "u64" => compare(records, pair)?,
        "words" => compare(records, word)?,
        other => return Err(format!("unknown --payload '{other}': expected u64 or words")),
    };
    let (local_rate, tcp_rate) = (records as f64 / local, records as f64 / tcp);
    eprintln!(
        "net-exchange ({payload}, batches of {BATCH}): in-process gate {:.2} M records/s, one TCP channel {:.2} M records/s, ratio tcp/in-process {:.3}",
        local_rate / 1e6,
        tcp_rate / 1e6,
        tcp_rate / local_rate
    );
    let mut extra = Map::new();
    extra.insert("payload".into(), json!(payload));
    extra.insert("in_process_records_per_sec".into(), json!(local_rate.round()));
    extra.insert("tcp_records_per_sec".into(), json!(tcp_rate.round()));
    extra.insert("ratio".into(), json!((tcp_rate / local_rate * 1000.0).round() / 1000.0));
    finish("net-exchange", 1, records, tcp, extra);
    Ok(())
}
