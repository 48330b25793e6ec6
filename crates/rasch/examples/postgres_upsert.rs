//! Word counts upserted into PostgreSQL, exactly once: each word's latest count is the row of
//! `word_counts` keyed by the word, written by prepared transactions committed with the
//! checkpoints.
//!
//! ```text
//! cargo run --example postgres_upsert --features postgres -- --url "host=127.0.0.1 port=5432 user=postgres dbname=postgres" [--input FILE]
//! ```

use rasch::connectors::DeliveryGuarantee;
use rasch::connectors::postgres::client::{Client, NoTls};
use rasch::connectors::postgres::{PostgresSink, Row};
use rasch::prelude::*;
use std::time::Duration;

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let url: String = params.required("url")?;
    let mut admin = Client::connect(&url, NoTls).map_err(|e| rasch::Error::user(format!("connecting to {url}: {e}")))?;
    admin
        .batch_execute("CREATE TABLE IF NOT EXISTS word_counts (word text PRIMARY KEY, count bigint NOT NULL)")
        .map_err(|e| rasch::Error::user(format!("creating word_counts: {e}")))?;

    let env = StreamEnv::from_args();
    env.enable_checkpointing(Duration::from_secs(1));
    let text = match params.get("input") {
        Some(path) => env.read_text_file(path),
        None => env.from_collection(vec!["to be or not to be".to_string(), "that is the question".to_string()]),
    };
    let sink = PostgresSink::builder(&url)
        .table("word_counts")
        .columns(&["word", "count"])
        .upsert_on(&["word"])
        .delivery_guarantee(DeliveryGuarantee::ExactlyOnce)
        .transactional_id_prefix("word_counts")
        .build(|(word, count): &(String, i64), row: &mut Row<'_>| {
            row.push(word);
            row.push(count);
        })?;
    text.flat_map(|line| line.split_whitespace().map(|w| (w.to_lowercase(), 1i64)).collect::<Vec<_>>())
        .key_by(|(word, _)| word.clone())
        .sum(1)
        .sink_to(sink);
    env.execute("Word counts into PostgreSQL")?;
    for row in admin
        .query("SELECT word, count FROM word_counts ORDER BY count DESC, word LIMIT 5", &[])
        .map_err(|e| rasch::Error::user(e.to_string()))?
    {
        println!("{} {}", row.get::<_, String>(0), row.get::<_, i64>(1));
    }
    Ok(())
}
