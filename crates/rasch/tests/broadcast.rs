//! End-to-end broadcast state at parallelism 1, 2 and 4: every parallel instance sees every
//! broadcast element, and a keyed event-time "rules as of the event's time" job matches an
//! answer computed by brute force.

use rasch::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// A rule update `(rule name, valid from, threshold)`.
type Rule = (String, i64, i64);
/// An event `(key, timestamp, value)`.
type Event = (u32, i64, i64);

fn rule_versions() -> BroadcastStateDescriptor<String, Vec<(i64, i64)>> {
    BroadcastStateDescriptor::new("rule-versions")
}

/// Counts broadcast elements per subtask and passes regular elements through.
#[derive(Clone, Default)]
struct SeeEverything {
    subtask: usize,
}

impl BroadcastProcessFunction<i64, Rule, (String, usize, i64)> for SeeEverything {
    fn open(&mut self, ctx: &RuntimeContext) -> Result<()> {
        self.subtask = ctx.index_of_this_subtask();
        Ok(())
    }
    fn process_element(
        &mut self,
        v: i64,
        ctx: &mut ReadOnlyBroadcastContext<'_>,
        out: &mut Collector<'_, (String, usize, i64)>,
    ) -> Result<()> {
        let _ = ctx.broadcast_state(&rule_versions())?.len();
        out.collect(("event".into(), self.subtask, v));
        Ok(())
    }
    fn process_broadcast_element(
        &mut self,
        r: Rule,
        ctx: &mut BroadcastContext<'_>,
        out: &mut Collector<'_, (String, usize, i64)>,
    ) -> Result<()> {
        let mut state = ctx.broadcast_state(&rule_versions())?;
        let mut versions = state.get(&r.0).cloned().unwrap_or_default();
        versions.push((r.1, r.2));
        state.put(r.0.clone(), versions);
        let total: usize = state.iter().map(|(_, v)| v.len()).sum();
        out.collect((format!("rule {}", r.0), self.subtask, total as i64));
        Ok(())
    }
}

fn rules() -> Vec<Rule> {
    let mut rules = Vec::new();
    for i in 0..60i64 {
        rules.push((format!("r{}", i % 4), i * 50, 100 + (i * 37) % 400));
    }
    rules
}

#[test]
fn every_instance_receives_every_broadcast_element() {
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let broadcast = env.from_collection(rules()).broadcast_state(&rule_versions());
        let out =
            env.from_sequence(1, 1_000).connect_broadcast(&broadcast).process(SeeEverything::default()).execute_and_collect().unwrap();
        let mut events: Vec<i64> = out.iter().filter(|o| o.0 == "event").map(|o| o.2).collect();
        events.sort();
        assert_eq!(events, (1..=1_000).collect::<Vec<_>>(), "parallelism {p}");
        for s in 0..p {
            let mut totals: Vec<i64> = out.iter().filter(|o| o.0 != "event" && o.1 == s).map(|o| o.2).collect();
            totals.sort();
            assert_eq!(totals, (1..=60).collect::<Vec<_>>(), "subtask {s} of {p} keeps its own complete copy");
        }
    }
}

/// Buffers events per key and, once the watermark passes an event's time, emits the rules whose
/// version valid at that time has a threshold below the event's value; events before any rule
/// version go to a side output.
#[derive(Clone)]
struct RulesAsOf {
    pending: MapState<i64, Vec<i64>>,
    no_rules: OutputTag<Event>,
}

