//! End-to-end behaviour of the DataStream transformations in local mode, at several
//! parallelisms, compared with answers computed independently in the test.

use rasch::prelude::*;
use std::collections::{BTreeMap, HashMap};

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn map_filter_flat_map_match_a_plain_iterator_at_every_parallelism() {
    let expected: Vec<i64> = (1..=10_000i64).map(|x| x * 3).filter(|x| x % 2 == 0).flat_map(|x| [x, -x]).collect();
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let out = env.from_sequence(1, 10_000).map(|x| x * 3).filter(|x| x % 2 == 0).flat_map(|x| [x, -x]).execute_and_collect().unwrap();
        assert_eq!(sorted(out), sorted(expected.clone()), "parallelism {p}");
    }
}

#[test]
fn sequence_emits_every_number_exactly_once_across_subtasks() {
    for p in [1, 3, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let out = env.from_sequence(-50, 1_000).execute_and_collect().unwrap();
        assert_eq!(sorted(out), (-50..=1_000).collect::<Vec<_>>(), "parallelism {p}");
    }
}

/// Tags each element with the subtask that processed it.
#[derive(Clone, Default)]
struct TagSubtask {
    subtask: usize,
}
impl MapFunction<i64, (usize, i64)> for TagSubtask {
    fn open(&mut self, ctx: &RuntimeContext) -> rasch::Result<()> {
        self.subtask = ctx.index_of_this_subtask();
        Ok(())
    }
    fn map(&mut self, v: i64) -> rasch::Result<(usize, i64)> {
        Ok((self.subtask, v))
    }
}

fn per_subtask(out: &[(usize, i64)]) -> BTreeMap<usize, usize> {
    let mut m = BTreeMap::new();
    out.iter().for_each(|(s, _)| *m.entry(*s).or_insert(0) += 1);
    m
}

#[test]
fn rebalance_spreads_evenly_and_shuffle_reaches_every_subtask() {
    let env = StreamEnv::local();
    let out = env
        .from_sequence(1, 4_000)
        .set_parallelism(1)
        .rebalance()
        .map_rich(TagSubtask::default())
        .set_parallelism(4)
        .execute_and_collect()
        .unwrap();
    assert_eq!(per_subtask(&out), (0..4).map(|s| (s, 1_000)).collect());

    let env = StreamEnv::local();
    let out = env
        .from_sequence(1, 4_000)
        .set_parallelism(1)
        .shuffle()
        .map_rich(TagSubtask::default())
        .set_parallelism(4)
        .execute_and_collect()
        .unwrap();
    let counts = per_subtask(&out);
    assert_eq!(counts.len(), 4);
    assert!(counts.values().all(|&n| n > 700 && n < 1_300), "{counts:?}");
}

#[test]
fn broadcast_reaches_every_subtask_and_global_only_the_first() {
    let env = StreamEnv::local();
    let out = env
        .from_sequence(1, 100)
        .set_parallelism(2)
        .broadcast()
        .map_rich(TagSubtask::default())
        .set_parallelism(3)
        .execute_and_collect()
        .unwrap();
    assert_eq!(per_subtask(&out), (0..3).map(|s| (s, 100)).collect());

    let env = StreamEnv::local();
    let out = env
        .from_sequence(1, 100)
        .set_parallelism(2)
        .global()
        .map_rich(TagSubtask::default())
        .set_parallelism(3)
        .execute_and_collect()
        .unwrap();
    assert_eq!(per_subtask(&out), BTreeMap::from([(0, 100)]));
}

#[test]
fn rescale_and_custom_partitioning_route_as_declared() {
    let env = StreamEnv::local();
    let out = env
        .from_sequence(1, 1_000)
        .set_parallelism(2)
        .rescale()
        .map_rich(TagSubtask::default())
        .set_parallelism(4)
        .execute_and_collect()
        .unwrap();
    assert_eq!(out.len(), 1_000);
    assert_eq!(per_subtask(&out).len(), 4);

    let env = StreamEnv::local();
    let out = env
        .from_sequence(0, 999)
        .set_parallelism(2)
        .partition_custom(|k: &i64, n| (*k as usize) % n, |v: &i64| v % 10)
        .map_rich(TagSubtask::default())
        .set_parallelism(3)
        .execute_and_collect()
        .unwrap();
    assert!(out.iter().all(|(s, v)| *s == ((v % 10) as usize) % 3));
}

