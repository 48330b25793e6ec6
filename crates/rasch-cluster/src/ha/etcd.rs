//! The etcd backend of [`HaServices`]: leadership is a key attached to a lease
//! (`/rasch/<cluster-id>/leader`, created only if absent), kept alive every third of the lease's
//! time to live; its create revision is the leader's [`Epoch`]. Every write of a leader is a
//! transaction that first compares the leader key's create revision with the epoch, so a
//! deposed leader's writes fail. A leader whose renewals have not been confirmed for the time to
//! live minus a safety margin reports the leadership lost — before etcd can hand it to another.
//!
//! The client is asynchronous (tonic); this backend owns a small runtime and bounds every call
//! by a timeout, so an unreachable etcd is an error, never a hang.

use super::{CheckpointPointer, Epoch, HaServices, JobRecord, LeaderAddress, Leadership};
use etcd_client::{Client, Compare, CompareOp, ConnectOptions, GetOptions, PutOptions, Txn, TxnOp};
use rasch_core::{Error, Result};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Longest any single etcd call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a standby checks whether the leadership is free.
const CAMPAIGN_POLL: Duration = Duration::from_millis(200);
/// Leadership is given up this long before the lease could expire on the server.
const SAFETY_MARGIN: Duration = Duration::from_millis(500);

/// HA services in etcd.
pub struct EtcdHa {
    runtime: tokio::runtime::Runtime,
    client: Client,
    prefix: String,
    ttl_secs: u64,
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Unavailable(format!("etcd: {what}: {e}"))
}

impl EtcdHa {
    /// Connects to the etcd members at `endpoints` (URLs); keys go under
    /// `/rasch/<cluster_id>/`; leases live `ttl_secs` seconds.
    pub fn connect(endpoints: Vec<String>, cluster_id: &str, ttl_secs: u64) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("etcd")
            .enable_all()
            .build()
            .map_err(|e| Error::io("starting the etcd client's runtime", e))?;
        let options = ConnectOptions::new().with_connect_timeout(CALL_TIMEOUT).with_timeout(CALL_TIMEOUT);
        // Connecting is lazy enough to succeed while etcd is down; calls then fail and retry.
        let eps = endpoints.clone();
        let client = run_on(&runtime, async move { Client::connect(eps, Some(options)).await })?
            .map_err(|e| unavailable(&format!("connecting to {}", endpoints.join(",")), e))?;
        Ok(EtcdHa { runtime, client, prefix: format!("/rasch/{cluster_id}/"), ttl_secs: ttl_secs.max(1) })
    }

    fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    /// Runs `f` with a client on the runtime, bounded by [`CALL_TIMEOUT`].
    fn call<T, F, Fut>(&self, what: &str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = std::result::Result<T, etcd_client::Error>> + Send + 'static,
    {
        let fut = f(self.client.clone());
        run_on(&self.runtime, async move { tokio::time::timeout(CALL_TIMEOUT, fut).await })?
            .map_err(|e| unavailable(what, e))?
            .map_err(|e| unavailable(what, e))
    }

    /// A transaction of `ops` that succeeds only while `epoch` is the current leadership.
    fn fenced(&self, epoch: Epoch, what: &str, ops: Vec<TxnOp>) -> Result<()> {
        let leader = self.key("leader");
        let txn = Txn::new().when([Compare::create_revision(leader, CompareOp::Equal, epoch.0)]).and_then(ops);
        let response = self.call(what, move |mut c| async move { c.txn(txn).await })?;
        if response.succeeded() {
            Ok(())
        } else {
            Err(Error::Unavailable(format!("etcd: {what}: this JobManager is no longer the leader (epoch {})", epoch.0)))
        }
    }

    fn get_prefix<T: DeserializeOwned>(&self, rest: &str) -> Result<Vec<T>> {
        let key = self.key(rest);
        let what = format!("reading {key}");
        let response = self.call(&what, move |mut c| async move { c.get(key, Some(GetOptions::new().with_prefix())).await })?;
        response.kvs().iter().map(|kv| decode(kv.key(), kv.value())).collect()
    }

    fn get_one<T: DeserializeOwned>(&self, rest: &str) -> Result<Option<T>> {
        let key = self.key(rest);
        let what = format!("reading {key}");
        let response = self.call(&what, move |mut c| async move { c.get(key, None).await })?;
        response.kvs().first().map(|kv| decode(kv.key(), kv.value())).transpose()
    }

    /// One attempt to become leader: a fresh lease and a put of the leader key if it is absent.
    fn try_lead(&self, me: &[u8]) -> Result<Option<(Epoch, i64)>> {
        let ttl = self.ttl_secs as i64;
        let lease = self.call("granting a lease", move |mut c| async move { c.lease_grant(ttl, None).await })?.id();
        let leader = self.key("leader");
        let txn = Txn::new().when([Compare::create_revision(leader.clone(), CompareOp::Equal, 0)]).and_then([TxnOp::put(
            leader,
            me.to_vec(),
            Some(PutOptions::new().with_lease(lease)),
        )]);
        let response = self.call("campaigning", move |mut c| async move { c.txn(txn).await });
        match response {
            Ok(r) if r.succeeded() => {
                let revision = r.header().map(|h| h.revision()).unwrap_or(0);
                Ok(Some((Epoch(revision), lease)))
            }
            other => {
                let _ = self.call("revoking a lease", move |mut c| async move { c.lease_revoke(lease).await });
                other.map(|_| None)
            }
        }
    }
}

