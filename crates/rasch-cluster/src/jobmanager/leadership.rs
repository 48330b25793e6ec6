//! The JobManager under high availability: it campaigns for leadership, and only once it leads
//! does it serve its RPC port, recover the jobs recorded in the HA services (each from its
//! latest completed checkpoint) and accept submissions. Until then its REST API redirects to
//! the leader. A leader that loses its leadership exits at once (its TaskManagers then stop the
//! workers and look for the new leader), so two JobManagers never drive a job at the same time.

use super::Cluster;
use crate::ha::storage::HaStorage;
use crate::ha::{CheckpointPointer, HaServices, JobRecord, LeaderAddress, Leadership};
use rasch_core::{Error, Result};
use rasch_runtime::checkpoint::{CheckpointStatus, SnapshotKind};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The HA side of a JobManager.
pub(crate) struct HaContext {
    pub(crate) services: Arc<dyn HaServices>,
    storage: Option<HaStorage>,
    leadership: OnceLock<Leadership>,
}

impl HaContext {
    pub(crate) fn new(services: Arc<dyn HaServices>, storage: Option<HaStorage>) -> Self {
        HaContext { services, storage, leadership: OnceLock::new() }
    }

    /// The leadership, while this JobManager leads.
    pub(crate) fn leading(&self) -> Option<&Leadership> {
        self.leadership.get().filter(|l| !l.lost())
    }
}

/// Records a submitted job (its binary goes to the HA storage directory first).
pub(crate) fn record_job(cluster: &Cluster, record: &JobRecord, binary: &Path) -> Result<()> {
    let Some(ha) = &cluster.ha else { return Ok(()) };
    let leadership = ha.leading().ok_or_else(|| Error::Unavailable("this JobManager is not the leader".into()))?;
    if let Some(storage) = &ha.storage {
        storage.keep_binary(&record.binary_sha256, binary)?;
    }
    ha.services.put_job(leadership.epoch, record)
}

/// Forgets a job that ended (finished, failed, cancelled).
pub(crate) fn forget_job(cluster: &Cluster, job_id: &str) {
    let Some(ha) = &cluster.ha else { return };
    let Some(leadership) = ha.leading() else { return };
    if let Err(e) = ha.services.remove_job(leadership.epoch, job_id) {
        cluster.log(&format!("high availability: could not forget job {job_id}: {e}"));
    }
}

/// Records every newly completed checkpoint of `job` as its recovery point, until it ends.
pub(crate) fn watch_checkpoints(cluster: Arc<Cluster>, job: Arc<super::state::JobEntry>) {
    if cluster.ha.is_none() {
        return;
    }
    let _ = std::thread::Builder::new().name(format!("checkpoint pointer {}", job.id)).spawn(move || {
        let mut recorded = 0u64;
        while !job.status().is_terminal() {
            std::thread::sleep(Duration::from_millis(100));
            let latest = job
                .monitor
                .checkpoints()
                .iter()
                .filter(|c| c.status == CheckpointStatus::Completed && c.kind == SnapshotKind::Checkpoint)
                .map(|c| c.id)
                .max()
                .unwrap_or(0);
            if latest <= recorded {
                continue;
            }
            let dir = job.data.lock().ok().and_then(|d| d.config.get(rasch_core::config::CHECKPOINTING_DIR.key).cloned());
            let Some(dir) = dir else { return };
            let job_dir = match rasch_storage::CheckpointStorage::new(&dir, &job.id) {
                Ok(s) => s.job_dir(),
                Err(_) => return,
            };
            let pointer = CheckpointPointer { checkpoint_id: latest, job_dir };
            let Some(ha) = &cluster.ha else { return };
            let Some(leadership) = ha.leading() else { return };
            match ha.services.put_checkpoint(leadership.epoch, &job.id, &pointer) {
                Ok(()) => recorded = latest,
                Err(e) => cluster.log(&format!("high availability: {e}")),
            }
        }
    });
}

