//! The CEP operator in jobs: event-time elements sorted before matching, late elements to a
//! side output, `within` timeouts to the timeout side output, processing time, and the
//! `select` / `flat_select` / `process` variants, at several parallelisms.

use rasch_api::StreamEnv;
use rasch_cep::{AfterMatchSkipStrategy, CEP, Match, Pattern, PatternContext, PatternProcessFunction, TimedOutPartialMatchHandler};
use rasch_connectors::CollectSink;
use rasch_core::Result;
use rasch_runtime::collector::{Collector, OutputTag};
use rasch_runtime::watermarks::{WatermarkGenerator, WatermarkOutput, WatermarkStrategy};
use std::time::Duration;

/// (key, name, timestamp, watermark to emit after it or -1).
type Ev = (u32, String, i64, i64);

fn ev(key: u32, name: &str, ts: i64) -> Ev {
    (key, name.to_string(), ts, -1)
}

/// Emits the watermark an event carries.
#[derive(Clone, Default)]
struct Carried;
impl WatermarkGenerator<Ev> for Carried {
    fn on_event(&mut self, e: &Ev, _: i64, out: &mut WatermarkOutput) {
        if e.3 >= 0 {
            out.emit_watermark(e.3);
        }
    }
    fn on_periodic_emit(&mut self, _: &mut WatermarkOutput) {}
}

/// A watermark, then enough filler (key 999) that it travels before what follows. The source
/// runs at parallelism 1, so that one watermark covers every element.
fn watermark(out: &mut Vec<Ev>, wm: i64) {
    out.push((999, "filler".into(), wm + 1, wm));
    out.extend((0..3_000).map(|_| (999, "filler".to_string(), wm + 1, -1)));
}

fn names(m: &Match<Ev>) -> String {
    m.all().map(|e| format!("{}@{}", e.1, e.2)).collect::<Vec<_>>().join(" ")
}

fn abc() -> Pattern<Ev> {
    Pattern::begin("a").where_(|e: &Ev| e.1 == "a").next("b").where_(|e: &Ev| e.1 == "b").next("c").where_(|e: &Ev| e.1 == "c")
}

#[test]
fn event_time_sorts_elements_before_matching_and_sends_late_ones_aside() {
    let mut data = Vec::new();
    for key in 0..6 {
        // Out of order: strict contiguity matches only once they are sorted.
        data.extend([ev(key, "c", 30), ev(key, "a", 10), ev(key, "b", 20)]);
    }
    watermark(&mut data, 100);
    for key in 0..6 {
        // Behind the watermark: late, whatever they would have matched.
        data.extend([ev(key, "a", 50), ev(key, "b", 60), ev(key, "c", 70)]);
        data.extend([ev(key, "a", 210), ev(key, "b", 220), ev(key, "x", 225), ev(key, "c", 230)]);
    }
    for p in [1, 2, 3] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let late = OutputTag::<Ev>::new("late");
        let stream = env
            .from_collection(data.clone())
            .set_parallelism(1)
            .assign_timestamps_and_watermarks(WatermarkStrategy::for_generator(Carried).with_timestamp_assigner(|e: &Ev, _| e.2))
            .set_parallelism(1);
        let matches = CEP::pattern(&stream.key_by(|e: &Ev| e.0), abc())
            .unwrap()
            .side_output_late_data(&late)
            .select(|m| (m.events("a")[0].0, names(m)));
        let (sink, got) = CollectSink::new();
        matches.sink_to(sink);
        let (late_sink, late_got) = CollectSink::new();
        matches.get_side_output(&late).sink_to(late_sink);
        env.execute("cep event time").unwrap();
        let mut got = got.take();
        got.sort();
        let expected: Vec<(u32, String)> = (0..6).map(|k| (k, "a@10 b@20 c@30".to_string())).collect();
        assert_eq!(got, expected, "parallelism {p}");
        let mut late_got: Vec<(u32, i64)> = late_got.take().into_iter().map(|e| (e.0, e.2)).collect();
        late_got.sort();
        let expected_late: Vec<(u32, i64)> = (0..6).flat_map(|k| [(k, 50), (k, 60), (k, 70)]).collect();
        assert_eq!(late_got, expected_late, "parallelism {p}");
    }
}

