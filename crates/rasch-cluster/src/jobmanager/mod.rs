//! The JobManager (`rasch jobmanager`): the dispatcher (REST API and dashboard on `rest.port`,
//! job submission, blob store), the resource manager (TaskManager registry, slots,
//! heartbeats on `jobmanager.rpc.port`) and one JobMaster thread per job.

mod dispatcher;
mod exceptions;
mod job_master;
mod leadership;
mod plan;
mod rpc;
mod state;

use crate::blob::BlobStore;
use crate::config::ClusterConfig;
use crossbeam_channel::Receiver;
use job_master::Submission;
use rasch_core::{Error, Result};
use rasch_runtime::channel::CancelToken;
use rasch_runtime::checkpoint::StopMode;
use rasch_runtime::executor::{JobCommand, JobMonitor};
use state::{ClusterState, JobData, JobEntry, JobStatus, Operation, now_ms};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Everything the JobManager's threads share.
pub(crate) struct Cluster {
    pub(crate) config: ClusterConfig,
    pub(crate) secret: Option<String>,
    pub(crate) blobs: Arc<BlobStore>,
    pub(crate) state: Mutex<ClusterState>,
    /// Scratch space (plan files).
    pub(crate) work_dir: PathBuf,
    pub(crate) log_file: Option<PathBuf>,
    /// Leader election and recovery metadata (`high-availability.type` other than `none`).
    pub(crate) ha: Option<leadership::HaContext>,
}

impl Cluster {
    /// Writes a line to the JobManager's log (its stdout, which `start-cluster` sends to the
    /// log file).
    pub(crate) fn log(&self, line: &str) {
        let ts = crate::clock::UtcTime::from_epoch_ms(now_ms()).log_format();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{ts} INFO  {line}");
        let _ = out.flush();
    }

    /// Submits a job: records it and starts its JobMaster thread; returns the job id.
    pub(crate) fn submit(
        self: &Arc<Self>,
        binary: PathBuf,
        binary_sha256: String,
        args: Vec<String>,
        overrides: BTreeMap<String, String>,
    ) -> Result<String> {
        let id = random_hex(32);
        let mut start_config: BTreeMap<String, String> = job_relevant(&self.config);
        start_config.extend(overrides);
        let binary_name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let record = crate::ha::JobRecord {
            job_id: id.clone(),
            binary_sha256: binary_sha256.clone(),
            binary_name,
            args: args.clone(),
            start_config: start_config.clone(),
        };
        // With high availability, a job exists once it is recorded: a new leader recovers it.
        leadership::record_job(self, &record, &binary)?;
        self.start_job(id.clone(), Submission { binary, binary_sha256, args, start_config })?;
        self.log(&format!("job {id} submitted"));
        Ok(id)
    }

    /// Records a job under `id` and starts its JobMaster thread.
    pub(crate) fn start_job(self: &Arc<Self>, id: String, submission: Submission) -> Result<()> {
        let (commands_tx, commands_rx) = crossbeam_channel::unbounded();
        let name = submission.binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let job = Arc::new(JobEntry {
            id: id.clone(),
            monitor: JobMonitor::with_job_id(&id),
            cancel: CancelToken::default(),
            commands: commands_tx,
            data: Mutex::new(JobData::empty(&name)),
        });
        self.state.lock().map_err(|_| Error::Internal("cluster state poisoned".into()))?.jobs.insert(id.clone(), job.clone());
        let cluster = self.clone();
        let rx: Receiver<JobCommand> = commands_rx;
        let watched = job.clone();
        std::thread::Builder::new()
            .name(format!("jobmaster {id}"))
            .spawn(move || job_master::run(cluster, job, submission, rx))
            .map_err(|e| Error::io("starting a JobMaster", e))?;
        leadership::watch_checkpoints(self.clone(), watched);
        Ok(())
    }

    pub(crate) fn job(&self, id: &str) -> Option<Arc<JobEntry>> {
        self.state.lock().ok().and_then(|s| s.jobs.get(id).cloned())
    }

