//! Property tests: random out-of-order streams with random watermarks and allowed lateness
//! through the window operator, compared with a brute-force model written independently here.

use super::window_tests::{Describe, In, harness, sum};
use crate::windows::*;
use proptest::prelude::*;
use rasch_core::{MAX_WATERMARK, MIN_WATERMARK};
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    Elem(u8, i64, i64),
    Wm(i64),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0u8..3, 0i64..100, 0i64..200).prop_map(|(k, v, ts)| Op::Elem(k, v, ts)),
        1 => (0i64..40).prop_map(Op::Wm),
    ];
    proptest::collection::vec(op, 0..80)
}

/// A fired window in the model: key, window, the values in it.
type Fire = (String, i64, i64, Vec<i64>);

/// The model: `windows(ts)` gives the windows of a timestamp (`None` = sessions with `gap`).
struct Model {
    windows: Box<dyn Fn(i64) -> Vec<(i64, i64)>>,
    gap: Option<i64>,
    lateness: i64,
    wm: i64,
    live: Vec<(String, i64, i64, Vec<i64>)>,
    fires: Vec<Fire>,
    late: Vec<In>,
}

impl Model {
    fn new(windows: Box<dyn Fn(i64) -> Vec<(i64, i64)>>, gap: Option<i64>, lateness: i64) -> Self {
        Model { windows, gap, lateness, wm: MIN_WATERMARK, live: Vec::new(), fires: Vec::new(), late: Vec::new() }
    }
    fn late_window(&self, end: i64) -> bool {
        end - 1 + self.lateness <= self.wm
    }
    fn element(&mut self, key: String, v: i64, ts: i64) {
        let mut accepted = false;
        if let Some(gap) = self.gap {
            let (mut s, mut e, mut vals) = (ts, ts + gap, Vec::new());
            let mut absorbed = false;
            while let Some(i) = self.live.iter().position(|w| w.0 == key && w.1 <= e && w.2 >= s) {
                let w = self.live.remove(i);
                (s, e) = (s.min(w.1), e.max(w.2));
                vals.extend(w.3);
                absorbed = true;
            }
            if !absorbed && self.late_window(e) {
                // dropped
            } else {
                accepted = true;
                vals.push(v);
                if e - 1 <= self.wm {
                    self.fires.push((key.clone(), s, e, vals.clone()));
                }
                self.live.push((key.clone(), s, e, vals));
            }
        } else {
            for (s, e) in (self.windows)(ts) {
                if self.late_window(e) {
                    continue;
                }
                accepted = true;
                let i = match self.live.iter().position(|w| w.0 == key && w.1 == s) {
                    Some(i) => i,
                    None => {
                        self.live.push((key.clone(), s, e, Vec::new()));
                        self.live.len() - 1
                    }
                };
                self.live[i].3.push(v);
                if e - 1 <= self.wm {
                    self.fires.push(self.live[i].clone());
                }
            }
        }
        if !accepted && ts + self.lateness <= self.wm {
            self.late.push((key, v));
        }
    }
    fn watermark(&mut self, wm: i64) {
        for w in &self.live {
            if w.2 - 1 > self.wm && w.2 - 1 <= wm {
                self.fires.push(w.clone());
            }
        }
        self.wm = wm;
        let lateness = self.lateness;
        self.live.retain(|w| (w.2 - 1).saturating_add(lateness) > wm);
    }
}

fn run<A: WindowAssigner<In, W = TimeWindow>>(
    assigner: A,
    model: impl Fn() -> Model,
    ops: &[Op],
    lateness: i64,
) -> std::result::Result<(), TestCaseError> {
    let mut m = model();
    let mut reduce = harness(assigner.clone(), None, lateness, sum());
    let mut process = harness(assigner, None, lateness, ListContents::<In, String, _>::new(Describe));
    let mut wm = MIN_WATERMARK;
    let steps = ops.iter().cloned().chain(std::iter::once(Op::Wm(i64::MAX)));
    for op in steps {
        match op {
            Op::Elem(k, v, ts) => {
                let key = format!("k{k}");
                m.element(key.clone(), v, ts);
                reduce.push(&key, v, ts);
                process.push(&key, v, ts);
            }
            Op::Wm(d) => {
                wm = if d == i64::MAX {
                    MAX_WATERMARK
                } else if wm == MIN_WATERMARK {
                    d - 20
                } else {
                    wm + d
                };
                m.watermark(wm);
                reduce.wm(wm);
                process.wm(wm);
            }
        }
    }
    let mut want_reduce: Vec<(In, i64)> = m.fires.iter().map(|f| ((f.0.clone(), f.3.iter().sum()), f.2 - 1)).collect();
    let mut got_reduce = reduce.take();
    want_reduce.sort();
    got_reduce.sort();
    prop_assert_eq!(got_reduce, want_reduce);
    let mut want: Vec<String> = m
        .fires
        .iter()
        .map(|f| {
            let mut v = f.3.clone();
            v.sort();
            format!("{} {:?} {v:?}", f.0, TimeWindow::new(f.1, f.2))
        })
        .collect();
    let mut got: Vec<String> = process.take().into_iter().map(|(s, _)| s).collect();
    want.sort();
    got.sort();
    prop_assert_eq!(got, want);
    let mut late = reduce.take_late();
    let mut want_late = m.late.clone();
    late.sort();
    want_late.sort();
    prop_assert_eq!(&late, &want_late);
    let mut late2 = process.take_late();
    late2.sort();
    prop_assert_eq!(late2, want_late);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tumbling_matches_the_model(ops in ops(), size in prop::sample::select(vec![10i64, 25]), lateness in prop::sample::select(vec![0i64, 5, 30])) {
        let model = || Model::new(Box::new(move |ts| { let s = ts - ts.rem_euclid(size); vec![(s, s + size)] }), None, lateness);
        run(TumblingEventTimeWindows::of(Duration::from_millis(size as u64)), model, &ops, lateness)?;
    }

    #[test]
    fn sliding_matches_the_model(ops in ops(), (size, slide) in prop::sample::select(vec![(20i64, 5i64), (30, 10), (15, 15)]), lateness in prop::sample::select(vec![0i64, 5, 30])) {
        let model = || Model::new(Box::new(move |ts| {
            (-100..100).map(|i| i * slide).filter(|s| *s <= ts && ts < s + size).map(|s| (s, s + size)).collect()
        }), None, lateness);
        run(SlidingEventTimeWindows::of(Duration::from_millis(size as u64), Duration::from_millis(slide as u64)), model, &ops, lateness)?;
    }

    #[test]
    fn sessions_match_the_model(ops in ops(), gap in prop::sample::select(vec![5i64, 15]), lateness in prop::sample::select(vec![0i64, 5, 30])) {
        let model = || Model::new(Box::new(|_| Vec::new()), Some(gap), lateness);
        run(EventTimeSessionWindows::with_gap(Duration::from_millis(gap as u64)), model, &ops, lateness)?;
    }
}
