//! The CEP operator driven directly, with a manual processing-time clock: matches as elements
//! arrive, `within` timeouts from processing-time timers, and an idle key's state dropped.

use crate::functions::Matches;
use crate::functions::{MatchesAndTimeouts, PatternContext, PatternProcessFunction, TimedOutPartialMatchHandler};
use crate::matched::Match;
use crate::nfa::Nfa;
use crate::operator::{CepOperator, TimeMode};
use crate::pattern::Pattern;
use rasch_core::{ManualClock, Record, Result, WatermarkStatus};
use rasch_runtime::checkpoint::Snapshot;
use rasch_runtime::collector::{Collector, OutputTag, SideOutputs};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::functions::KeyFn;
use rasch_runtime::operators::OperatorSetup;
use rasch_runtime::output::Output;
use rasch_runtime::time::ProcessingTimeService;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Records what reaches an output.
#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Vec<(String, i64)>>>);

impl Output<String> for Recorder {
    fn push(&mut self, batch: &mut Vec<Record<String>>) -> Result<()> {
        self.0.borrow_mut().extend(batch.drain(..).map(|r| (r.value, r.ts)));
        Ok(())
    }
    fn watermark(&mut self, _: i64) -> Result<()> {
        Ok(())
    }
    fn end_input(&mut self) -> Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
    fn on_processing_time(&mut self, _: i64) -> Result<()> {
        Ok(())
    }
    fn watermark_status(&mut self, _: WatermarkStatus) -> Result<()> {
        Ok(())
    }
    fn snapshot(&mut self, _: &mut Snapshot) -> Result<()> {
        Ok(())
    }
    fn notify_checkpoint_complete(&mut self, _: u64) -> Result<()> {
        Ok(())
    }
}

type Ev = (u32, char);

#[derive(Clone)]
struct Render(OutputTag<String>);

fn text(m: &Match<Ev>) -> String {
    m.all().map(|e| format!("{}{}", e.1, e.0)).collect::<Vec<_>>().join(" ")
}

impl PatternProcessFunction<Ev, String> for Render {
    fn process_match(&mut self, m: Match<Ev>, _: &mut PatternContext<'_>, out: &mut Collector<'_, String>) -> Result<()> {
        out.collect(text(&m));
        Ok(())
    }
}

impl TimedOutPartialMatchHandler<Ev> for Render {
    fn process_timed_out_match(&mut self, m: Match<Ev>, ctx: &mut PatternContext<'_>) -> Result<()> {
        let t = text(&m);
        ctx.output(&self.0, t)
    }
}

fn setup(time: Rc<ProcessingTimeService>) -> OperatorSetup {
    OperatorSetup {
        ctx: RuntimeContext::for_test(0, 1),
        metrics: Arc::default(),
        batch_size: 16,
        time,
        operator_id: "cep-test".into(),
        restored: None,
    }
}

#[test]
fn processing_time_matches_on_arrival_and_times_out_by_the_clock() {
    let clock = ManualClock::new(1_000);
    let time = ProcessingTimeService::new(Arc::new(clock.clone()));
    let pattern =
        Pattern::<Ev>::begin("a").where_(|e| e.1 == 'a').followed_by("b").where_(|e| e.1 == 'b').within(Duration::from_millis(100));
    let nfa = Arc::new(Nfa::compile(&pattern).unwrap());
    let (main, timed_out) = (Recorder::default(), Recorder::default());
    let tag = OutputTag::<String>::new("timed-out");
    let mut sides = SideOutputs::new();
    sides.add("timed-out", Box::new(timed_out.clone()));
    let setup = setup(time.clone());
    let mut op = CepOperator::new(
        KeyFn(|e: &Ev| e.0),
        nfa,
        MatchesAndTimeouts(Render(tag)),
        TimeMode::ProcessingTime,
        None,
        &setup,
        Box::new(main.clone()),
        sides,
    )
    .unwrap();
    op.push(&mut vec![Record::new((1, 'a')), Record::new((2, 'a'))]).unwrap();
    assert_eq!(time.next(), 1_100, "the operator asked to be woken when the partial matches time out");
    clock.set(1_050);
    op.push(&mut vec![Record::new((1, 'x')), Record::new((1, 'b'))]).unwrap();
    assert_eq!(*main.0.borrow(), vec![("a1 b1".to_string(), 1_050)], "stamped with the processing time");
    clock.set(1_100);
    assert!(time.take_due(1_100));
    op.on_processing_time(1_100).unwrap();
    assert_eq!(*timed_out.0.borrow(), vec![("a2".to_string(), 1_100)], "key 2's a timed out 100 ms after it");
    assert_eq!(main.0.borrow().len(), 1);
}

#[test]
fn processing_time_without_window_needs_no_timers() {
    let clock = ManualClock::new(5);
    let time = ProcessingTimeService::new(Arc::new(clock.clone()));
    let pattern = Pattern::<Ev>::begin("a").where_(|e| e.1 == 'a').next("b").where_(|e| e.1 == 'b');
    let main = Recorder::default();
    let setup = setup(time.clone());
    let mut op = CepOperator::new(
        KeyFn(|e: &Ev| e.0),
        Arc::new(Nfa::compile(&pattern).unwrap()),
        Matches(Render(OutputTag::new("unused"))),
        TimeMode::ProcessingTime,
        None,
        &setup,
        Box::new(main.clone()),
        SideOutputs::new(),
    )
    .unwrap();
    op.push(&mut vec![Record::new((1, 'a')), Record::new((1, 'b')), Record::new((1, 'a')), Record::new((1, 'c'))]).unwrap();
    assert_eq!(*main.0.borrow(), vec![("a1 b1".to_string(), 5)]);
    assert_eq!(time.next(), i64::MAX, "no timer was requested");
}
