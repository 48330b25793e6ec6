//! The NFA against an independent brute-force matcher on random patterns and streams.
//!
//! The reference enumerates every assignment of a stream's events to the patterns of a sequence
//! and keeps those that satisfy the conditions, the quantifiers and the contiguity rules as
//! Flink's documentation states them: between two consecutive events of a match, strict
//! contiguity allows no event, relaxed contiguity no event the later pattern could take (nor,
//! inside a loop, one its `until` condition stops at), non-deterministic relaxed contiguity any;
//! `within` bounds the time from the first to the last event. Skip strategies are applied to
//! the reference matches in order of (first event, last event).

use rasch_cep::nfa::{Nfa, NfaState, Outcome};
use rasch_cep::{AfterMatchSkipStrategy as Skip, Pattern};
use std::time::Duration;

/// A tiny deterministic random generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Contiguity {
    Strict,
    Relaxed,
    Any,
}

#[derive(Debug, Clone)]
struct Part {
    letters: Vec<char>,
    connect: Contiguity,
    inner: Contiguity,
    min: u32,
    max: Option<u32>,
    looping: bool,
    times: bool,
    optional: bool,
    until: Option<char>,
}

impl Part {
    fn takes(&self, e: char) -> bool {
        self.letters.contains(&e) && self.until != Some(e)
    }
}

fn random_part(rng: &mut Rng, first: bool) -> Part {
    let letters: Vec<char> = ['a', 'b', 'c'].into_iter().filter(|_| rng.chance(50)).collect();
    let letters = if letters.is_empty() { vec!['a'] } else { letters };
    let contiguity = |rng: &mut Rng| [Contiguity::Strict, Contiguity::Relaxed, Contiguity::Any][rng.below(3) as usize];
    let connect = if first { Contiguity::Relaxed } else { contiguity(rng) };
    let inner = contiguity(rng);
    let mut p = Part { letters, connect, inner, min: 1, max: Some(1), looping: false, times: false, optional: false, until: None };
    match rng.below(4) {
        0 => {}
        1 => {
            p.times = true;
            p.min = 1 + rng.below(2) as u32;
            p.max = Some(p.min + rng.below(2) as u32);
        }
        _ => {
            p.looping = true;
            p.min = 1 + rng.below(2) as u32;
            p.max = None;
            if rng.chance(30) {
                p.until = Some(['a', 'b', 'c'][rng.below(3) as usize]);
            }
        }
    }
    p.optional = rng.chance(25);
    p
}

/// An event: its letter and its position in the stream.
type Ev = (char, usize);

fn to_pattern(parts: &[Part], skip: Skip, within: Option<i64>) -> Pattern<Ev> {
    let mut pattern: Option<Pattern<Ev>> = None;
    for (i, part) in parts.iter().enumerate() {
        let name = format!("p{i}");
        let p = match pattern.take() {
            None => Pattern::begin_with_skip(&name, skip.clone()),
            Some(p) => match part.connect {
                Contiguity::Strict => p.next(&name),
                Contiguity::Relaxed => p.followed_by(&name),
                Contiguity::Any => p.followed_by_any(&name),
            },
        };
        let letters = part.letters.clone();
        let mut p = p.where_(move |e: &Ev| letters.contains(&e.0));
        if part.times {
            p = if part.max == Some(part.min) { p.times(part.min) } else { p.times_range(part.min, part.max.unwrap()) };
        }
        if part.looping {
            p = p.times_or_more(part.min);
            if let Some(u) = part.until {
                p = p.until(move |e: &Ev| e.0 == u);
            }
        }
        if part.is_repeating() {
            p = match part.inner {
                Contiguity::Strict => p.consecutive(),
                Contiguity::Relaxed => p,
                Contiguity::Any => p.allow_combinations(),
            };
        }
        if part.optional {
            p = p.optional();
        }
        pattern = Some(p);
    }
    let mut p = pattern.unwrap();
    if let Some(w) = within {
        p = p.within(Duration::from_millis(w as u64));
    }
    p
}

impl Part {
    fn is_repeating(&self) -> bool {
        self.times || self.looping
    }
}