impl KeyedBroadcastProcessFunction<u32, Event, Rule, (u32, i64, i64, Vec<String>)> for RulesAsOf {
    fn process_element(
        &mut self,
        e: Event,
        ctx: &mut KeyedReadOnlyBroadcastContext<'_, u32>,
        _: &mut Collector<'_, (u32, i64, i64, Vec<String>)>,
    ) -> Result<()> {
        let mut values = self.pending.get(ctx, &e.1)?.unwrap_or_default();
        values.push(e.2);
        self.pending.put(ctx, e.1, values)?;
        ctx.register_event_time_timer(e.1);
        Ok(())
    }
    fn process_broadcast_element(
        &mut self,
        r: Rule,
        ctx: &mut BroadcastContext<'_>,
        _: &mut Collector<'_, (u32, i64, i64, Vec<String>)>,
    ) -> Result<()> {
        let mut state = ctx.broadcast_state(&rule_versions())?;
        let mut versions = state.get(&r.0).cloned().unwrap_or_default();
        versions.push((r.1, r.2));
        state.put(r.0, versions);
        Ok(())
    }
    fn on_timer(
        &mut self,
        t: i64,
        ctx: &mut KeyedReadOnlyBroadcastContext<'_, u32>,
        out: &mut Collector<'_, (u32, i64, i64, Vec<String>)>,
    ) -> Result<()> {
        let key = *ctx.current_key();
        let values = self.pending.remove(ctx, &t)?.unwrap_or_default();
        let valid: Vec<(String, i64)> = ctx
            .broadcast_state(&rule_versions())?
            .iter()
            .filter_map(|(name, versions)| versions.iter().filter(|v| v.0 <= t).max_by_key(|v| v.0).map(|v| (name.clone(), v.1)))
            .collect();
        for v in values {
            if valid.is_empty() {
                ctx.output(&self.no_rules, (key, t, v))?;
                continue;
            }
            let mut hits: Vec<String> = valid.iter().filter(|(_, th)| v > *th).map(|(n, _)| n.clone()).collect();
            hits.sort();
            out.collect((key, t, v, hits));
        }
        Ok(())
    }
}

#[test]
fn keyed_broadcast_applies_the_rules_valid_at_each_events_time() {
    let mut x = 12345u64;
    let mut rnd = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n) as i64
    };
    let events: Vec<Event> = (0..3_000i64).map(|i| (rnd(11) as u32, i + rnd(40) - 20, rnd(600))).collect();
    let rules = rules();
    let mut expected = Vec::new();
    let mut expected_early = Vec::new();
    for e in &events {
        let mut latest: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for r in rules.iter().filter(|r| r.1 <= e.1) {
            let slot = latest.entry(r.0.as_str()).or_insert((r.1, r.2));
            if r.1 >= slot.0 {
                *slot = (r.1, r.2);
            }
        }
        if latest.is_empty() {
            expected_early.push(*e);
        } else {
            let hits = latest.iter().filter(|(_, v)| e.2 > v.1).map(|(n, _)| n.to_string()).collect();
            expected.push((e.0, e.1, e.2, hits));
        }
    }
    expected.sort();
    expected_early.sort();
    assert!(!expected_early.is_empty());

    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let strategy = WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(50));
        let broadcast = env
            .from_collection(rules.clone())
            .rebalance()
            .assign_timestamps_and_watermarks(strategy.clone().with_timestamp_assigner(|r: &Rule, _| r.1))
            .broadcast_state(&rule_versions());
        let no_rules = OutputTag::<Event>::new("no-rules");
        let keyed = env
            .from_collection(events.clone())
            .rebalance()
            .assign_timestamps_and_watermarks(strategy.with_timestamp_assigner(|e: &Event, _| e.1))
            .key_by(|e| e.0);
        let f = RulesAsOf { pending: MapState::new("pending"), no_rules: no_rules.clone() };
        let matched = keyed.connect_broadcast(&broadcast).process(f);
        let (sink, early) = rasch::connectors::CollectSink::new();
        matched.get_side_output(&no_rules).sink_to(sink);
        let mut got = matched.execute_and_collect().unwrap();
        got.sort();
        assert_eq!(got, expected, "parallelism {p}");
        let mut got_early = early.take();
        got_early.sort();
        assert_eq!(got_early, expected_early, "parallelism {p}");
    }
}

#[test]
fn undeclared_broadcast_state_fails_the_job() {
    #[derive(Clone)]
    struct Undeclared;
    impl BroadcastProcessFunction<i64, i64, i64> for Undeclared {
        fn process_element(&mut self, v: i64, _: &mut ReadOnlyBroadcastContext<'_>, out: &mut Collector<'_, i64>) -> Result<()> {
            out.collect(v);
            Ok(())
        }
        fn process_broadcast_element(&mut self, v: i64, ctx: &mut BroadcastContext<'_>, _: &mut Collector<'_, i64>) -> Result<()> {
            ctx.broadcast_state(&BroadcastStateDescriptor::<i64, i64>::new("other"))?.put(v, v);
            Ok(())
        }
    }
    let env = StreamEnv::local();
    let broadcast = env.from_collection(vec![1i64]).broadcast_state(&rule_versions());
    let err = env.from_collection(vec![1i64]).connect_broadcast(&broadcast).process(Undeclared).execute_and_collect().unwrap_err();
    assert!(err.to_string().contains("broadcast state 'other' was not declared"), "{err}");
}
