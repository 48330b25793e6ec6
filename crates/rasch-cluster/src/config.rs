//! Cluster configuration: `$RASCH_CONF_DIR/config.yaml` (default `./conf`), `conf/workers`,
//! `conf/masters` and `-D key=value` overrides, in the style of Flink 1.19+.
//!
//! `config.yaml` may nest maps (`rest: {port: 8081}`) or use flat dotted keys (`rest.port: 8081`),
//! or mix both; everything is flattened to dotted keys. A value may be a scalar or a list of
//! scalars (stored joined with `;`, Flink's flat list syntax). Every key is checked against
//! [`rasch_core::config::KNOWN_KEYS`] and typed keys have their value checked; errors name the
//! file, the line, the key and the nearest valid key.

use rasch_core::config::{KNOWN_KEYS, nearest, parse_duration_ms};
use rasch_core::{Configuration, Error, Result};
use saphyr_parser::{Event, Parser, ScanError, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variable naming the configuration directory.
pub const CONF_DIR_ENV_VAR: &str = "RASCH_CONF_DIR";
/// File name of the main configuration file inside the configuration directory.
pub const CONFIG_FILE: &str = "config.yaml";

/// `jobmanager.rpc.address` (default `localhost`).
pub const JOBMANAGER_RPC_ADDRESS: &str = "jobmanager.rpc.address";
/// `jobmanager.rpc.port` (default 6123).
pub const JOBMANAGER_RPC_PORT: &str = "jobmanager.rpc.port";
/// `jobmanager.bind-host` (default: all interfaces of `jobmanager.rpc.address`).
pub const JOBMANAGER_BIND_HOST: &str = "jobmanager.bind-host";
/// `jobmanager.memory.process.size`.
pub const JOBMANAGER_MEMORY_PROCESS_SIZE: &str = "jobmanager.memory.process.size";
/// `taskmanager.numberOfTaskSlots` (default 1).
pub const TASKMANAGER_SLOTS: &str = "taskmanager.numberOfTaskSlots";
/// `taskmanager.host`: the address a TaskManager advertises.
pub const TASKMANAGER_HOST: &str = "taskmanager.host";
/// `taskmanager.bind-host`.
pub const TASKMANAGER_BIND_HOST: &str = "taskmanager.bind-host";
/// `taskmanager.rpc.port` (default 0 = any free port).
pub const TASKMANAGER_RPC_PORT: &str = "taskmanager.rpc.port";
/// `taskmanager.data.port` (default 0 = any free port).
pub const TASKMANAGER_DATA_PORT: &str = "taskmanager.data.port";
/// `taskmanager.memory.process.size`.
pub const TASKMANAGER_MEMORY_PROCESS_SIZE: &str = "taskmanager.memory.process.size";
/// `rest.address`: where clients reach the REST endpoint (default `jobmanager.rpc.address`).
pub const REST_ADDRESS: &str = "rest.address";
/// `rest.port` (default 8081).
pub const REST_PORT: &str = "rest.port";
/// `rest.bind-address` (default `127.0.0.1`: only local clients unless configured).
pub const REST_BIND_ADDRESS: &str = "rest.bind-address";
/// `rest.server.max-content-length` in bytes (default 104857600): largest request, e.g. upload.
pub const REST_SERVER_MAX_CONTENT_LENGTH: &str = "rest.server.max-content-length";
/// `web.submit.enable` (default true): whether `/jars/upload` and `/jars/:id/run` are allowed.
pub const WEB_SUBMIT_ENABLE: &str = "web.submit.enable";
/// `web.cancel.enable` (default true): whether the dashboard offers job cancellation.
pub const WEB_CANCEL_ENABLE: &str = "web.cancel.enable";
/// `web.upload.dir`: where uploaded job binaries go (default: `blob.storage.directory`).
pub const WEB_UPLOAD_DIR: &str = "web.upload.dir";
/// `web.refresh-interval` in ms (default 3000): dashboard polling interval.
pub const WEB_REFRESH_INTERVAL: &str = "web.refresh-interval";
/// `heartbeat.interval` (default 10000 ms).
pub const HEARTBEAT_INTERVAL: &str = "heartbeat.interval";
/// `heartbeat.timeout` (default 50000 ms).
pub const HEARTBEAT_TIMEOUT: &str = "heartbeat.timeout";
/// `blob.storage.directory` (default `<tmp>/rasch-blobs-<user>`).
pub const BLOB_STORAGE_DIRECTORY: &str = "blob.storage.directory";
/// `env.log.dir` (default `./log`).
pub const ENV_LOG_DIR: &str = "env.log.dir";
/// `env.pid.dir` (default `/tmp`).
pub const ENV_PID_DIR: &str = "env.pid.dir";
/// `security.cluster.secret`: optional shared secret between cluster processes (Rasch-specific).
pub const SECURITY_CLUSTER_SECRET: &str = "security.cluster.secret";
/// `cluster.startup.timeout` (default 30 s): how long `start-cluster` waits (Rasch-specific).
pub const CLUSTER_STARTUP_TIMEOUT: &str = "cluster.startup.timeout";

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Bool,
    Port,
    PositiveInt,
    UInt,
    Duration,
    MemorySize,
    Float,
    OneOf(&'static [&'static str]),
}

