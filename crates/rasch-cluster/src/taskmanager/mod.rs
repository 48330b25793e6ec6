//! The TaskManager (`rasch taskmanager`): registers its slots with the JobManager, heartbeats,
//! fetches job binaries (verified by SHA-256, cached), and supervises one worker process per
//! job attempt. A worker's crash never takes the TaskManager down; a TaskManager that dies
//! takes its workers with it (they watch a pipe to it). When the JobManager goes away, the
//! TaskManager stops its workers and registers again once it is back.

mod resources;

use crate::config::ClusterConfig;
use rasch_core::{Error, Result};
use rasch_runtime::remote::protocol::{BlobReply, FromTaskManager, Hello, PROTOCOL_VERSION, StartWorker, ToTaskManager};
use rasch_runtime::remote::worker as w;
use rasch_runtime::remote::{MAX_FRAME, read_message, write_message};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running worker process.
struct Worker {
    job_id: String,
    attempt: u32,
    child: Child,
}

/// What the TaskManager's threads share.
struct TaskManager {
    config: ClusterConfig,
    id: String,
    host: String,
    /// The JobManager's RPC address (`host:port`); with high availability, the current leader's.
    jobmanager: Mutex<String>,
    /// Where the leader is found (`high-availability.type` other than `none`).
    ha: Option<Arc<dyn crate::ha::HaServices>>,
    cache: PathBuf,
    workers: Mutex<Vec<Worker>>,
    /// The connection to the JobManager, for reports from any thread.
    out: Mutex<Option<TcpStream>>,
}

fn log(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{} INFO  {line}", crate::clock::UtcTime::from_epoch_ms(crate::clock::now_ms()).log_format());
    let _ = out.flush();
}

impl TaskManager {
    fn jobmanager(&self) -> String {
        self.jobmanager.lock().map(|j| j.clone()).unwrap_or_default()
    }

