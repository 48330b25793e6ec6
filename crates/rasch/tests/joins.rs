//! End-to-end joins in event time at parallelism 1, 2 and 4, compared with answers computed
//! independently by brute force: interval joins, and a keyed co-process "orders meet payments"
//! job with keyed state in both inputs and event-time timers.

use rasch::prelude::*;
use std::collections::BTreeSet;
use std::time::Duration;

/// A deterministic pseudo-random sequence (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n) as i64
    }
}

/// An event: `(key, timestamp, id)`.
type Event = (u32, i64, u64);

/// Events in roughly increasing time: `ts = 3 * i + jitter`, jitter < 50 ms, so a bound of
/// 60 ms out-of-orderness never makes one late.
fn events(seed: u64, n: u64, keys: u64) -> Vec<Event> {
    let mut rng = Rng(seed);
    (0..n).map(|i| (rng.next(keys) as u32, 3 * i as i64 + rng.next(50), i)).collect()
}

/// The events with timestamps and watermarks; the source is slowed down a little and periodic
/// watermarks come every millisecond, so watermarks advance (and buffers are cleaned) while the
/// job runs. Small batches keep records and watermarks interleaved.
fn with_event_time(env: &StreamEnv, data: Vec<Event>) -> DataStream<Event> {
    env.set_config(rasch::config::AUTO_WATERMARK_INTERVAL, "1 ms");
    env.set_config(rasch::config::BATCH_SIZE, "16");
    let slow = |e: Event| {
        if e.2.is_multiple_of(64) {
            std::thread::sleep(Duration::from_millis(1));
        }
        e
    };
    env.from_collection(data).map(slow).set_parallelism(1).rebalance().assign_timestamps_and_watermarks(
        WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(60)).with_timestamp_assigner(|e: &Event, _| e.1),
    )
}

/// Emits `(left id, right id, result timestamp)` and checks the context's timestamps.
#[derive(Clone)]
struct Pairs;
impl ProcessJoinFunction<Event, Event, (u64, u64, i64)> for Pairs {
    fn process_element(&mut self, l: &Event, r: &Event, ctx: &mut JoinContext<'_>, out: &mut Collector<'_, (u64, u64, i64)>) -> Result<()> {
        assert_eq!((ctx.left_timestamp(), ctx.right_timestamp()), (l.1, r.1));
        out.collect((l.2, r.2, ctx.timestamp()));
        Ok(())
    }
}

fn brute_force_interval_join(left: &[Event], right: &[Event], lower: i64, upper: i64) -> Vec<(u64, u64, i64)> {
    let mut expected = Vec::new();
    for l in left {
        for r in right {
            if l.0 == r.0 && l.1 + lower <= r.1 && r.1 <= l.1 + upper {
                expected.push((l.2, r.2, l.1.max(r.1)));
            }
        }
    }
    expected.sort();
    expected
}

#[test]
fn interval_join_matches_nested_loops_at_every_parallelism() {
    let (left, right) = (events(7, 1_500, 13), events(99, 1_500, 13));
    let expected = brute_force_interval_join(&left, &right, -300, 400);
    assert!(expected.len() > 10_000, "the test data should join a lot: {}", expected.len());
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let a = with_event_time(&env, left.clone()).key_by(|e| e.0);
        let b = with_event_time(&env, right.clone()).key_by(|e| e.0);
        let mut out = a.interval_join(&b).between(-300i64, Duration::from_millis(400)).process(Pairs).execute_and_collect().unwrap();
        out.sort();
        assert_eq!(out, expected, "parallelism {p}");
    }
}

#[test]
fn interval_join_exclusive_bounds_and_closures() {
    let (left, right) = (events(3, 800, 5), events(4, 800, 5));
    let expected: Vec<(u64, u64)> = brute_force_interval_join(&left, &right, -9, 9).into_iter().map(|(l, r, _)| (l, r)).collect();
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let a = with_event_time(&env, left.clone()).key_by(|e| e.0);
        let b = with_event_time(&env, right.clone()).key_by(|e| e.0);
        let joined = a.interval_join(&b).between(-10, 10).lower_bound_exclusive().upper_bound_exclusive();
        let mut out = joined.apply(|l: &Event, r: &Event| (l.2, r.2)).execute_and_collect().unwrap();
        out.sort();
        assert_eq!(out, expected, "parallelism {p}");
    }
}

#[test]
fn interval_join_rejects_empty_intervals() {
    let env = StreamEnv::local();
    let a = with_event_time(&env, events(1, 10, 2)).key_by(|e| e.0);
    let b = with_event_time(&env, events(2, 10, 2)).key_by(|e| e.0);
    let err = a.interval_join(&b).between(5, 5).lower_bound_exclusive().apply(|l: &Event, _: &Event| l.2).execute_and_collect();
    assert!(err.unwrap_err().to_string().contains("contain no time difference"));
    let env = StreamEnv::local();
    let a = with_event_time(&env, events(1, 10, 2)).key_by(|e| e.0);
    let b = with_event_time(&env, events(2, 10, 2)).key_by(|e| e.0);
    let err = a.interval_join(&b).between(5, -5).apply(|l: &Event, _: &Event| l.2).execute_and_collect();
    assert!(err.unwrap_err().to_string().contains("must not be greater"));
}

/// An order `(order id, timestamp, amount)` and a payment `(order id, timestamp)`.
type Order = (u64, i64, i64);
type Payment = (u64, i64);