/// Every match: `(part, event index)` pairs in order.
fn reference(parts: &[Part], events: &[char]) -> Vec<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut taken = Vec::new();
    dfs(parts, events, 0, 0, &mut taken, &mut out);
    out
}

fn allowed(parts: &[Part], events: &[char], last: Option<(usize, usize)>, part: usize, inner: bool, idx: usize) -> bool {
    let Some((prev, _)) = last else { return true };
    if idx <= prev {
        return false;
    }
    let p = &parts[part];
    let between = &events[prev + 1..idx];
    match if inner { p.inner } else { p.connect } {
        Contiguity::Strict => between.is_empty(),
        Contiguity::Relaxed if inner => !between.iter().any(|e| p.letters.contains(e) || p.until == Some(*e)),
        Contiguity::Relaxed => !between.iter().any(|e| p.letters.contains(e)),
        Contiguity::Any if inner => !between.iter().any(|e| p.until == Some(*e)),
        Contiguity::Any => true,
    }
}

fn dfs(parts: &[Part], events: &[char], part: usize, count: u32, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Vec<(usize, usize)>>) {
    let p = &parts[part];
    let min = if p.optional { 0 } else { p.min };
    // A part that took events must have taken at least `min` of them; an optional one none.
    let done = count >= p.min || (p.optional && count == 0);
    if done && count >= min {
        if part + 1 == parts.len() {
            if !taken.is_empty() {
                out.push(taken.clone());
            }
        } else {
            dfs(parts, events, part + 1, 0, taken, out);
        }
    }
    if p.max.is_some_and(|m| count >= m) {
        return;
    }
    let last = taken.last().copied();
    let from = last.map_or(0, |l| l.1 + 1);
    for idx in from..events.len() {
        if p.takes(events[idx]) && allowed(parts, events, last.map(|l| (l.1, l.0)), part, count > 0, idx) {
            taken.push((part, idx));
            dfs(parts, events, part, count + 1, taken, out);
            taken.pop();
        }
    }
}

/// Applies a skip strategy to the reference matches as the operator releases them: by first
/// event, then last event; each emitted match prunes the later ones it discards.
fn apply_skip(skip: &Skip, mut matches: Vec<Vec<(usize, usize)>>) -> Vec<Vec<(usize, usize)>> {
    matches.sort_by_key(|m| (m[0].1, m[m.len() - 1].1));
    let mut kept: Vec<Vec<(usize, usize)>> = Vec::new();
    for m in matches {
        let start = m[0].1;
        let part_of = |name: &str| name[1..].parse::<usize>().unwrap();
        let pruned = kept.iter().any(|k| {
            let (first, last) = (k[0].1, k[k.len() - 1].1);
            let of_part = |name: &str| {
                let part = part_of(name);
                k.iter().filter(move |e| e.0 == part).map(|e| e.1)
            };
            match skip {
                Skip::SkipToNext => start <= first,
                Skip::SkipPastLastEvent => start <= last,
                Skip::SkipToFirst(n) => of_part(n).min().is_some_and(|p| start < p),
                Skip::SkipToLast(n) => of_part(n).max().is_some_and(|p| start < p),
                Skip::NoSkip => false,
            }
        });
        if !pruned {
            kept.push(m);
        }
    }
    kept
}

/// The NFA's matches as `(part, event index)` lists; at the end, time advances past every
/// window so that matches held back by earlier partial matches are released.
fn run_nfa(pattern: &Pattern<Ev>, events: &[char], ts: &[i64]) -> Vec<Vec<(usize, usize)>> {
    let nfa = Nfa::compile(pattern).expect("a valid pattern");
    let mut st = NfaState::new(&nfa);
    let mut out = Outcome::default();
    for (i, (e, t)) in events.iter().zip(ts).enumerate() {
        st.advance_time(&nfa, *t, false, &mut out);
        st.process(&nfa, &(*e, i), *t, 0, &mut out);
    }
    st.advance_time(&nfa, i64::MAX, false, &mut out);
    let part = |name: &str| name[1..].parse::<usize>().unwrap();
    let mut matches: Vec<Vec<(usize, usize)>> = out
        .matches
        .iter()
        .map(|(m, _)| {
            let mut v: Vec<(usize, usize)> = m.iter().flat_map(|(n, evs)| evs.iter().map(move |e| (part(n), e.1))).collect();
            v.sort_by_key(|p| p.1);
            v
        })
        .collect();
    matches.sort();
    matches
}

