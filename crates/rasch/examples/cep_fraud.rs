//! Fraud detection with CEP (Flink's Pattern API): per card, a tiny "test" charge followed
//! within 10 minutes by a charge at least 100 times larger — compared with the event the match
//! already took (an iterative condition). Partial matches that time out go to a side
//! output, and so do transactions that arrive after the watermark passed them.
//!
//! ```text
//! cargo run --release --example cep_fraud
//! ```

use rasch::cep::{CEP, Match, Pattern, PatternContext, PatternProcessFunction, TimedOutPartialMatchHandler};
use rasch::prelude::*;
use std::time::Duration;

/// A card transaction: card, amount in cents, merchant, event time in ms.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(crate = "rasch::serde")]
struct Tx {
    card: String,
    cents: u64,
    merchant: String,
    time: i64,
}

/// Watermark = highest time seen − 1 minute, emitted after every transaction (so that the
/// example is deterministic).
#[derive(Clone)]
struct OneMinuteLate {
    max: i64,
}

impl WatermarkGenerator<Tx> for OneMinuteLate {
    fn on_event(&mut self, tx: &Tx, _: i64, out: &mut WatermarkOutput) {
        self.max = self.max.max(tx.time);
        out.emit_watermark(self.max - 60_000);
    }
    fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
}

/// Alerts on matches; reports test charges that were not followed up in time.
#[derive(Clone)]
struct Alerts {
    unconfirmed: OutputTag<String>,
}

impl PatternProcessFunction<Tx, String> for Alerts {
    fn process_match(&mut self, m: Match<Tx>, _: &mut PatternContext<'_>, out: &mut Collector<'_, String>) -> rasch::Result<()> {
        let (test, large) = (&m.events("test")[0], &m.events("large")[0]);
        out.collect(format!(
            "ALERT card {}: test charge {} at {}, then {} at {}",
            test.card,
            dollars(test.cents),
            test.merchant,
            dollars(large.cents),
            large.merchant
        ));
        Ok(())
    }
}

impl TimedOutPartialMatchHandler<Tx> for Alerts {
    fn process_timed_out_match(&mut self, m: Match<Tx>, ctx: &mut PatternContext<'_>) -> rasch::Result<()> {
        let test = &m.events("test")[0];
        let text = format!(
            "card {}: test charge {} at {} not followed up by minute {}",
            test.card,
            dollars(test.cents),
            test.merchant,
            ctx.timestamp() / 60_000
        );
        ctx.output(&self.unconfirmed, text)
    }
}

fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

fn main() -> rasch::Result<()> {
    let env = StreamEnv::from_args();
    env.set_parallelism(2);
    let minute = 60_000;
    let txs: Vec<Tx> = [
        ("4000-1", 50, "coffee-shop", 1),
        ("4000-2", 99, "web-shop", 2),
        ("4000-1", 120_000, "electronics", 4), // 2400× the test charge: alert
        ("4000-3", 45, "vending", 7),
        ("4000-2", 2_500, "bookshop", 9),       // only 25×: not suspicious
        ("4000-3", 1_200, "bakery", 30),        // 4000-3's test charge has timed out by now
        ("4000-2", 15_000, "travel-agent", 11), // 151×, but late: the watermark is at minute 29
        ("4000-4", 10, "parking", 40),
        ("4000-4", 30_000, "airline", 45), // alert
        ("4000-4", 500, "newsagent", 70),
    ]
    .into_iter()
    .map(|(card, cents, merchant, m)| Tx { card: card.into(), cents, merchant: merchant.into(), time: m * minute })
    .collect();

    // A charge under $1, then (relaxed contiguity: other charges may come in between) one at
    // least 100× as large, within 10 minutes.
    let pattern = Pattern::<Tx>::begin("test")
        .where_(|t| t.cents < 100)
        .followed_by("large")
        .where_iterative(|t, ctx| ctx.get_events_for_pattern("test").all(|test| t.cents >= 100 * test.cents))
        .within(Duration::from_secs(10 * 60));

    let unconfirmed = OutputTag::<String>::new("unconfirmed");
    let late = OutputTag::<Tx>::new("late");
    let transactions = env
        .from_collection(txs)
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(
            WatermarkStrategy::for_generator(OneMinuteLate { max: i64::MIN / 2 }).with_timestamp_assigner(|t: &Tx, _| t.time),
        )
        .set_parallelism(1);
    let alerts = CEP::pattern(&transactions.key_by(|t: &Tx| t.card.clone()), pattern)?
        .side_output_late_data(&late)
        .process_with_timeouts(Alerts { unconfirmed: unconfirmed.clone() });
    alerts.print_with_identifier("alert");
    alerts.get_side_output(&unconfirmed).print_with_identifier("unconfirmed");
    alerts
        .get_side_output(&late)
        .map(|t: Tx| format!("card {}: {} at {} (minute {})", t.card, dollars(t.cents), t.merchant, t.time / 60_000))
        .print_with_identifier("late");
    env.execute("CEP Fraud Detection")?;
    Ok(())
}