#[test]
fn key_by_sends_each_key_to_the_subtask_of_its_key_group() {
    let env = StreamEnv::local();
    let out = env
        .from_sequence(0, 9_999)
        .set_parallelism(2)
        .key_by(|v| v % 97)
        .stream()
        .map_rich(TagSubtask::default())
        .set_parallelism(3)
        .execute_and_collect()
        .unwrap();
    assert_eq!(out.len(), 10_000);
    let mut scratch = Vec::new();
    let max_p = rasch::keygroup::compute_default_max_parallelism(3);
    for (subtask, v) in out {
        let kg = rasch::keygroup::key_group_for_key(&(v % 97), max_p, &mut scratch).unwrap();
        assert_eq!(subtask, rasch::keygroup::operator_index_for_key_group(max_p, 3, kg), "key {}", v % 97);
    }
}

fn word_pairs() -> Vec<(String, u64)> {
    (0..5_000u64).map(|i| (format!("w{}", (i * 7) % 53), i % 5)).collect()
}

#[test]
fn rolling_sum_streams_every_update_and_batch_mode_only_final_values() {
    let mut totals: HashMap<String, u64> = HashMap::new();
    for (w, n) in word_pairs() {
        *totals.entry(w).or_default() += n;
    }
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let out = env.from_collection(word_pairs()).key_by_ref(|(w, _): &(String, u64)| w).sum(1).execute_and_collect().unwrap();
        assert_eq!(out.len(), 5_000, "one update per record");
        let mut last: HashMap<String, u64> = HashMap::new();
        for (w, n) in out {
            let prev = last.entry(w).or_default();
            assert!(n >= *prev, "running sums never decrease for a key");
            *prev = n;
        }
        assert_eq!(last, totals, "parallelism {p}");

        let env = StreamEnv::local();
        env.set_parallelism(p).set_runtime_mode(RuntimeMode::Batch);
        let out = env.from_collection(word_pairs()).key_by(|(w, _)| w.clone()).sum(1).execute_and_collect().unwrap();
        assert_eq!(out.into_iter().collect::<HashMap<_, _>>(), totals, "batch, parallelism {p}");
    }
}

fn tuples() -> Vec<(String, i64, i64)> {
    [("a", 5, 1), ("a", 3, 2), ("a", 9, 3), ("b", 1, 4), ("b", 1, 5)].iter().map(|(k, a, b)| (k.to_string(), *a, *b)).collect()
}

macro_rules! aggregate {
    ($method:ident ( $($arg:expr),* )) => {{
        let env = StreamEnv::local();
        env.set_parallelism(2).set_runtime_mode(RuntimeMode::Batch);
        sorted(env.from_collection(tuples()).key_by(|t: &(String, i64, i64)| t.0.clone()).$method($($arg),*).execute_and_collect().unwrap())
    }};
}

#[test]
fn min_max_and_by_variants_follow_flink_semantics() {
    let s = |k: &str, a, b| (k.to_string(), a, b);
    assert_eq!(aggregate!(min(1)), vec![s("a", 3, 1), s("b", 1, 4)]);
    assert_eq!(aggregate!(max(1)), vec![s("a", 9, 1), s("b", 1, 4)]);
    assert_eq!(aggregate!(min_by(1)), vec![s("a", 3, 2), s("b", 1, 4)]);
    assert_eq!(aggregate!(max_by(1)), vec![s("a", 9, 3), s("b", 1, 4)]);
    assert_eq!(
        aggregate!(reduce(|a: (String, i64, i64), b: (String, i64, i64)| (a.0, a.1 * b.1, a.2 + b.2))),
        vec![s("a", 135, 6), s("b", 1, 9)]
    );
}

#[test]
fn union_merges_all_inputs() {
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let a = env.from_sequence(1, 100);
    let b = env.from_sequence(101, 150).map(|x| x);
    let c = env.from_collection(vec![1000i64]);
    let out = a.union(&[b, c]).map(|x| x + 1).execute_and_collect().unwrap();
    let mut expected: Vec<i64> = (2..=151).collect();
    expected.push(1001);
    assert_eq!(sorted(out), expected);
}

#[derive(Clone)]
struct SplitEvenOdd {
    odd: OutputTag<String>,
}
impl ProcessFunction<i64, i64> for SplitEvenOdd {
    fn process_element(&mut self, v: i64, ctx: &mut ProcessContext<'_>, out: &mut Collector<'_, i64>) -> rasch::Result<()> {
        if v % 2 == 0 {
            out.collect(v);
        } else {
            ctx.output(&self.odd, format!("odd-{v}"))?;
        }
        Ok(())
    }
}

