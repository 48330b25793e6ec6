//! Files in Parquet → JSON: reads taxi trips from Parquet files, computes each trip's fare per
//! kilometre and writes the results exactly once as JSON lines, one bucket (directory) per
//! city. With `--generate N`, a first job writes N trips as Parquet into `--input` with the
//! `FileSink`'s Parquet bulk format.
//!
//! ```text
//! cargo run --example parquet_to_json --features parquet -- --input DIR --output DIR [--generate N]
//! ```

use rasch::connectors::FileSink;
use rasch::connectors::file_sink::{BucketContext, bucket_fn};
use rasch::connectors::formats::{JsonLines, OnMalformed};
use rasch::connectors::parquet::{ParquetFormat, ParquetSource};
use rasch::prelude::*;
use std::time::Duration;

/// One trip, as stored in the Parquet files (one column per field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Trip {
    id: u64,
    city: String,
    distance_km: f64,
    fare_cents: i64,
    tip_cents: Option<i64>,
}

/// One output line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Fare {
    id: u64,
    city: String,
    cents_per_km: f64,
    tipped: bool,
}

const CITIES: [&str; 3] = ["berlin", "lisbon", "oslo"];

/// The trip with id `i` (deterministic, so tests can recompute it).
fn trip(i: u64) -> Trip {
    Trip {
        id: i,
        city: CITIES[(i % 3) as usize].to_string(),
        distance_km: 1.0 + (i % 17) as f64 * 0.5,
        fare_cents: 300 + (i % 29) as i64 * 40,
        tip_cents: i.is_multiple_of(4).then_some((i % 7) as i64 * 10),
    }
}

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let input: String = params.required("input")?;
    let output: String = params.required("output")?;

    if let Some(n) = params.get_parsed::<u64>("generate")? {
        let env = StreamEnv::from_args();
        env.enable_checkpointing(Duration::from_millis(200));
        env.datagen(Some(n), None, trip).sink_to(FileSink::for_bulk_format(&input, ParquetFormat::<Trip>::new()?)).name("Parquet sink");
        env.execute("Generate trips as Parquet")?;
    }

    let env = StreamEnv::from_args();
    env.enable_checkpointing(Duration::from_millis(200));
    let fares = env.from_source(ParquetSource::<Trip>::new(&input), "Parquet trips").map(|t: Trip| Fare {
        id: t.id,
        cents_per_km: t.fare_cents as f64 / t.distance_km,
        tipped: t.tip_cents.is_some_and(|c| c > 0),
        city: t.city,
    });
    let by_city = bucket_fn(|f: &Fare, _: &BucketContext, out: &mut String| {
        out.push_str("city=");
        out.push_str(&f.city);
    });
    fares
        .sink_to(FileSink::for_row_format(&output).with_encoder(JsonLines::new(OnMalformed::Fail)).with_bucket_assigner(by_city))
        .name("JSON sink");
    let result = env.execute("Parquet to JSON")?;
    println!("wrote JSON lines into {output} ({} checkpoints)", result.completed_checkpoints());
    Ok(())
}
