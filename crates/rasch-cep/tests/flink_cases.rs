//! The outcomes Flink's CEP documentation and Flink's own NFA tests state, for contiguity,
//! looping contiguity, quantifiers, NOT patterns, groups, iterative conditions and every
//! after-match skip strategy.

mod common;

use common::{expect, feed, feed_in_order, has};
use rasch_cep::{AfterMatchSkipStrategy as Skip, Pattern};

type P = Pattern<String>;

// -- Contiguity between patterns (docs: "a b" over "a c b1 b2") --------------------------------

#[test]
fn next_followed_by_and_followed_by_any_as_documented() {
    let events = ["a", "c", "b1", "b2"];
    assert!(feed(P::begin("a").where_(has("a")).next("b").where_(has("b")), &events).is_empty(), "strict: no match");
    assert_eq!(feed(P::begin("a").where_(has("a")).followed_by("b").where_(has("b")), &events), expect(&["a b1"]));
    assert_eq!(feed(P::begin("a").where_(has("a")).followed_by_any("b").where_(has("b")), &events), expect(&["a b1", "a b2"]));
}

// -- Contiguity within looping patterns (docs: "a b+ c" over "a b1 d1 b2 d2 b3 c") ------------

fn a_bs_c(inner: fn(P) -> P) -> Vec<Vec<String>> {
    let p = inner(P::begin("a").where_(has("a")).followed_by_any("b").where_(has("b")).one_or_more()).followed_by("c").where_(has("c"));
    feed(p, &["a", "b1", "d1", "b2", "d2", "b3", "c"])
}

#[test]
fn looping_contiguity_as_documented() {
    assert_eq!(a_bs_c(|p| p.consecutive()), expect(&["a b1 c", "a b2 c", "a b3 c"]), "strict: each b alone");
    assert_eq!(a_bs_c(|p| p), expect(&["a b1 c", "a b1 b2 c", "a b1 b2 b3 c", "a b2 c", "a b2 b3 c", "a b3 c"]));
    assert_eq!(
        a_bs_c(|p| p.allow_combinations()),
        expect(&["a b1 c", "a b1 b2 c", "a b1 b3 c", "a b1 b2 b3 c", "a b2 c", "a b2 b3 c", "a b3 c"])
    );
}

// -- consecutive() / allow_combinations() (docs: "C D A1 A2 A3 D A4 B") -----------------------

const CDA: [&str; 8] = ["c", "d", "a1", "a2", "a3", "d", "a4", "b"];

fn c_as_b(connect: fn(P) -> P, inner: fn(P) -> P) -> Vec<Vec<String>> {
    let p = inner(connect(P::begin("start").where_(has("c"))).where_(has("a")).one_or_more()).followed_by("end1").where_(has("b"));
    feed(p, &CDA)
}

#[test]
fn consecutive_as_documented() {
    let followed_by = |p: P| p.followed_by("middle");
    assert_eq!(c_as_b(followed_by, |p| p.consecutive()), expect(&["c a1 b", "c a1 a2 b", "c a1 a2 a3 b"]));
    assert_eq!(c_as_b(followed_by, |p| p), expect(&["c a1 b", "c a1 a2 b", "c a1 a2 a3 b", "c a1 a2 a3 a4 b"]));
}

#[test]
fn allow_combinations_as_documented() {
    // With `followed_by` between start and middle the first `a` must be a1 (relaxed contiguity
    // takes the first matching event): every combination containing a1.
    let followed_by = |p: P| p.followed_by("middle");
    assert_eq!(
        c_as_b(followed_by, |p| p.allow_combinations()),
        expect(&["c a1 b", "c a1 a2 b", "c a1 a3 b", "c a1 a4 b", "c a1 a2 a3 b", "c a1 a2 a4 b", "c a1 a3 a4 b", "c a1 a2 a3 a4 b"])
    );
    // The documentation's full list of 15 is what `followed_by_any` into the loop gives.
    let any = |p: P| p.followed_by_any("middle");
    let all = c_as_b(any, |p| p.allow_combinations());
    assert_eq!(all.len(), 15);
    assert!(all.contains(&vec!["c".into(), "a2".into(), "a4".into(), "b".into()]));
}