#[test]
fn side_outputs_are_separate_streams() {
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let odd = OutputTag::<String>::new("odd");
    let main = env.from_sequence(1, 1_000).process(SplitEvenOdd { odd: odd.clone() });
    let (side_sink, side) = rasch::connectors::CollectSink::new();
    main.get_side_output(&odd).map(|s| s.to_uppercase()).sink_to(side_sink);
    let evens = main.execute_and_collect().unwrap();
    assert_eq!(sorted(evens), (1..=1_000).filter(|v| v % 2 == 0).collect::<Vec<_>>());
    let mut expected: Vec<String> = (1..=1_000).filter(|v| v % 2 == 1).map(|v| format!("ODD-{v}")).collect();
    expected.sort();
    assert_eq!(sorted(side.take()), expected);
}

#[test]
fn connect_co_map_sees_both_inputs() {
    let env = StreamEnv::local();
    env.set_parallelism(2);
    let nums = env.from_sequence(1, 100);
    let words = env.from_collection((0..50).map(|i| format!("w{i}")).collect::<Vec<_>>());
    let out = nums.connect(&words).co_map(|n| format!("n{n}"), |w| w).execute_and_collect().unwrap();
    assert_eq!(out.len(), 150);
    assert_eq!(out.iter().filter(|s| s.starts_with('n')).count(), 100);
}

#[derive(Clone, Default)]
struct CountingFilter {
    seen: Option<Counter>,
}
impl FilterFunction<i64> for CountingFilter {
    fn open(&mut self, ctx: &RuntimeContext) -> rasch::Result<()> {
        self.seen = Some(ctx.counter("seen"));
        Ok(())
    }
    fn filter(&mut self, v: &i64) -> rasch::Result<bool> {
        self.seen.as_ref().expect("opened").inc();
        Ok(v % 3 == 0)
    }
}

#[test]
fn job_result_reports_records_and_counters() {
    let env = StreamEnv::local();
    env.set_parallelism(2);
    env.from_sequence(1, 3_000).filter_rich(CountingFilter::default()).name("Thirds").discard();
    let result = env.execute("counting").unwrap();
    assert_eq!(result.accumulator("seen"), Some(3_000));
    let thirds = result.operator("Thirds").unwrap();
    assert_eq!((thirds.records_in, thirds.records_out, thirds.parallelism), (3_000, 1_000, 2));
    assert_eq!(result.operator("Source: Sequence Source").unwrap().records_out, 3_000);
}

#[test]
fn batch_aggregations_combine_before_the_exchange_with_unchanged_results() {
    let n = 60_000i64;
    for p in [1, 3] {
        let env = StreamEnv::local();
        env.set_parallelism(p).set_runtime_mode(RuntimeMode::Batch);
        let rows = env.from_sequence(1, n).map(|v: i64| (v % 97, v, 1i64));
        let sums = sorted(rows.key_by(|t: &(i64, i64, i64)| t.0).sum(2).execute_and_collect().unwrap());
        assert_eq!(
            sums.iter().map(|t| (t.0, t.2)).collect::<Vec<_>>(),
            (0..97).map(|k| (k, (n - k) / 97 + 1 - i64::from(k == 0))).collect::<Vec<_>>()
        );
        let env = StreamEnv::local();
        env.set_parallelism(p).set_runtime_mode(RuntimeMode::Batch);
        let rows = env.from_sequence(1, n).map(|v: i64| (v % 97, v, 1i64));
        let maxima = sorted(rows.key_by(|t: &(i64, i64, i64)| t.0).max_by(1).execute_and_collect().unwrap());
        assert_eq!(maxima, (0..97).map(|k| (k, n - (n - k).rem_euclid(97), 1)).collect::<Vec<_>>(), "parallelism {p}");

        // The aggregation received one partial value per key and producer, not every record.
        let env = StreamEnv::local();
        env.set_parallelism(p).set_runtime_mode(RuntimeMode::Batch);
        env.from_sequence(1, n).map(|v: i64| (v % 97, v, 1i64)).key_by(|t: &(i64, i64, i64)| t.0).min(1).name("Agg").discard();
        let result = env.execute("combined").unwrap();
        let agg = result.operator("Agg").unwrap();
        assert!(agg.records_in <= 97 * p as u64, "parallelism {p}: {} records reached the aggregation", agg.records_in);
        assert_eq!(agg.records_out, 97);
    }
}