/// The value type of keys whose values are checked at load time; other keys take any text.
fn kind_of(key: &str) -> Kind {
    use rasch_core::config as c;
    match key {
        JOBMANAGER_RPC_PORT | REST_PORT | TASKMANAGER_RPC_PORT | TASKMANAGER_DATA_PORT => Kind::Port,
        TASKMANAGER_SLOTS | c::PARALLELISM_DEFAULT | c::MAX_PARALLELISM | c::CHECKPOINTING_MAX_CONCURRENT => Kind::PositiveInt,
        REST_SERVER_MAX_CONTENT_LENGTH
        | "rest.client.max-content-length"
        | c::BATCH_SIZE
        | c::CHECKPOINTING_TOLERABLE_FAILURES
        | c::CHECKPOINTING_NUM_RETAINED
        | "restart-strategy.fixed-delay.attempts"
        | "restart-strategy.failure-rate.max-failures-per-interval"
        | "restart-strategy.exponential-delay.attempts-before-reset-backoff" => Kind::UInt,
        WEB_SUBMIT_ENABLE | WEB_CANCEL_ENABLE | c::OPERATOR_CHAINING | c::SAVEPOINT_IGNORE_UNCLAIMED => Kind::Bool,
        HEARTBEAT_INTERVAL
        | HEARTBEAT_TIMEOUT
        | WEB_REFRESH_INTERVAL
        | CLUSTER_STARTUP_TIMEOUT
        | "cluster.registration.initial-timeout"
        | "cluster.registration.max-timeout"
        | "cluster.registration.refused-registration-delay"
        | c::BUFFER_TIMEOUT
        | c::AUTO_WATERMARK_INTERVAL
        | c::CHECKPOINTING_INTERVAL
        | c::CHECKPOINTING_TIMEOUT
        | c::CHECKPOINTING_MIN_PAUSE
        | "restart-strategy.fixed-delay.delay"
        | "restart-strategy.exponential-delay.initial-backoff"
        | "restart-strategy.exponential-delay.max-backoff"
        | "restart-strategy.exponential-delay.reset-backoff-threshold"
        | "restart-strategy.failure-rate.failure-rate-interval"
        | "restart-strategy.failure-rate.delay" => Kind::Duration,
        JOBMANAGER_MEMORY_PROCESS_SIZE | TASKMANAGER_MEMORY_PROCESS_SIZE => Kind::MemorySize,
        "restart-strategy.exponential-delay.backoff-multiplier" | "restart-strategy.exponential-delay.jitter-factor" => Kind::Float,
        c::RUNTIME_MODE => Kind::OneOf(&["STREAMING", "BATCH", "AUTOMATIC"]),
        c::CHECKPOINTING_MODE => Kind::OneOf(&["EXACTLY_ONCE", "AT_LEAST_ONCE"]),
        c::RESTART_STRATEGY => Kind::OneOf(&[
            "none",
            "off",
            "disable",
            "fixed-delay",
            "fixeddelay",
            "exponential-delay",
            "exponentialdelay",
            "failure-rate",
            "failurerate",
        ]),
        _ => Kind::Text,
    }
}

