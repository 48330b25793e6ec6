//! The local executor (embedded mini-cluster): wires gates and writers for every subtask of a
//! `JobGraph`, runs each task on its own thread, and fails the whole job promptly when any
//! task fails — cancelling the others and reporting the operator, subtask and cause.

use crate::channel::CancelToken;
use crate::collector::SideOutputs;
use crate::context::{Accumulators, RuntimeContext};
use crate::graph::JobGraph;
use crate::metrics::OperatorMetrics;
use crate::operators::{OperatorInstance, OperatorSetup};
use crate::output::panic_message;
use crate::partition::{ChannelTargets, WriterContext, connected_targets};
use crate::task::{SourceTask, TaskBody, TaskEnv};
use crate::time::ProcessingTimeService;
use rasch_core::{Clock, Configuration, Error, Result, RuntimeMode};
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How long the executor waits for tasks to stop after a failure before giving up on them.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// Job-wide settings for one execution.
#[derive(Debug, Clone)]
pub struct ExecutionOptions {
    /// Records per batch.
    pub batch_size: usize,
    /// Streaming or batch semantics.
    pub runtime_mode: RuntimeMode,
    /// The job configuration, visible to functions.
    pub config: Arc<Configuration>,
    /// Cancels the job from outside when set.
    pub cancel: CancelToken,
    /// Processing time (a `ManualClock` in tests).
    pub clock: Arc<dyn Clock>,
}

/// Counters of one operator summed over its subtasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorStats {
    /// Stable operator id.
    pub id: String,
    /// Operator name.
    pub name: String,
    /// Parallelism.
    pub parallelism: usize,
    /// Records received (`numRecordsIn`).
    pub records_in: u64,
    /// Records emitted (`numRecordsOut`).
    pub records_out: u64,
}

/// What a finished job reports.
#[derive(Debug, Clone)]
pub struct JobExecutionResult {
    /// The job's name.
    pub job_name: String,
    /// Wall-clock time from start to the last task finishing.
    pub net_runtime: Duration,
    /// Per-operator counters, in graph order.
    pub operators: Vec<OperatorStats>,
    /// User counters summed over subtasks.
    pub accumulators: BTreeMap<String, i64>,
}

struct TaskSpec {
    vertex: usize,
    subtask: usize,
    outputs: HashMap<usize, ChannelTargets>,
    gates: [Option<(Box<dyn Any + Send>, usize)>; 2],
}

