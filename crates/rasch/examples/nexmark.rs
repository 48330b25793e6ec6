//! Nexmark in the DataStream API: queries q0, q1, q2, q5, q7 and q8 as typed jobs over the JSON
//! lines of `../shared/nexmark/gen.py`, writing the rows as Flink's json format renders them
//! (one object per line, keys in the sink's column order) — the same rows as Flink 1.20's SQL.
//!
//! ```text
//! python3 ../shared/nexmark/gen.py --events 100000 --seed 42 --rate 1000 --out /tmp/events.jsonl
//! cargo run --release --example nexmark -- --query q5 --input /tmp/events.jsonl --output /tmp/q5 [--parallelism 2]
//! ```

use rasch::prelude::*;
use rasch::timestamp::{format_sql_timestamp, parse_sql_timestamp};
use std::time::Duration;

/// One line of the generator: exactly one of the three is set, as `event_type` says.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(crate = "rasch::serde")]
struct Event {
    event_type: i32,
    person: Option<Person>,
    auction: Option<Auction>,
    bid: Option<Bid>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(crate = "rasch::serde")]
struct Person {
    id: i64,
    name: String,
    #[serde(rename = "dateTime")]
    date_time: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(crate = "rasch::serde")]
struct Auction {
    id: i64,
    seller: i64,
    #[serde(rename = "dateTime")]
    date_time: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(crate = "rasch::serde")]
struct Bid {
    auction: i64,
    bidder: i64,
    price: i64,
    #[serde(rename = "dateTime")]
    date_time: String,
    extra: String,
}

/// Event time of a generator timestamp (the DDL's computed `dateTime`).
fn event_time(text: &str) -> i64 {
    parse_sql_timestamp(text).unwrap_or(i64::MIN)
}

/// `dateTime` as Flink's json format renders a `TIMESTAMP(3)` (trailing zeros dropped).
fn rendered(text: &str) -> String {
    format_sql_timestamp(event_time(text))
}

/// `0.908 * price` as exact `DECIMAL(23, 3)`, rendered as a plain number with trailing zeros
/// dropped (`'json.encode.decimal-as-plain-number' = 'true'`).
fn dollars_to_euros(price: i64) -> String {
    let milli = i128::from(price) * 908;
    let (int, frac) = (milli / 1000, (milli % 1000).abs());
    let sign = if milli < 0 && int == 0 { "-" } else { "" };
    if frac == 0 { format!("{sign}{int}") } else { format!("{sign}{int}.{}", format!("{frac:03}").trim_end_matches('0')) }
}

/// A JSON object line with its keys in the given order.
fn json_line(fields: &[(&str, serde_json_value::Value)]) -> String {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{}", serde_json_value::quote(k), v.text())).collect();
    format!("{{{}}}", body.join(","))
}

