//! The JobManager's RPC port (`jobmanager.rpc.port`): TaskManagers register and heartbeat,
//! workers of a job attempt report for duty, TaskManagers fetch job binaries. Every connection
//! opens with a [`Hello`]; anything else — garbage, a wrong secret, an unknown job — is
//! answered with a clear refusal or dropped, and logged with the peer's address.

use super::Cluster;
use super::state::{TaskManagerEntry, WorkerConnection};
use rasch_runtime::remote::protocol::{BlobReply, FromTaskManager, Hello, PROTOCOL_VERSION, ToTaskManager, ToWorker};
use rasch_runtime::remote::{MAX_FRAME, read_message, write_message};
use std::io::{BufReader, ErrorKind};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest hello accepted.
const MAX_HELLO: usize = 64 * 1024;
/// How long a new connection may take to say who it is.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections forever, one thread each.
pub(crate) fn serve(listener: TcpListener, cluster: Arc<Cluster>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let cluster = cluster.clone();
        let _ = std::thread::Builder::new().name("rpc connection".into()).spawn(move || handle(&cluster, stream));
    }
}

/// Compares secrets without exiting early on the first difference.
fn secret_ok(expected: &Option<String>, got: &Option<String>) -> bool {
    match (expected, got) {
        (None, _) => true,
        (Some(e), Some(g)) => e.len() == g.len() && e.bytes().zip(g.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0,
        (Some(_), None) => false,
    }
}

fn handle(cluster: &Arc<Cluster>, mut stream: TcpStream) {
    let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_else(|_| "?".into());
    let _ = stream.set_read_timeout(Some(HELLO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let hello = match read_message::<_, Hello>(&mut stream, MAX_HELLO) {
        Ok(Some(h)) => h,
        Ok(None) => return,
        Err(e) => {
            cluster.log(&format!("rpc: refused a connection from {peer}: {e}"));
            return;
        }
    };
    let (version, secret) = match &hello {
        Hello::TaskManager { version, secret, .. } | Hello::Worker { version, secret, .. } | Hello::FetchBlob { version, secret, .. } => {
            (*version, secret)
        }
    };
    let refusal = if version != PROTOCOL_VERSION {
        Some(format!("protocol version {version} is not supported (the JobManager speaks {PROTOCOL_VERSION})"))
    } else if !secret_ok(&cluster.secret, secret) {
        Some("the cluster secret (security.cluster.secret) does not match".to_string())
    } else {
        None
    };
    if let Some(why) = &refusal {
        cluster.log(&format!("rpc: refused {peer}: {why}"));
    }
    match hello {
        Hello::TaskManager { id, host, slots, pid, log_file, .. } => {
            if let Some(why) = refusal {
                let _ = write_message(&mut stream, &ToTaskManager::Rejected(why));
                return;
            }
            serve_taskmanager(cluster, stream, id, host, slots as usize, pid, log_file);
        }
        Hello::Worker { job_id, attempt, worker, data_addr, fingerprint, .. } => {
            if let Some(why) = refusal {
                let _ = write_message(&mut stream, &ToWorker::Refused(why));
                return;
            }
            let waiting = cluster.state.lock().ok().and_then(|s| s.expected_workers.get(&(job_id.clone(), attempt)).cloned());
            match waiting {
                Some(tx) => {
                    let _ = stream.set_read_timeout(None);
                    let _ = tx.send(WorkerConnection { worker, stream, data_addr, fingerprint });
                }
                None => {
                    let why = format!("job {job_id} has no attempt {attempt} waiting for workers");
                    cluster.log(&format!("rpc: refused worker from {peer}: {why}"));
                    let _ = write_message(&mut stream, &ToWorker::Refused(why));
                }
            }
        }
        Hello::FetchBlob { sha256, .. } => {
            let file = match (refusal, cluster.blobs.get(&sha256)) {
                (Some(why), _) => Err(BlobReply::Error(why)),
                (None, None) => Err(BlobReply::NotFound(format!("no binary with SHA-256 {sha256} on the JobManager"))),
                (None, Some(path)) => std::fs::File::open(&path)
                    .and_then(|f| f.metadata().map(|m| (f, m.len())))
                    .map_err(|e| BlobReply::Error(format!("reading {}: {e}", path.display()))),
            };
            match file {
                // The header, then the file copied straight to the socket in small chunks.
                Ok((file, size)) => {
                    if write_message(&mut stream, &BlobReply::Follows { size }).is_ok() {
                        let _ = std::io::copy(&mut std::io::Read::take(file, size), &mut stream);
                    }
                }
                Err(reply) => {
                    let _ = write_message(&mut stream, &reply);
                }
            }
        }
    }
}

fn serve_taskmanager(
    cluster: &Arc<Cluster>,
    stream: TcpStream,
    id: String,
    host: String,
    slots: usize,
    pid: u32,
    log_file: Option<String>,
) {
    let timeout = Duration::from_millis(cluster.config.heartbeat_timeout_ms());
    let _ = stream.set_read_timeout(Some(timeout));
    let Ok(mut writer) = stream.try_clone() else { return };
    let (tx, rx) = crossbeam_channel::unbounded::<ToTaskManager>();
    if let Ok(mut s) = cluster.state.lock() {
        s.taskmanagers.insert(
            id.clone(),
            TaskManagerEntry {
                id: id.clone(),
                host: host.clone(),
                slots,
                pid,
                log_file,
                last_heartbeat: Instant::now(),
                tx: tx.clone(),
                used: Default::default(),
                resources: Default::default(),
                threads: Vec::new(),
            },
        );
    }
    cluster.log(&format!("TaskManager {id} registered from {host} with {slots} slots"));
    let _ = tx.send(ToTaskManager::Registered);
    let _ = std::thread::Builder::new().name(format!("to taskmanager {id}")).spawn(move || {
        for msg in rx {
            if write_message(&mut writer, &msg).is_err() {
                break;
            }
        }
        let _ = writer.shutdown(std::net::Shutdown::Both);
    });
    let mut reader = BufReader::new(stream);
    let why = loop {
        match read_message::<_, FromTaskManager>(&mut reader, MAX_FRAME) {
            Ok(Some(FromTaskManager::Heartbeat)) => {
                if let Ok(mut s) = cluster.state.lock()
                    && let Some(tm) = s.taskmanagers.get_mut(&id)
                {
                    tm.last_heartbeat = Instant::now();
                }
                let _ = tx.send(ToTaskManager::HeartbeatAck);
            }
            Ok(Some(FromTaskManager::Resources(r))) => {
                if let Ok(mut s) = cluster.state.lock()
                    && let Some(tm) = s.taskmanagers.get_mut(&id)
                {
                    tm.resources = r;
                }
            }
            Ok(Some(FromTaskManager::Threads(threads))) => {
                if let Ok(mut s) = cluster.state.lock()
                    && let Some(tm) = s.taskmanagers.get_mut(&id)
                {
                    tm.threads = threads;
                }
            }
            Ok(Some(FromTaskManager::WorkerExited { job_id, attempt, status, success })) => {
                if !success {
                    cluster.log(&format!("TaskManager {id}: worker of job {job_id} attempt {attempt} ended: {status}"));
                    if let Ok(mut s) = cluster.state.lock() {
                        s.worker_exits.insert((job_id, attempt), format!("the worker on TaskManager {id} ended: {status}"));
                    }
                }
            }
            Ok(None) => break "it closed the connection".to_string(),
            Err(rasch_core::Error::Io { source, .. }) if matches!(source.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break format!("no heartbeat for {} ms (heartbeat.timeout)", timeout.as_millis());
            }
            Err(e) => break e.to_string(),
        }
    };
    if let Ok(mut s) = cluster.state.lock() {
        s.taskmanagers.remove(&id);
    }
    cluster.log(&format!("TaskManager {id} lost: {why}"));
}
