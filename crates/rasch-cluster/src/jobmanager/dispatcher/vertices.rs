//! A job's vertices as REST shows them: subtasks, back-pressure, watermarks.

use super::*;

impl Backend {
    pub(super) fn vertex_view(&self, id: &str, vertex: &str) -> Option<VertexDetails> {
        let hosts = self.hosts();
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == vertex)?;
        let (head, tail) = (v.nodes.first().copied().unwrap_or(0), v.nodes.last().copied().unwrap_or(0));
        let subtasks = (0..v.parallelism)
            .map(|j| {
                let tm = d.placement.get(vi).and_then(|p| p.get(j)).cloned().unwrap_or_default();
                let read = if v.is_source { 0 } else { d.counters.get(&(head, j)).map(|c| c.0).unwrap_or(0) };
                let write = d.counters.get(&(tail, j)).map(|c| c.1).unwrap_or(0);
                SubtaskDetails {
                    subtask: j,
                    status: subtask_status(d.status).into(),
                    attempt: job.monitor.restarts(),
                    endpoint: hosts.get(&tm).cloned().unwrap_or_default(),
                    start_time: d.start_ms,
                    end_time: d.end_ms.unwrap_or(-1),
                    duration: duration(d.start_ms, d.end_ms),
                    metrics: io_metrics(read, write, d.bytes(vi, j)),
                    taskmanager_id: tm,
                }
            })
            .collect();
        Some(VertexDetails {
            id: v.id.clone(),
            name: v.name.clone(),
            max_parallelism: v.max_parallelism as i64,
            parallelism: v.parallelism,
            now: now_ms(),
            subtasks,
        })
    }

    pub(super) fn vertex_backpressure_view(&self, id: &str, vertex: &str) -> Option<VertexBackPressure> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == vertex)?;
        // Flink's levels: ok ≤ 10 % of the time back-pressured, low ≤ 50 %, high above.
        let level = |ratio: f64| {
            if ratio <= 0.1 {
                "ok"
            } else if ratio <= 0.5 {
                "low"
            } else {
                "high"
            }
        };
        let subtasks: Vec<SubtaskBackPressure> = (0..v.parallelism)
            .map(|j| {
                let r = d.rates(vi, j).unwrap_or_default();
                let ratio = r.backpressured / 1000.0;
                SubtaskBackPressure {
                    subtask: j,
                    attempt_number: job.monitor.restarts(),
                    backpressure_level: level(ratio).into(),
                    ratio,
                    idle_ratio: r.idle / 1000.0,
                    busy_ratio: r.busy / 1000.0,
                }
            })
            .collect();
        let worst = subtasks.iter().map(|s| s.ratio).fold(0.0, f64::max);
        Some(VertexBackPressure { status: "ok".into(), backpressure_level: level(worst).into(), end_timestamp: now_ms(), subtasks })
    }

    pub(super) fn vertex_watermarks_view(&self, id: &str, vertex: &str) -> Option<Vec<WatermarkMetric>> {
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == vertex)?;
        Some(
            (0..v.parallelism)
                .map(|j| WatermarkMetric {
                    id: format!("{j}.currentInputWatermark"),
                    value: d.rates(vi, j).map_or(i64::MIN, |r| r.watermark).to_string(),
                })
                .collect(),
        )
    }

    pub(super) fn subtask_times_view(&self, id: &str, vertex: &str) -> Option<SubtaskTimes> {
        let hosts = self.hosts();
        let job = self.0.job(id)?;
        let d = job.data.lock().ok()?;
        let (vi, v) = d.vertices.iter().enumerate().find(|(_, v)| v.id == vertex)?;
        let now = now_ms();
        // Subtasks enter the job's states with it: its timestamps are theirs.
        let timestamps: BTreeMap<String, i64> =
            [("CREATED", "CREATED"), ("RUNNING", "RUNNING"), ("FINISHED", "FINISHED"), ("CANCELED", "CANCELED"), ("FAILED", "FAILED")]
                .iter()
                .filter_map(|(task, job_state)| d.timestamps.get(job_state).map(|t| (task.to_string(), *t)))
                .collect();
        let subtasks = (0..v.parallelism)
            .map(|j| {
                let tm = d.placement.get(vi).and_then(|p| p.get(j)).cloned().unwrap_or_default();
                let host = hosts.get(&tm).cloned().unwrap_or_default();
                SubtaskTimestamps {
                    subtask: j,
                    endpoint: host.clone(),
                    host,
                    duration: duration(d.start_ms, d.end_ms),
                    timestamps: timestamps.clone(),
                }
            })
            .collect();
        Some(SubtaskTimes { id: v.id.clone(), name: v.name.clone(), now, subtasks })
    }

    pub(super) fn vertex_taskmanagers_view(&self, id: &str, vertex: &str) -> Option<VertexTaskManagers> {
        let details = self.vertex_view(id, vertex)?;
        let mut by_tm: BTreeMap<String, Vec<&SubtaskDetails>> = BTreeMap::new();
        for s in &details.subtasks {
            by_tm.entry(s.taskmanager_id.clone()).or_default().push(s);
        }
        let taskmanagers = by_tm
            .into_iter()
            .map(|(tm, subs)| {
                let first = subs[0];
                let mut counts: BTreeMap<String, u32> = BTreeMap::new();
                for s in &subs {
                    *counts.entry(s.status.clone()).or_default() += 1;
                }
                let read: u64 = subs.iter().map(|s| s.metrics.read_records).sum();
                let write: u64 = subs.iter().map(|s| s.metrics.write_records).sum();
                let bytes = (subs.iter().map(|s| s.metrics.read_bytes).sum(), subs.iter().map(|s| s.metrics.write_bytes).sum());
                VertexTaskManager {
                    endpoint: first.endpoint.clone(),
                    status: first.status.clone(),
                    start_time: first.start_time,
                    end_time: first.end_time,
                    duration: first.duration,
                    metrics: io_metrics(read, write, bytes),
                    status_counts: counts,
                    taskmanager_id: tm,
                    aggregated: AggregatedTaskDetails::default(),
                }
            })
            .collect();
        Some(VertexTaskManagers { id: details.id, name: details.name, now: details.now, taskmanagers })
    }
}