#[test]
fn late_elements_without_a_late_output_are_counted() {
    let mut data = vec![ev(1, "a", 10)];
    watermark(&mut data, 100);
    data.extend([ev(1, "b", 20), ev(2, "c", 50), ev(1, "a", 150)]);
    let env = StreamEnv::local();
    let stream = env
        .from_collection(data)
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(WatermarkStrategy::for_generator(Carried).with_timestamp_assigner(|e: &Ev, _| e.2))
        .set_parallelism(1);
    CEP::pattern(&stream.key_by(|e: &Ev| e.0), abc()).unwrap().select(names).discard();
    let result = env.execute("cep late counter").unwrap();
    assert_eq!(result.accumulator("numLateRecordsDropped"), Some(2), "b@20 and c@50 came behind watermark 100");
}

/// Emits matches as strings and timed-out partial matches to a side output.
#[derive(Clone)]
struct WithTimeouts {
    timed_out: OutputTag<String>,
}

impl PatternProcessFunction<Ev, String> for WithTimeouts {
    fn process_match(&mut self, m: Match<Ev>, ctx: &mut PatternContext<'_>, out: &mut Collector<'_, String>) -> Result<()> {
        out.collect(format!("{} at {}", names(&m), ctx.timestamp()));
        Ok(())
    }
}

impl TimedOutPartialMatchHandler<Ev> for WithTimeouts {
    fn process_timed_out_match(&mut self, m: Match<Ev>, ctx: &mut PatternContext<'_>) -> Result<()> {
        let text = format!("{} timed out at {}", names(&m), ctx.timestamp());
        ctx.output(&self.timed_out, text)
    }
}

#[test]
fn within_sends_timed_out_partial_matches_to_the_timeout_output() {
    let data = vec![ev(1, "a", 1), ev(1, "x", 2), ev(1, "b", 10), ev(1, "a", 11), ev(1, "b", 13), ev(1, "a", 20)];
    let pattern =
        Pattern::begin("a").where_(|e: &Ev| e.1 == "a").followed_by("b").where_(|e: &Ev| e.1 == "b").within(Duration::from_millis(5));
    let env = StreamEnv::local();
    let timed_out = OutputTag::<String>::new("timed-out");
    let stream = env
        .from_collection(data)
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|e: &Ev, _| e.2))
        .set_parallelism(1);
    let out =
        CEP::pattern(&stream.key_by(|e: &Ev| e.0), pattern).unwrap().process_with_timeouts(WithTimeouts { timed_out: timed_out.clone() });
    let (sink, got) = CollectSink::new();
    out.sink_to(sink);
    let (t_sink, t_got) = CollectSink::new();
    out.get_side_output(&timed_out).sink_to(t_sink);
    env.execute("cep within").unwrap();
    assert_eq!(got.take(), vec!["a@11 b@13 at 13".to_string()]);
    // a@1 times out at 1 + 5 (b@10 comes too late); a@20 at the end of input (max watermark).
    let mut t = t_got.take();
    t.sort();
    assert_eq!(t, vec!["a@1 timed out at 6".to_string(), "a@20 timed out at 25".to_string()]);
}

