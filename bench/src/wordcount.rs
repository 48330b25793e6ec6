//! The WordCount benchmark (split lines on single spaces, count per word with keyed state,
//! write final `word,count` lines) and a generator for its input.

use crate::report::finish;
use rasch::prelude::*;
use serde_json::{Map, json};
use std::io::Write;
use std::time::Instant;

/// Counts the words of `--input` into `--output`.
pub fn wordcount(params: &Params) -> Result<(), String> {
    let input = params.required::<String>("input").map_err(|e| e.to_string())?;
    let output = params.required::<String>("output").map_err(|e| e.to_string())?;
    let parallelism = params.get_or("parallelism", 1usize).map_err(|e| e.to_string())?;
    let streaming = params.get("execution-mode").unwrap_or("batch").eq_ignore_ascii_case("streaming");

    let env = StreamEnv::local();
    env.set_parallelism(parallelism);
    env.set_runtime_mode(if streaming { RuntimeMode::Streaming } else { RuntimeMode::Batch });
    env.read_text_file(&input)
        .flat_map_collect(|line: String, out: &mut Collector<'_, (CompactString, u64)>| {
            for word in line.split(' ').filter(|w| !w.is_empty()) {
                out.collect((CompactString::from(word), 1));
            }
        })
        .name("Split")
        .key_by_ref(|(word, _): &(CompactString, u64)| word)
        .sum(1)
        .name("Count")
        .map(|(word, count): (CompactString, u64)| format!("{word},{count}"))
        .set_parallelism(1)
        .write_as_text_with_mode(&output, WriteMode::Overwrite)
        .set_parallelism(1);
    let t0 = Instant::now();
    let result = env.execute("WordCount benchmark").map_err(|e| e.to_string())?;
    let seconds = t0.elapsed().as_secs_f64();
    // Words leave Split; Count may receive fewer records (BATCH mode combines per key first).
    let words = result.operator("Split").map(|o| o.records_out).unwrap_or(0);
    let distinct = result.operator("Count").map(|o| o.records_out).unwrap_or(0);
    let mut extra = Map::new();
    extra.insert("distinct_words".into(), json!(distinct));
    extra.insert("mode".into(), json!(if streaming { "streaming" } else { "batch" }));
    finish("wordcount", parallelism, words, seconds, extra);
    Ok(())
}

/// Writes `--words N` words (from a vocabulary of `--vocabulary V`, skewed) in lines of 10.
pub fn generate(params: &Params) -> Result<(), String> {
    let output = params.required::<String>("output").map_err(|e| e.to_string())?;
    let words: u64 = params.get_or("words", 10_000_000u64).map_err(|e| e.to_string())?;
    let vocabulary: u64 = params.get_or("vocabulary", 10_000u64).map_err(|e| e.to_string())?.max(1);
    let file = std::fs::File::create(&output).map_err(|e| format!("cannot create {output}: {e}"))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for i in 0..words {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Squaring a uniform number skews toward small ids: a few frequent words, a long tail.
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        let id = ((u * u) * vocabulary as f64) as u64;
        let sep = if i % 10 == 9 { b'\n' } else { b' ' };
        write!(w, "w{id}").and_then(|_| w.write_all(&[sep])).map_err(|e| format!("writing {output}: {e}"))?;
    }
    w.write_all(b"\n").and_then(|_| w.flush()).map_err(|e| format!("writing {output}: {e}"))?;
    eprintln!("wrote {words} words over {vocabulary} distinct to {output}");
    Ok(())
}