/// Checks `value` against the type of `key`; the message says what was expected.
fn check_value(key: &str, value: &str) -> std::result::Result<(), String> {
    let v = value.trim();
    let ok = match kind_of(key) {
        Kind::Text => !value.contains('\0'),
        Kind::Bool => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
        Kind::Port => v.parse::<u16>().is_ok(),
        Kind::PositiveInt => v.parse::<u64>().is_ok_and(|n| n > 0),
        Kind::UInt => v.parse::<u64>().is_ok(),
        Kind::Duration => parse_duration_ms(v).is_some(),
        Kind::MemorySize => parse_memory_size(v).is_some(),
        Kind::Float => v.parse::<f64>().is_ok_and(f64::is_finite),
        Kind::OneOf(options) => options.iter().any(|o| o.eq_ignore_ascii_case(v)),
    };
    if ok {
        return Ok(());
    }
    let expected = match kind_of(key) {
        Kind::Text => "text without NUL characters".to_string(),
        Kind::Bool => "true or false".to_string(),
        Kind::Port => "a port number (0-65535)".to_string(),
        Kind::PositiveInt => "a positive integer".to_string(),
        Kind::UInt => "a non-negative integer".to_string(),
        Kind::Duration => "a duration like '10000', '500 ms', '10 s' or '1 min'".to_string(),
        Kind::MemorySize => "a memory size like '1728m', '1 gb' or '1073741824b'".to_string(),
        Kind::Float => "a number".to_string(),
        Kind::OneOf(options) => format!("one of {}", options.join(", ")),
    };
    Err(format!("'{key}': expected {expected}, got '{value}'"))
}

