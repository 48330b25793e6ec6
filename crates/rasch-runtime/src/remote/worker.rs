//! The worker side of a job attempt: a job binary started by a TaskManager in worker mode
//! reports to the JobManager, receives its [`Deployment`], wires its subtasks (in-process
//! queues between local subtasks, the network exchange to the others), runs them, and relays
//! task events and counters to the JobManager and commands back to the tasks.

use super::frame::{MAX_FRAME, read_message, write_message};
use super::protocol::{Deployment, FromWorker, Hello, PROTOCOL_VERSION, SubtaskCounters, TaskSample, ToWorker, WireControl};
use crate::channel::CancelToken;
use crate::context::Accumulators;
use crate::executor::ExecutionOptions;
use crate::executor::build::spawn_task;
use crate::executor::wiring::{ChannelId, Placement, RemoteChannels, wire_placed};
use crate::graph::{JobGraph, TypeOps};
use crate::metrics::{OperatorMetrics, TaskBytes, TaskTimes};
use crate::net::{ChannelKey, DataServer};
use crate::task::{TaskControl, TaskEnv, TaskEvent};
use crossbeam_channel::{RecvTimeoutError, Sender};
use rasch_core::error::ErrorReport;
use rasch_core::{Error, Result};
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Environment variable: the JobManager's RPC address (`host:port`).
pub const JOBMANAGER_ENV: &str = "RASCH_JOBMANAGER_RPC";
/// Environment variable: the job id.
pub const JOB_ID_ENV: &str = "RASCH_JOB_ID";
/// Environment variable: the attempt number.
pub const ATTEMPT_ENV: &str = "RASCH_ATTEMPT";
/// Environment variable: the worker's index within the attempt.
pub const WORKER_ENV: &str = "RASCH_WORKER_INDEX";
/// Environment variable: the cluster's shared secret (optional).
pub const SECRET_ENV: &str = "RASCH_CLUSTER_SECRET";
/// Environment variable: the host the worker's data server binds to and announces.
pub const BIND_HOST_ENV: &str = "RASCH_BIND_HOST";
/// Environment variable: the configuration the job's environment starts from (JSON object).
pub const CONFIG_ENV: &str = "RASCH_CLUSTER_CONFIG";

/// Environment variable: when set, the worker exits as soon as its standard input closes —
/// the TaskManager that started it holds the other end, so its death ends the worker.
pub const PARENT_PIPE_ENV: &str = "RASCH_EXIT_WITH_PARENT";

/// How often counters are sent to the JobManager.
const METRICS_INTERVAL: Duration = Duration::from_millis(500);

/// Who this worker is, from the environment its TaskManager set.
#[derive(Debug, Clone)]
pub struct WorkerEnv {
    /// JobManager RPC address.
    pub jobmanager: String,
    /// The job.
    pub job_id: String,
    /// The attempt.
    pub attempt: u32,
    /// Index of this worker.
    pub worker: u32,
    /// Shared secret.
    pub secret: Option<String>,
    /// Host to bind the data server to.
    pub bind_host: String,
}

impl WorkerEnv {
    /// Reads the worker's identity from the environment.
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).map_err(|_| Error::Config(format!("worker mode: {name} is not set")));
        let num =
            |name: &str| -> Result<u32> { var(name)?.parse().map_err(|_| Error::Config(format!("worker mode: {name} is not a number"))) };
        Ok(WorkerEnv {
            jobmanager: var(JOBMANAGER_ENV)?,
            job_id: var(JOB_ID_ENV)?,
            attempt: num(ATTEMPT_ENV)?,
            worker: num(WORKER_ENV)?,
            secret: std::env::var(SECRET_ENV).ok().filter(|s| !s.is_empty()),
            bind_host: std::env::var(BIND_HOST_ENV).unwrap_or_else(|_| "127.0.0.1".into()),
        })
    }
}

/// The network ends of this worker's cross-process channels.
struct NetLinks<'a> {
    server: &'a DataServer,
    deployment: &'a Deployment,
    secret: Option<String>,
    cancel: CancelToken,
    on_error: Arc<dyn Fn(Error) + Send + Sync>,
    /// The byte counters of this worker's tasks, by (vertex, subtask).
    bytes: &'a HashMap<(usize, usize), Arc<TaskBytes>>,
}