/// Runs `job` in this process and waits for it to finish.
pub fn execute(job: Arc<JobGraph>, opts: &ExecutionOptions) -> Result<JobExecutionResult> {
    let start = Instant::now();
    let sg = job.stream.clone();
    let metrics: Vec<Vec<Arc<OperatorMetrics>>> =
        (0..sg.nodes.len()).map(|i| (0..job.node_parallelism[i]).map(|_| Arc::default()).collect()).collect();

    let mut specs: Vec<Vec<TaskSpec>> = job
        .vertices
        .iter()
        .enumerate()
        .map(|(v, vx)| {
            (0..vx.parallelism).map(|j| TaskSpec { vertex: v, subtask: j, outputs: HashMap::new(), gates: [None, None] }).collect()
        })
        .collect();

    // Pass 1: count the channels of every gate (vertex, subtask, input).
    let mut channels: HashMap<(usize, usize, usize), u32> = HashMap::new();
    for e in &job.edges {
        let se = &sg.edges[e.stream_edge];
        let (pu, pd) = (job.vertices[e.source_vertex].parallelism, job.vertices[e.target_vertex].parallelism);
        let pattern = job.partitioners[e.stream_edge].pattern();
        for i in 0..pu {
            for j in connected_targets(pattern, i, pu, pd) {
                *channels.entry((e.target_vertex, j, se.input)).or_default() += 1;
            }
        }
    }
    // Create the gates, then pass 2: hand every producer subtask its senders.
    let mut senders: HashMap<(usize, usize, usize), Box<dyn Any + Send>> = HashMap::new();
    for e in &job.edges {
        let se = &sg.edges[e.stream_edge];
        for (j, spec) in specs[e.target_vertex].iter_mut().enumerate() {
            let key = (e.target_vertex, j, se.input);
            if let std::collections::hash_map::Entry::Vacant(slot) = senders.entry(key) {
                let n = channels[&key] as usize;
                let (tx, rx) = se.data_type.gate((2 * n).max(4));
                slot.insert(tx);
                spec.gates[se.input] = Some((rx, n));
            }
        }
    }
    let mut next_channel: HashMap<(usize, usize, usize), u32> = HashMap::new();
    for e in &job.edges {
        let se = &sg.edges[e.stream_edge];
        let (pu, pd) = (job.vertices[e.source_vertex].parallelism, job.vertices[e.target_vertex].parallelism);
        let pattern = job.partitioners[e.stream_edge].pattern();
        for (i, spec) in specs[e.source_vertex].iter_mut().enumerate() {
            let mut targets = Vec::new();
            for j in connected_targets(pattern, i, pu, pd) {
                let key = (e.target_vertex, j, se.input);
                let ch = next_channel.entry(key).or_default();
                targets.push((se.data_type.clone_sender(&*senders[&key])?, *ch));
                *ch += 1;
            }
            spec.outputs.insert(e.stream_edge, targets);
        }
    }
    drop(senders);

    let env = TaskEnv { cancel: opts.cancel.clone() };
    let (done_tx, done_rx) = crossbeam_channel::unbounded::<(usize, usize, Result<()>)>();
    let mut accumulators: Vec<Arc<Accumulators>> = Vec::new();
    let mut total = 0;
    for spec in specs.into_iter().flatten() {
        let vx = &job.vertices[spec.vertex];
        let accs = Arc::new(Accumulators::default());
        accumulators.push(accs.clone());
        let thread_name = format!("{} ({}/{})", vx.name, spec.subtask + 1, vx.parallelism);
        let (job, metrics, env, done_tx, opts) = (job.clone(), metrics.clone(), env.clone(), done_tx.clone(), opts.clone());
        let (vertex, subtask) = (spec.vertex, spec.subtask);
        std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let outcome =
                    catch_unwind(AssertUnwindSafe(|| build_task(&job, spec, &metrics, &accs, &opts).and_then(|body| body.run(&env))))
                        .unwrap_or_else(|p| Err(Error::Internal(format!("task panicked: {}", panic_message(&p)))));
                let _ = done_tx.send((vertex, subtask, outcome));
            })
            .map_err(|e| Error::io("spawning a task thread", e))?;
        total += 1;
    }
    drop(done_tx);

    let mut failure: Option<Error> = None;
    let mut cancel_deadline: Option<Instant> = None;
    let mut finished = 0;
    while finished < total {
        let received = match cancel_deadline {
            Some(deadline) => match done_rx.recv_deadline(deadline) {
                Ok(r) => r,
                Err(_) => break,
            },
            None => done_rx.recv().map_err(|_| Error::Internal("task threads vanished".into()))?,
        };
        finished += 1;
        let (v, j, outcome) = received;
        if let Err(e) = outcome {
            let cancelled = matches!(e, Error::Cancelled);
            if failure.is_none() && !cancelled {
                let vx = &job.vertices[v];
                failure = Some(Error::Task { task: vx.name.clone(), subtask: j, parallelism: vx.parallelism, source: Box::new(e) });
            }
            if cancel_deadline.is_none() {
                opts.cancel.cancel();
                cancel_deadline = Some(Instant::now() + CANCEL_GRACE);
            }
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if cancel_deadline.is_some() {
        return Err(Error::Cancelled);
    }

    let operators = sg
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| OperatorStats {
            id: job.operator_ids[i].clone(),
            name: n.name.clone(),
            parallelism: job.node_parallelism[i],
            records_in: metrics[i].iter().map(|m| m.records_in.load(Ordering::Relaxed)).sum(),
            records_out: metrics[i].iter().map(|m| m.records_out.load(Ordering::Relaxed)).sum(),
        })
        .collect();
    let mut totals = BTreeMap::new();
    accumulators.iter().for_each(|a| a.merge_into(&mut totals));
    Ok(JobExecutionResult { job_name: job.name.clone(), net_runtime: start.elapsed(), operators, accumulators: totals })
}

