//! Rolling sums — a keyed, stateful, checkpointed streaming job made for clusters: a throttled
//! sequence `0..count` (one source subtask, so every key sees its values in order) is keyed by `i % keys`, summed per key, and every running sum is written
//! exactly-once as a `key,sum` line into part files (committed on checkpoints).
//!
//! ```text
//! cargo run --release --example rolling_sum -- --output DIR [--count N] [--rate R] [--keys K]
//!     [--parallelism P] [--checkpoint-interval MS] [--sink-delay-us D] [--panic-at I]
//! rasch run -p 4 target/release/examples/rolling_sum -- --output /tmp/sums --count 1000000
//! ```
//! `--rate` limits records per second (0 = unlimited); `--sink-delay-us` makes the sink side
//! sleep that long per record (to watch back-pressure travel to the source); `--panic-at I`
//! makes the job panic on the record whose value is `I` (to watch a failure). Sources,
//! sums and sink carry `uid`s, so the job can stop with a savepoint and resume at another
//! parallelism.

use rasch::connectors::FileSink;
use rasch::prelude::*;
use std::time::Duration;

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let output = params.get("output").ok_or_else(|| rasch::Error::user("--output DIR is required"))?.to_string();
    let count: u64 = params.get_or("count", 100_000)?;
    let rate: f64 = params.get_or("rate", 0.0)?;
    let keys: u64 = params.get_or("keys", 100)?;
    let sink_delay: u64 = params.get_or("sink-delay-us", 0)?;
    let panic_at: Option<u64> = params.get_parsed("panic-at")?;

    let env = StreamEnv::from_args();
    if let Some(p) = params.get_parsed::<usize>("parallelism")? {
        env.set_parallelism(p);
    }
    if let Some(ms) = params.get_parsed::<u64>("checkpoint-interval")? {
        env.enable_checkpointing(Duration::from_millis(ms));
    }
    let sums = env
        .datagen(Some(count), (rate > 0.0).then_some(rate), |i| i)
        .set_parallelism(1)
        .uid("source")
        .name("Sequence")
        .map(move |i| {
            if panic_at == Some(i) {
                panic!("record {i} is poison (--panic-at)");
            }
            (i % keys, i)
        })
        .set_parallelism(1)
        .key_by(|t| t.0)
        .sum(1)
        .uid("sums")
        .name("Rolling sum")
        .map(move |(k, s)| {
            if sink_delay > 0 {
                std::thread::sleep(Duration::from_micros(sink_delay));
            }
            format!("{k},{s}")
        })
        .uid("format")
        .name("Format");
    sums.sink_to(FileSink::for_row_format(output)).uid("sink").name("File sink");
    env.execute("Rolling sums")?;
    Ok(())
}