impl HaServices for EtcdHa {
    fn campaign(&self, me: &LeaderAddress) -> Result<Leadership> {
        let value = serde_json::to_vec(me).map_err(|e| Error::Internal(e.to_string()))?;
        let (epoch, lease) = loop {
            // etcd being away is not fatal for a contender: it keeps trying.
            if let Ok(Some(won)) = self.try_lead(&value) {
                break won;
            }
            std::thread::sleep(CAMPAIGN_POLL);
        };
        let lost = Arc::new(AtomicBool::new(false));
        let ttl = Duration::from_secs(self.ttl_secs);
        let (client, flag) = (self.client.clone(), lost.clone());
        self.runtime.spawn(keep_alive(client, lease, ttl, flag));
        Ok(Leadership::new(epoch, lost))
    }

    fn leader(&self) -> Result<Option<LeaderAddress>> {
        self.get_one("leader")
    }

    fn put_job(&self, epoch: Epoch, job: &JobRecord) -> Result<()> {
        let value = serde_json::to_vec(job).map_err(|e| Error::Internal(e.to_string()))?;
        self.fenced(
            epoch,
            &format!("recording job {}", job.job_id),
            vec![TxnOp::put(self.key(&format!("jobs/{}", job.job_id)), value, None)],
        )
    }

    fn remove_job(&self, epoch: Epoch, job_id: &str) -> Result<()> {
        let ops =
            vec![TxnOp::delete(self.key(&format!("jobs/{job_id}")), None), TxnOp::delete(self.key(&format!("checkpoints/{job_id}")), None)];
        self.fenced(epoch, &format!("removing job {job_id}"), ops)
    }

    fn jobs(&self) -> Result<Vec<JobRecord>> {
        self.get_prefix("jobs/")
    }

    fn put_checkpoint(&self, epoch: Epoch, job_id: &str, pointer: &CheckpointPointer) -> Result<()> {
        let value = serde_json::to_vec(pointer).map_err(|e| Error::Internal(e.to_string()))?;
        let key = self.key(&format!("checkpoints/{job_id}"));
        self.fenced(epoch, &format!("recording checkpoint {} of job {job_id}", pointer.checkpoint_id), vec![TxnOp::put(key, value, None)])
    }

    fn checkpoint(&self, job_id: &str) -> Result<Option<CheckpointPointer>> {
        self.get_one(&format!("checkpoints/{job_id}"))
    }
}

/// Renews the lease every third of its time to live; sets `lost` once no renewal has been
/// confirmed for `ttl` minus the safety margin (counted from when the renewal was sent, so
/// this side always gives up before etcd expires the lease).
async fn keep_alive(mut client: Client, lease: i64, ttl: Duration, lost: Arc<AtomicBool>) {
    let give_up_after = ttl.saturating_sub(SAFETY_MARGIN).max(Duration::from_millis(200));
    let every = ttl / 3;
    let mut confirmed = Instant::now();
    let mut channel = None;
    loop {
        let deadline = confirmed + give_up_after;
        let now = Instant::now();
        if now >= deadline {
            lost.store(true, Ordering::Release);
            return;
        }
        let sent = Instant::now();
        let attempt = async {
            if channel.is_none() {
                channel = Some(client.lease_keep_alive(lease).await?);
            }
            let Some((keeper, stream)) = channel.as_mut() else { return Ok(None) };
            keeper.keep_alive().await?;
            stream.message().await.map(|m| m.map(|r| r.ttl()))
        };
        match tokio::time::timeout(deadline - now, attempt).await {
            Ok(Ok(Some(left))) if left > 0 => {
                confirmed = sent;
                tokio::time::sleep(every.min(deadline.saturating_duration_since(Instant::now()))).await;
            }
            // The lease is gone on the server: nothing can renew it.
            Ok(Ok(Some(_))) => {
                lost.store(true, Ordering::Release);
                return;
            }
            Ok(Ok(None)) | Ok(Err(_)) => {
                channel = None;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(_) => {}
        }
    }
}

fn decode<T: DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T> {
    serde_json::from_slice(value)
        .map_err(|e| Error::Internal(format!("etcd: the value of {} is not what Rasch wrote: {e}", String::from_utf8_lossy(key))))
}

/// Runs `fut` on `runtime` and waits for it from any thread, inside an async context or not.
fn run_on<T: Send + 'static>(runtime: &tokio::runtime::Runtime, fut: impl Future<Output = T> + Send + 'static) -> Result<T> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    runtime.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().map_err(|_| Error::Internal("the etcd client's runtime stopped".into()))
}