/// Instantiates the chain of one subtask, last operator first, and returns its task loop.
fn build_task(
    job: &JobGraph,
    mut spec: TaskSpec,
    metrics: &[Vec<Arc<OperatorMetrics>>],
    accs: &Arc<Accumulators>,
    opts: &ExecutionOptions,
) -> Result<Box<dyn TaskBody>> {
    let sg = &job.stream;
    let vx = &job.vertices[spec.vertex];
    let j = spec.subtask;
    let mut built: HashMap<usize, Box<dyn Any>> = HashMap::new();
    let time = ProcessingTimeService::new(opts.clock.clone());
    for &node in vx.nodes.iter().rev() {
        let sn = &sg.nodes[node];
        let mut main = Vec::new();
        let mut sides: BTreeMap<String, (usize, Vec<Box<dyn Any>>)> = BTreeMap::new();
        for e in sg.out_edges(node) {
            let se = &sg.edges[e];
            let out: Box<dyn Any> = if job.chained[e] {
                built.remove(&se.target).ok_or_else(|| Error::Internal(format!("chained operator {} not built", se.target)))?
            } else {
                let targets = spec.outputs.remove(&e).ok_or_else(|| Error::Internal(format!("no channels for edge {e}")))?;
                let wctx = WriterContext {
                    subtask_index: j,
                    target_max_parallelism: job.node_max_parallelism[se.target],
                    batch_size: opts.batch_size,
                    cancel: opts.cancel.clone(),
                };
                job.partitioners[e].create_writer(targets, &wctx)?
            };
            match &se.side_output {
                Some(tag) => sides.entry(tag.clone()).or_insert_with(|| (e, Vec::new())).1.push(out),
                None => main.push(out),
            }
        }
        let m = metrics[node][j].clone();
        let main = sn.output_type.counting(sn.output_type.fan_out(main)?, m.clone())?;
        let mut side_outputs = SideOutputs::new();
        for (tag, (edge, outs)) in sides {
            let ty = &sg.edges[edge].data_type;
            ty.add_side_output(&mut side_outputs, &tag, ty.fan_out(outs)?)?;
        }
        let setup = OperatorSetup {
            ctx: RuntimeContext {
                task_name: vx.name.as_str().into(),
                operator_name: sn.name.as_str().into(),
                subtask_index: j,
                parallelism: job.node_parallelism[node],
                max_parallelism: job.node_max_parallelism[node],
                attempt: 0,
                runtime_mode: opts.runtime_mode,
                config: opts.config.clone(),
                accumulators: accs.clone(),
            },
            metrics: m,
            batch_size: opts.batch_size,
            time: time.clone(),
        };
        let instance = sn.factory.create(&setup, main, side_outputs)?;
        if node != vx.nodes[0] {
            match instance {
                OperatorInstance::OneInput(op) => {
                    built.insert(node, op);
                }
                _ => return Err(Error::Internal(format!("operator '{}' cannot be chained", sn.name))),
            }
            continue;
        }
        return match instance {
            OperatorInstance::Source(driver) => Ok(Box::new(SourceTask::new(driver, time))),
            OperatorInstance::OneInput(head) => {
                let (gate, n) = spec.gates[0].take().ok_or_else(|| Error::Internal(format!("'{}' has no input", sn.name)))?;
                let edge = sg.in_edges(node).next().ok_or_else(|| Error::Internal("head without input edge".into()))?;
                sg.edges[edge].data_type.one_input_task(head, gate, n, time)
            }
            OperatorInstance::TwoInput(builder) => {
                let (g0, n0) = spec.gates[0].take().ok_or_else(|| Error::Internal("first input missing".into()))?;
                let (g1, n1) = spec.gates[1].take().ok_or_else(|| Error::Internal("second input missing".into()))?;
                builder.build([g0, g1], [n0, n1], time)
            }
        };
    }
    Err(Error::Internal("empty vertex".into()))
}