#[test]
fn select_with_timeout_and_flat_select() {
    let data = vec![ev(1, "a", 1), ev(1, "b", 2), ev(2, "a", 3), ev(1, "a", 4), ev(1, "b", 5)];
    let pattern = || {
        Pattern::begin_with_skip("a", AfterMatchSkipStrategy::skip_past_last_event())
            .where_(|e: &Ev| e.1 == "a")
            .followed_by("b")
            .where_(|e: &Ev| e.1 == "b")
            .within(Duration::from_millis(100))
    };
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let stream = env
        .from_collection(data)
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|e: &Ev, _| e.2))
        .set_parallelism(1);
    let keyed = stream.key_by(|e: &Ev| e.0);
    let tag = OutputTag::<(u32, i64)>::new("timeouts");
    let selected = CEP::pattern(&keyed, pattern()).unwrap().select_with_timeout(&tag, |m, at| (m.events("a")[0].0, at), names);
    let flat = CEP::pattern(&keyed, pattern()).unwrap().flat_select(|m, out: &mut Collector<'_, String>| {
        for e in m.all() {
            out.collect(e.1.clone());
        }
    });
    let (s1, g1) = CollectSink::new();
    selected.sink_to(s1);
    let (s2, g2) = CollectSink::new();
    selected.get_side_output(&tag).sink_to(s2);
    let (s3, g3) = CollectSink::new();
    flat.sink_to(s3);
    env.execute("cep select").unwrap();
    let mut m = g1.take();
    m.sort();
    assert_eq!(m, vec!["a@1 b@2".to_string(), "a@4 b@5".to_string()]);
    assert_eq!(g2.take(), vec![(2, 103)], "key 2's lone a times out 100 ms after it");
    let mut f = g3.take();
    f.sort();
    assert_eq!(f, vec!["a", "a", "b", "b"]);
}

#[test]
fn processing_time_matches_in_arrival_order() {
    // No timestamps at all: processing time orders elements as they arrive.
    let data: Vec<(u32, String)> = ["a", "b", "c", "a", "x", "b"].iter().map(|n| (7, n.to_string())).collect();
    let env = StreamEnv::local();
    let pattern = Pattern::begin("a").where_(|e: &(u32, String)| e.1 == "a").next("b").where_(|e: &(u32, String)| e.1 == "b");
    let out = CEP::pattern(&env.from_collection(data).key_by(|e: &(u32, String)| e.0), pattern)
        .unwrap()
        .in_processing_time()
        .select(|m| m.all().map(|e| e.1.clone()).collect::<Vec<_>>().join(" "));
    assert_eq!(out.execute_and_collect().unwrap(), vec!["a b".to_string()]);
}

#[test]
fn event_time_without_timestamps_is_a_clear_error() {
    let env = StreamEnv::local();
    let pattern = Pattern::begin("a").where_(|e: &(u32, String)| e.1 == "a");
    let out = CEP::pattern(&env.from_collection(vec![(1u32, "a".to_string())]).key_by(|e: &(u32, String)| e.0), pattern)
        .unwrap()
        .select(|m| m.all().count());
    let err = out.execute_and_collect().unwrap_err().to_string();
    assert!(err.contains("in_processing_time"), "{err}");
}

#[test]
fn a_stream_that_is_not_keyed_is_matched_as_a_whole_at_parallelism_1() {
    let env = StreamEnv::local();
    env.set_parallelism(3);
    // Keys alternate: per key nothing matches `a next b`, over the whole stream a1 b2 does.
    let data = vec![ev(1, "a", 1), ev(2, "b", 2), ev(1, "x", 3), ev(2, "a", 4), ev(1, "b", 5)];
    let stream = env
        .from_collection(data)
        .set_parallelism(1)
        .assign_timestamps_and_watermarks(WatermarkStrategy::for_monotonous_timestamps().with_timestamp_assigner(|e: &Ev, _| e.2))
        .set_parallelism(1);
    let pattern = Pattern::begin("a").where_(|e: &Ev| e.1 == "a").next("b").where_(|e: &Ev| e.1 == "b");
    let mut out = CEP::pattern(&stream, pattern).unwrap().select(names).execute_and_collect().unwrap();
    out.sort();
    assert_eq!(out, vec!["a@1 b@2".to_string(), "a@4 b@5".to_string()]);
}