    /// Asks a job to stop; it ends CANCELED.
    pub(crate) fn cancel(&self, id: &str) -> Result<()> {
        let job = self.job(id).ok_or_else(|| Error::NotFound(format!("no job with id {id}")))?;
        if job.status().is_terminal() {
            return Err(Error::Config(format!("job {id} is already {}", job.status().name())));
        }
        job.set_status(JobStatus::Cancelling);
        job.cancel.cancel();
        self.log(&format!("cancelling job {id}"));
        Ok(())
    }

    /// Starts a savepoint (optionally stopping the job); returns the trigger id to poll.
    pub(crate) fn trigger_savepoint(self: &Arc<Self>, id: &str, dir: Option<String>, stop: Option<StopMode>) -> Result<String> {
        let job = self.job(id).ok_or_else(|| Error::NotFound(format!("no job with id {id}")))?;
        if job.status().is_terminal() {
            return Err(Error::Config(format!("job {id} is {}; no savepoint can be taken", job.status().name())));
        }
        let dir = dir
            .or_else(|| job.data.lock().ok().and_then(|d| d.config.get(rasch_core::config::SAVEPOINT_DIR.key).cloned()))
            .or_else(|| self.config.get(rasch_core::config::SAVEPOINT_DIR).map(str::to_string))
            .ok_or_else(|| {
                Error::Config(format!("no target directory: give one, or configure {} on the cluster", rasch_core::config::SAVEPOINT_DIR))
            })?;
        let trigger = random_hex(32);
        let (reply, answer) = crossbeam_channel::bounded(1);
        job.data.lock().map_err(|_| Error::Internal("job poisoned".into()))?.operations.insert(trigger.clone(), Operation::InProgress);
        job.commands
            .send(JobCommand::Savepoint { dir, stop, reply })
            .map_err(|_| Error::Config(format!("job {id} is no longer running")))?;
        let (t, cluster) = (trigger.clone(), self.clone());
        std::thread::spawn(move || {
            let outcome = answer.recv().unwrap_or_else(|_| Err(Error::Checkpoint("the job ended first".into())));
            if let Ok(path) = &outcome {
                cluster.log(&format!("job {}: savepoint stored at {path}", job.id));
            }
            job_master::finish_operation(&job, &t, outcome.map_err(|e| e.to_string()));
        });
        Ok(trigger)
    }

    /// Starts a checkpoint now; returns the trigger id to poll.
    pub(crate) fn trigger_checkpoint(&self, id: &str) -> Result<String> {
        let job = self.job(id).ok_or_else(|| Error::NotFound(format!("no job with id {id}")))?;
        if job.status().is_terminal() {
            return Err(Error::Config(format!("job {id} is {}; no checkpoint can be taken", job.status().name())));
        }
        let trigger = random_hex(32);
        let (reply, answer) = crossbeam_channel::bounded(1);
        job.data.lock().map_err(|_| Error::Internal("job poisoned".into()))?.operations.insert(trigger.clone(), Operation::InProgress);
        job.commands.send(JobCommand::Checkpoint { reply }).map_err(|_| Error::Config(format!("job {id} is no longer running")))?;
        let t = trigger.clone();
        std::thread::spawn(move || {
            let outcome = answer.recv().unwrap_or_else(|_| Err(Error::Checkpoint("the job ended first".into())));
            job_master::finish_operation(&job, &t, outcome.map(|id| id.to_string()).map_err(|e| e.to_string()));
        });
        Ok(trigger)
    }

    /// Disposes of a savepoint in the background; returns the trigger id to poll.
    pub(crate) fn dispose_savepoint(self: &Arc<Self>, path: &str) -> Result<String> {
        let trigger = random_hex(32);
        if let Ok(mut s) = self.state.lock() {
            s.disposals.insert(trigger.clone(), Operation::InProgress);
        }
        let (t, cluster, path) = (trigger.clone(), self.clone(), path.to_string());
        std::thread::spawn(move || {
            let outcome = rasch_storage::SavepointStorage::dispose(&path).map(|_| path.clone()).map_err(|e| e.to_string());
            if let Ok(mut s) = cluster.state.lock() {
                s.disposals.insert(
                    t,
                    match outcome {
                        Ok(p) => Operation::Completed(p),
                        Err(e) => Operation::Failed(e),
                    },
                );
            }
        });
        Ok(trigger)
    }
}

