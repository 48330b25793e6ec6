//! The cluster options: addresses, ports, files and timeouts of the JobManager and
//! TaskManagers, REST and the dashboard (Flink's names). Jobs never see these.

use super::option::{ConfigOption, Scope::Cluster};
use super::types::*;
use std::time::Duration;

/// `jobmanager.rpc.address`.
pub const JOBMANAGER_RPC_ADDRESS: ConfigOption<String> =
    ConfigOption::new("jobmanager.rpc.address", TEXT, Cluster, "Where TaskManagers and clients reach the JobManager.")
        .with_default("localhost");
/// `jobmanager.rpc.port`.
pub const JOBMANAGER_RPC_PORT: ConfigOption<u16> =
    ConfigOption::new("jobmanager.rpc.port", PORT, Cluster, "The JobManager's control port.").with_default("6123");
/// `jobmanager.bind-host`.
pub const JOBMANAGER_BIND_HOST: ConfigOption<String> =
    ConfigOption::new("jobmanager.bind-host", TEXT, Cluster, "Interface the JobManager binds. Unset: all interfaces.");
/// `jobmanager.memory.process.size`.
pub const JOBMANAGER_MEMORY_PROCESS_SIZE: ConfigOption<u64> =
    ConfigOption::new("jobmanager.memory.process.size", MEMORY_SIZE, Cluster, "Memory of the JobManager process (informational).");
/// `jobmanager.execution.failover-strategy` (accepted; Rasch restarts the whole job).
pub const JOBMANAGER_FAILOVER_STRATEGY: ConfigOption<String> =
    ConfigOption::new("jobmanager.execution.failover-strategy", TEXT, Cluster, "Accepted for Flink compatibility; the whole job restarts.");
/// `taskmanager.numberOfTaskSlots`.
pub const TASKMANAGER_SLOTS: ConfigOption<usize> =
    ConfigOption::new("taskmanager.numberOfTaskSlots", POSITIVE, Cluster, "Task slots a TaskManager offers.").with_default("1");
/// `taskmanager.host`: the address a TaskManager advertises.
pub const TASKMANAGER_HOST: ConfigOption<String> =
    ConfigOption::new("taskmanager.host", TEXT, Cluster, "The address a TaskManager advertises.");
/// `taskmanager.bind-host`.
pub const TASKMANAGER_BIND_HOST: ConfigOption<String> =
    ConfigOption::new("taskmanager.bind-host", TEXT, Cluster, "Interface a TaskManager binds.");
/// `taskmanager.rpc.port`, 0 = any free port.
pub const TASKMANAGER_RPC_PORT: ConfigOption<u16> =
    ConfigOption::new("taskmanager.rpc.port", PORT, Cluster, "A TaskManager's control port; 0: any free port.").with_default("0");
/// `taskmanager.data.port`, 0 = any free port.
pub const TASKMANAGER_DATA_PORT: ConfigOption<u16> =
    ConfigOption::new("taskmanager.data.port", PORT, Cluster, "A TaskManager's data port; 0: any free port.").with_default("0");
/// `taskmanager.memory.process.size`.
pub const TASKMANAGER_MEMORY_PROCESS_SIZE: ConfigOption<u64> =
    ConfigOption::new("taskmanager.memory.process.size", MEMORY_SIZE, Cluster, "Memory of a TaskManager process (informational).");
/// `rest.address`: where clients reach the REST endpoint.
pub const REST_ADDRESS: ConfigOption<String> =
    ConfigOption::new("rest.address", TEXT, Cluster, "Where clients reach the REST endpoint. Unset: jobmanager.rpc.address.");
/// `rest.port`.
pub const REST_PORT: ConfigOption<u16> =
    ConfigOption::new("rest.port", PORT, Cluster, "Port of REST and the dashboard.").with_default("8081");
/// `rest.bind-address`: only local clients unless configured.
pub const REST_BIND_ADDRESS: ConfigOption<String> =
    ConfigOption::new("rest.bind-address", TEXT, Cluster, "Interface REST binds (local clients only by default).")
        .with_default("127.0.0.1");
/// `rest.server.max-content-length` in bytes: largest request, e.g. an upload.
pub const REST_SERVER_MAX_CONTENT_LENGTH: ConfigOption<u64> =
    ConfigOption::new("rest.server.max-content-length", COUNT, Cluster, "Largest REST request in bytes (uploads).")
        .with_default("104857600");
/// `rest.client.max-content-length` in bytes (accepted).
pub const REST_CLIENT_MAX_CONTENT_LENGTH: ConfigOption<u64> =
    ConfigOption::new("rest.client.max-content-length", COUNT, Cluster, "Accepted for Flink compatibility.");
/// `web.submit.enable`: whether `/jars/upload` and `/jars/:id/run` are allowed.
pub const WEB_SUBMIT_ENABLE: ConfigOption<bool> =
    ConfigOption::new("web.submit.enable", BOOL, Cluster, "Allow job uploads and submission over REST.").with_default("true");
/// `web.cancel.enable`: whether the dashboard offers job cancellation.
pub const WEB_CANCEL_ENABLE: ConfigOption<bool> =
    ConfigOption::new("web.cancel.enable", BOOL, Cluster, "Offer job cancellation in the dashboard.").with_default("true");
/// `web.upload.dir`: where uploaded job binaries go.
pub const WEB_UPLOAD_DIR: ConfigOption<String> =
    ConfigOption::new("web.upload.dir", TEXT, Cluster, "Where uploaded job binaries go. Unset: blob.storage.directory.");