impl NetLinks<'_> {
    /// The byte counters of task (`vertex`, `subtask`), which runs here.
    fn bytes_of(&self, vertex: usize, subtask: usize) -> Result<&TaskBytes> {
        self.bytes
            .get(&(vertex, subtask))
            .map(|b| &**b)
            .ok_or_else(|| Error::Internal(format!("subtask {subtask} of vertex {vertex} does not run in this worker")))
    }
}

fn key(id: ChannelId) -> ChannelKey {
    ChannelKey { edge: id.edge as u32, producer: id.producer as u32, consumer: id.consumer as u32 }
}

impl RemoteChannels for NetLinks<'_> {
    fn register(&self, ty: &dyn TypeOps, target_vertex: usize, id: ChannelId, gate: &(dyn Any + Send), channel: u32) -> Result<()> {
        let bytes_in = self.bytes_of(target_vertex, id.consumer)?.bytes_in.clone();
        ty.register_remote(self.server, key(id), self.deployment.token, gate, channel, self.cancel.clone(), self.on_error.clone(), bytes_in)
    }
    fn connect(&self, ty: &dyn TypeOps, source_vertex: usize, target_vertex: usize, id: ChannelId) -> Result<Box<dyn Any + Send>> {
        let bytes_out = self.bytes_of(source_vertex, id.producer)?.bytes_out.clone();
        let worker = self.deployment.placement[target_vertex][id.consumer] as usize;
        let addr = self.deployment.data_addrs.get(worker).ok_or_else(|| Error::Internal(format!("no address for worker {worker}")))?;
        let addr = addr.parse().map_err(|_| Error::Internal(format!("bad data address '{addr}' of worker {worker}")))?;
        ty.connect_remote(addr, key(id), self.deployment.token, self.cancel.clone(), self.on_error.clone(), self.secret.clone(), bytes_out)
    }
}