/// Campaigns on a thread of its own; once elected, serves `rpc`, recovers the jobs and watches
/// the leadership (exiting the process when it is lost).
pub(crate) fn campaign(cluster: Arc<Cluster>, rpc: std::net::TcpListener, me: LeaderAddress) -> Result<()> {
    std::thread::Builder::new()
        .name("leader election".into())
        .spawn(move || {
            let Some(ha) = &cluster.ha else { return };
            cluster.log(&format!("high availability: standing for leader as RPC {}, REST {}", me.rpc, me.rest));
            let leadership = match ha.services.campaign(&me) {
                Ok(l) => l,
                Err(e) => {
                    cluster.log(&format!("high availability: campaigning failed: {e}; exiting"));
                    std::process::exit(1);
                }
            };
            let epoch = leadership.epoch;
            let _ = ha.leadership.set(leadership.clone());
            cluster.log(&format!("high availability: elected leader (epoch {})", epoch.0));
            {
                let cluster = cluster.clone();
                let _ = std::thread::Builder::new().name("leadership watch".into()).spawn(move || {
                    while !leadership.lost() {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    cluster.log("high availability: leadership lost (lease not renewed in time); exiting so that the new leader alone drives the jobs");
                    std::process::exit(70);
                });
            }
            {
                let cluster = cluster.clone();
                let _ = std::thread::Builder::new().name("rpc".into()).spawn(move || super::rpc::serve(rpc, cluster));
            }
            recover_jobs(&cluster);
        })
        .map(|_| ())
        .map_err(|e| Error::io("starting the leader election", e))
}

/// Starts every recorded job again, from its latest completed checkpoint if it has one.
fn recover_jobs(cluster: &Arc<Cluster>) {
    let Some(ha) = &cluster.ha else { return };
    let jobs = loop {
        match ha.services.jobs() {
            Ok(jobs) => break jobs,
            Err(e) => {
                cluster.log(&format!("high availability: reading the jobs to recover: {e}; retrying"));
                if ha.leading().is_none() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    for record in jobs {
        if let Err(e) = recover_job(cluster, ha, &record) {
            cluster.log(&format!("high availability: could not recover job {}: {e}", record.job_id));
        }
    }
}

fn recover_job(cluster: &Arc<Cluster>, ha: &HaContext, record: &JobRecord) -> Result<()> {
    let storage = ha.storage.as_ref().ok_or_else(|| {
        Error::Config(format!("{} is not set: job binaries cannot be recovered", rasch_core::config::HIGH_AVAILABILITY_STORAGE_DIR.key))
    })?;
    let binary = storage.restore_binary(&record.binary_sha256, &record.binary_name, &cluster.blobs)?;
    let mut start_config: BTreeMap<String, String> = record.start_config.clone();
    let pointer = ha.services.checkpoint(&record.job_id)?;
    let from = match &pointer {
        Some(p) => {
            start_config.insert(rasch_core::config::SAVEPOINT_PATH.key.to_string(), p.job_dir.clone());
            format!("from checkpoint {} in {}", p.checkpoint_id, p.job_dir)
        }
        None => "from its start (no completed checkpoint recorded)".to_string(),
    };
    cluster.log(&format!("high availability: recovering job {} {from}", record.job_id));
    let submission =
        super::job_master::Submission { binary, binary_sha256: record.binary_sha256.clone(), args: record.args.clone(), start_config };
    cluster.start_job(record.job_id.clone(), submission)
}

/// REST on a standby: a `307 Temporary Redirect` to the same path on the leader's REST API,
/// or `503` while no leader is known; the leader serves the request itself.
pub(crate) async fn redirect_unless_leader(
    cluster: &Cluster,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let Some(ha) = &cluster.ha else { return next.run(req).await };
    if ha.leading().is_some() {
        return next.run(req).await;
    }
    let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    match ha.services.leader() {
        Ok(Some(leader)) => {
            let location = format!("http://{}{path}", leader.rest);
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)], "").into_response()
        }
        Ok(None) | Err(_) => {
            let body = serde_json::json!({ "errors": ["this JobManager is a standby and no leader is elected yet"] });
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}