/// Parses Flink memory sizes: a number with an optional unit (b, k/kb, m/mb, g/gb, t/tb;
/// also kibibytes etc.), case-insensitive, optional space. Returns bytes.
pub fn parse_memory_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// The error message for an unknown key, with the nearest valid key when one is close.
fn unknown_key(key: &str) -> String {
    match nearest(key, KNOWN_KEYS) {
        Some(near) => format!("unknown configuration key '{key}'; did you mean '{near}'?"),
        None => format!("unknown configuration key '{key}'"),
    }
}

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
        let entries = flatten_yaml(text).map_err(|(line, msg)| match line {
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
        if !KNOWN_KEYS.contains(&key) {
            return Err(unknown_key(key));
        }
        check_value(key, value)?;
        self.config.set(key, value).map_err(|e| e.to_string())
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
    pub fn get(&self, key: &str) -> Option<&str> {
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

    fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    fn port(&self, key: &str, default: u16) -> u16 {
        self.get(key).and_then(|v| v.trim().parse().ok()).unwrap_or(default)
    }

    fn duration(&self, key: &str, default: u64) -> u64 {
        self.get(key).and_then(parse_duration_ms).unwrap_or(default)
    }

    fn bool(&self, key: &str, default: bool) -> bool {
        self.get(key).map(|v| v.trim().eq_ignore_ascii_case("true")).unwrap_or(default)
    }

    /// `jobmanager.rpc.address`, default `localhost`.
    pub fn jobmanager_rpc_address(&self) -> String {
        self.text(JOBMANAGER_RPC_ADDRESS).unwrap_or_else(|| "localhost".to_string())
    }

    /// `jobmanager.rpc.port`, default 6123.
    pub fn jobmanager_rpc_port(&self) -> u16 {
        self.port(JOBMANAGER_RPC_PORT, 6123)
    }

    /// `jobmanager.bind-host`, unset by default (the runtime then binds all interfaces).
    pub fn jobmanager_bind_host(&self) -> Option<String> {
        self.text(JOBMANAGER_BIND_HOST)
    }

    /// `jobmanager.memory.process.size` in bytes, if set.
    pub fn jobmanager_memory_process_size(&self) -> Option<u64> {
        self.get(JOBMANAGER_MEMORY_PROCESS_SIZE).and_then(parse_memory_size)
    }

    /// `taskmanager.numberOfTaskSlots`, default 1.
    pub fn taskmanager_slots(&self) -> usize {
        self.get(TASKMANAGER_SLOTS).and_then(|v| v.trim().parse().ok()).unwrap_or(1)
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
        self.port(TASKMANAGER_RPC_PORT, 0)
    }

    /// `taskmanager.data.port`, default 0 (any free port).
    pub fn taskmanager_data_port(&self) -> u16 {
        self.port(TASKMANAGER_DATA_PORT, 0)
    }

    /// `taskmanager.memory.process.size` in bytes, if set.
    pub fn taskmanager_memory_process_size(&self) -> Option<u64> {
        self.get(TASKMANAGER_MEMORY_PROCESS_SIZE).and_then(parse_memory_size)
    }

    /// `rest.address`, default `jobmanager.rpc.address` (itself default `localhost`).
    pub fn rest_address(&self) -> String {
        self.text(REST_ADDRESS).unwrap_or_else(|| self.jobmanager_rpc_address())
    }

    /// `rest.port`, default 8081.
    pub fn rest_port(&self) -> u16 {
        self.port(REST_PORT, 8081)
    }

    /// `rest.bind-address`, default `127.0.0.1`.
    pub fn rest_bind_address(&self) -> String {
        self.text(REST_BIND_ADDRESS).unwrap_or_else(|| "127.0.0.1".to_string())
    }

    /// `rest.server.max-content-length`, default 104857600 (100 MiB).
    pub fn rest_server_max_content_length(&self) -> u64 {
        self.get(REST_SERVER_MAX_CONTENT_LENGTH).and_then(|v| v.trim().parse().ok()).unwrap_or(104_857_600)
    }

    /// `web.submit.enable`, default true.
    pub fn web_submit_enable(&self) -> bool {
        self.bool(WEB_SUBMIT_ENABLE, true)
    }

    /// `web.cancel.enable`, default true.
    pub fn web_cancel_enable(&self) -> bool {
        self.bool(WEB_CANCEL_ENABLE, true)
    }

    /// `web.upload.dir`, if set.
    pub fn web_upload_dir(&self) -> Option<PathBuf> {
        self.text(WEB_UPLOAD_DIR).map(PathBuf::from)
    }

    /// `web.refresh-interval` in ms, default 3000.
    pub fn web_refresh_interval_ms(&self) -> u64 {
        self.duration(WEB_REFRESH_INTERVAL, 3000)
    }

    /// `heartbeat.interval` in ms, default 10000.
    pub fn heartbeat_interval_ms(&self) -> u64 {
        self.duration(HEARTBEAT_INTERVAL, 10_000)
    }

    /// `heartbeat.timeout` in ms, default 50000.
    pub fn heartbeat_timeout_ms(&self) -> u64 {
        self.duration(HEARTBEAT_TIMEOUT, 50_000)
    }

    /// `parallelism.default`, default 1.
    pub fn parallelism_default(&self) -> usize {
        self.get(rasch_core::config::PARALLELISM_DEFAULT).and_then(|v| v.trim().parse().ok()).unwrap_or(1)
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
        self.text(ENV_LOG_DIR).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("log"))
    }

    /// `env.pid.dir`, default `/tmp`.
    pub fn env_pid_dir(&self) -> PathBuf {
        self.text(ENV_PID_DIR).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"))
    }

    /// `security.cluster.secret`, if set.
    pub fn cluster_secret(&self) -> Option<String> {
        self.text(SECURITY_CLUSTER_SECRET)
    }

    /// `cluster.startup.timeout` in ms, default 30000.
    pub fn cluster_startup_timeout_ms(&self) -> u64 {
        self.duration(CLUSTER_STARTUP_TIMEOUT, 30_000)
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

type Flat = Vec<(String, String, usize)>;
type YamlErr = (Option<usize>, String);

fn scan_err(e: ScanError) -> YamlErr {
    (Some(e.marker().line()), format!("malformed YAML: {}", e.info()))
}

/// Flattens a YAML document into `(dotted key, value, line)` triples.
fn flatten_yaml(text: &str) -> std::result::Result<Flat, YamlErr> {
    let mut parser = Parser::new_from_str(text);
    let mut out = Flat::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut documents = 0;
    loop {
        let (event, span) = next(&mut parser)?;
        match event {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err((Some(span.start.line()), "only one YAML document is allowed".into()));
                }
                let (event, span) = next(&mut parser)?;
                match event {
                    Event::MappingStart(..) => flatten_map(&mut parser, "", &mut out, &mut first_line)?,
                    Event::DocumentEnd => {}
                    Event::Scalar(ref v, ..) if v.trim().is_empty() || v == "~" || v == "null" => {}
                    _ => return Err((Some(span.start.line()), "the top level must be a map of keys to values".into())),
                }
            }
            _ => return Err((Some(span.start.line()), "unexpected YAML content".into())),
        }
    }
    Ok(out)
}

fn next<'a>(parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>) -> std::result::Result<(Event<'a>, Span), YamlErr> {
    match parser.next_event() {
        Some(Ok(ev)) => Ok(ev),
        Some(Err(e)) => Err(scan_err(e)),
        None => Err((None, "unexpected end of YAML".into())),
    }
}

