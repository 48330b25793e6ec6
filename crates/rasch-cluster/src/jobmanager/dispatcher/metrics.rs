//! Metrics: Flink's metric names per scope (REST) and the Prometheus text exposition.

use super::*;

impl Backend {
    /// The Prometheus text exposition, with the names and labels of Flink's Prometheus reporter
    /// (`flink_<scope>_<name>`; scopes `jobmanager`, `jobmanager_job`, `taskmanager_job_task`,
    /// `taskmanager_job_task_operator`). Like Flink's reporter, every metric is a gauge.
    pub(super) fn metrics_view(&self) -> String {
        let mut out = Exposition::default();
        let (jobs, hosts) = {
            let s = self.0.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            out.add("jobmanager_numRegisteredTaskManagers", "", s.taskmanagers.len() as f64);
            out.add("jobmanager_taskSlotsTotal", "", s.total_slots() as f64);
            out.add("jobmanager_taskSlotsAvailable", "", s.free_slots() as f64);
            let hosts: BTreeMap<String, String> = s.taskmanagers.values().map(|t| (t.id.clone(), t.host.clone())).collect();
            (s.jobs.values().cloned().collect::<Vec<Arc<JobEntry>>>(), hosts)
        };
        out.add("jobmanager_numRunningJobs", "", jobs.iter().filter(|j| !j.status().is_terminal()).count() as f64);
        for job in jobs {
            let name = job.data.lock().map(|d| d.name.clone()).unwrap_or_default();
            let job_labels = format!("job_id=\"{}\",job_name=\"{}\"", job.id, label(&name));
            for (metric, value) in job_metrics(&job) {
                out.add(&format!("jobmanager_job_{metric}"), &job_labels, value);
            }
            // Bytes of each operator subtask's state in the latest completed checkpoint.
            let stats = job.monitor.checkpoints();
            let state_bytes: BTreeMap<((usize, usize), &str), u64> = stats
                .iter()
                .rev()
                .find(|s| s.status.is_completed())
                .map(|s| s.operator_bytes.iter().map(|(task, op, b)| ((*task, op.as_str()), *b)).collect())
                .unwrap_or_default();
            let Ok(d) = job.data.lock() else { continue };
            let attempt = job.monitor.restarts();
            for (vi, v) in d.vertices.iter().enumerate() {
                for j in 0..v.parallelism {
                    let tm = d.placement.get(vi).and_then(|p| p.get(j)).cloned().unwrap_or_default();
                    let host = hosts.get(&tm).cloned().unwrap_or_default();
                    let task_labels = format!(
                        "{job_labels},task_id=\"{}\",task_name=\"{}\",subtask_index=\"{j}\",task_attempt_num=\"{attempt}\",tm_id=\"{}\",host=\"{}\"",
                        v.id,
                        label(&v.name),
                        label(&tm),
                        label(&host)
                    );
                    let task = subtask_metrics(&d, vi, j);
                    for metric in TASK_METRICS {
                        if let Some(value) = task.get(*metric) {
                            out.add(&format!("taskmanager_job_task_{metric}"), &task_labels, *value);
                        }
                    }
                    for (k, &node) in v.nodes.iter().enumerate() {
                        let op_name = d.node_names.get(node).cloned().unwrap_or_default();
                        let op_id = d.node_ids.get(node).cloned().unwrap_or_default();
                        let op_labels = format!("{task_labels},operator_id=\"{op_id}\",operator_name=\"{}\"", label(&op_name));
                        let (i, o) = d.counters.get(&(node, j)).copied().unwrap_or_default();
                        let (ri, ro) = d.record_rates.get(&(node, j)).map_or((0.0, 0.0), |r| (r.in_per_second, r.out_per_second));
                        out.add("taskmanager_job_task_operator_numRecordsIn", &op_labels, i as f64);
                        out.add("taskmanager_job_task_operator_numRecordsOut", &op_labels, o as f64);
                        out.add("taskmanager_job_task_operator_numRecordsInPerSecond", &op_labels, ri);
                        out.add("taskmanager_job_task_operator_numRecordsOutPerSecond", &op_labels, ro);
                        if let Some(b) = state_bytes.get(&((vi, j), op_id.as_str())) {
                            out.add("taskmanager_job_task_operator_lastCheckpointStateSize", &op_labels, *b as f64);
                        }
                        // The task reports the input watermark of its first operator.
                        if let (0, Some(w)) = (k, task.get("currentInputWatermark")) {
                            out.add("taskmanager_job_task_operator_currentInputWatermark", &op_labels, *w);
                        }
                    }
                }
            }
        }
        out.render()
    }

