//! Feeds events straight into a compiled NFA (as Flink's `NFATestHarness` does): for each
//! event, time advances to its timestamp, then the event is processed.

#![allow(dead_code)]

use rasch_cep::nfa::{Nfa, NfaState, Outcome};
use rasch_cep::{Match, Pattern};

/// Event names of a match, in match order.
pub fn names(m: &Match<String>) -> Vec<String> {
    m.all().cloned().collect()
}

/// Timed-out partial matches (as event-name lists) with the time they timed out at.
pub type TimedOut = Vec<(Vec<String>, i64)>;

/// Matches (as event-name lists, sorted) and timed-out partial matches with their times.
pub fn feed_timed(pattern: Pattern<String>, events: &[(&str, i64)], end: Option<i64>) -> (Vec<Vec<String>>, TimedOut) {
    let nfa = Nfa::compile(&pattern).expect("a valid pattern");
    let mut st = NfaState::new(&nfa);
    let mut out = Outcome::default();
    for (e, ts) in events {
        st.advance_time(&nfa, *ts, true, &mut out);
        st.process(&nfa, &e.to_string(), *ts, 0, &mut out);
    }
    if let Some(t) = end {
        st.advance_time(&nfa, t, true, &mut out);
    }
    let mut matches: Vec<Vec<String>> = out.matches.iter().map(|(m, _)| names(m)).collect();
    matches.sort();
    let timed_out = out.timed_out.iter().map(|(m, t)| (names(m), *t)).collect();
    (matches, timed_out)
}

/// Matches of `pattern` over `events` (timestamps 1, 2, …), as sorted event-name lists.
pub fn feed(pattern: Pattern<String>, events: &[&str]) -> Vec<Vec<String>> {
    let timed: Vec<(&str, i64)> = events.iter().enumerate().map(|(i, e)| (*e, i as i64 + 1)).collect();
    feed_timed(pattern, &timed, None).0
}

/// Matches in the order they were emitted (not sorted).
pub fn feed_in_order(pattern: Pattern<String>, events: &[&str]) -> Vec<Vec<String>> {
    let nfa = Nfa::compile(&pattern).expect("a valid pattern");
    let mut st = NfaState::new(&nfa);
    let mut out = Outcome::default();
    for (i, e) in events.iter().enumerate() {
        st.process(&nfa, &e.to_string(), i as i64 + 1, 0, &mut out);
    }
    out.matches.iter().map(|(m, _)| names(m)).collect()
}

/// Sorted expected matches from space-separated event lists.
pub fn expect(matches: &[&str]) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = matches.iter().map(|m| m.split_whitespace().map(String::from).collect()).collect();
    v.sort();
    v
}

/// `name.contains(s)`, the condition most of Flink's tests use.
pub fn has(s: &'static str) -> impl Fn(&String) -> bool + Send + Sync + 'static {
    move |e: &String| e.contains(s)
}