#[test]
fn times_with_allow_combinations_as_flink_tests_it() {
    let events = ["c", "a1", "a2", "a3", "b"];
    let p = P::begin("start")
        .where_(has("c"))
        .next("middle")
        .where_(has("a"))
        .times(2)
        .allow_combinations()
        .followed_by("end1")
        .where_(has("b"));
    assert_eq!(feed(p, &events), expect(&["c a1 a2 b", "c a1 a3 b"]));
    let p = P::begin("start")
        .where_(has("c"))
        .next("middle")
        .where_(has("a"))
        .times_range(1, 3)
        .allow_combinations()
        .followed_by("end1")
        .where_(has("b"));
    assert_eq!(feed(p, &events), expect(&["c a1 a2 a3 b", "c a1 a2 b", "c a1 a3 b", "c a1 b"]));
}

// -- Quantifiers ------------------------------------------------------------------------------

#[test]
fn times_optional_and_times_range_from_zero() {
    let p = P::begin("a").where_(has("a")).times(3);
    assert_eq!(feed(p, &["a1", "a2", "a3", "a4", "a5", "a6"]), expect(&["a1 a2 a3", "a2 a3 a4", "a3 a4 a5", "a4 a5 a6"]));
    let p = P::begin("start").where_(has("c")).followed_by("middle").where_(has("a")).times_range(0, 2).followed_by("end").where_(has("b"));
    assert_eq!(feed(p, &["c", "a1", "a2", "b"]), expect(&["c b", "c a1 b", "c a1 a2 b"]));
    let p = P::begin("a").where_(has("a")).next("b").where_(has("b")).optional().followed_by("c").where_(has("c"));
    assert_eq!(feed(p, &["a", "b", "c"]), expect(&["a b c", "a c"]));
    assert_eq!(feed(p_opt_end(), &["a", "x", "b"]), expect(&["a", "a b"]), "an optional tail completes at once");
}

fn p_opt_end() -> P {
    P::begin("a").where_(has("a")).followed_by("b").where_(has("b")).optional()
}

#[test]
fn until_stops_a_loop() {
    let p =
        P::begin("a").where_(has("a")).followed_by("b").where_(has("b")).one_or_more().until(has("x")).followed_by("c").where_(has("c"));
    // b2 comes after the stop event x: the loop cannot take it.
    assert_eq!(feed(p, &["a", "b1", "x", "b2", "c"]), expect(&["a b1 c"]));
}

#[test]
fn greedy_loop_takes_as_much_as_it_can() {
    // The documentation's `(a | b | c) (b | c) c+.greedy d` over `a b c1 c2 c3 d`.
    let p = |skip: Skip| {
        P::begin_with_skip("a or b or c", skip)
            .where_(|e: &String| e.contains('a') || e.contains('b') || e.contains('c'))
            .followed_by("b or c")
            .where_(|e: &String| e.contains('b') || e.contains('c'))
            .followed_by("c*")
            .where_(has("c"))
            .one_or_more()
            .greedy()
            .followed_by("d")
            .where_(has("d"))
    };
    let events = ["a", "b", "c1", "c2", "c3", "d"];
    assert_eq!(feed(p(Skip::NoSkip), &events), expect(&["a b c1 c2 c3 d", "b c1 c2 c3 d", "c1 c2 c3 d"]));
    assert_eq!(feed(p(Skip::skip_to_first("c*")), &events), expect(&["a b c1 c2 c3 d", "c1 c2 c3 d"]));
}

// -- NOT patterns -----------------------------------------------------------------------------

#[test]
fn not_next_and_not_followed_by() {
    let p = P::begin("a").where_(has("a")).not_next("x").where_(has("x")).followed_by("b").where_(has("b"));
    assert_eq!(feed(p, &["a1", "x", "b1", "a2", "c", "b2"]), expect(&["a2 b2"]), "a1 is followed directly by x");
    let p = P::begin("a").where_(has("a")).not_followed_by("x").where_(has("x")).followed_by("b").where_(has("b"));
    assert_eq!(feed(p, &["a1", "c", "x", "a2", "c", "b1"]), expect(&["a2 b1"]), "an x lies between a1 and b1");
    let p = P::begin("a").where_(has("a")).not_next("x").where_(has("x"));
    assert_eq!(feed(p, &["a1", "x", "a2", "c"]), expect(&["a2"]), "a NOT at the end waits for the next event");
}