/// The cluster settings a job's program starts from: the options of job scope, not the
/// processes' own addresses, ports and files.
fn job_relevant(config: &ClusterConfig) -> BTreeMap<String, String> {
    config.job_settings().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `n` random lowercase hex characters (ids of jobs, triggers, TaskManagers).
pub(crate) fn random_hex(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
        h.write_usize(out.len());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(n);
    out
}

/// Runs a JobManager in the foreground until the process is stopped.
pub fn run(config: &ClusterConfig) -> Result<()> {
    let jm = start(config)?;
    println!("JobManager RPC on {}, REST API on http://{}", jm.rpc_addr, jm.rest_addr);
    loop {
        std::thread::park();
    }
}

/// A started JobManager: where it listens.
pub struct JobManagerHandle {
    /// The RPC address TaskManagers and workers connect to.
    pub rpc_addr: std::net::SocketAddr,
    /// The REST address.
    pub rest_addr: std::net::SocketAddr,
}

/// Starts the JobManager's listeners and threads and returns once they accept connections.
pub fn start(config: &ClusterConfig) -> Result<JobManagerHandle> {
    let bind_host = config.jobmanager_bind_host().unwrap_or_else(|| config.jobmanager_rpc_address());
    let ha = crate::ha::from_config(config)?;
    let rpc_listener = match &ha {
        None => TcpListener::bind((bind_host.as_str(), config.jobmanager_rpc_port()))
            .map_err(|e| Error::io(format!("binding the JobManager RPC port {bind_host}:{}", config.jobmanager_rpc_port()), e))?,
        // With high availability every JobManager takes the first free port of the range.
        Some(_) => {
            let range = config.ha_jobmanager_port();
            range.ports().find_map(|p| TcpListener::bind((bind_host.as_str(), p)).ok()).ok_or_else(|| {
                Error::Config(format!(
                    "no free port in {} = {}-{} on {bind_host}",
                    rasch_core::config::HIGH_AVAILABILITY_JOBMANAGER_PORT.key,
                    range.first,
                    range.last
                ))
            })?
        }
    };
    let rpc_addr = rpc_listener.local_addr().map_err(|e| Error::io("reading the RPC address", e))?;
    let blobs = Arc::new(BlobStore::open(config.blob_storage_directory()).map_err(Error::from)?);
    let work_dir = std::env::temp_dir().join(format!("rasch-jobmanager-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).map_err(|e| Error::io(format!("creating {}", work_dir.display()), e))?;
    let storage = config.ha_storage_dir().map(|dir| crate::ha::storage::HaStorage::new(&dir, &config.ha_cluster_id()));
    let cluster = Arc::new(Cluster {
        config: config.clone(),
        secret: config.cluster_secret(),
        blobs: blobs.clone(),
        state: Mutex::new(ClusterState::default()),
        work_dir,
        log_file: std::env::var("RASCH_LOG_FILE").ok().map(PathBuf::from),
        ha: ha.map(|services| leadership::HaContext::new(services, storage)),
    });
    let rest_addr = dispatcher::start_rest(cluster.clone(), blobs)?;
    if cluster.ha.is_some() {
        let me = crate::ha::LeaderAddress {
            rpc: format!("{}:{}", config.jobmanager_rpc_address(), rpc_addr.port()),
            rest: format!("{}:{}", config.rest_address(), rest_addr.port()),
        };
        leadership::campaign(cluster.clone(), rpc_listener, me)?;
    } else {
        let cluster = cluster.clone();
        std::thread::Builder::new()
            .name("rpc".into())
            .spawn(move || rpc::serve(rpc_listener, cluster))
            .map_err(|e| Error::io("starting the RPC server", e))?;
    }
    cluster.log(&format!("JobManager started: RPC {rpc_addr}, REST http://{rest_addr}"));
    Ok(JobManagerHandle { rpc_addr, rest_addr })
}