/// The few JSON values the sinks render, without a serde_json dependency of this example.
mod serde_json_value {
    /// A rendered JSON value.
    pub enum Value {
        Int(i64),
        Raw(String),
        Str(String),
    }
    impl Value {
        pub fn text(&self) -> String {
            match self {
                Value::Int(i) => i.to_string(),
                Value::Raw(r) => r.clone(),
                Value::Str(s) => quote(s),
            }
        }
    }
    /// A JSON string literal (Flink's Jackson escapes `"`, `\` and control characters).
    pub fn quote(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

use serde_json_value::Value;

/// Bids with their event time as record timestamp and a generous watermark: the input is
/// bounded, so every window fires at its end, as in Flink's batch mode.
fn bids(events: &DataStream<Event>) -> DataStream<Bid> {
    events
        .flat_map(|e| e.bid)
        .assign_event_time(WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_secs(3600)), |b, _| event_time(&b.date_time))
}

fn q0(events: &DataStream<Event>) -> DataStream<String> {
    events.flat_map(|e| e.bid).map(|b| {
        json_line(&[
            ("auction", Value::Int(b.auction)),
            ("bidder", Value::Int(b.bidder)),
            ("price", Value::Int(b.price)),
            ("dateTime", Value::Str(rendered(&b.date_time))),
            ("extra", Value::Str(b.extra)),
        ])
    })
}

fn q1(events: &DataStream<Event>) -> DataStream<String> {
    events.flat_map(|e| e.bid).map(|b| {
        json_line(&[
            ("auction", Value::Int(b.auction)),
            ("bidder", Value::Int(b.bidder)),
            ("price", Value::Raw(dollars_to_euros(b.price))),
            ("dateTime", Value::Str(rendered(&b.date_time))),
            ("extra", Value::Str(b.extra)),
        ])
    })
}

fn q2(events: &DataStream<Event>) -> DataStream<String> {
    events
        .flat_map(|e| e.bid)
        .filter(|b| b.auction % 123 == 0)
        .map(|b| json_line(&[("auction", Value::Int(b.auction)), ("price", Value::Int(b.price))]))
}

/// Counts bids.
#[derive(Clone)]
struct Count;

impl AggregateFunction<Bid, u64, u64> for Count {
    fn create_accumulator(&self) -> u64 {
        0
    }
    fn add(&self, _: Bid, acc: u64) -> u64 {
        acc + 1
    }
    fn get_result(&self, acc: &u64) -> u64 {
        *acc
    }
    fn merge(&self, a: u64, b: u64) -> u64 {
        a + b
    }
}

/// Hot items: per 10 s window sliding by 2 s, the auctions with the most bids (all of them on a
/// tie; the same auction appears once per window it wins).
fn q5(events: &DataStream<Event>) -> DataStream<String> {
    let counts = bids(events)
        .key_by(|b| b.auction)
        .window(SlidingEventTimeWindows::of(Duration::from_secs(10), Duration::from_secs(2)))
        .aggregate_with_window(Count, |auction, window, n| (window.end, *auction, n));
    // Each count is stamped `end - 1`: a 2 s tumbling window per end gathers one hop window.
    counts.key_by(|c| c.0).window(TumblingEventTimeWindows::of(Duration::from_secs(2))).process_fn(|_, _, counts, out| {
        let max = counts.iter().map(|c| c.2).max().unwrap_or(0);
        for c in counts.iter().filter(|c| c.2 == max) {
            out.collect(json_line(&[("auction", Value::Int(c.1)), ("num", Value::Int(c.2 as i64))]));
        }
        Ok(())
    })
}

/// The highest price of the bids in a window.
#[derive(Clone)]
struct MaxPrice;

impl AggregateFunction<Bid, i64, i64> for MaxPrice {
    fn create_accumulator(&self) -> i64 {
        i64::MIN
    }
    fn add(&self, bid: Bid, max: i64) -> i64 {
        max.max(bid.price)
    }
    fn get_result(&self, max: &i64) -> i64 {
        *max
    }
    fn merge(&self, a: i64, b: i64) -> i64 {
        a.max(b)
    }
}

/// Highest bid: per 10 s tumbling window the highest price, and the bids at that price whose
/// time lies in `[window_end - 10 s, window_end]` — both ends inclusive, as the SQL's `BETWEEN`,
/// so a bid exactly on a window's end is also matched against that window's maximum.
fn q7(events: &DataStream<Event>) -> DataStream<String> {
    const SIZE: i64 = 10_000;
    let hour = || WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_secs(3600));
    let bids = bids(events);
    // (window end, highest price), stamped `end - 1`: a tumbling window per end gathers it.
    let maxima = bids
        .window_all(TumblingEventTimeWindows::of(Duration::from_millis(SIZE as u64)))
        .aggregate_with_window(MaxPrice, |_, window, max| (window.end, max))
        .assign_event_time(hour(), |m, _| m.0 - 1);
    // Each bid under the end of every window whose closed range holds it: its own window's, and
    // the previous window's when it lies exactly on that window's end.
    let candidates = bids
        .flat_map(|b| {
            let t = event_time(&b.date_time);
            let own_end = t.div_euclid(SIZE) * SIZE + SIZE;
            let on_previous_end = t.rem_euclid(SIZE) == 0;
            let mut under = vec![(own_end, b.clone())];
            if on_previous_end {
                under.push((t, b));
            }
            under
        })
        .assign_event_time(hour(), |c, _| c.0 - 1);
    candidates
        .co_group(&maxima)
        .where_(|c| c.0)
        .equal_to(|m| m.0)
        .window(TumblingEventTimeWindows::of(Duration::from_millis(SIZE as u64)))
        .apply(|_end, candidates, maxima, out| {
            let Some(&(_, max)) = maxima.first() else { return };
            for (_, b) in candidates.into_iter().filter(|(_, b)| b.price == max) {
                out.collect(json_line(&[
                    ("auction", Value::Int(b.auction)),
                    ("price", Value::Int(b.price)),
                    ("bidder", Value::Int(b.bidder)),
                    ("dateTime", Value::Str(rendered(&b.date_time))),
                    ("extra", Value::Str(b.extra)),
                ]));
            }
        })
}

/// Sellers who joined this window: persons and the sellers of auctions, per 10 s tumbling
/// window, joined on id = seller within the same window (each pair once).
fn q8(events: &DataStream<Event>) -> DataStream<String> {
    let hour = || WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_secs(3600));
    let persons = events.flat_map(|e| e.person).assign_event_time(hour(), |p, _| event_time(&p.date_time));
    let sellers = events.flat_map(|e| e.auction).assign_event_time(hour(), |a, _| event_time(&a.date_time));
    persons.co_group(&sellers).where_(|p| p.id).equal_to(|a| a.seller).window(TumblingEventTimeWindows::of(Duration::from_secs(10))).apply(
        |id, ps, sellers, out| {
            if sellers.is_empty() {
                return;
            }
            let mut names: Vec<(String, i64)> =
                ps.into_iter().map(|p| (p.name.clone(), event_time(&p.date_time).div_euclid(10_000) * 10_000)).collect();
            names.sort();
            names.dedup();
            for (name, start) in names {
                out.collect(json_line(&[
                    ("id", Value::Int(*id)),
                    ("name", Value::Str(name)),
                    ("stime", Value::Str(format_sql_timestamp(start))),
                ]));
            }
        },
    )
}

fn main() -> rasch::Result<()> {
    let params = Params::from_args()?;
    let query: String = params.required("query")?;
    let input: String = params.required("input")?;
    let output: String = params.required("output")?;
    let env = StreamEnv::from_args();
    env.set_parallelism(params.get_or("parallelism", 2usize)?);
    let events = env.read_json_lines::<Event>(&input);
    let rows = match query.as_str() {
        "q0" => q0(&events),
        "q1" => q1(&events),
        "q2" => q2(&events),
        "q5" => q5(&events),
        "q7" => q7(&events),
        "q8" => q8(&events),
        other => return Err(rasch::Error::user(format!("--query {other}: expected q0, q1, q2, q5, q7 or q8"))),
    };
    rows.write_as_text_with_mode(&output, WriteMode::Overwrite);
    let result = env.execute(&format!("Nexmark {query}"))?;
    eprintln!("{result}");
    Ok(())
}
