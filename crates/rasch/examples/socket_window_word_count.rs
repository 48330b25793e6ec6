//! SocketWindowWordCount — Flink's example: word counts over 5-second tumbling
//! processing-time windows of the lines arriving on a socket.
//!
//! ```text
//! nc -lk 9999        # in one terminal, then type lines
//! cargo run --release --example socket_window_word_count -- --hostname localhost --port 9999 [--window-seconds 5]
//! ```

use rasch::prelude::*;
use std::time::Duration;

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let host = params.get("hostname").unwrap_or("localhost");
    let port: u16 = params.get_or("port", 9999)?;
    let seconds: u64 = params.get_or("window-seconds", 5)?;

    let env = StreamEnv::from_args();
    env.socket_text_stream(host, port)
        .flat_map(|line| line.split_whitespace().map(|w| (w.to_string(), 1u64)).collect::<Vec<_>>())
        .key_by(|(word, _)| word.clone())
        .window(TumblingProcessingTimeWindows::of(Duration::from_secs(seconds)))
        .reduce(|a, b| (a.0, a.1 + b.1))
        .print()
        .set_parallelism(1);
    env.execute("Socket Window WordCount")?;
    Ok(())
}
