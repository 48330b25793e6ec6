//! `rasch start-cluster` / `rasch stop-cluster`, like Flink's `start-cluster.sh` /
//! `stop-cluster.sh`: the JobManager ("standalonesession") runs on this host, one TaskManager
//! ("taskexecutor") per line of `conf/workers`. Local hosts are spawned as background
//! processes of this same executable; other hosts are reached with
//! `ssh <host> "<RASCH_HOME>/bin/rasch taskmanager"`, which needs password-less ssh and Rasch
//! installed at the same path on every host (as with Flink). With high availability
//! (`high-availability.type: etcd`) one JobManager is started per line of `conf/masters`
//! (`host:webui-port`), each with the REST port of its line, and start-cluster waits for the
//! TaskManagers at the elected leader.
//!
//! Logs go to `<env.log.dir>/rasch-{jobmanager,taskmanager-<n>}-<host>.log`; pids to
//! `<env.pid.dir>/rasch-<user>-{jobmanager,taskmanager}.pid` (one pid per line).

use crate::client::{CliError, CliResult, RestClient};
use rasch_cluster::ClusterConfig;
use rasch_cluster::config::current_user;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The two daemon kinds, with Flink's names in messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// `rasch jobmanager`.
    JobManager,
    /// `rasch taskmanager`.
    TaskManager,
}

impl Daemon {
    fn verb(self) -> &'static str {
        match self {
            Daemon::JobManager => "jobmanager",
            Daemon::TaskManager => "taskmanager",
        }
    }
    fn flink_name(self) -> &'static str {
        match self {
            Daemon::JobManager => "standalonesession",
            Daemon::TaskManager => "taskexecutor",
        }
    }
}

/// This machine's host name.
pub fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// True for `localhost`, loopback addresses and this machine's own name.
pub fn is_local_host(host: &str) -> bool {
    let h = host.trim().to_ascii_lowercase();
    let own = hostname().to_ascii_lowercase();
    h == "localhost"
        || h.starts_with("127.")
        || h == "::1"
        || h == "[::1]"
        || h == "0.0.0.0"
        || h == own
        || own.split('.').next() == Some(h.as_str())
}

