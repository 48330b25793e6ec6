//! Cluster configuration: `$RASCH_CONF_DIR/config.yaml` (default `./conf`), `conf/workers`,
//! `conf/masters` and `-D key=value` overrides, in the style of Flink 1.19+.
//!
//! `config.yaml` may nest maps (`rest: {port: 8081}`) or use flat dotted keys (`rest.port: 8081`),
//! or mix both; everything is flattened to dotted keys. A value may be a scalar or a list of
//! scalars (stored joined with `;`, Flink's flat list syntax). Every key and value is checked
//! against the option registry of [`rasch_core::config`] (keys, types, defaults are declared
//! there, not here); errors name the file, the line, the key and the nearest valid key.

mod yaml;

use rasch_core::config::{ConfigOption, Scope, validate};
use rasch_core::{Configuration, Error, Result};
use std::path::{Path, PathBuf};

pub use rasch_core::config::cluster_options::*;
pub use rasch_core::config::parse_memory_size;

/// Environment variable naming the configuration directory.
pub const CONF_DIR_ENV_VAR: &str = "RASCH_CONF_DIR";
/// File name of the main configuration file inside the configuration directory.
pub const CONFIG_FILE: &str = "config.yaml";

/// A loaded and validated cluster configuration.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    conf_dir: PathBuf,
    config: Configuration,
    workers: Vec<String>,
    masters: Vec<String>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            conf_dir: PathBuf::from("conf"),
            config: Configuration::new(),
            workers: vec!["localhost".to_string()],
            masters: Vec::new(),
        }
    }
}

/// The configuration directory: `$RASCH_CONF_DIR`, else `./conf`.
pub fn default_conf_dir() -> PathBuf {
    match std::env::var_os(CONF_DIR_ENV_VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from("conf"),
    }
}

impl ClusterConfig {
    /// Loads `<conf_dir>/config.yaml` (missing file = all defaults), `workers` and `masters`,
    /// then applies `-D key=value` overrides. `conf_dir` `None` means [`default_conf_dir`].
    pub fn load(conf_dir: Option<&Path>, overrides: &[String]) -> Result<Self> {
        let conf_dir = conf_dir.map(Path::to_path_buf).unwrap_or_else(default_conf_dir);
        let file = conf_dir.join(CONFIG_FILE);
        let mut cfg = match std::fs::read(&file) {
            Ok(bytes) => {
                let text =
                    String::from_utf8(bytes).map_err(|_| Error::Config(format!("{}: the file is not valid UTF-8", file.display())))?;
                Self::from_yaml_str(&text, &file.display().to_string())?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ClusterConfig::default(),
            Err(e) => return Err(Error::io(format!("reading {}", file.display()), e)),
        };
        cfg.conf_dir = conf_dir.clone();
        if let Some(workers) = read_host_list(&conf_dir.join("workers"))? {
            cfg.workers = workers;
        }
        if let Some(masters) = read_host_list(&conf_dir.join("masters"))? {
            cfg.masters = masters;
        }
        for o in overrides {
            cfg.apply_override(o)?;
        }
        Ok(cfg)
    }

    /// Parses YAML text; `origin` names the file in error messages.
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Self> {
        let entries = yaml::flatten_yaml(text).map_err(|(line, msg)| match line {
            Some(line) => Error::Config(format!("{origin}:{line}: {msg}")),
            None => Error::Config(format!("{origin}: {msg}")),
        })?;
        let mut cfg = ClusterConfig::default();
        for (key, value, line) in entries {
            cfg.set_checked(&key, &value).map_err(|msg| Error::Config(format!("{origin}:{line}: {msg}")))?;
        }
        Ok(cfg)
    }

    /// Applies one `key=value` override (from `-D`), validated like the file.
    pub fn apply_override(&mut self, arg: &str) -> Result<()> {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(Error::Config(format!("-D {arg}: expected key=value")));
        };
        self.set_checked(key.trim(), value.trim()).map_err(|msg| Error::Config(format!("-D {arg}: {msg}")))
    }