    /// With high availability: waits until a leader is known and takes its RPC address.
    fn find_leader(&self) {
        let Some(ha) = &self.ha else { return };
        let mut said = false;
        loop {
            match ha.leader() {
                Ok(Some(leader)) => {
                    if let Ok(mut j) = self.jobmanager.lock()
                        && *j != leader.rpc
                    {
                        log(&format!("the leading JobManager is at {}", leader.rpc));
                        *j = leader.rpc;
                    }
                    return;
                }
                Ok(None) if !said => log("no leading JobManager yet; waiting"),
                Err(e) if !said => log(&format!("cannot read the leader from the HA services: {e}; retrying")),
                _ => {}
            }
            said = true;
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn send(&self, msg: &FromTaskManager) {
        if let Ok(mut out) = self.out.lock()
            && let Some(stream) = out.as_mut()
            && write_message(stream, msg).is_err()
        {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// The job binary with `sha`, from the cache or fetched from the JobManager.
    fn binary(&self, sha: &str) -> Result<PathBuf> {
        if !crate::blob::valid_id(sha) {
            return Err(Error::Config(format!("'{sha}' is not a SHA-256 id")));
        }
        let path = self.cache.join(sha);
        if path.exists() {
            return Ok(path);
        }
        let jobmanager = self.jobmanager();
        let mut conn = TcpStream::connect(&jobmanager).map_err(|e| Error::io(format!("connecting to {jobmanager}"), e))?;
        write_message(
            &mut conn,
            &Hello::FetchBlob { version: PROTOCOL_VERSION, secret: self.config.cluster_secret(), sha256: sha.into() },
        )?;
        let mut reader = BufReader::new(conn);
        let size = match read_message::<_, BlobReply>(&mut reader, MAX_FRAME)? {
            Some(BlobReply::Follows { size }) => size,
            Some(BlobReply::NotFound(e)) => return Err(Error::NotFound(format!("fetching binary {sha}: {e}"))),
            Some(BlobReply::Error(e)) => return Err(Error::Config(format!("fetching binary {sha}: {e}"))),
            None => return Err(Error::Config(format!("fetching binary {sha}: the JobManager closed the connection"))),
        };
        // Streamed to a temporary file while hashing: the binary is never held in memory.
        let tmp = self.cache.join(format!(".{sha}.{}", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        let mut sink = HashingWriter { file, hasher: Sha256::new() };
        let copied = std::io::copy(&mut std::io::Read::take(&mut reader, size), &mut sink)
            .map_err(|e| Error::io(format!("fetching binary {sha} into {}", tmp.display()), e))?;
        let HashingWriter { file, hasher } = sink;
        // Closed before it is renamed and executed (an open writer makes exec fail: ETXTBSY).
        file.sync_all().map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        drop(file);
        let got: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        if copied != size || got != sha {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::Config(format!("binary {sha} arrived with {copied} of {size} bytes and SHA-256 {got}; refusing to run it")));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755));
        }
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(format!("storing {}", path.display()), e))?;
        Ok(path)
    }

    fn start_worker(self: &Arc<Self>, start: StartWorker) {
        let result = self.binary(&start.binary_sha256).and_then(|binary| {
            Command::new(&binary)
                .args(&start.args)
                .env("RASCH_EXECUTION_MODE", "worker")
                .env(w::JOBMANAGER_ENV, self.jobmanager())
                .env(w::JOB_ID_ENV, &start.job_id)
                .env(w::ATTEMPT_ENV, start.attempt.to_string())
                .env(w::WORKER_ENV, start.worker.to_string())
                .env(w::SECRET_ENV, self.config.cluster_secret().unwrap_or_default())
                .env(w::BIND_HOST_ENV, &self.host)
                .env(w::CONFIG_ENV, &start.config_json)
                .env(w::PARENT_PIPE_ENV, "1")
                // The worker exits when this pipe closes, i.e. when the TaskManager dies.
                .stdin(Stdio::piped())
                .spawn()
                .map_err(|e| Error::io(format!("starting {}", binary.display()), e))
        });
        match result {
            Ok(child) => {
                log(&format!("started worker {} of job {} attempt {} (pid {})", start.worker, start.job_id, start.attempt, child.id()));
                if let Ok(mut ws) = self.workers.lock() {
                    ws.push(Worker { job_id: start.job_id, attempt: start.attempt, child });
                }
            }
            Err(e) => {
                log(&format!("could not start a worker of job {}: {e}", start.job_id));
                self.send(&FromTaskManager::WorkerExited {
                    job_id: start.job_id,
                    attempt: start.attempt,
                    status: e.to_string(),
                    success: false,
                });
            }
        }
    }

    fn stop_workers(&self, filter: impl Fn(&Worker) -> bool) {
        if let Ok(mut ws) = self.workers.lock() {
            for wk in ws.iter_mut().filter(|wk| filter(wk)) {
                let _ = wk.child.kill();
            }
        }
    }

    /// Process ids of the running workers.
    fn worker_pids(&self) -> Vec<u32> {
        self.workers.lock().map(|ws| ws.iter().map(|w| w.child.id()).collect()).unwrap_or_default()
    }

    /// Reaps ended workers and reports them.
    fn reap(&self) {
        let mut ended = Vec::new();
        if let Ok(mut ws) = self.workers.lock() {
            ws.retain_mut(|wk| match wk.child.try_wait() {
                Ok(Some(status)) => {
                    ended.push((wk.job_id.clone(), wk.attempt, status));
                    false
                }
                Ok(None) => true,
                Err(_) => false,
            });
        }
        for (job_id, attempt, status) in ended {
            log(&format!("worker of job {job_id} attempt {attempt} ended: {status}"));
            let success = status.success() || status.code() == Some(2);
            self.send(&FromTaskManager::WorkerExited { job_id, attempt, status: status.to_string(), success });
        }
    }

    /// One registration: connects, registers, serves commands until the connection ends.
    fn session(self: &Arc<Self>) -> Result<()> {
        self.find_leader();
        let jobmanager = self.jobmanager();
        let mut conn =
            TcpStream::connect(&jobmanager).map_err(|e| Error::io(format!("connecting to the JobManager at {jobmanager}"), e))?;
        let _ = conn.set_nodelay(true);
        let slots = self.config.taskmanager_slots() as u32;
        write_message(
            &mut conn,
            &Hello::TaskManager {
                version: PROTOCOL_VERSION,
                secret: self.config.cluster_secret(),
                id: self.id.clone(),
                host: self.host.clone(),
                slots,
                pid: std::process::id(),
                log_file: std::env::var("RASCH_LOG_FILE").ok(),
            },
        )?;
        let mut reader = BufReader::new(conn.try_clone().map_err(|e| Error::io("cloning the connection", e))?);
        match read_message::<_, ToTaskManager>(&mut reader, MAX_FRAME)? {
            Some(ToTaskManager::Registered) => log(&format!("registered at the JobManager {jobmanager} as {} with {slots} slots", self.id)),
            Some(ToTaskManager::Rejected(why)) => return Err(Error::Config(format!("the JobManager refused this TaskManager: {why}"))),
            other => return Err(Error::Internal(format!("unexpected answer to registration: {other:?}"))),
        }
        if let Ok(mut out) = self.out.lock() {
            *out = Some(conn);
        }
        let timeout = Duration::from_millis(self.config.heartbeat_timeout_ms());
        let _ = reader.get_ref().set_read_timeout(Some(timeout));
        loop {
            match read_message::<_, ToTaskManager>(&mut reader, MAX_FRAME) {
                Ok(Some(ToTaskManager::StartWorker(start))) => self.start_worker(start),
                Ok(Some(ToTaskManager::StopWorker { job_id, attempt })) => {
                    self.stop_workers(|wk| wk.job_id == job_id && wk.attempt <= attempt)
                }
                Ok(Some(_)) => {}
                Ok(None) => return Err(Error::Internal("the JobManager closed the connection".into())),
                Err(e) => return Err(e),
            }
        }
    }
}

/// Runs a TaskManager in the foreground until the process is stopped.
pub fn run(config: &ClusterConfig) -> Result<()> {
    let host = config.taskmanager_host().unwrap_or_else(|| "127.0.0.1".into());
    let jobmanager = format!("{}:{}", config.jobmanager_rpc_address(), config.jobmanager_rpc_port());
    let id = format!("{host}:{}-{}", std::process::id(), &crate::jobmanager::random_hex(6));
    let cache = config.blob_storage_directory().join(format!("taskmanager-{}", std::process::id()));
    std::fs::create_dir_all(&cache).map_err(|e| Error::io(format!("creating {}", cache.display()), e))?;
    let tm = Arc::new(TaskManager {
        config: config.clone(),
        id,
        host,
        jobmanager: Mutex::new(jobmanager),
        ha: crate::ha::from_config(config)?,
        cache: cache.clone(),
        workers: Mutex::default(),
        out: Mutex::default(),
    });
    {
        let tm = tm.clone();
        let interval = Duration::from_millis(config.heartbeat_interval_ms().max(10));
        std::thread::Builder::new()
            .name("heartbeat".into())
            .spawn(move || {
                let mut next = std::time::Instant::now();
                loop {
                    tm.reap();
                    if std::time::Instant::now() >= next {
                        tm.send(&FromTaskManager::Heartbeat);
                        let workers = tm.worker_pids();
                        tm.send(&FromTaskManager::Resources(resources::sample(&workers)));
                        let threads = std::iter::once(std::process::id()).chain(workers).flat_map(crate::threads::threads_of).collect();
                        tm.send(&FromTaskManager::Threads(threads));
                        next = std::time::Instant::now() + interval;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
            .map_err(|e| Error::io("starting the heartbeat", e))?;
    }
    let mut said = false;
    loop {
        match tm.session() {
            Err(e @ Error::Config(_)) => {
                cleanup(&tm, &cache);
                return Err(e);
            }
            Err(e) => {
                if !said {
                    log(&format!("not connected to the JobManager {}: {e}; retrying", tm.jobmanager()));
                    said = true;
                }
            }
            Ok(()) => {}
        }
        if let Ok(mut out) = tm.out.lock()
            && out.take().is_some()
        {
            said = false;
            log("lost the JobManager; stopping all workers");
        }
        tm.stop_workers(|_| true);
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn cleanup(tm: &TaskManager, cache: &Path) {
    tm.stop_workers(|_| true);
    let _ = std::fs::remove_dir_all(cache);
}

/// Writes to a file and hashes what it writes.
struct HashingWriter {
    file: std::fs::File,
    hasher: Sha256,
}

impl std::io::Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
