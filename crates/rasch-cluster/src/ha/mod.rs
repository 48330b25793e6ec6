//! High availability: leader election among JobManagers and the metadata a new leader needs to
//! recover the running jobs, behind one small trait, [`HaServices`]. The first backend is etcd
//! ([`etcd`], feature `etcd`); `high-availability.type: none` means no backend at all.
//!
//! What is stored (under `/rasch/<cluster-id>/`): the leader's addresses, one [`JobRecord`]
//! per submitted job that has not ended, and per job the latest completed checkpoint
//! ([`CheckpointPointer`], which also carries the checkpoint id counter). Bulk data — the job
//! binaries — lives in `high-availability.storageDir` ([`storage`]).
//!
//! Leadership is an [`Epoch`]: every write a leader makes is fenced by it, so a JobManager that
//! lost its leadership can no longer change anything even if it does not know yet.

#[cfg(feature = "etcd")]
pub mod etcd;
pub mod storage;

use crate::config::ClusterConfig;
use rasch_core::config::HighAvailabilityType;
use rasch_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where the leading JobManager can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderAddress {
    /// `host:port` of its RPC port (TaskManagers, workers).
    pub rpc: String,
    /// `host:port` of its REST API (clients, the CLI).
    pub rest: String,
}

/// A leadership term: the store's revision at which the leader key was created. Writes carry
/// it and succeed only while the leader key still has exactly this revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Epoch(pub i64);

/// What a new leader needs to start a submitted job again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// The job id (kept across leaders).
    pub job_id: String,
    /// SHA-256 of the job binary (its copy is in the HA storage directory).
    pub binary_sha256: String,
    /// The binary's display name.
    pub binary_name: String,
    /// The program's arguments.
    pub args: Vec<String>,
    /// The configuration the program started from (cluster settings, `-p`, `-s`).
    pub start_config: BTreeMap<String, String>,
}

/// The latest completed checkpoint of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointPointer {
    /// Its id; the next checkpoint of the job gets a larger one.
    pub checkpoint_id: u64,
    /// The job's checkpoint directory (`<execution.checkpointing.dir>/<job-id>`) holding it.
    pub job_dir: String,
}

/// Leadership won by [`HaServices::campaign`]. `lost()` turns true (and stays true) as soon
/// as the lease could not be renewed in time; the holder must stop acting as leader at once.
#[derive(Debug, Clone)]
pub struct Leadership {
    /// The term; writes are fenced by it.
    pub epoch: Epoch,
    lost: Arc<AtomicBool>,
}

impl Leadership {
    /// A leadership whose loss is signalled through `lost`.
    pub fn new(epoch: Epoch, lost: Arc<AtomicBool>) -> Self {
        Leadership { epoch, lost }
    }

    /// Whether the leadership is gone.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Acquire)
    }
}

/// Leader election and recovery metadata of a cluster's JobManagers.
pub trait HaServices: Send + Sync {
    /// Blocks until this JobManager is the leader (publishing `me` as the leader's address),
    /// then keeps the leadership alive in the background until it is lost.
    fn campaign(&self, me: &LeaderAddress) -> Result<Leadership>;
    /// The current leader's address, if there is a leader.
    fn leader(&self) -> Result<Option<LeaderAddress>>;
    /// Records a submitted job (fenced by `epoch`).
    fn put_job(&self, epoch: Epoch, job: &JobRecord) -> Result<()>;
    /// Forgets an ended job and its checkpoint pointer (fenced by `epoch`).
    fn remove_job(&self, epoch: Epoch, job_id: &str) -> Result<()>;
    /// Every recorded job.
    fn jobs(&self) -> Result<Vec<JobRecord>>;
    /// Records the latest completed checkpoint of a job (fenced by `epoch`).
    fn put_checkpoint(&self, epoch: Epoch, job_id: &str, pointer: &CheckpointPointer) -> Result<()>;
    /// The latest completed checkpoint recorded for a job.
    fn checkpoint(&self, job_id: &str) -> Result<Option<CheckpointPointer>>;
}

/// The HA services `config` asks for: `None` for `high-availability.type: none`.
pub fn from_config(config: &ClusterConfig) -> Result<Option<Arc<dyn HaServices>>> {
    match config.high_availability() {
        HighAvailabilityType::None => Ok(None),
        HighAvailabilityType::Etcd => etcd_services(config),
    }
}

#[cfg(feature = "etcd")]
fn etcd_services(config: &ClusterConfig) -> Result<Option<Arc<dyn HaServices>>> {
    let endpoints = config.ha_etcd_endpoints();
    if endpoints.is_empty() {
        return Err(Error::Config(format!(
            "{} is etcd but {} is not set",
            rasch_core::config::HIGH_AVAILABILITY.key,
            rasch_core::config::HIGH_AVAILABILITY_ETCD_ENDPOINTS.key
        )));
    }
    let ha = etcd::EtcdHa::connect(endpoints, &config.ha_cluster_id(), config.ha_lease_ttl_secs())?;
    Ok(Some(Arc::new(ha)))
}

#[cfg(not(feature = "etcd"))]
fn etcd_services(_: &ClusterConfig) -> Result<Option<Arc<dyn HaServices>>> {
    Err(Error::Config(format!(
        "{}: etcd is not supported by this build (rasch-cluster's feature `etcd` is off)",
        rasch_core::config::HIGH_AVAILABILITY.key
    )))
}