#[test]
fn a_trailing_not_followed_by_matches_when_its_window_passes_without_the_event() {
    // Flink 1.16+: `a` not followed by `b` within 10 ms; the match completes when the window ends.
    let p = P::begin("a").where_(has("a")).not_followed_by("b").where_(has("b")).within(std::time::Duration::from_millis(10));
    let events = [("a1", 1), ("c", 3), ("a2", 5), ("b", 8), ("a3", 20), ("c", 25)];
    let (matches, timed_out) = common::feed_timed(p, &events, Some(100));
    assert_eq!(matches, expect(&["a3"]), "a1 and a2 are followed by b within their windows");
    assert!(timed_out.is_empty(), "a pending match is a match, not a timeout: {timed_out:?}");
}

#[test]
fn a_not_pattern_cannot_end_a_sequence_or_follow_an_optional_one() {
    use rasch_cep::nfa::Nfa;
    assert!(Nfa::compile(&P::begin("a").not_followed_by("x")).is_err(), "a trailing NOT needs a window");
    assert!(Nfa::compile(&P::begin("a").optional().not_next("x").next("b")).is_err());
    assert!(Nfa::compile(&P::begin("a").until(has("x"))).is_err(), "until needs a loop");
    assert!(Nfa::compile(&P::begin("a").times(2).one_or_more()).is_err(), "one quantifier");
    assert!(Nfa::compile(&P::begin("a").next("a")).is_err(), "unique names");
    assert!(Nfa::compile(&P::begin("a").next("b").one_or_more().greedy()).is_err(), "greedy cannot end a sequence");
}

// -- Groups -----------------------------------------------------------------------------------

#[test]
fn group_patterns_repeat_as_a_whole() {
    let group = P::begin("b").where_(has("b")).next("c").where_(has("c"));
    let p = P::begin("a").where_(has("a")).followed_by_group(group).times(2).followed_by("d").where_(has("d"));
    // A match lists each pattern's events together, as Flink's `Map<String, List<T>>` does.
    assert_eq!(feed(p, &["a", "b1", "c1", "b2", "c2", "d"]), expect(&["a b1 b2 c1 c2 d"]));
    let group = P::begin("b").where_(has("b")).next("c").where_(has("c"));
    let p = P::begin("a").where_(has("a")).next_group(group).optional().followed_by("d").where_(has("d"));
    assert_eq!(feed(p, &["a", "b", "c", "d"]), expect(&["a b c d", "a d"]));
}

// -- Iterative conditions ---------------------------------------------------------------------

#[test]
fn iterative_conditions_read_the_partial_match() {
    // Each b must be longer than every b taken before it. Relaxed contiguity makes `a` take the
    // first b; the loop then takes bb, and cannot take the last b.
    let p = P::begin("a")
        .where_(has("a"))
        .followed_by("b")
        .where_(has("b"))
        .one_or_more()
        .consecutive()
        .where_iterative(|e, ctx| ctx.get_events_for_pattern("b").all(|prev| prev.len() < e.len()));
    let p = p.followed_by("c").where_(has("c"));
    assert_eq!(feed(p, &["a", "b", "bb", "b", "c"]), expect(&["a b bb c", "a b c"]));
}

// -- After-match skip strategies --------------------------------------------------------------

fn bs_c(skip: Skip) -> Vec<Vec<String>> {
    // The documentation's `b+ c` over `b1 b2 b3 c` (greedy, consecutive, as in Flink's test).
    let p = P::begin_with_skip("b", skip).where_(has("b")).one_or_more().consecutive().greedy().next("c").where_(has("c"));
    feed(p, &["b1", "b2", "b3", "c"])
}

#[test]
fn skip_strategies_as_documented() {
    assert_eq!(bs_c(Skip::no_skip()), expect(&["b1 b2 b3 c", "b2 b3 c", "b3 c"]));
    assert_eq!(bs_c(Skip::skip_to_next()), expect(&["b1 b2 b3 c", "b2 b3 c", "b3 c"]));
    assert_eq!(bs_c(Skip::skip_past_last_event()), expect(&["b1 b2 b3 c"]));
    assert_eq!(bs_c(Skip::skip_to_first("b")), expect(&["b1 b2 b3 c", "b2 b3 c", "b3 c"]));
    assert_eq!(bs_c(Skip::skip_to_last("b")), expect(&["b1 b2 b3 c", "b3 c"]));
    // `a b+` over `a b1 b2 b3`.
    let p = |skip| P::begin_with_skip("a", skip).where_(has("a")).next("b").where_(has("b")).one_or_more();
    assert_eq!(feed(p(Skip::no_skip()), &["a", "b1", "b2", "b3"]), expect(&["a b1", "a b1 b2", "a b1 b2 b3"]));
    assert_eq!(feed(p(Skip::skip_to_next()), &["a", "b1", "b2", "b3"]), expect(&["a b1"]));
}

