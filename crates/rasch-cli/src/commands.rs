//! Job verbs over REST: run, info, list, cancel, stop, savepoint, checkpoint.

use crate::client::{CliError, CliResult, RestClient};
use crate::states::{JobGroup, JobState, OperationState};
use rasch_cluster::clock::{UtcTime, now_ms};
use rasch_cluster::rest::model::{ErrorKind, JobExceptions, StopMode};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long trigger-id polling waits before giving up.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(600);

/// Flink's job ids: 32 hex characters.
pub fn check_job_id(id: &str) -> CliResult<()> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(CliError::new(format!("invalid JobID '{id}': expected 32 hexadecimal characters")))
    }
}

/// Explains a 404 on a job's path: the JobManager does not know the job.
fn unknown_job(client: &RestClient, job: &str) -> impl Fn(CliError) -> CliError {
    let address = client.address().to_string();
    let job = job.to_string();
    move |e| {
        if e.is_not_found() {
            CliError::new(format!(
                "{}\nThe JobManager at {address} knows no job {job}; `rasch list -a` shows the jobs it knows.",
                e.message
            ))
        } else {
            e
        }
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Polls a trigger until it completes; returns the `operation` object or the failure cause.
fn wait_for_operation(client: &RestClient, path: &str, what: &str) -> CliResult<Value> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        let v = client.get(path)?;
        match OperationState::of(&v) {
            Some(OperationState::Completed) => {
                let op = v.get("operation").cloned().unwrap_or(Value::Null);
                if let Some(cause) = op.get("failure-cause").filter(|c| !c.is_null()) {
                    let msg = cause.get("stack-trace").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| cause.to_string());
                    return Err(CliError::new(format!("{what} failed: {msg}")));
                }
                return Ok(op);
            }
            Some(OperationState::InProgress) => {}
            None => {
                return Err(CliError::new(format!(
                    "{what}: unexpected status {} from {path}",
                    v.pointer("/status/id").unwrap_or(&Value::Null)
                )));
            }
        }
        if start.elapsed() > OPERATION_TIMEOUT {
            return Err(CliError::new(format!("{what} did not complete within {} s", OPERATION_TIMEOUT.as_secs())));
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// Options of `rasch run`.
pub struct RunOptions<'a> {
    /// The job binary.
    pub binary: &'a Path,
    /// Program arguments.
    pub args: &'a [String],
    /// `-d`: do not wait for the job.
    pub detached: bool,
    /// `-p`.
    pub parallelism: Option<usize>,
    /// `-s`.
    pub savepoint: Option<&'a str>,
    /// `-n`.
    pub allow_non_restored_state: bool,
}

/// `rasch run`.
pub fn run(client: &RestClient, o: RunOptions<'_>) -> CliResult {
    if !o.binary.is_file() {
        return Err(CliError::new(format!("the job binary '{}' does not exist or is not a file", o.binary.display())));
    }
    let id = rasch_cluster::blob::sha256_file(o.binary)
        .map_err(|e| CliError::new(format!("cannot read the job binary {}: {e}", o.binary.display())))?;
    let features = client.get("/config")?;
    if features.pointer("/features/web-submit") == Some(&Value::Bool(false)) {
        return Err(CliError::new(format!(
            "job submission is disabled on the JobManager at {} (web.submit.enable: false)",
            client.address()
        )));
    }
    let jars = client.get("/jars")?;
    let known = jars.get("files").and_then(Value::as_array).is_some_and(|files| files.iter().any(|f| str_field(f, "id") == id));
    if !known {
        let answer = client.upload(o.binary)?;
        let stored = str_field(&answer, "filename");
        if stored.rsplit('/').next() != Some(id.as_str()) {
            return Err(CliError::new(format!(
                "the JobManager stored the binary as '{stored}', expected its SHA-256 {id}; is this a Rasch JobManager?"
            )));
        }
    }
    let mut body = json!({ "programArgsList": o.args, "allowNonRestoredState": o.allow_non_restored_state });
    if let Some(p) = o.parallelism {
        body["parallelism"] = json!(p);
    }
    if let Some(s) = o.savepoint {
        body["savepointPath"] = json!(s);
    }
    let answer = client.post(&format!("/jars/{id}/run"), &body)?;
    let job = str_field(&answer, "jobid").to_string();
    if job.is_empty() {
        return Err(CliError::new(format!("the JobManager did not return a job id: {answer}")));
    }
    println!("Job has been submitted with JobID {job}");
    if o.detached {
        return Ok(());
    }
    let details = loop {
        let d = client.get(&format!("/jobs/{job}"))?;
        if JobState::of(&d).is_terminal() {
            break d;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    match JobState::of(&details) {
        JobState::Finished => {
            println!("Program execution finished");
            println!("Job with JobID {job} has finished.");
            println!("Job Runtime: {} ms", details.get("duration").and_then(Value::as_i64).unwrap_or(0));
            Ok(())
        }
        JobState::Failed => Err(CliError::new(failure_text(client, &job))),
        state => Err(CliError::new(format!("Job {job} did not finish: it is {state}."))),
    }
}

/// What `rasch run` prints for a failed job: the kind of its newest failure and its cause
/// chain, read from REST `/jobs/:id/exceptions`.
fn failure_text(client: &RestClient, job: &str) -> String {
    let exceptions: Option<JobExceptions> =
        client.get(&format!("/jobs/{job}/exceptions")).ok().and_then(|v| serde_json::from_value(v).ok());
    let Some(newest) = exceptions.and_then(|e| e.exception_history.entries.into_iter().next()) else {
        return format!("Job {job} failed.\nCaused by: (no exception recorded)");
    };
    let kind = match newest.error_kind {
        Some(ErrorKind::User) => " with a user error (in the job, its configuration or its input; retrying will not help)",
        Some(ErrorKind::External) => " with an external error (outside Rasch; retrying may help)",
        Some(ErrorKind::Internal) => " with an internal error (a bug in Rasch)",
        None => "",
    };
    let mut text = format!("Job {job} failed{kind}.");
    if newest.causes.is_empty() {
        text.push_str(&format!("\nCaused by: {}", newest.stacktrace));
    }
    for cause in &newest.causes {
        text.push_str(&format!("\nCaused by: {cause}"));
    }
    if let Some(at) = &newest.location {
        text.push_str(&format!("\n\tat {at}"));
    }
    text
}

/// `rasch info`: runs the binary in plan mode and prints its JobGraph.
pub fn info(binary: &Path, args: &[String]) -> CliResult {
    if !binary.is_file() {
        return Err(CliError::new(format!("the job binary '{}' does not exist or is not a file", binary.display())));
    }
    let plan_file = std::env::temp_dir().join(format!("rasch-plan-{}-{}.json", std::process::id(), now_ms()));
    let out = std::process::Command::new(binary)
        .args(args)
        .env("RASCH_EXECUTION_MODE", "plan")
        .env("RASCH_PLAN_FILE", &plan_file)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| CliError::new(format!("cannot start the job binary {}: {e}", binary.display())))?;
    let from_file = std::fs::read_to_string(&plan_file).ok();
    let _ = std::fs::remove_file(&plan_file);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(CliError::new(format!(
            "the job binary {} failed to build its plan ({}):\n{}",
            binary.display(),
            out.status,
            stderr.trim_end()
        )));
    }
    let text = from_file.unwrap_or_else(|| String::from_utf8_lossy(&out.stdout).into_owned());
    let plan: Value = serde_json::from_str(text.trim()).map_err(|e| {
        CliError::new(format!(
            "the job binary {} did not print a JSON plan ({e}); does it call StreamEnv::from_args() and execute()?",
            binary.display()
        ))
    })?;
    println!("----------------------- Execution Plan -----------------------");
    println!("{}", serde_json::to_string_pretty(&plan).unwrap_or_default());
    println!("--------------------------------------------------------------");
    eprintln!(
        "Note: on a cluster execute() does not return (the plan and worker processes exit once their part is done); code after it runs only in local mode."
    );
    Ok(())
}

/// `rasch list`.
pub fn list(client: &RestClient, running: bool, scheduled: bool, all: bool) -> CliResult {
    let (show_running, show_scheduled, show_terminated) = if all {
        (true, true, true)
    } else if !running && !scheduled {
        (true, true, false)
    } else {
        (running, scheduled, false)
    };
    println!("Waiting for response...");
    let v = client.get("/jobs/overview")?;
    let mut jobs: Vec<Value> = v.get("jobs").and_then(Value::as_array).cloned().unwrap_or_default();
    jobs.sort_by_key(|j| j.get("start-time").and_then(Value::as_i64).unwrap_or(0));
    let line = |j: &Value| {
        format!(
            "{} : {} : {} ({})",
            UtcTime::from_epoch_ms(j.get("start-time").and_then(Value::as_i64).unwrap_or(0)).list_format(),
            str_field(j, "jid"),
            str_field(j, "name"),
            str_field(j, "state")
        )
    };
    let of = |group: JobGroup| -> Vec<&Value> { jobs.iter().filter(|j| JobState::of(j).group() == Some(group)).collect() };
    let scheduled_jobs = of(JobGroup::Scheduled);
    let running_jobs = of(JobGroup::Running);
    let terminated_jobs = of(JobGroup::Terminated);
    let section = |title: &str, list: &[&Value], empty: &str| {
        if list.is_empty() {
            println!("{empty}");
        } else {
            println!("{title}");
            for j in list {
                println!("{}", line(j));
            }
            println!("--------------------------------------------------------------");
        }
    };
    if show_running {
        section("------------------ Running/Restarting Jobs -------------------", &running_jobs, "No running jobs.");
    }
    if show_scheduled {
        section("----------------------- Scheduled Jobs -----------------------", &scheduled_jobs, "No scheduled jobs.");
    }
    if show_terminated {
        section("---------------------- Terminated Jobs -----------------------", &terminated_jobs, "No terminated jobs.");
    }
    Ok(())
}

/// `rasch cancel`.
pub fn cancel(client: &RestClient, job: &str) -> CliResult {
    check_job_id(job)?;
    println!("Cancelling job {job}.");
    client.patch(&format!("/jobs/{job}?mode=cancel")).map_err(unknown_job(client, job))?;
    println!("Cancelled job {job}.");
    Ok(())
}

/// `rasch stop`.
pub fn stop(client: &RestClient, job: &str, savepoint_dir: Option<&str>, mode: StopMode) -> CliResult {
    check_job_id(job)?;
    println!("Suspending job \"{job}\" with a CANONICAL savepoint.");
    let mut body = json!({ "drain": mode.drains() });
    if let Some(d) = savepoint_dir {
        body["targetDirectory"] = json!(d);
    }
    let trigger = client.post(&format!("/jobs/{job}/stop"), &body).map_err(unknown_job(client, job))?;
    let trigger = str_field(&trigger, "request-id").to_string();
    let op = wait_for_operation(client, &format!("/jobs/{job}/savepoints/{trigger}"), "Stopping the job")?;
    println!("Savepoint completed. Path: {}", str_field(&op, "location"));
    Ok(())
}

/// `rasch savepoint <job> [dir]`.
pub fn savepoint(client: &RestClient, job: &str, dir: Option<&str>) -> CliResult {
    check_job_id(job)?;
    println!("Triggering savepoint for job {job}.");
    let mut body = json!({ "cancel-job": false });
    if let Some(d) = dir {
        body["target-directory"] = json!(d);
    }
    let trigger = client.post(&format!("/jobs/{job}/savepoints"), &body).map_err(unknown_job(client, job))?;
    let trigger = str_field(&trigger, "request-id").to_string();
    println!("Waiting for response...");
    let op = wait_for_operation(client, &format!("/jobs/{job}/savepoints/{trigger}"), "Triggering the savepoint")?;
    println!("Savepoint completed. Path: {}", str_field(&op, "location"));
    println!("You can resume your program from this savepoint with the run command.");
    Ok(())
}

/// `rasch savepoint -d <path>`.
pub fn dispose(client: &RestClient, path: &str) -> CliResult {
    println!("Disposing savepoint '{path}'.");
    let trigger = client.post("/savepoint-disposal", &json!({ "savepoint-path": path }))?;
    let trigger = str_field(&trigger, "request-id").to_string();
    println!("Waiting for response...");
    wait_for_operation(client, &format!("/savepoint-disposal/{trigger}"), "Disposing the savepoint")?;
    println!("Savepoint '{path}' disposed.");
    Ok(())
}

/// `rasch checkpoint <job>`.
pub fn checkpoint(client: &RestClient, job: &str, full: bool) -> CliResult {
    check_job_id(job)?;
    let kind = if full { "FULL" } else { "CONFIGURED" };
    println!("Triggering checkpoint for job {job}.");
    let trigger = client.post(&format!("/jobs/{job}/checkpoints"), &json!({ "checkpointType": kind })).map_err(unknown_job(client, job))?;
    let trigger = str_field(&trigger, "request-id").to_string();
    println!("Waiting for response...");
    let op = wait_for_operation(client, &format!("/jobs/{job}/checkpoints/{trigger}"), "Triggering the checkpoint")?;
    let id = op.get("checkpointId").map(Value::to_string).unwrap_or_else(|| "?".into());
    println!("Checkpoint({kind}) {id} for job {job} completed.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_checked() {
        assert!(check_job_id("f32569308330c999f20a9fd57d52563e").is_ok());
        assert!(check_job_id("nope").unwrap_err().message.contains("invalid JobID 'nope'"));
    }
}
