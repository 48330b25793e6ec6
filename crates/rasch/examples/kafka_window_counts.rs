//! Kafka → keyed event-time windows → Kafka, exactly-once: reads JSON click events
//! `{"user": "...", "ts": <epoch ms>}` from a topic (per-partition watermarks, 5 s
//! out-of-orderness, idle partitions ignored after 10 s), counts clicks per user in
//! one-minute tumbling windows, and writes `{"user", "window_start", "clicks"}` JSON records,
//! keyed by user, in Kafka transactions committed when checkpoints complete.
//!
//! ```text
//! cargo run --features kafka --example kafka_window_counts -- --bootstrap localhost:9092 \
//!     --input clicks --output click-counts [--group rasch-clicks] [--parallelism 2] \
//!     [--checkpoint-interval 1000] [--bounded]
//! ```
//! `--bounded` reads what the input holds when the job starts, then ends (committing the last
//! windows); without it the job runs until cancelled.

use rasch::connectors::kafka::*;
use rasch::prelude::*;
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Click {
    user: String,
    ts: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct UserClicks {
    user: String,
    window_start: i64,
    clicks: u64,
}

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let bootstrap = params.get("bootstrap").unwrap_or("localhost:9092").to_string();
    let input = params.get("input").ok_or_else(|| rasch::Error::user("--input TOPIC is required"))?.to_string();
    let output = params.get("output").ok_or_else(|| rasch::Error::user("--output TOPIC is required"))?.to_string();
    let group = params.get("group").unwrap_or("rasch-clicks").to_string();
    let interval: u64 = params.get_or("checkpoint-interval", 1_000)?;

    let env = StreamEnv::from_args();
    if let Some(p) = params.get_parsed::<usize>("parallelism")? {
        env.set_parallelism(p);
    }
    env.enable_checkpointing(Duration::from_millis(interval));

    let mut source = KafkaSource::builder(&bootstrap, JsonDeserializer::<Click>::new())
        .topics(&[&input])
        .group_id(&group)
        .starting_offsets(StartingOffsets::Committed { reset: OffsetReset::Earliest })
        .watermarks(
            WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_secs(5))
                .with_timestamp_assigner(|c: &Click, _| c.ts)
                .with_idleness(Duration::from_secs(10)),
        );
    if params.has("bounded") {
        source = source.bounded();
    }
    let sink = KafkaSink::builder(
        &bootstrap,
        &output,
        FnSerializer(|c: &UserClicks, out: &mut SerializedRecord| {
            out.set_key(c.user.as_bytes());
            serde_json::to_writer(&mut out.value, c).map_err(|e| e.to_string())
        }),
    )
    .delivery_guarantee(DeliveryGuarantee::ExactlyOnce)
    .transactional_id_prefix(&format!("{group}-{output}"))
    .build()?;

    env.from_source(source.build()?, "Kafka clicks")
        .uid("clicks")
        .key_by(|c: &Click| c.user.clone())
        .window(TumblingEventTimeWindows::of(Duration::from_secs(60)))
        .aggregate_with_process(
            AggregateFn { create: || 0u64, add: |_: Click, n: u64| n + 1, result: |n: &u64| *n, merge: |a: u64, b: u64| a + b },
            ProcessWindowFn(
                |user: &String, ctx: &mut WindowContext<'_, String, TimeWindow>, clicks: &[u64], out: &mut Collector<'_, UserClicks>| {
                    out.collect(UserClicks { user: user.clone(), window_start: ctx.window().start, clicks: clicks[0] });
                    Ok(())
                },
            ),
        )
        .uid("counts")
        .sink_to(sink)
        .uid("kafka-out");
    env.execute("Kafka click counts")?;
    Ok(())
}
