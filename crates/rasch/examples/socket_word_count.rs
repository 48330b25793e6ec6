//! SocketWordCount — a running count per word of the lines arriving on a socket.
//!
//! ```text
//! nc -lk 9999        # in one terminal, then type lines
//! cargo run --release --example socket_word_count -- --hostname localhost --port 9999
//! ```

use rasch::prelude::*;

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let host = params.get("hostname").unwrap_or("localhost");
    let port: u16 = params.get_or("port", 9999)?;

    let env = StreamEnv::from_args();
    env.socket_text_stream(host, port)
        .flat_map(|line| line.split_whitespace().map(|w| (w.to_string(), 1u64)).collect::<Vec<_>>())
        .key_by(|(word, _)| word.clone())
        .sum(1)
        .print();
    env.execute("Socket WordCount")?;
    Ok(())
}