/// `web.refresh-interval`: dashboard polling interval.
pub const WEB_REFRESH_INTERVAL: ConfigOption<Duration> =
    ConfigOption::new("web.refresh-interval", DURATION, Cluster, "Dashboard polling interval.").with_default("3000");
/// `heartbeat.interval`.
pub const HEARTBEAT_INTERVAL: ConfigOption<Duration> =
    ConfigOption::new("heartbeat.interval", DURATION, Cluster, "How often TaskManagers send heartbeats.").with_default("10000");
/// `heartbeat.timeout`.
pub const HEARTBEAT_TIMEOUT: ConfigOption<Duration> =
    ConfigOption::new("heartbeat.timeout", DURATION, Cluster, "Silence after which a TaskManager is lost.").with_default("50000");
/// `blob.storage.directory`.
pub const BLOB_STORAGE_DIRECTORY: ConfigOption<String> =
    ConfigOption::new("blob.storage.directory", TEXT, Cluster, "Where job binaries are stored. Unset: <tmp>/rasch-blobs-<user>.");
/// `env.log.dir`.
pub const ENV_LOG_DIR: ConfigOption<String> =
    ConfigOption::new("env.log.dir", TEXT, Cluster, "Log directory of cluster processes.").with_default("log");
/// `env.pid.dir`.
pub const ENV_PID_DIR: ConfigOption<String> =
    ConfigOption::new("env.pid.dir", TEXT, Cluster, "Where cluster processes write pid files.").with_default("/tmp");
/// `security.cluster.secret`: optional shared secret between cluster processes (Rasch).
pub const SECURITY_CLUSTER_SECRET: ConfigOption<String> =
    ConfigOption::new("security.cluster.secret", TEXT, Cluster, "Shared secret every cluster connection must carry (Rasch).");
/// `cluster.registration.initial-timeout` (accepted).
pub const REGISTRATION_INITIAL_TIMEOUT: ConfigOption<Duration> =
    ConfigOption::new("cluster.registration.initial-timeout", DURATION, Cluster, "Accepted for Flink compatibility.");
/// `cluster.registration.max-timeout` (accepted).
pub const REGISTRATION_MAX_TIMEOUT: ConfigOption<Duration> =
    ConfigOption::new("cluster.registration.max-timeout", DURATION, Cluster, "Accepted for Flink compatibility.");
/// `cluster.registration.refused-registration-delay` (accepted).
pub const REGISTRATION_REFUSED_DELAY: ConfigOption<Duration> =
    ConfigOption::new("cluster.registration.refused-registration-delay", DURATION, Cluster, "Accepted for Flink compatibility.");
/// `cluster.startup.timeout`: how long `start-cluster` waits (Rasch).
pub const CLUSTER_STARTUP_TIMEOUT: ConfigOption<Duration> =
    ConfigOption::new("cluster.startup.timeout", DURATION, Cluster, "How long start-cluster waits for the processes (Rasch).")
        .with_default("30 s");
/// `high-availability.type`: `none` (default) or `etcd`.
pub const HIGH_AVAILABILITY: ConfigOption<HighAvailabilityType> = ConfigOption::new(
    "high-availability.type",
    HIGH_AVAILABILITY_TYPE,
    Cluster,
    "Leader election and recovery metadata of the JobManagers: none or etcd.",
)
.with_default("none");
/// `high-availability.etcd.endpoints`: the etcd cluster (Rasch; Flink uses ZooKeeper).
pub const HIGH_AVAILABILITY_ETCD_ENDPOINTS: ConfigOption<Vec<String>> = ConfigOption::new(
    "high-availability.etcd.endpoints",
    URL_LIST,
    Cluster,
    "Comma-separated URLs of the etcd members (high-availability.type: etcd).",
);
/// `high-availability.etcd.lease-ttl`: how long leadership outlives its last lease renewal.
pub const HIGH_AVAILABILITY_ETCD_LEASE_TTL: ConfigOption<Duration> = ConfigOption::new(
    "high-availability.etcd.lease-ttl",
    DURATION,
    Cluster,
    "Time to live of the leader's etcd lease (whole seconds, at least 1 s); a standby takes over this long after the leader dies (Rasch).",
)
.with_default("5 s");
/// `high-availability.storageDir`: job binaries and other bulk recovery data.
pub const HIGH_AVAILABILITY_STORAGE_DIR: ConfigOption<String> = ConfigOption::new(
    "high-availability.storageDir",
    TEXT,
    Cluster,
    "Directory every JobManager can read, for job binaries a new leader recovers (etcd holds only pointers).",
);
/// `high-availability.cluster-id`: separates clusters sharing one etcd and storage directory.
pub const HIGH_AVAILABILITY_CLUSTER_ID: ConfigOption<String> = ConfigOption::new(
    "high-availability.cluster-id",
    TEXT,
    Cluster,
    "Name of this cluster under the etcd key prefix and the storage directory.",
)
.with_default("/default");
/// `high-availability.jobmanager.port`: the RPC port (or range) of JobManagers in HA mode.
pub const HIGH_AVAILABILITY_JOBMANAGER_PORT: ConfigOption<PortRange> = ConfigOption::new(
    "high-availability.jobmanager.port",
    PORT_RANGE,
    Cluster,
    "RPC port or range (50010-50020) of the JobManagers with high availability; the first free one is taken. 0: any.",
)
.with_default("0");
