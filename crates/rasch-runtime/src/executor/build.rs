//! Instantiation of one subtask's chain, last operator first, inside its task thread.

use super::ExecutionOptions;
use super::wiring::TaskSpec;
use crate::checkpoint::RestorePlan;
use crate::collector::SideOutputs;
use crate::context::{Accumulators, RuntimeContext};
use crate::graph::JobGraph;
use crate::metrics::{OperatorMetrics, TaskTimes};
use crate::operators::{OperatorInstance, OperatorSetup};
use crate::output::panic_message;
use crate::partition::WriterContext;
use crate::task::{SourceTask, TaskBody, TaskEnv, TaskEvent};
use crate::time::ProcessingTimeService;
use rasch_core::{Error, Result};
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Starts the thread of one subtask: builds its chain there, runs it, and reports how it ended
/// as [`TaskEvent::Finished`] (a panic becomes an error naming it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn spawn_task(
    job: &Arc<JobGraph>,
    spec: TaskSpec,
    metrics: &[Vec<Arc<OperatorMetrics>>],
    accs: Arc<Accumulators>,
    opts: &ExecutionOptions,
    attempt: u32,
    restored: Option<Arc<RestorePlan>>,
    env: TaskEnv,
    times: Arc<TaskTimes>,
) -> Result<()> {
    let vx = &job.vertices[spec.vertex];
    let thread_name = format!("{} ({}/{})", vx.name, spec.subtask + 1, vx.parallelism);
    let (job, metrics, opts) = (job.clone(), metrics.to_vec(), opts.clone());
    std::thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            let (vertex, subtask) = (spec.vertex, spec.subtask);
            TaskTimes::install(times);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                build_task(&job, spec, &metrics, &accs, &opts, attempt, restored.as_deref()).and_then(|body| body.run(&env))
            }))
            .unwrap_or_else(|p| Err(Error::Internal(format!("task panicked: {}", panic_message(&p)))));
            env.join_snapshots();
            let _ = env.events.send(TaskEvent::Finished { vertex, subtask, result: outcome });
        })
        .map(|_| ())
        .map_err(|e| Error::io("spawning a task thread", e))
}

/// Instantiates the chain of one subtask, last operator first, and returns its task loop.
pub(crate) fn build_task(
    job: &JobGraph,
    mut spec: TaskSpec,
    metrics: &[Vec<Arc<OperatorMetrics>>],
    accs: &Arc<Accumulators>,
    opts: &ExecutionOptions,
    attempt: u32,
    restored: Option<&RestorePlan>,
) -> Result<Box<dyn TaskBody>> {
    let sg = &job.stream;
    let vx = &job.vertices[spec.vertex];
    let j = spec.subtask;
    let mut built: HashMap<usize, Box<dyn Any>> = HashMap::new();
    // The task reads the state files its chain restores from (the plan holds only handles).
    let chain: Vec<(&str, usize, usize)> =
        vx.nodes.iter().map(|&n| (job.operator_ids[n].as_str(), job.node_parallelism[n], job.node_max_parallelism[n])).collect();
    let restored = restored.map(|r| r.load(&chain, j)).transpose()?;
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
                    runtime_mode: opts.runtime_mode,
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
                attempt,
                runtime_mode: opts.runtime_mode,
                config: opts.config.clone(),
                accumulators: accs.clone(),
            },
            metrics: m,
            batch_size: opts.batch_size,
            time: time.clone(),
            operator_id: job.operator_ids[node].as_str().into(),
            restored: restored
                .as_ref()
                .and_then(|r| r.state_for(&job.operator_ids[node], j, job.node_parallelism[node], job.node_max_parallelism[node])),
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
