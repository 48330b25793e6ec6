//! The local deployer: runs every task of an attempt as a thread of this process (the embedded
//! mini-cluster), wired with in-process channels, and reports the attempt's counters.

use super::build::spawn_task;
use super::wiring::wire;
use super::{ExecutionOptions, JobExecutionResult, OperatorStats};
use crate::channel::CancelToken;
use crate::checkpoint::RestorePlan;
use crate::context::Accumulators;
use crate::graph::JobGraph;
use crate::jobmaster::{DeployedAttempt, Deployer, Supervisor, TaskLink};
use crate::metrics::OperatorMetrics;
use crate::task::{TaskEnv, TaskEvent};
use rasch_core::Result;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Deploys attempts of one job into threads of this process.
pub(crate) struct LocalDeployer {
    job: Arc<JobGraph>,
    opts: ExecutionOptions,
    /// Counters of the current attempt, per node and subtask.
    metrics: Vec<Vec<Arc<OperatorMetrics>>>,
    accumulators: Vec<Arc<Accumulators>>,
}

impl LocalDeployer {
    pub(crate) fn new(job: Arc<JobGraph>, opts: &ExecutionOptions) -> Self {
        LocalDeployer { job, opts: opts.clone(), metrics: Vec::new(), accumulators: Vec::new() }
    }
}

impl Deployer for LocalDeployer {
    fn deploy(&mut self, attempt: u32, restored: Option<&RestorePlan>, supervisor: &Supervisor) -> Result<DeployedAttempt> {
        let job = &self.job;
        let sg = &job.stream;
        self.metrics = (0..sg.nodes.len()).map(|i| (0..job.node_parallelism[i]).map(|_| Arc::default()).collect()).collect();
        self.accumulators.clear();
        let specs = wire(job)?;
        let cancel = CancelToken::default();
        let mut attempt_opts = self.opts.clone();
        attempt_opts.cancel = cancel.clone();
        let restored = restored.map(|r| Arc::new(r.clone()));
        let (events_tx, events_rx) = crossbeam_channel::unbounded::<TaskEvent>();
        let mut tasks: Vec<TaskLink> = Vec::new();
        for spec in specs {
            let vx = &job.vertices[spec.vertex];
            let (control_tx, control_rx) = crossbeam_channel::unbounded();
            let is_source = sg.in_edges(vx.nodes[0]).next().is_none();
            tasks.push(TaskLink {
                control: Box::new(move |c| {
                    let _ = control_tx.send(c);
                }),
                is_source,
            });
            let accs = Arc::new(Accumulators::default());
            self.accumulators.push(accs.clone());
            let env = TaskEnv {
                cancel: cancel.clone(),
                control: control_rx,
                events: events_tx.clone(),
                vertex: spec.vertex,
                subtask: spec.subtask,
                parallelism: vx.parallelism,
                exactly_once: supervisor.checkpoint_config().exactly_once,
                storage: supervisor.checkpoint_storage().cloned(),
                snapshots: Default::default(),
            };
            spawn_task(job, spec, &self.metrics, accs, &attempt_opts, attempt, restored.clone(), env, Arc::default())
                .inspect_err(|_| cancel.cancel())?;
        }
        Ok(DeployedAttempt { tasks, events: events_rx, cancel: Box::new(move || cancel.cancel()) })
    }

    fn finish(&mut self, _failed: bool) -> JobExecutionResult {
        let job = &self.job;
        let operators = job
            .stream
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| OperatorStats {
                id: job.operator_ids[i].clone(),
                name: n.name.clone(),
                parallelism: job.node_parallelism[i],
                records_in: self.metrics.get(i).map_or(0, |m| m.iter().map(|m| m.records_in.load(Ordering::Relaxed)).sum()),
                records_out: self.metrics.get(i).map_or(0, |m| m.iter().map(|m| m.records_out.load(Ordering::Relaxed)).sum()),
            })
            .collect();
        let mut totals = BTreeMap::new();
        self.accumulators.iter().for_each(|a| a.merge_into(&mut totals));
        JobExecutionResult {
            job_name: job.name.clone(),
            net_runtime: Duration::ZERO,
            operators,
            accumulators: totals,
            restarts: 0,
            completed_checkpoints: 0,
        }
    }
}