    pub(super) fn metrics_of_view(&self, scope: &MetricScope) -> Option<Vec<MetricValues>> {
        match scope {
            MetricScope::JobManager => {
                let s = self.0.state.lock().ok()?;
                let jobs: Vec<Arc<JobEntry>> = s.jobs.values().cloned().collect();
                let mut m = MetricValues::new();
                m.insert("numRegisteredTaskManagers".into(), s.taskmanagers.len() as f64);
                m.insert("taskSlotsTotal".into(), s.total_slots() as f64);
                m.insert("taskSlotsAvailable".into(), s.free_slots() as f64);
                drop(s);
                m.insert("numRunningJobs".into(), jobs.iter().filter(|j| !j.status().is_terminal()).count() as f64);
                Some(vec![m])
            }
            MetricScope::TaskManager(id) => {
                let s = self.0.state.lock().ok()?;
                let tm = s.taskmanagers.get(id)?;
                let mut m = MetricValues::new();
                m.insert("taskSlotsTotal".into(), tm.slots as f64);
                m.insert("taskSlotsAvailable".into(), tm.free_slots() as f64);
                m.insert("timeSinceLastHeartbeat".into(), tm.last_heartbeat.elapsed().as_millis() as f64);
                m.insert("Status.Rasch.Memory.RSS".into(), tm.resources.rss_bytes as f64);
                m.insert("System.Memory.Total".into(), tm.resources.physical_memory as f64);
                m.insert("System.Memory.Available".into(), tm.resources.available_memory as f64);
                Some(vec![m])
            }
            MetricScope::Job(id) => Some(vec![job_metrics(&*self.0.job(id)?)]),
            MetricScope::Vertex { job, vertex } => {
                let job = self.0.job(job)?;
                let d = job.data.lock().ok()?;
                let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == *vertex)?;
                Some((0..v.parallelism).map(|j| subtask_metrics(&d, vi, j)).collect())
            }
        }
    }
}

/// Task-scope metrics exported to Prometheus (names as in [`subtask_metrics`]).
const TASK_METRICS: &[&str] = &[
    "numRecordsIn",
    "numRecordsOut",
    "numRecordsInPerSecond",
    "numRecordsOutPerSecond",
    "numBytesIn",
    "numBytesOut",
    "numBytesInPerSecond",
    "numBytesOutPerSecond",
    "busyTimeMsPerSecond",
    "backPressuredTimeMsPerSecond",
    "idleTimeMsPerSecond",
    "accumulatedBusyTime",
    "accumulatedBackPressuredTime",
    "accumulatedIdleTime",
];

/// Metric families of the Prometheus text format, each written once with its `# TYPE` line.
#[derive(Default)]
struct Exposition {
    families: BTreeMap<String, String>,
}

impl Exposition {
    /// Adds a sample of `flink_<name>` with `labels` (already escaped, comma-separated).
    fn add(&mut self, name: &str, labels: &str, value: f64) {
        let lines = self.families.entry(format!("flink_{name}")).or_default();
        let value = if value.is_finite() { format_metric(value) } else { "NaN".into() };
        if labels.is_empty() {
            lines.push_str(&format!("flink_{name} {value}\n"));
        } else {
            lines.push_str(&format!("flink_{name}{{{labels}}} {value}\n"));
        }
    }

    fn render(self) -> String {
        self.families.into_iter().map(|(name, lines)| format!("# TYPE {name} gauge\n{lines}")).collect()
    }
}

/// A label value in the Prometheus text format: backslash, quote and newline escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A job's metrics by Flink's names (`numRestarts`, `lastCheckpointDuration`, …).
fn job_metrics(job: &JobEntry) -> MetricValues {
    let stats = job.monitor.checkpoints();
    let completed: Vec<&CheckpointStats> = stats.iter().filter(|s| s.status.is_completed()).collect();
    let last = completed.last();
    let mut m = MetricValues::new();
    let (status, start, end) = job.data.lock().map(|d| (d.status, d.start_ms, d.end_ms)).unwrap_or((JobStatus::Failed, 0, None));
    m.insert("numRestarts".into(), f64::from(job.monitor.restarts()));
    m.insert("uptime".into(), if status == JobStatus::Running { duration(start, end) as f64 } else { 0.0 });
    m.insert("numberOfCompletedCheckpoints".into(), completed.len() as f64);
    m.insert("numberOfFailedCheckpoints".into(), stats.iter().filter(|s| s.status == CheckpointStatus::Failed).count() as f64);
    m.insert("numberOfInProgressCheckpoints".into(), stats.iter().filter(|s| s.status == CheckpointStatus::InProgress).count() as f64);
    m.insert("totalNumberOfCheckpoints".into(), stats.len() as f64);
    m.insert("lastCheckpointDuration".into(), last.map_or(0.0, |s| s.duration_ms as f64));
    m.insert("lastCheckpointSize".into(), last.map_or(0.0, |s| s.state_size as f64));
    m.insert("lastCheckpointFullSize".into(), last.map_or(0.0, |s| s.state_size as f64));
    m
}