fn check(seed: u64, skip: Skip, with_within: bool) -> usize {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let n_parts = 1 + rng.below(3) as usize;
    let parts: Vec<Part> = (0..n_parts).map(|i| random_part(&mut rng, i == 0)).collect();
    if parts.iter().all(|p| p.optional) {
        return 0;
    }
    let n = 3 + rng.below(6) as usize;
    let events: Vec<char> = (0..n).map(|_| ['a', 'b', 'c', 'x'][rng.below(4) as usize]).collect();
    let mut t = 0;
    let ts: Vec<i64> = events
        .iter()
        .map(|_| {
            t += 1 + rng.below(3) as i64;
            t
        })
        .collect();
    let within = with_within.then(|| 2 + rng.below(8) as i64);
    let mut expected = reference(&parts, &events);
    if let Some(w) = within {
        expected.retain(|m| ts[m[m.len() - 1].1] - ts[m[0].1] < w);
    }
    if let Skip::SkipToFirst(n) | Skip::SkipToLast(n) = &skip {
        // These prune by an event inside the match: only cases where the order of emission is
        // determined (no two matches share their first and last event) are comparable.
        let mut ends: Vec<(usize, usize)> = expected.iter().map(|m| (m[0].1, m[m.len() - 1].1)).collect();
        ends.sort();
        ends.dedup();
        if ends.len() != expected.len() || n[1..].parse::<usize>().unwrap() >= parts.len() {
            return 0;
        }
    }
    let expected = apply_skip(&skip, expected);
    let pattern = to_pattern(&parts, skip.clone(), within);
    let actual = run_nfa(&pattern, &events, &ts);
    let mut expected = expected;
    expected.sort();
    let context = || format!("seed {seed}, skip {skip:?}, within {within:?}\nparts {parts:#?}\nevents {events:?} ts {ts:?}");
    match skip {
        Skip::NoSkip | Skip::SkipToFirst(_) | Skip::SkipToLast(_) => assert_eq!(actual, expected, "{}", context()),
        // Which of several matches with the same first and last event is emitted is Flink's
        // (heap) order; these strategies prune by first and last event only.
        _ => {
            let ends = |v: &[Vec<(usize, usize)>]| v.iter().map(|m| (m[0].1, m[m.len() - 1].1)).collect::<Vec<_>>();
            assert_eq!(ends(&actual), ends(&expected), "{}\nactual {actual:?}\nexpected {expected:?}", context());
        }
    }
    actual.len()
}

#[test]
fn random_patterns_match_the_brute_force_reference() {
    let matches: usize = (0..3000).map(|seed| check(seed, Skip::NoSkip, false)).sum();
    assert!(matches > 5_000, "the random cases exercise the matcher ({matches} matches)");
}

#[test]
fn random_patterns_with_within_match_the_reference() {
    let matches: usize = (0..1500).map(|seed| check(seed, Skip::NoSkip, true)).sum();
    assert!(matches > 1_000, "the random cases exercise the matcher ({matches} matches)");
}

#[test]
fn skip_strategies_on_random_patterns_match_the_reference() {
    for seed in 0..1500 {
        // With a window, so that held-back matches are released at the end.
        check(seed, Skip::SkipToNext, true);
        check(seed, Skip::SkipPastLastEvent, true);
    }
}

#[test]
fn skip_to_first_and_last_on_random_patterns_match_the_reference() {
    let mut compared = 0;
    for seed in 0..3000 {
        let name = format!("p{}", seed % 3);
        compared += check(seed, Skip::SkipToFirst(name.clone()), true);
        compared += check(seed, Skip::SkipToLast(name), true);
    }
    assert!(compared > 1_000, "enough unambiguous cases were compared ({compared} matches)");
}
