//! Jobs as REST shows them: overviews, details, plan, exceptions, configuration.

use super::*;

/// The plan in Flink's shape (`{jid, name, type, nodes}`): the nodes Rasch's plan mode wrote
/// already carry Flink's node fields (`id`, `parallelism`, `operator`, `description`,
/// `inputs` with `ship_strategy` …).
pub(super) fn flink_plan(jid: &str, name: &str, raw: &serde_json::Value) -> serde_json::Value {
    let nodes = raw.get("nodes").cloned().unwrap_or_else(|| serde_json::json!([]));
    serde_json::json!({ "jid": jid, "name": name, "type": "STREAMING", "nodes": nodes })
}

impl Backend {
    pub(super) fn jobs(&self) -> Vec<Arc<JobEntry>> {
        self.0.state.lock().map(|s| s.jobs.values().cloned().collect()).unwrap_or_default()
    }
    pub(super) fn overview_of(&self, job: &JobEntry) -> JobOverview {
        let d = job.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n: usize = d.vertices.iter().map(|v| v.parallelism).sum();
        let counts = task_counts(d.status, n);
        let c = |k: &str| counts.get(k).copied().unwrap_or(0);
        JobOverview {
            jid: job.id.clone(),
            name: d.name.clone(),
            state: d.status.name().into(),
            start_time: d.start_ms,
            end_time: d.end_ms.unwrap_or(-1),
            duration: duration(d.start_ms, d.end_ms),
            last_modification: d.timestamps.values().copied().max().unwrap_or(d.start_ms),
            tasks: TaskCounts {
                total: n as u32,
                created: c("CREATED"),
                running: c("RUNNING"),
                finished: c("FINISHED"),
                canceling: c("CANCELING"),
                canceled: c("CANCELED"),
                failed: c("FAILED"),
                ..Default::default()
            },
        }
    }
    pub(super) fn checkpoint_config_of(&self, job: &JobEntry) -> Option<CheckpointConfig> {
        let d = job.data.lock().ok()?;
        let mut config = rasch_core::Configuration::new();
        for (k, v) in &d.config {
            let _ = config.set(k, v.clone());
        }
        CheckpointConfig::from_config(&config).ok()
    }
}

impl Backend {
    pub(super) fn overview_view(&self) -> ClusterOverview {
        let s = self.0.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = |st: JobStatus| s.jobs.values().filter(|j| j.status() == st).count();
        ClusterOverview {
            taskmanagers: s.taskmanagers.len(),
            slots_total: s.total_slots(),
            slots_available: s.free_slots(),
            jobs_running: s.jobs.values().filter(|j| !j.status().is_terminal()).count(),
            jobs_finished: count(JobStatus::Finished),
            jobs_cancelled: count(JobStatus::Canceled),
            jobs_failed: count(JobStatus::Failed),
            flink_version: env!("CARGO_PKG_VERSION").into(),
            flink_commit: "rasch".into(),
        }
    }

    pub(super) fn job_overviews_view(&self) -> Vec<JobOverview> {
        self.jobs().iter().map(|j| self.overview_of(j)).collect()
    }

    pub(super) fn job_view(&self, id: &str) -> Option<JobDetails> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let now = now_ms();
        let vertices = d
            .vertices
            .iter()
            .enumerate()
            .map(|(vi, v)| {
                let head = v.nodes.first().copied().unwrap_or(0);
                let tail = v.nodes.last().copied().unwrap_or(0);
                let sum = |node: usize, out: bool| -> u64 {
                    (0..v.parallelism).map(|j| d.counters.get(&(node, j)).map(|c| if out { c.1 } else { c.0 }).unwrap_or(0)).sum()
                };
                let bytes = (0..v.parallelism).map(|j| d.bytes(vi, j)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
                JobVertexSummary {
                    id: v.id.clone(),
                    slot_sharing_group_id: "default".into(),
                    name: v.name.clone(),
                    max_parallelism: v.max_parallelism as i64,
                    parallelism: v.parallelism,
                    status: subtask_status(d.status).into(),
                    start_time: d.start_ms,
                    end_time: d.end_ms.unwrap_or(-1),
                    duration: duration(d.start_ms, d.end_ms),
                    tasks: task_counts(d.status, v.parallelism),
                    metrics: io_metrics(if v.is_source { 0 } else { sum(head, false) }, sum(tail, true), bytes),
                }
            })
            .collect();
        let status_counts = task_counts(d.status, d.vertices.len());
        Some(JobDetails {
            jid: job.id.clone(),
            name: d.name.clone(),
            is_stoppable: false,
            state: d.status.name().into(),
            job_type: "STREAMING".into(),
            start_time: d.start_ms,
            end_time: d.end_ms.unwrap_or(-1),
            duration: duration(d.start_ms, d.end_ms),
            max_parallelism: -1,
            now,
            timestamps: JobStatus::all().iter().map(|s| (s.name().to_string(), d.timestamps.get(s.name()).copied().unwrap_or(0))).collect(),
            vertices,
            status_counts,
            plan: flink_plan(&job.id, &d.name, &d.plan),
        })
    }

    pub(super) fn job_plan_view(&self, id: &str) -> Option<serde_json::Value> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        Some(flink_plan(&job.id, &d.name, &d.plan))
    }

    pub(super) fn job_exceptions_view(&self, id: &str) -> Option<JobExceptions> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let mut entries: Vec<ExceptionEntry> =
            d.exceptions.iter().map(|(ts, report)| crate::jobmanager::exceptions::exception_entry(*ts, report)).collect();
        entries.reverse();
        if let Some(why) = &d.waiting {
            entries.insert(
                0,
                ExceptionEntry {
                    exception_name: "NoResourceAvailableException".into(),
                    stacktrace: why.clone(),
                    timestamp: now_ms(),
                    ..Default::default()
                },
            );
        }
        Some(JobExceptions { exception_history: ExceptionHistory { entries, truncated: false } })
    }

    pub(super) fn job_config_view(&self, id: &str) -> Option<JobConfigInfo> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        Some(JobConfigInfo {
            jid: job.id.clone(),
            name: d.name.clone(),
            execution_config: ExecutionConfigInfo {
                execution_mode: "PIPELINED".into(),
                restart_strategy: d.config.get(rasch_core::config::RESTART_STRATEGY.key).cloned().unwrap_or_else(|| "default".into()),
                job_parallelism: d.vertices.iter().map(|v| v.parallelism as i64).max().unwrap_or(1),
                object_reuse_mode: false,
                user_config: d.config.clone(),
            },
        })
    }

    pub(super) fn job_accumulators_view(&self, id: &str) -> Option<JobAccumulators> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
        for ((_, name), v) in &d.accumulators {
            *sums.entry(name.as_str()).or_default() += v;
        }
        let user_task_accumulators = sums
            .into_iter()
            .map(|(name, v)| UserAccumulator { name: name.to_string(), kind: "LongCounter".into(), value: v.to_string() })
            .collect();
        Some(JobAccumulators { user_task_accumulators, ..Default::default() })
    }
}
