//! `rasch`: the command line of Rasch, with Flink's verbs and messages.
//!
//! ```text
//! rasch start-cluster | stop-cluster | jobmanager | taskmanager
//! rasch run [-d] [-p N] [-s savepoint [-n]] <job-binary> [-- args]
//! rasch info <job-binary> [-- args]
//! rasch list [-r|-s|-a]
//! rasch cancel <job> | stop [-p dir] [-d] <job> | savepoint <job> [dir] | savepoint -d <path>
//! rasch checkpoint [--full] <job>
//! rasch new <name> [--path <rasch checkout> | --git <url>] [--dir <parent>]
//! ```
//! Every verb takes `-m/--jobmanager host:port` (default `rest.address`:`rest.port` from
//! `$RASCH_CONF_DIR/config.yaml`; with `high-availability.type: etcd`, the elected leader's REST
//! address read from etcd) and `-D key=value` configuration overrides.

mod client;
mod cluster;
mod commands;
mod new_project;
mod sql;
mod states;

use clap::{Parser, Subcommand};
use client::{CliError, CliResult, RestClient};
use rasch_cluster::ClusterConfig;
use rasch_cluster::rest::model::StopMode;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "rasch", version, about = "Rasch: stateful stream processing — cluster and job control")]
struct Cli {
    /// JobManager REST address to connect to (host:port); default from rest.address/rest.port.
    #[arg(short = 'm', long = "jobmanager", global = true, value_name = "HOST:PORT")]
    jobmanager: Option<String>,
    /// Configuration override, applied after conf/config.yaml (repeatable).
    #[arg(short = 'D', global = true, value_name = "KEY=VALUE")]
    defines: Vec<String>,
    #[command(subcommand)]
    command: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Runs a JobManager in the foreground.
    Jobmanager,
    /// Runs a TaskManager in the foreground.
    Taskmanager,
    /// Starts the JobManager and one TaskManager per line of conf/workers.
    StartCluster,
    /// Stops the TaskManagers and the JobManager started by start-cluster.
    StopCluster,
    /// Submits a job binary to the cluster.
    Run {
        /// Submit and return without waiting for the job to finish.
        #[arg(short = 'd', long = "detached")]
        detached: bool,
        /// Parallelism of the job.
        #[arg(short = 'p', long = "parallelism")]
        parallelism: Option<usize>,
        /// Savepoint to restore the job from.
        #[arg(short = 's', long = "fromSavepoint", alias = "from-savepoint", value_name = "PATH")]
        savepoint: Option<String>,
        /// Allow savepoint state that cannot be mapped to the new program.
        #[arg(short = 'n', long = "allowNonRestoredState", alias = "allow-non-restored-state", requires = "savepoint")]
        allow_non_restored_state: bool,
        /// The job binary (a Rust program using StreamEnv::from_args()).
        binary: PathBuf,
        /// Program arguments (after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Prints the execution plan (JobGraph) of a job binary as JSON.
    Info {
        /// The job binary.
        binary: PathBuf,
        /// Program arguments (after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Lists running and scheduled jobs (-a: also terminated ones).
    List {
        /// Only running jobs.
        #[arg(short = 'r', long = "running")]
        running: bool,
        /// Only scheduled jobs.
        #[arg(short = 's', long = "scheduled")]
        scheduled: bool,
        /// All jobs, including terminated ones.
        #[arg(short = 'a', long = "all")]
        all: bool,
    },
    /// Cancels a job.
    Cancel {
        /// Job id.
        job: String,
    },
    /// Stops a job with a savepoint.
    Stop {
        /// Directory of the savepoint (default: execution.checkpointing.savepoint-dir).
        #[arg(short = 'p', long = "savepoint-path", alias = "savepointPath", value_name = "DIR")]
        savepoint_path: Option<String>,
        /// Emit MAX_WATERMARK before stopping (fire all event-time timers and windows).
        #[arg(short = 'd', long = "drain")]
        drain: bool,
        /// Job id.
        job: String,
    },
    /// Triggers a savepoint of a job, or disposes one with -d.
    Savepoint {
        /// Disposes the savepoint at this path.
        #[arg(short = 'd', long = "dispose", value_name = "PATH", conflicts_with_all = ["job", "dir"])]
        dispose: Option<String>,
        /// Job id.
        #[arg(required_unless_present = "dispose")]
        job: Option<String>,
        /// Target directory (default: execution.checkpointing.savepoint-dir).
        dir: Option<String>,
    },
    /// Runs Flink SQL in the embedded local mode (Flink's sql-client.sh): a shell, or `-f script.sql`.
    Sql {
        /// A file of `;`-terminated statements to run; stops at the first failing one.
        #[arg(short = 'f', long = "file", value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Creates a job crate to start from: a small job, a test and a README.
    New {
        /// The crate's name (and directory).
        name: String,
        /// The Rasch checkout to depend on (default: the one this binary was built from).
        #[arg(long = "path", value_name = "DIR", conflicts_with = "git")]
        path: Option<PathBuf>,
        /// A git repository holding Rasch to depend on instead.
        #[arg(long = "git", value_name = "URL")]
        git: Option<String>,
        /// Where to create the crate's directory (default: the current directory).
        #[arg(long = "dir", value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
    /// Triggers a checkpoint of a job.
    Checkpoint {
        /// A full (non-incremental) checkpoint.
        #[arg(long = "full")]
        full: bool,
        /// Job id.
        job: String,
    },
}

fn jobmanager_address(cli: &Cli, config: &ClusterConfig) -> CliResult<String> {
    match &cli.jobmanager {
        // With high availability the CLI asks the HA services where the leader's REST API is.
        None => match rasch_cluster::ha::from_config(config).map_err(CliError::from)? {
            Some(ha) => match ha.leader().map_err(CliError::from)? {
                Some(leader) => Ok(leader.rest),
                None => Err(CliError::from(rasch_core::Error::Unavailable("no JobManager is the leader (high availability)".into()))),
            },
            None => Ok(format!("{}:{}", config.rest_address(), config.rest_port())),
        },
        Some(m) => {
            let m = m.trim().trim_start_matches("http://").trim_end_matches('/');
            match m.rsplit_once(':') {
                Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(m.to_string()),
                _ => Err(CliError::with_code(format!("-m {m}: expected host:port"), 2)),
            }
        }
    }
}

fn main_inner(cli: Cli) -> CliResult {
    if let Verb::Sql { file } = &cli.command {
        return sql::run(file.as_deref(), &cli.defines);
    }
    let config = ClusterConfig::load(None, &cli.defines)?;
    let client = || jobmanager_address(&cli, &config).map(|a| RestClient::new(&a));
    match &cli.command {
        Verb::Jobmanager => rasch_cluster::jobmanager::run(&config).map_err(CliError::from),
        Verb::Taskmanager => rasch_cluster::taskmanager::run(&config).map_err(CliError::from),
        Verb::StartCluster => cluster::start_cluster(&config, &cli.defines),
        Verb::StopCluster => cluster::stop_cluster(&config),
        Verb::Run { detached, parallelism, savepoint, allow_non_restored_state, binary, args } => {
            if *parallelism == Some(0) {
                return Err(CliError::with_code("-p 0: the parallelism must be positive", 2));
            }
            commands::run(
                &client()?,
                commands::RunOptions {
                    binary,
                    args,
                    detached: *detached,
                    parallelism: *parallelism,
                    savepoint: savepoint.as_deref(),
                    allow_non_restored_state: *allow_non_restored_state,
                },
            )
        }
        Verb::Info { binary, args } => commands::info(binary, args),
        Verb::List { running, scheduled, all } => commands::list(&client()?, *running, *scheduled, *all),
        Verb::Cancel { job } => commands::cancel(&client()?, job),
        Verb::Stop { savepoint_path, drain, job } => {
            commands::stop(&client()?, job, savepoint_path.as_deref(), StopMode::from_drain(*drain))
        }
        Verb::Savepoint { dispose: Some(path), .. } => commands::dispose(&client()?, path),
        Verb::Savepoint { job: Some(job), dir, .. } => commands::savepoint(&client()?, job, dir.as_deref()),
        Verb::Savepoint { .. } => Err(CliError::with_code("savepoint: missing job id (or -d <path>)", 2)),
        Verb::Checkpoint { full, job } => commands::checkpoint(&client()?, job, *full),
        Verb::Sql { .. } => unreachable!("handled above"),
        Verb::New { name, path, git, dir } => {
            let source = new_project::RaschSource::choose(path.as_deref(), git.as_deref())?;
            let created = new_project::create(name, dir, &source)?;
            println!("Created job crate '{name}' in {}", created.display());
            println!("  cd {} && cargo run      # runs the job on the embedded local mode", created.display());
            println!("  cargo test              # runs its tests");
            Ok(())
        }
    }
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = main_inner(cli) {
        eprintln!();
        eprintln!("------------------------------------------------------------");
        eprintln!(" The program finished with the following exception:");
        eprintln!();
        eprintln!("{}", e.message);
        std::process::exit(e.code);
    }
}