/// Where Rasch is installed: `$RASCH_HOME`, else the parent of the executable's `bin/`
/// directory, else the current directory.
pub fn rasch_home() -> PathBuf {
    if let Some(h) = std::env::var_os("RASCH_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
        && dir.file_name().is_some_and(|n| n == "bin")
        && let Some(home) = dir.parent()
    {
        return home.to_path_buf();
    }
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// The pid file of a daemon kind.
pub fn pid_file(config: &ClusterConfig, daemon: Daemon) -> PathBuf {
    config.env_pid_dir().join(format!("rasch-{}-{}.pid", current_user(), daemon.verb()))
}

fn read_pids(path: &Path) -> Vec<u32> {
    fs::read_to_string(path).map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect()).unwrap_or_default()
}

fn write_pids(path: &Path, pids: &[u32]) -> std::io::Result<()> {
    if pids.is_empty() {
        match fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    } else {
        let text: String = pids.iter().map(|p| format!("{p}\n")).collect();
        fs::write(path, text)
    }
}

/// True when `pid` is a live `rasch <verb>` process (on Linux via /proc; elsewhere `kill -0`).
fn is_daemon_alive(pid: u32, daemon: Daemon) -> bool {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    if Path::new("/proc/self").exists() {
        if let Ok(stat) = fs::read_to_string(proc_dir.join("stat"))
            && let Some(after) = stat.rsplit(')').next()
            && after.trim_start().starts_with('Z')
        {
            return false;
        }
        return match fs::read(proc_dir.join("cmdline")) {
            Ok(cmd) => cmd.split(|b| *b == 0).any(|arg| arg == daemon.verb().as_bytes()),
            Err(_) => false,
        };
    }
    Command::new("kill").args(["-0", &pid.to_string()]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn signal(pid: u32, sig: &str) -> bool {
    Command::new("kill").args([sig, &pid.to_string()]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) }
}

fn spawn_local(config: &ClusterConfig, daemon: Daemon, log: &Path, overrides: &[String]) -> CliResult<Child> {
    let exe = std::env::current_exe().map_err(|e| CliError::new(format!("cannot locate the rasch executable: {e}")))?;
    let out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| CliError::new(format!("cannot open the log file {}: {e}", log.display())))?;
    let err = out.try_clone().map_err(|e| CliError::new(format!("cannot open the log file {}: {e}", log.display())))?;
    let mut cmd = Command::new(exe);
    cmd.arg(daemon.verb());
    for o in overrides {
        cmd.arg("-D").arg(o);
    }
    // The daemon serves its own log over REST (`/jobmanager/log`, `/taskmanagers/:id/log`).
    cmd.env("RASCH_LOG_FILE", absolute(log));
    cmd.env(rasch_cluster::config::CONF_DIR_ENV_VAR, absolute(config.conf_dir())).stdin(Stdio::null()).stdout(out).stderr(err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let child = cmd.spawn().map_err(|e| CliError::new(format!("cannot start the {}: {e}", daemon.verb())))?;
    let pid_path = pid_file(config, daemon);
    let mut pids: Vec<u32> = read_pids(&pid_path).into_iter().filter(|p| is_daemon_alive(*p, daemon)).collect();
    pids.push(child.id());
    write_pids(&pid_path, &pids).map_err(|e| CliError::new(format!("cannot write the pid file {}: {e}", pid_path.display())))?;
    Ok(child)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn ssh(host: &str, remote_command: &str) -> CliResult {
    let status = Command::new("ssh")
        .args(["-o", "BatchMode=yes", host, remote_command])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| CliError::new(format!("cannot run ssh to {host}: {e}")))?;
    if status.success() { Ok(()) } else { Err(CliError::new(format!("ssh {host} failed ({status})"))) }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// `rasch start-cluster`.
pub fn start_cluster(config: &ClusterConfig, overrides: &[String]) -> CliResult {
    let host = hostname();
    let log_dir = absolute(&config.env_log_dir());
    fs::create_dir_all(&log_dir).map_err(|e| CliError::new(format!("cannot create the log directory {}: {e}", log_dir.display())))?;
    fs::create_dir_all(config.env_pid_dir())
        .map_err(|e| CliError::new(format!("cannot create the pid directory {}: {e}", config.env_pid_dir().display())))?;
    println!("Starting cluster.");

    let jm_pids: Vec<u32> =
        read_pids(&pid_file(config, Daemon::JobManager)).into_iter().filter(|p| is_daemon_alive(*p, Daemon::JobManager)).collect();
    let mut jm_children: Vec<(Child, PathBuf)> = Vec::new();
    if let Some(pid) = jm_pids.first() {
        println!("[INFO] standalonesession daemon (pid: {pid}) is already running on host {host}.");
    } else {
        write_pids(&pid_file(config, Daemon::JobManager), &[]).ok();
        jm_children = start_jobmanagers(config, overrides, &log_dir, &host)?;
    }
    let jm_log = jm_children.first().map(|(_, log)| log.clone()).unwrap_or_else(|| log_dir.join(format!("rasch-jobmanager-{host}.log")));

    let mut tm_children = Vec::new();
    let home = rasch_home();
    for (n, worker) in config.workers().iter().enumerate() {
        if is_local_host(worker) {
            println!("Starting taskexecutor daemon on host {host}.");
            let log = log_dir.join(format!("rasch-taskmanager-{n}-{host}.log"));
            tm_children.push((spawn_local(config, Daemon::TaskManager, &log, overrides)?, log));
        } else {
            println!("Starting taskexecutor daemon on host {worker}.");
            let d: String = overrides.iter().map(|o| format!(" -D {}", shell_quote(o))).collect();
            let remote_log = log_dir.join(format!("rasch-taskmanager-{n}-{worker}.log"));
            let cmd = format!(
                "mkdir -p {logdir} && RASCH_CONF_DIR={conf} nohup {exe} taskmanager{d} >> {log} 2>&1 < /dev/null & echo $! >> {pid}",
                logdir = shell_quote(&log_dir.display().to_string()),
                conf = shell_quote(&home.join("conf").display().to_string()),
                exe = shell_quote(&home.join("bin").join("rasch").display().to_string()),
                log = shell_quote(&remote_log.display().to_string()),
                pid = shell_quote(&pid_file(config, Daemon::TaskManager).display().to_string()),
            );
            if let Err(e) = ssh(worker, &cmd) {
                eprintln!("[ERROR] could not start a taskexecutor on host {worker}: {e}");
            }
        }
    }

    // Wait until the REST endpoint (with high availability: the leader's) reports the
    // TaskManagers.
    let ha = rasch_cluster::ha::from_config(config).map_err(CliError::from)?;
    let expected = config.workers().len();
    let deadline = Instant::now() + Duration::from_millis(config.cluster_startup_timeout_ms());
    loop {
        for (child, log) in jm_children.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(CliError::new(format!(
                    "a JobManager exited during start-up ({status}); see {}:\n{}",
                    log.display(),
                    tail(log, 20)
                )));
            }
        }
        let address = match &ha {
            None => Ok(format!("{}:{}", config.rest_address(), config.rest_port())),
            Some(ha) => match ha.leader() {
                Ok(Some(leader)) => Ok(leader.rest),
                Ok(None) => Err("no JobManager has been elected leader yet".to_string()),
                Err(e) => Err(e.to_string()),
            },
        };
        let last = match address.map(|a| (RestClient::new(&a).get("/overview"), a)) {
            Err(e) => e,
            Ok((Err(e), _)) => e.message,
            Ok((Ok(v), address)) => {
                let tms = v.get("taskmanagers").and_then(|t| t.as_u64()).unwrap_or(0) as usize;
                let slots = v.get("slots-total").and_then(|t| t.as_u64()).unwrap_or(0);
                if tms >= expected {
                    println!("Cluster is up: web dashboard and REST API at http://{address}, {tms} TaskManager(s) with {slots} slot(s).");
                    return Ok(());
                }
                format!("only {tms} of {expected} TaskManager(s) registered")
            }
        };
        if Instant::now() >= deadline {
            let mut msg = format!(
                "the cluster did not come up within {} ms: {last}.\nJobManager log: {}",
                config.cluster_startup_timeout_ms(),
                jm_log.display()
            );
            for (child, log) in tm_children.iter_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    msg.push_str(&format!("\nA TaskManager exited ({status}); see {}:\n{}", log.display(), tail(log, 10)));
                }
            }
            return Err(CliError::new(msg));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// One line of `conf/masters`: `host[:webui-port]`.
fn parse_master(line: &str) -> CliResult<(String, Option<u16>)> {
    match line.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => match port.parse::<u16>() {
            Ok(p) => Ok((host.to_string(), Some(p))),
            Err(_) => Err(CliError::new(format!("conf/masters: '{line}' is not host:webui-port"))),
        },
        _ => Ok((line.to_string(), None)),
    }
}

/// Starts the JobManagers: with high availability one per line of `conf/masters`, each with
/// the REST port of its line (its RPC port comes from `high-availability.jobmanager.port`);
/// otherwise one here. Returns the local processes with their logs.
fn start_jobmanagers(config: &ClusterConfig, overrides: &[String], log_dir: &Path, host: &str) -> CliResult<Vec<(Child, PathBuf)>> {
    let ha = config.high_availability() != rasch_core::config::HighAvailabilityType::None;
    if !ha || config.masters().is_empty() {
        println!("Starting standalonesession daemon on host {host}.");
        let log = log_dir.join(format!("rasch-jobmanager-{host}.log"));
        return Ok(vec![(spawn_local(config, Daemon::JobManager, &log, overrides)?, log)]);
    }
    let mut started = Vec::new();
    for (n, line) in config.masters().iter().enumerate() {
        let (master, port) = parse_master(line)?;
        let mut own: Vec<String> = overrides.to_vec();
        if let Some(p) = port {
            own.push(format!("{}={p}", rasch_cluster::config::REST_PORT.key));
        }
        if is_local_host(&master) {
            println!("Starting standalonesession daemon on host {host}.");
            let log = log_dir.join(format!("rasch-jobmanager-{n}-{host}.log"));
            started.push((spawn_local(config, Daemon::JobManager, &log, &own)?, log));
        } else {
            println!("Starting standalonesession daemon on host {master}.");
            let d: String = own.iter().map(|o| format!(" -D {}", shell_quote(o))).collect();
            let home = rasch_home();
            let cmd = format!(
                "mkdir -p {logdir} && RASCH_CONF_DIR={conf} nohup {exe} jobmanager{d} >> {log} 2>&1 < /dev/null & echo $! >> {pid}",
                logdir = shell_quote(&log_dir.display().to_string()),
                conf = shell_quote(&home.join("conf").display().to_string()),
                exe = shell_quote(&home.join("bin").join("rasch").display().to_string()),
                log = shell_quote(&log_dir.join(format!("rasch-jobmanager-{n}-{master}.log")).display().to_string()),
                pid = shell_quote(&pid_file(config, Daemon::JobManager).display().to_string()),
            );
            if let Err(e) = ssh(&master, &cmd) {
                eprintln!("[ERROR] could not start a standalonesession on host {master}: {e}");
            }
        }
    }
    Ok(started)
}

fn stop_local(config: &ClusterConfig, daemon: Daemon, host: &str) -> CliResult<bool> {
    let path = pid_file(config, daemon);
    let pids = read_pids(&path);
    if pids.is_empty() {
        println!("No {} daemon to stop on host {host}.", daemon.flink_name());
        return Ok(true);
    }
    let mut remaining = Vec::new();
    for pid in pids.iter().rev() {
        if !is_daemon_alive(*pid, daemon) {
            println!("No {} daemon (pid: {pid}) is running anymore on {host}.", daemon.flink_name());
            continue;
        }
        println!("Stopping {} daemon (pid: {pid}) on host {host}.", daemon.flink_name());
        signal(*pid, "-TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while is_daemon_alive(*pid, daemon) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        if is_daemon_alive(*pid, daemon) {
            eprintln!("[WARN] {} daemon (pid: {pid}) did not stop within 10 s; kill it with 'kill -9 {pid}'.", daemon.flink_name());
            remaining.push(*pid);
        }
    }
    remaining.reverse();
    write_pids(&path, &remaining).map_err(|e| CliError::new(format!("cannot update the pid file {}: {e}", path.display())))?;
    Ok(remaining.is_empty())
}

/// `rasch stop-cluster`.
pub fn stop_cluster(config: &ClusterConfig) -> CliResult {
    let host = hostname();
    let mut all_stopped = true;
    let mut local_done = false;
    let pid = shell_quote(&pid_file(config, Daemon::TaskManager).display().to_string());
    for worker in config.workers() {
        if is_local_host(worker) {
            if !local_done {
                all_stopped &= stop_local(config, Daemon::TaskManager, &host)?;
                local_done = true;
            }
        } else {
            println!("Stopping taskexecutor daemon on host {worker}.");
            let cmd = format!("if [ -f {pid} ]; then kill $(cat {pid}) 2>/dev/null; rm -f {pid}; fi");
            if let Err(e) = ssh(worker, &cmd) {
                eprintln!("[ERROR] could not stop the taskexecutor on host {worker}: {e}");
                all_stopped = false;
            }
        }
    }
    if !local_done && !read_pids(&pid_file(config, Daemon::TaskManager)).is_empty() {
        all_stopped &= stop_local(config, Daemon::TaskManager, &host)?;
    }
    // With high availability, JobManagers on other hosts of `conf/masters` are stopped over ssh.
    if config.high_availability() != rasch_core::config::HighAvailabilityType::None {
        let pid = shell_quote(&pid_file(config, Daemon::JobManager).display().to_string());
        let mut remote: Vec<String> = Vec::new();
        for line in config.masters() {
            let (master, _) = parse_master(line)?;
            if !is_local_host(&master) && !remote.contains(&master) {
                println!("Stopping standalonesession daemon on host {master}.");
                let cmd = format!("if [ -f {pid} ]; then kill $(cat {pid}) 2>/dev/null; rm -f {pid}; fi");
                if let Err(e) = ssh(&master, &cmd) {
                    eprintln!("[ERROR] could not stop the standalonesession on host {master}: {e}");
                    all_stopped = false;
                }
                remote.push(master);
            }
        }
    }
    all_stopped &= stop_local(config, Daemon::JobManager, &host)?;
    if all_stopped { Ok(()) } else { Err(CliError::new("some daemons are still running (see above)")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        assert!(is_local_host("localhost"));
        assert!(is_local_host("127.0.1.1"));
        assert!(is_local_host(&hostname()));
        assert!(!is_local_host("worker-17.example.com"));
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
        assert_eq!(parse_master("localhost:8082").unwrap(), ("localhost".to_string(), Some(8082)));
        assert_eq!(parse_master("jm-2").unwrap(), ("jm-2".to_string(), None));
        assert!(parse_master("jm-2:web").is_err());
    }
}