#[test]
fn skip_strategies_as_flink_tests_them() {
    let a3 = |skip| P::begin_with_skip("start", skip).where_(has("a")).times(3);
    let six = ["a1", "a2", "a3", "a4", "a5", "a6"];
    assert_eq!(feed(a3(Skip::skip_past_last_event()), &six), expect(&["a1 a2 a3", "a4 a5 a6"]));
    let ab = |skip| P::begin_with_skip("start", skip).where_(has("a")).times(2).next("end").where_(has("b")).times(2);
    let abs = ["ab1", "ab2", "ab3", "ab4", "ab5", "ab6", "ab7"];
    assert_eq!(feed(ab(Skip::skip_to_first("end")), &abs[..6]), expect(&["ab1 ab2 ab3 ab4", "ab3 ab4 ab5 ab6"]));
    assert_eq!(feed(ab(Skip::skip_to_last("end")), &abs), expect(&["ab1 ab2 ab3 ab4", "ab4 ab5 ab6 ab7"]));
    let any = |skip| P::begin_with_skip("start", skip).where_(has("a")).followed_by_any("end").where_(has("b"));
    assert_eq!(feed(any(Skip::skip_to_next()), &["a1", "b1", "a2", "b2"]), expect(&["a1 b1", "a2 b2"]));
    assert_eq!(feed(any(Skip::no_skip()), &["a1", "b1", "a2", "b2"]), expect(&["a1 b1", "a1 b2", "a2 b2"]));
    let abcd = P::begin_with_skip("a", Skip::skip_past_last_event())
        .where_(has("a"))
        .followed_by_any("b")
        .where_(has("b"))
        .followed_by_any("c")
        .where_(has("c"))
        .followed_by("d")
        .where_(has("d"));
    assert_eq!(feed(abcd, &["a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2"]), expect(&["a1 b1 c1 d1"]));
    let ab_next = P::begin_with_skip("a", Skip::skip_past_last_event()).where_(has("a")).next("b").where_(has("b"));
    assert_eq!(feed(ab_next, &["a1", "c", "a2", "b2"]), expect(&["a2 b2"]));
    let first_b = |skip| P::begin_with_skip("a", skip).where_(has("a")).next("b").where_(has("b")).one_or_more().consecutive();
    let evs = ["a1", "b1", "a2", "b2", "b3", "a3", "b4"];
    assert_eq!(feed(first_b(Skip::skip_to_first("b")), &evs), expect(&["a1 b1", "a2 b2", "a3 b4"]));
    assert_eq!(feed(first_b(Skip::skip_to_last("b")), &evs), expect(&["a1 b1", "a2 b2", "a3 b4"]));
    let greedy_a = |skip| P::begin_with_skip("a", skip).where_(has("a")).one_or_more().consecutive().greedy().next("b").where_(has("b"));
    let evs = ["a1", "a2", "a3", "b1"];
    assert_eq!(feed(greedy_a(Skip::skip_past_last_event()), &evs), expect(&["a1 a2 a3 b1"]));
    assert_eq!(feed(greedy_a(Skip::skip_to_last("a")), &evs), expect(&["a1 a2 a3 b1", "a3 b1"]));
    assert_eq!(feed(greedy_a(Skip::skip_to_first("a")), &evs), expect(&["a1 a2 a3 b1", "a2 a3 b1", "a3 b1"]));
}

#[test]
fn a_held_back_match_waits_for_an_earlier_partial_one() {
    // a1's match completes last but is emitted first: a2's waits behind a1's partial match.
    let p = P::begin_with_skip("a", Skip::skip_to_first("c"))
        .where_(has("a"))
        .followed_by("c")
        .where_(has("c"))
        .followed_by("b")
        .where_iterative(|e: &String, ctx| {
            e.contains('b') && ctx.get_events_for_pattern("a").next().is_some_and(|a| a.ends_with(&e[e.len() - 1..]))
        });
    let evs = ["a1", "c1", "a2", "c2", "b2", "b1"];
    assert_eq!(feed_in_order(p, &evs), vec![vec!["a1", "c1", "b1"], vec!["a2", "c2", "b2"]]);
}
