//! Connected streams: a control stream of blocked words filters a stream of words.
//!
//! ```text
//! cargo run --release --example connect
//! ```

use rasch::prelude::*;
use std::collections::HashSet;

/// Drops words once they have been blocked by the control stream (per key, so both inputs
/// are keyed by the word and meet in the same subtask).
#[derive(Clone, Default)]
struct Blocklist {
    blocked: HashSet<String>,
}

impl CoFlatMapFunction<String, String, String> for Blocklist {
    fn flat_map1(&mut self, blocked: String, _out: &mut Collector<'_, String>) -> rasch::Result<()> {
        self.blocked.insert(blocked);
        Ok(())
    }
    fn flat_map2(&mut self, word: String, out: &mut Collector<'_, String>) -> rasch::Result<()> {
        if !self.blocked.contains(&word) {
            out.collect(word);
        }
        Ok(())
    }
}

fn main() -> rasch::Result<()> {
    let env = StreamEnv::from_args();
    let control = env.from_collection(vec!["drop".to_string(), "ignore".to_string()]);
    let words = env.from_collection("keep drop this ignore word".split(' ').map(String::from).collect());
    control.connect(&words).key_by(|w| w.clone(), |w| w.clone()).co_flat_map_rich(Blocklist::default()).print();
    env.execute("Connect")?;
    Ok(())
}