    /// Sets a key (validated) — for programmatic configuration and tests.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        self.set_checked(key, value).map_err(Error::Config)
    }

    fn set_checked(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        let message = |e: Error| match e {
            Error::Config(m) => m,
            other => other.to_string(),
        };
        validate(key, value).map_err(message)?;
        self.config.set(key, value).map_err(message)
    }

    /// The configuration directory this was loaded from.
    pub fn conf_dir(&self) -> &Path {
        &self.conf_dir
    }

    /// The flat key/value configuration (also what jobs see).
    pub fn configuration(&self) -> &Configuration {
        &self.config
    }

    /// The raw value of a key, if set.
    pub fn get(&self, key: impl AsRef<str>) -> Option<&str> {
        self.config.get(key)
    }

    /// All keys that are set, sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.config.iter()
    }

    /// Hosts from `conf/workers` (default `localhost`).
    pub fn workers(&self) -> &[String] {
        &self.workers
    }

    /// Entries of `conf/masters` (`host[:webui-port]`), empty when the file is absent.
    pub fn masters(&self) -> &[String] {
        &self.masters
    }

    /// The value of `option`, else its default; values were checked when they were set.
    fn value<T: Default>(&self, option: ConfigOption<T>) -> T {
        self.config.read(option).ok().flatten().or_else(|| option.default_value()).unwrap_or_default()
    }

    /// A text option that is set to something other than blanks, else its default.
    fn text(&self, option: ConfigOption<String>) -> Option<String> {
        self.config.read_set(option).ok().flatten().filter(|v| !v.is_empty()).or_else(|| option.default_value())
    }

    /// The settings jobs start from: every set option of [`Scope::Job`].
    pub fn job_settings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().filter(|(k, _)| rasch_core::config::find(k).is_some_and(|o| o.scope() == Scope::Job))
    }

    /// `jobmanager.rpc.address`, default `localhost`.
    pub fn jobmanager_rpc_address(&self) -> String {
        self.text(JOBMANAGER_RPC_ADDRESS).unwrap_or_default()
    }

    /// `jobmanager.rpc.port`, default 6123.
    pub fn jobmanager_rpc_port(&self) -> u16 {
        self.value(JOBMANAGER_RPC_PORT)
    }

    /// `jobmanager.bind-host`, unset by default (the runtime then binds all interfaces).
    pub fn jobmanager_bind_host(&self) -> Option<String> {
        self.text(JOBMANAGER_BIND_HOST)
    }

    /// `jobmanager.memory.process.size` in bytes, if set.
    pub fn jobmanager_memory_process_size(&self) -> Option<u64> {
        self.config.read(JOBMANAGER_MEMORY_PROCESS_SIZE).ok().flatten()
    }

    /// `taskmanager.numberOfTaskSlots`, default 1.
    pub fn taskmanager_slots(&self) -> usize {
        self.value(TASKMANAGER_SLOTS)
    }

    /// `taskmanager.host`, if set.
    pub fn taskmanager_host(&self) -> Option<String> {
        self.text(TASKMANAGER_HOST)
    }

    /// `taskmanager.bind-host`, if set.
    pub fn taskmanager_bind_host(&self) -> Option<String> {
        self.text(TASKMANAGER_BIND_HOST)
    }

    /// `taskmanager.rpc.port`, default 0 (any free port).
    pub fn taskmanager_rpc_port(&self) -> u16 {
        self.value(TASKMANAGER_RPC_PORT)
    }

    /// `taskmanager.data.port`, default 0 (any free port).
    pub fn taskmanager_data_port(&self) -> u16 {
        self.value(TASKMANAGER_DATA_PORT)
    }

    /// `taskmanager.memory.process.size` in bytes, if set.
    pub fn taskmanager_memory_process_size(&self) -> Option<u64> {
        self.config.read(TASKMANAGER_MEMORY_PROCESS_SIZE).ok().flatten()
    }

    /// `rest.address`, default `jobmanager.rpc.address` (itself default `localhost`).
    pub fn rest_address(&self) -> String {
        self.text(REST_ADDRESS).unwrap_or_else(|| self.jobmanager_rpc_address())
    }

    /// `rest.port`, default 8081.
    pub fn rest_port(&self) -> u16 {
        self.value(REST_PORT)
    }

    /// `rest.bind-address`, default `127.0.0.1`.
    pub fn rest_bind_address(&self) -> String {
        self.text(REST_BIND_ADDRESS).unwrap_or_default()
    }

    /// `rest.server.max-content-length`, default 104857600 (100 MiB).
    pub fn rest_server_max_content_length(&self) -> u64 {
        self.value(REST_SERVER_MAX_CONTENT_LENGTH)
    }

    /// `web.submit.enable`, default true.
    pub fn web_submit_enable(&self) -> bool {
        self.value(WEB_SUBMIT_ENABLE)
    }

    /// `web.cancel.enable`, default true.
    pub fn web_cancel_enable(&self) -> bool {
        self.value(WEB_CANCEL_ENABLE)
    }

    /// `web.upload.dir`, if set.
    pub fn web_upload_dir(&self) -> Option<PathBuf> {
        self.text(WEB_UPLOAD_DIR).map(PathBuf::from)
    }

    /// `web.refresh-interval` in ms, default 3000.
    pub fn web_refresh_interval_ms(&self) -> u64 {
        self.value(WEB_REFRESH_INTERVAL).as_millis() as u64
    }

    /// `heartbeat.interval` in ms, default 10000.
    pub fn heartbeat_interval_ms(&self) -> u64 {
        self.value(HEARTBEAT_INTERVAL).as_millis() as u64
    }

    /// `heartbeat.timeout` in ms, default 50000.
    pub fn heartbeat_timeout_ms(&self) -> u64 {
        self.value(HEARTBEAT_TIMEOUT).as_millis() as u64
    }

    /// `parallelism.default`, default 1.
    pub fn parallelism_default(&self) -> usize {
        self.value(rasch_core::config::PARALLELISM_DEFAULT)
    }

    /// `blob.storage.directory`, default `<tmp>/rasch-blobs-<user>`.
    pub fn blob_storage_directory(&self) -> PathBuf {
        self.text(BLOB_STORAGE_DIRECTORY)
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join(format!("rasch-blobs-{}", current_user())))
    }

    /// Where uploaded job binaries are stored: `web.upload.dir` if set, else
    /// [`blob_storage_directory`](Self::blob_storage_directory) (the JobManager opens its
    /// [`BlobStore`](crate::BlobStore) here).
    pub fn jar_store_directory(&self) -> PathBuf {
        self.web_upload_dir().unwrap_or_else(|| self.blob_storage_directory())
    }

    /// `env.log.dir`, default `./log`.
    pub fn env_log_dir(&self) -> PathBuf {
        self.text(ENV_LOG_DIR).map(PathBuf::from).unwrap_or_default()
    }

    /// `env.pid.dir`, default `/tmp`.
    pub fn env_pid_dir(&self) -> PathBuf {
        self.text(ENV_PID_DIR).map(PathBuf::from).unwrap_or_default()
    }

    /// `security.cluster.secret`, if set.
    pub fn cluster_secret(&self) -> Option<String> {
        self.text(SECURITY_CLUSTER_SECRET)
    }

    /// `cluster.startup.timeout` in ms, default 30000.
    pub fn cluster_startup_timeout_ms(&self) -> u64 {
        self.value(CLUSTER_STARTUP_TIMEOUT).as_millis() as u64
    }

    /// `high-availability.type`, default `none`.
    pub fn high_availability(&self) -> rasch_core::config::HighAvailabilityType {
        self.value(HIGH_AVAILABILITY)
    }

    /// `high-availability.etcd.endpoints`, empty when unset.
    pub fn ha_etcd_endpoints(&self) -> Vec<String> {
        self.value(HIGH_AVAILABILITY_ETCD_ENDPOINTS)
    }

    /// `high-availability.etcd.lease-ttl` in whole seconds (at least 1), default 5.
    pub fn ha_lease_ttl_secs(&self) -> u64 {
        self.value(HIGH_AVAILABILITY_ETCD_LEASE_TTL).as_secs().max(1)
    }

    /// `high-availability.storageDir`, unset by default.
    pub fn ha_storage_dir(&self) -> Option<PathBuf> {
        self.text(HIGH_AVAILABILITY_STORAGE_DIR).map(PathBuf::from)
    }

    /// `high-availability.cluster-id` without leading or trailing slashes (default `default`).
    pub fn ha_cluster_id(&self) -> String {
        let id = self.text(HIGH_AVAILABILITY_CLUSTER_ID).unwrap_or_default();
        let id = id.trim_matches('/');
        if id.is_empty() { "default".to_string() } else { id.to_string() }
    }

    /// `high-availability.jobmanager.port`, default `0` (any free port).
    pub fn ha_jobmanager_port(&self) -> rasch_core::config::PortRange {
        self.value(HIGH_AVAILABILITY_JOBMANAGER_PORT)
    }

    /// REST server options derived from this configuration.
    pub fn rest_options(&self) -> crate::rest::RestOptions {
        crate::rest::RestOptions {
            max_content_length: self.rest_server_max_content_length(),
            web_submit: self.web_submit_enable(),
            web_cancel: self.web_cancel_enable(),
            refresh_interval_ms: self.web_refresh_interval_ms(),
        }
    }
}

/// The login name (`$USER`, else `$LOGNAME`, else `unknown`), restricted to safe characters.
pub fn current_user() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default();
    let safe: String = user.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    if safe.is_empty() || safe.starts_with('.') { "unknown".to_string() } else { safe }
}

/// Reads a `workers`/`masters` style file: one entry per line, `#` comments, blank lines
/// ignored. `Ok(None)` when the file does not exist.
pub fn read_host_list(path: &Path) -> Result<Option<Vec<String>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(parse_host_list(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// Parses the content of a `workers`/`masters` file.
pub fn parse_host_list(text: &str) -> Vec<String> {
    text.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests;