fn is_null(v: &str, style: saphyr_parser::ScalarStyle) -> bool {
    style == saphyr_parser::ScalarStyle::Plain && matches!(v, "" | "~" | "null" | "Null" | "NULL")
}

fn flatten_map<'a>(
    parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
    prefix: &str,
    out: &mut Flat,
    first_line: &mut BTreeMap<String, usize>,
) -> std::result::Result<(), YamlErr> {
    loop {
        let (event, span) = next(parser)?;
        let line = span.start.line();
        let key = match event {
            Event::MappingEnd => return Ok(()),
            Event::Scalar(k, ..) => k.trim().to_string(),
            Event::Alias(_) => return Err((Some(line), "YAML aliases are not supported".into())),
            _ => return Err((Some(line), "keys must be plain text".into())),
        };
        if key.is_empty() || key.contains('\0') {
            return Err((Some(line), "empty or invalid key".into()));
        }
        let full = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
        let (event, span) = next(parser)?;
        match event {
            Event::MappingStart(..) => flatten_map(parser, &full, out, first_line)?,
            Event::Scalar(v, style, ..) => {
                if !is_null(&v, style) {
                    push(out, first_line, full, v.to_string(), line)?;
                }
            }
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = next(parser)?;
                    match event {
                        Event::SequenceEnd => break,
                        Event::Scalar(v, ..) => items.push(v.to_string()),
                        _ => {
                            return Err((Some(span.start.line()), format!("'{full}': a list may only hold plain values")));
                        }
                    }
                }
                push(out, first_line, full, items.join(";"), line)?;
            }
            Event::Alias(_) => return Err((Some(span.start.line()), "YAML aliases are not supported".into())),
            _ => return Err((Some(span.start.line()), format!("'{full}': unexpected value"))),
        }
    }
}