/// Flink's name for an operator inside a metric id: dots separate scopes, so none in names.
pub(super) fn operator_metric_name(name: &str) -> String {
    name.replace('.', "_")
}

/// Subtask `j` of vertex `vi`: the task's metrics (`numRecordsIn`, `busyTimeMsPerSecond`,
/// `currentInputWatermark`, …) and each chained operator's as `<operator>.<name>`.
fn subtask_metrics(d: &JobData, vi: usize, j: usize) -> MetricValues {
    let v = &d.vertices[vi];
    let mut m = MetricValues::new();
    let counts = |node: usize| d.counters.get(&(node, j)).copied().unwrap_or_default();
    let rates = |node: usize| d.record_rates.get(&(node, j)).map_or((0.0, 0.0), |r| (r.in_per_second, r.out_per_second));
    let (head, tail) = (v.nodes.first().copied().unwrap_or(0), v.nodes.last().copied().unwrap_or(0));
    m.insert("numRecordsIn".into(), if v.is_source { 0.0 } else { counts(head).0 as f64 });
    m.insert("numRecordsOut".into(), counts(tail).1 as f64);
    m.insert("numRecordsInPerSecond".into(), if v.is_source { 0.0 } else { rates(head).0 });
    m.insert("numRecordsOutPerSecond".into(), rates(tail).1);
    let (bytes_in, bytes_out) = d.bytes(vi, j);
    m.insert("numBytesIn".into(), bytes_in as f64);
    m.insert("numBytesOut".into(), bytes_out as f64);
    if let Some(r) = d.rates(vi, j) {
        m.insert("numBytesInPerSecond".into(), r.bytes_in_per_second);
        m.insert("numBytesOutPerSecond".into(), r.bytes_out_per_second);
        m.insert("busyTimeMsPerSecond".into(), r.busy.round());
        m.insert("backPressuredTimeMsPerSecond".into(), r.backpressured.round());
        m.insert("idleTimeMsPerSecond".into(), r.idle.round());
        m.insert("currentInputWatermark".into(), r.watermark as f64);
    }
    if let Some((_, last)) = d.task_times.get(&(vi, j)) {
        let ms = |ns: u64| (ns / 1_000_000) as f64;
        m.insert("accumulatedIdleTime".into(), ms(last.idle_ns));
        m.insert("accumulatedBackPressuredTime".into(), ms(last.backpressured_ns));
        m.insert("accumulatedBusyTime".into(), ms(last.elapsed_ns.saturating_sub(last.idle_ns + last.backpressured_ns)));
    }
    for &node in &v.nodes {
        let Some(name) = d.node_names.get(node) else { continue };
        let name = operator_metric_name(name);
        let (c, r) = (counts(node), rates(node));
        m.insert(format!("{name}.numRecordsIn"), c.0 as f64);
        m.insert(format!("{name}.numRecordsOut"), c.1 as f64);
        m.insert(format!("{name}.numRecordsInPerSecond"), r.0);
        m.insert(format!("{name}.numRecordsOutPerSecond"), r.1);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_written_once_with_escaped_labels() {
        let mut out = Exposition::default();
        out.add("jobmanager_job_numRestarts", &format!("job_name=\"{}\"", label("a \"b\"\\\nc")), 2.0);
        out.add("jobmanager_numRunningJobs", "", 1.0);
        out.add("jobmanager_job_numRestarts", "job_name=\"x\"", 0.5);
        assert_eq!(
            out.render(),
            "# TYPE flink_jobmanager_job_numRestarts gauge\n\
             flink_jobmanager_job_numRestarts{job_name=\"a \\\"b\\\"\\\\\\nc\"} 2\n\
             flink_jobmanager_job_numRestarts{job_name=\"x\"} 0.5\n\
             # TYPE flink_jobmanager_numRunningJobs gauge\nflink_jobmanager_numRunningJobs 1\n"
        );
    }
}
