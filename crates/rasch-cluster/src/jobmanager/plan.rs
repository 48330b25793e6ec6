//! Getting a job's plan: the JobManager runs the job binary once in plan mode, with the
//! configuration it will run with, and reads the JobGraph it prints.

use super::state::VertexView;
use rasch_core::{Error, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// A job's plan as the JobManager needs it.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) json: Value,
    pub(crate) name: String,
    pub(crate) fingerprint: String,
    pub(crate) vertices: Vec<VertexView>,
    pub(crate) operator_ids: Vec<String>,
    /// Operator name per node index.
    pub(crate) node_names: Vec<String>,
    /// The job's effective configuration (cluster configuration + the job's own settings).
    pub(crate) config: BTreeMap<String, String>,
}

/// Runs `binary args` in plan mode with `config` as its starting configuration.
pub(crate) fn run_plan(binary: &Path, args: &[String], config: &BTreeMap<String, String>, work_dir: &Path) -> Result<Plan> {
    let file = work_dir.join(format!("plan-{}-{}.json", std::process::id(), super::random_hex(8)));
    let config_json = serde_json::to_string(config).map_err(|e| Error::Internal(e.to_string()))?;
    let output = Command::new(binary)
        .args(args)
        .env("RASCH_EXECUTION_MODE", "plan")
        .env("RASCH_PLAN_FILE", &file)
        .env(rasch_runtime::remote::worker::CONFIG_ENV, config_json)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(format!("running {} in plan mode", binary.display()), e))?;
    let text = std::fs::read_to_string(&file);
    let _ = std::fs::remove_file(&file);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        return Err(Error::InvalidJob(format!(
            "the job program failed while building its plan ({}): {}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )));
    }
    let text = text.map_err(|_| {
        Error::InvalidJob(format!(
            "{} printed no plan: is it a Rasch job that calls StreamEnv::from_args() and execute()?",
            binary.display()
        ))
    })?;
    parse(&text)
}

/// Reads the plan JSON written by `StreamEnv::execute` in plan mode.
pub(crate) fn parse(text: &str) -> Result<Plan> {
    let bad = |what: &str| Error::InvalidJob(format!("the job's plan is malformed: {what}"));
    let json: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let name = json["name"].as_str().ok_or_else(|| bad("no name"))?.to_string();
    let fingerprint = json["fingerprint"].as_str().ok_or_else(|| bad("no fingerprint"))?.to_string();
    let mut vertices = Vec::new();
    let mut operators: Vec<(usize, String, String)> = Vec::new();
    for node in json["nodes"].as_array().ok_or_else(|| bad("no nodes"))? {
        let mut nodes = Vec::new();
        for op in node["operators"].as_array().ok_or_else(|| bad("a vertex without operators"))? {
            let index = op["node"].as_u64().ok_or_else(|| bad("an operator without node index"))? as usize;
            nodes.push(index);
            operators.push((index, op["id"].as_str().unwrap_or_default().to_string(), op["name"].as_str().unwrap_or_default().to_string()));
        }
        vertices.push(VertexView {
            id: node["id"].as_str().ok_or_else(|| bad("a vertex without id"))?.to_string(),
            name: node["description"].as_str().unwrap_or_default().to_string(),
            parallelism: node["parallelism"].as_u64().ok_or_else(|| bad("a vertex without parallelism"))? as usize,
            max_parallelism: node["max_parallelism"].as_u64().unwrap_or(128) as usize,
            is_source: node["inputs"].as_array().is_none_or(|i| i.is_empty()),
            nodes,
        });
    }
    operators.sort();
    let config = json["jobConfig"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    Ok(Plan {
        name,
        fingerprint,
        vertices,
        operator_ids: operators.iter().map(|o| o.1.clone()).collect(),
        node_names: operators.iter().map(|o| o.2.clone()).collect(),
        config,
        json,
    })
}
