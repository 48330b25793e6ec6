//! WordCount — Flink's classic: counts words of a text file and writes `word,count` lines.
//!
//! ```text
//! cargo run --release --example word_count -- --input FILE --output PATH [--parallelism N] [--execution-mode streaming]
//! ```
//! Without `--input` it counts a built-in text; without `--output` it prints. BATCH mode (the
//! default here) emits one final count per word; STREAMING emits every running count.

use rasch::prelude::*;

const DEFAULT_TEXT: &[&str] = &[
    "To be, or not to be,--that is the question:--",
    "Whether 'tis nobler in the mind to suffer",
    "The slings and arrows of outrageous fortune",
    "Or to take arms against a sea of troubles,",
    "And by opposing end them?--To die,--to sleep,--",
    "No more; and by a sleep to say we end",
    "The heartache, and the thousand natural shocks",
    "That flesh is heir to,--'tis a consummation",
    "Devoutly to be wish'd. To die,--to sleep;--",
];

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let env = StreamEnv::from_args();
    if let Some(p) = params.get_parsed::<usize>("parallelism")? {
        env.set_parallelism(p);
    }
    let mode = match params.get("execution-mode").unwrap_or("batch").to_ascii_lowercase().as_str() {
        "streaming" => RuntimeMode::Streaming,
        "batch" => RuntimeMode::Batch,
        other => return Err(rasch::Error::user(format!("--execution-mode {other}: expected batch or streaming"))),
    };
    env.set_runtime_mode(mode);

    let text = match params.get("input") {
        Some(path) => env.read_text_file(path),
        None => env.from_collection(DEFAULT_TEXT.iter().map(|s| s.to_string()).collect()),
    };
    let counts = text
        .flat_map_collect(|line, out| {
            for word in line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                out.collect((word.to_lowercase(), 1u64));
            }
        })
        .name("Tokenizer")
        .key_by_ref(|(word, _)| word)
        .sum(1)
        .name("Counter")
        .map(|(word, count)| format!("{word},{count}"));

    match params.get("output") {
        Some(path) => counts.write_as_text_with_mode(path, WriteMode::Overwrite),
        None => counts.print(),
    };
    let result = env.execute("WordCount")?;
    eprintln!("{result}");
    Ok(())
}