/// Matches orders with payments of the same id, whichever comes first; an order or payment
/// still alone 100 ms (event time) after it arrived goes to a side output.
#[derive(Clone)]
struct MatchPayments {
    order: ValueState<Order>,
    payment: ValueState<Payment>,
    unmatched_orders: OutputTag<u64>,
    unmatched_payments: OutputTag<u64>,
}

impl KeyedCoProcessFunction<u64, Order, Payment, (u64, i64)> for MatchPayments {
    fn process_element1(&mut self, o: Order, ctx: &mut KeyedContext<'_, u64>, out: &mut Collector<'_, (u64, i64)>) -> Result<()> {
        if self.payment.value(ctx)?.is_some() {
            self.payment.clear(ctx)?;
            out.collect((o.0, o.2));
        } else {
            ctx.register_event_time_timer(o.1 + 100);
            self.order.update(ctx, o)?;
        }
        Ok(())
    }
    fn process_element2(&mut self, p: Payment, ctx: &mut KeyedContext<'_, u64>, out: &mut Collector<'_, (u64, i64)>) -> Result<()> {
        match self.order.value(ctx)? {
            Some(o) => {
                self.order.clear(ctx)?;
                out.collect((o.0, o.2));
            }
            None => {
                ctx.register_event_time_timer(p.1 + 100);
                self.payment.update(ctx, p)?;
            }
        }
        Ok(())
    }
    fn on_timer(&mut self, _: i64, ctx: &mut KeyedContext<'_, u64>, _: &mut Collector<'_, (u64, i64)>) -> Result<()> {
        let id = *ctx.current_key();
        if self.order.value(ctx)?.is_some() {
            self.order.clear(ctx)?;
            ctx.output(&self.unmatched_orders, id)?;
        }
        if self.payment.value(ctx)?.is_some() {
            self.payment.clear(ctx)?;
            ctx.output(&self.unmatched_payments, id)?;
        }
        Ok(())
    }
}

#[test]
fn keyed_co_process_matches_orders_with_payments() {
    let mut rng = Rng(42);
    let orders: Vec<Order> = (0..2_000u64).map(|i| (i, 5 * i as i64 + rng.next(30), rng.next(1_000))).collect();
    let mut payments: Vec<Payment> = orders.iter().filter(|o| o.0 % 7 != 0).map(|o| (o.0, o.1 + rng.next(81) - 40)).collect();
    payments.extend((5_000..5_040u64).map(|id| (id, 3 * (id as i64 - 5_000) * 50)));
    payments.sort_by_key(|p| p.1);
    let paid: BTreeSet<u64> = payments.iter().map(|p| p.0).collect();
    let ordered: BTreeSet<u64> = orders.iter().map(|o| o.0).collect();
    let expected_matched: Vec<(u64, i64)> = orders.iter().filter(|o| paid.contains(&o.0)).map(|o| (o.0, o.2)).collect();
    let expected_orders: Vec<u64> = ordered.difference(&paid).copied().collect();
    let expected_payments: Vec<u64> = paid.difference(&ordered).copied().collect();
    assert_eq!(expected_payments.len(), 40);

    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let strategy = WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis(60));
        let o = env
            .from_collection(orders.clone())
            .rebalance()
            .assign_timestamps_and_watermarks(strategy.clone().with_timestamp_assigner(|o: &Order, _| o.1));
        let pay = env
            .from_collection(payments.clone())
            .rebalance()
            .assign_timestamps_and_watermarks(strategy.with_timestamp_assigner(|p: &Payment, _| p.1));
        let (unmatched_orders, unmatched_payments) =
            (OutputTag::<u64>::new("unmatched-orders"), OutputTag::<u64>::new("unmatched-payments"));
        let f = MatchPayments {
            order: ValueState::new("order"),
            payment: ValueState::new("payment"),
            unmatched_orders: unmatched_orders.clone(),
            unmatched_payments: unmatched_payments.clone(),
        };
        let matched = o.key_by(|o| o.0).connect(&pay.key_by(|p| p.0)).process(f);
        let (orders_sink, orders_out) = rasch::connectors::CollectSink::new();
        matched.get_side_output(&unmatched_orders).sink_to(orders_sink);
        let (payments_sink, payments_out) = rasch::connectors::CollectSink::new();
        matched.get_side_output(&unmatched_payments).sink_to(payments_sink);
        let mut got = matched.execute_and_collect().unwrap();
        got.sort();
        assert_eq!(got, expected_matched, "parallelism {p}");
        let mut got_orders = orders_out.take();
        got_orders.sort();
        assert_eq!(got_orders, expected_orders, "parallelism {p}");
        let mut got_payments = payments_out.take();
        got_payments.sort();
        assert_eq!(got_payments, expected_payments, "parallelism {p}");
    }
}

#[test]
fn keyed_connected_co_map_keeps_keys_together() {
    for p in [1, 2, 4] {
        let env = StreamEnv::local();
        env.set_parallelism(p);
        let a = env.from_sequence(0, 999).key_by(|x| x % 17);
        let b = env.from_sequence(0, 999).map(|x| (x % 17, x)).key_by(|t: &(i64, i64)| t.0);
        let out = a.connect(&b).co_map(|x| x % 17, |t: (i64, i64)| t.0).execute_and_collect().unwrap();
        assert_eq!(out.len(), 2_000, "parallelism {p}");
    }
}