/// Runs this worker's part of the job attempt until its subtasks end; `Ok` when they all
/// finished normally.
pub fn run_worker(job: Arc<JobGraph>, opts: &ExecutionOptions, env: &WorkerEnv) -> Result<()> {
    if std::env::var_os(PARENT_PIPE_ENV).is_some() {
        let _ = std::thread::Builder::new().name("parent watch".into()).spawn(|| {
            let mut sink = [0u8; 64];
            let mut stdin = std::io::stdin();
            while matches!(std::io::Read::read(&mut stdin, &mut sink), Ok(n) if n > 0) {}
            eprintln!("worker: the TaskManager is gone; exiting");
            std::process::exit(3);
        });
    }
    let cancel = CancelToken::default();
    let failure: Arc<Mutex<Option<ErrorReport>>> = Arc::default();
    let on_error: Arc<dyn Fn(Error) + Send + Sync> = {
        let (failure, cancel) = (failure.clone(), cancel.clone());
        Arc::new(move |e: Error| {
            if let Ok(mut f) = failure.lock() {
                f.get_or_insert_with(|| e.report());
            }
            cancel.cancel();
        })
    };
    let server = DataServer::bind(format!("{}:0", env.bind_host), env.secret.clone())?;
    let mut conn =
        TcpStream::connect(&env.jobmanager).map_err(|e| Error::io(format!("connecting to the JobManager at {}", env.jobmanager), e))?;
    let _ = conn.set_nodelay(true);
    write_message(
        &mut conn,
        &Hello::Worker {
            version: PROTOCOL_VERSION,
            secret: env.secret.clone(),
            job_id: env.job_id.clone(),
            attempt: env.attempt,
            worker: env.worker,
            data_addr: server.local_addr().to_string(),
            fingerprint: job.fingerprint.clone(),
        },
    )?;
    let mut reader = BufReader::new(conn.try_clone().map_err(|e| Error::io("cloning the JobManager connection", e))?);
    let deployment = match read_message::<_, ToWorker>(&mut reader, MAX_FRAME)? {
        Some(ToWorker::Deploy(d)) => d,
        Some(ToWorker::Refused(why)) => return Err(Error::Config(format!("the JobManager refused this worker: {why}"))),
        Some(ToWorker::Cancel) => return Err(Error::Cancelled),
        Some(other) => return Err(Error::Internal(format!("expected a deployment, got {other:?}"))),
        None => return Err(Error::Internal("the JobManager closed the connection before deploying".into())),
    };
    if deployment.fingerprint != job.fingerprint {
        let why = format!(
            "this worker built a JobGraph with fingerprint {} but the plan has {}; job construction must be deterministic",
            job.fingerprint, deployment.fingerprint
        );
        let e = Error::InvalidJob(why);
        let _ = write_message(&mut conn, &FromWorker::Failed(e.report()));
        return Err(e);
    }

    let me = env.worker;
    let is_local = |v: usize, j: usize| deployment.placement.get(v).and_then(|p| p.get(j)) == Some(&me);
    let task_bytes: HashMap<(usize, usize), Arc<TaskBytes>> = (0..job.vertices.len())
        .flat_map(|v| (0..job.vertices[v].parallelism).map(move |j| (v, j)))
        .filter(|&(v, j)| is_local(v, j))
        .map(|task| (task, Arc::default()))
        .collect();
    let links = NetLinks {
        server: &server,
        deployment: &deployment,
        secret: env.secret.clone(),
        cancel: cancel.clone(),
        on_error,
        bytes: &task_bytes,
    };
    let specs = wire_placed(&job, Some(&Placement { is_local: &is_local, remote: &links }))?;

    let sg = &job.stream;
    let metrics: Vec<Vec<Arc<OperatorMetrics>>> =
        (0..sg.nodes.len()).map(|i| (0..job.node_parallelism[i]).map(|_| Arc::default()).collect()).collect();
    let mut attempt_opts = opts.clone();
    attempt_opts.cancel = cancel.clone();
    let restored = deployment.restore.clone().map(Arc::new);
    let storage = match &deployment.checkpoint_dir {
        Some(dir) => Some(rasch_storage::CheckpointStorage::open_job_dir(dir, &rasch_storage::StorageOptions::new())?),
        None => None,
    };
    let (events_tx, events_rx) = crossbeam_channel::unbounded::<TaskEvent>();
    let mut controls: HashMap<(u32, u32), Sender<TaskControl>> = HashMap::new();
    let mut accumulators = Vec::new();
    let mut times: Vec<(usize, usize, Arc<TaskTimes>)> = Vec::new();
    let total = specs.len();
    for spec in specs {
        let vx = &job.vertices[spec.vertex];
        let (control_tx, control_rx) = crossbeam_channel::unbounded();
        controls.insert((spec.vertex as u32, spec.subtask as u32), control_tx);
        let accs = Arc::new(Accumulators::default());
        accumulators.push(accs.clone());
        let task_env = TaskEnv {
            cancel: cancel.clone(),
            control: control_rx,
            events: events_tx.clone(),
            vertex: spec.vertex,
            subtask: spec.subtask,
            parallelism: vx.parallelism,
            exactly_once: deployment.exactly_once,
            storage: storage.clone(),
            snapshots: Default::default(),
        };
        let task_times = Arc::new(TaskTimes::default());
        times.push((spec.vertex, spec.subtask, task_times.clone()));
        spawn_task(&job, spec, &metrics, accs, &attempt_opts, deployment.attempt, restored.clone(), task_env, task_times)?;
    }
    drop(events_tx);

    // Commands from the JobManager go straight to the tasks; losing it cancels everything.
    {
        let cancel = cancel.clone();
        std::thread::Builder::new()
            .name("jobmanager reader".into())
            .spawn(move || {
                loop {
                    match read_message::<_, ToWorker>(&mut reader, MAX_FRAME) {
                        Ok(Some(ToWorker::Control { vertex, subtask, control })) => {
                            if let Some(tx) = controls.get(&(vertex, subtask)) {
                                let _ = tx.send(match control {
                                    WireControl::Trigger(b, stop) => TaskControl::Trigger(b, stop),
                                    WireControl::Complete(id) => TaskControl::Complete(id),
                                    WireControl::JobFinished => TaskControl::JobFinished,
                                });
                            }
                        }
                        Ok(Some(ToWorker::Cancel)) | Ok(None) | Err(_) => {
                            cancel.cancel();
                            return;
                        }
                        Ok(Some(_)) => {}
                    }
                }
            })
            .map_err(|e| Error::io("starting the JobManager reader", e))?;
    }

    let counters = |metrics: &[Vec<Arc<OperatorMetrics>>]| -> Vec<SubtaskCounters> {
        let mut out = Vec::new();
        for (node, per) in metrics.iter().enumerate() {
            let v = job.node_vertex[node];
            for (j, m) in per.iter().enumerate() {
                if is_local(v, j) {
                    out.push(SubtaskCounters {
                        node: node as u32,
                        subtask: j as u32,
                        records_in: m.records_in.load(Ordering::Relaxed),
                        records_out: m.records_out.load(Ordering::Relaxed),
                    });
                }
            }
        }
        out
    };
    let accumulated = |accs: &[Arc<Accumulators>]| -> Vec<(String, i64)> {
        let mut totals = BTreeMap::new();
        accs.iter().for_each(|a| a.merge_into(&mut totals));
        totals.into_iter().collect()
    };

    let samples = |metrics: &[Vec<Arc<OperatorMetrics>>]| -> Vec<TaskSample> {
        times
            .iter()
            .map(|(v, j, t)| TaskSample {
                vertex: *v as u32,
                subtask: *j as u32,
                elapsed_ns: t.elapsed_ns(),
                idle_ns: t.idle_ns.load(Ordering::Relaxed),
                backpressured_ns: t.backpressured_ns.load(Ordering::Relaxed),
                watermark: metrics[job.vertices[*v].nodes[0]][*j].watermark.load(Ordering::Relaxed),
                bytes_in: task_bytes.get(&(*v, *j)).map_or(0, |b| b.bytes_in.load(Ordering::Relaxed)),
                bytes_out: task_bytes.get(&(*v, *j)).map_or(0, |b| b.bytes_out.load(Ordering::Relaxed)),
            })
            .collect()
    };
    let (mut finished, mut reported_failure) = (0, false);
    let mut next_metrics = Instant::now();
    let mut outcome = Ok(());
    while finished < total {
        if !reported_failure && let Some(why) = failure.lock().ok().and_then(|f| f.clone()) {
            reported_failure = true;
            write_message(&mut conn, &FromWorker::Failed(why))?;
        }
        if Instant::now() >= next_metrics {
            next_metrics = Instant::now() + METRICS_INTERVAL;
            write_message(
                &mut conn,
                &FromWorker::Metrics { counters: counters(&metrics), accumulators: accumulated(&accumulators), tasks: samples(&metrics) },
            )?;
        }
        let event = match events_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(e) => e,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let msg = match event {
            TaskEvent::Ack { vertex, checkpoint_id, state, alignment_ms } => {
                FromWorker::Ack { alignment_ms, vertex: vertex as u32, checkpoint_id, state }
            }
            TaskEvent::Decline { checkpoint_id, reason } => FromWorker::Decline { checkpoint_id, reason },
            TaskEvent::EndOfInput { vertex, subtask } => FromWorker::EndOfInput { vertex: vertex as u32, subtask: subtask as u32 },
            TaskEvent::Finished { vertex, subtask, result } => {
                finished += 1;
                let (error, cancelled) = match &result {
                    Ok(()) => (None, false),
                    Err(Error::Cancelled) => (None, true),
                    Err(e) => (Some(e.report()), false),
                };
                if let Err(e) = result
                    && outcome.is_ok()
                {
                    outcome = Err(e);
                }
                // The final counters go out before the last task's report.
                if finished == total {
                    write_message(
                        &mut conn,
                        &FromWorker::Metrics {
                            counters: counters(&metrics),
                            accumulators: accumulated(&accumulators),
                            tasks: samples(&metrics),
                        },
                    )?;
                }
                FromWorker::Finished { vertex: vertex as u32, subtask: subtask as u32, error, cancelled }
            }
        };
        if let Err(e) = write_message(&mut conn, &msg) {
            cancel.cancel();
            outcome = Err(e);
        }
    }
    server.shutdown();
    let _ = conn.shutdown(std::net::Shutdown::Both);
    outcome
}
