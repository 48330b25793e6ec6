//! Metrics: Flink's metric names per scope (REST) and the Prometheus text exposition.

use super::*;

impl Backend {
    pub(super) fn metrics_view(&self) -> String {
        let mut out = String::new();
        let s = self.0.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# TYPE rasch_jobmanager_numRegisteredTaskManagers gauge\n");
        out.push_str(&format!("rasch_jobmanager_numRegisteredTaskManagers {}\n", s.taskmanagers.len()));
        out.push_str("# TYPE rasch_jobmanager_taskSlotsTotal gauge\n");
        out.push_str(&format!("rasch_jobmanager_taskSlotsTotal {}\n", s.total_slots()));
        out.push_str("# TYPE rasch_jobmanager_taskSlotsAvailable gauge\n");
        out.push_str(&format!("rasch_jobmanager_taskSlotsAvailable {}\n", s.free_slots()));
        out.push_str("# TYPE rasch_jobmanager_numRunningJobs gauge\n");
        out.push_str(&format!("rasch_jobmanager_numRunningJobs {}\n", s.jobs.values().filter(|j| !j.status().is_terminal()).count()));
        let jobs: Vec<Arc<JobEntry>> = s.jobs.values().cloned().collect();
        drop(s);
        let mut records = String::new();
        let mut checkpoints = String::new();
        let mut tasks = String::new();
        for job in jobs {
            let Ok(d) = job.data.lock() else { continue };
            let name = d.name.replace(['"', '\\', '\n'], "_");
            for v in &d.vertices {
                for &node in &v.nodes {
                    for j in 0..v.parallelism {
                        let (i, o) = d.counters.get(&(node, j)).copied().unwrap_or_default();
                        let labels = format!(
                            "job_id=\"{}\",job_name=\"{name}\",task_id=\"{}\",operator_index=\"{node}\",subtask_index=\"{j}\"",
                            job.id, v.id
                        );
                        records.push_str(&format!("rasch_taskmanager_job_task_operator_numRecordsIn{{{labels}}} {i}\n"));
                        records.push_str(&format!("rasch_taskmanager_job_task_operator_numRecordsOut{{{labels}}} {o}\n"));
                    }
                }
            }
            for (vi, v) in d.vertices.iter().enumerate() {
                for j in 0..v.parallelism {
                    let Some(r) = d.rates(vi, j) else { continue };
                    let labels = format!("job_id=\"{}\",job_name=\"{name}\",task_id=\"{}\",subtask_index=\"{j}\"", job.id, v.id);
                    tasks.push_str(&format!("rasch_taskmanager_job_task_busyTimeMsPerSecond{{{labels}}} {:.0}\n", r.busy));
                    tasks
                        .push_str(&format!("rasch_taskmanager_job_task_backPressuredTimeMsPerSecond{{{labels}}} {:.0}\n", r.backpressured));
                    tasks.push_str(&format!("rasch_taskmanager_job_task_idleTimeMsPerSecond{{{labels}}} {:.0}\n", r.idle));
                    tasks.push_str(&format!("rasch_taskmanager_job_task_currentInputWatermark{{{labels}}} {}\n", r.watermark));
                }
            }
            let stats = job.monitor.checkpoints();
            let labels = format!("job_id=\"{}\",job_name=\"{name}\"", job.id);
            let completed = stats.iter().filter(|s| s.status.is_completed()).count();
            let failed = stats.iter().filter(|s| s.status == CheckpointStatus::Failed).count();
            checkpoints.push_str(&format!("rasch_jobmanager_job_numberOfCompletedCheckpoints{{{labels}}} {completed}\n"));
            checkpoints.push_str(&format!("rasch_jobmanager_job_numberOfFailedCheckpoints{{{labels}}} {failed}\n"));
            checkpoints.push_str(&format!(
                "rasch_jobmanager_job_lastCheckpointDuration{{{labels}}} {}\n",
                stats.iter().rev().find(|s| s.status.is_completed()).map_or(0, |s| s.duration_ms)
            ));
            checkpoints.push_str(&format!("rasch_jobmanager_job_numRestarts{{{labels}}} {}\n", job.monitor.restarts()));
        }
        out.push_str("# TYPE rasch_taskmanager_job_task_operator_numRecordsIn counter\n# TYPE rasch_taskmanager_job_task_operator_numRecordsOut counter\n");
        out.push_str(&records);
        for name in ["busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond", "currentInputWatermark"] {
            out.push_str(&format!("# TYPE rasch_taskmanager_job_task_{name} gauge\n"));
        }
        out.push_str(&tasks);
        out.push_str("# TYPE rasch_jobmanager_job_numberOfCompletedCheckpoints counter\n# TYPE rasch_jobmanager_job_numberOfFailedCheckpoints counter\n");
        out.push_str("# TYPE rasch_jobmanager_job_lastCheckpointDuration gauge\n# TYPE rasch_jobmanager_job_numRestarts counter\n");
        out.push_str(&checkpoints);
        out
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
    if let Some(r) = d.rates(vi, j) {
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