fn push(
    out: &mut Flat,
    first_line: &mut BTreeMap<String, usize>,
    key: String,
    value: String,
    line: usize,
) -> std::result::Result<(), YamlErr> {
    if let Some(first) = first_line.get(&key) {
        return Err((Some(line), format!("duplicate key '{key}' (first set on line {first})")));
    }
    first_line.insert(key.clone(), line);
    out.push((key, value, line));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_flat_keys_are_flattened() {
        let yaml = "jobmanager:\n  rpc:\n    address: jm.example\n    port: 6124\nrest.port: 9091\ntaskmanager:\n  numberOfTaskSlots: 4\nparallelism.default: 2\nexecution:\n  checkpointing:\n    interval: 10 s\n";
        let c = ClusterConfig::from_yaml_str(yaml, "conf/config.yaml").unwrap();
        assert_eq!(c.jobmanager_rpc_address(), "jm.example");
        assert_eq!(c.jobmanager_rpc_port(), 6124);
        assert_eq!(c.rest_port(), 9091);
        assert_eq!(c.rest_address(), "jm.example");
        assert_eq!(c.taskmanager_slots(), 4);
        assert_eq!(c.parallelism_default(), 2);
        assert_eq!(c.get("execution.checkpointing.interval"), Some("10 s"));
    }

    #[test]
    fn defaults_follow_flink() {
        let c = ClusterConfig::default();
        assert_eq!(c.jobmanager_rpc_port(), 6123);
        assert_eq!(c.rest_port(), 8081);
        assert_eq!(c.rest_bind_address(), "127.0.0.1");
        assert_eq!(c.rest_server_max_content_length(), 104_857_600);
        assert_eq!(c.heartbeat_interval_ms(), 10_000);
        assert_eq!(c.heartbeat_timeout_ms(), 50_000);
        assert!(c.web_submit_enable() && c.web_cancel_enable());
        assert_eq!(c.workers(), ["localhost"]);
        assert_eq!(c.env_pid_dir(), PathBuf::from("/tmp"));
    }

    #[test]
    fn lists_are_joined() {
        let c = ClusterConfig::from_yaml_str("env.log.dir: [a, b]\n", "f").unwrap();
        assert_eq!(c.get("env.log.dir"), Some("a;b"));
        let c = ClusterConfig::from_yaml_str("env:\n  log:\n    dir:\n      - x\n      - y\n", "f").unwrap();
        assert_eq!(c.get("env.log.dir"), Some("x;y"));
    }

    #[test]
    fn unknown_key_names_file_line_and_suggestion() {
        let err = ClusterConfig::from_yaml_str("rest.port: 1\nrest:\n  prot: 8081\n", "conf/config.yaml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("conf/config.yaml:3"), "{msg}");
        assert!(msg.contains("'rest.prot'") && msg.contains("did you mean 'rest.port'"), "{msg}");
    }

    #[test]
    fn bad_values_and_yaml_are_errors() {
        let msg = ClusterConfig::from_yaml_str("rest.port: eighty\n", "c.yaml").unwrap_err().to_string();
        assert!(msg.contains("c.yaml:1") && msg.contains("rest.port") && msg.contains("eighty"), "{msg}");
        let msg = ClusterConfig::from_yaml_str("rest:\n  port: [1, 2\n", "c.yaml").unwrap_err().to_string();
        assert!(msg.contains("c.yaml:") && msg.contains("malformed YAML"), "{msg}");
        let msg = ClusterConfig::from_yaml_str("rest.port: 1\nrest:\n  port: 2\n", "c.yaml").unwrap_err().to_string();
        assert!(msg.contains("duplicate key 'rest.port'") && msg.contains("line 1"), "{msg}");
        let msg = ClusterConfig::from_yaml_str("- a\n- b\n", "c.yaml").unwrap_err().to_string();
        assert!(msg.contains("top level"), "{msg}");
        assert!(ClusterConfig::from_yaml_str("", "c.yaml").is_ok());
        assert!(ClusterConfig::from_yaml_str("# only a comment\n", "c.yaml").is_ok());
        assert!(ClusterConfig::from_yaml_str("web.submit.enable: maybe\n", "c.yaml").is_err());
        assert!(ClusterConfig::from_yaml_str("taskmanager.memory.process.size: 1728m\n", "c.yaml").is_ok());
    }

    #[test]
    fn overrides_are_validated() {
        let mut c = ClusterConfig::default();
        c.apply_override("rest.port=9000").unwrap();
        assert_eq!(c.rest_port(), 9000);
        let msg = c.apply_override("rest.prot=9000").unwrap_err().to_string();
        assert!(msg.contains("-D rest.prot=9000") && msg.contains("did you mean 'rest.port'"), "{msg}");
        assert!(c.apply_override("rest.port").is_err());
        assert!(c.apply_override("rest.port=99999").is_err());
    }

    #[test]
    fn host_lists_skip_comments() {
        assert_eq!(parse_host_list("# workers\nlocalhost\n\n  host2  # second\n"), ["localhost", "host2"]);
        assert_eq!(parse_memory_size("1728m"), Some(1728 << 20));
        assert_eq!(parse_memory_size("1 gb"), Some(1 << 30));
        assert_eq!(parse_memory_size("12x"), None);
    }
}
