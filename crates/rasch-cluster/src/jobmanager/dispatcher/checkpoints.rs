//! Checkpoint statistics and configuration of a job, in Flink's shapes.

use super::*;

fn checkpoint_tasks(s: &CheckpointStats, vertices: &[crate::jobmanager::state::VertexView]) -> BTreeMap<String, serde_json::Value> {
    vertices
        .iter()
        .enumerate()
        .map(|(vi, v)| {
            let acks: Vec<u64> = s.ack_ms.iter().filter(|((x, _), _)| *x == vi).map(|(_, ms)| *ms).collect();
            let aligned = s.alignment_ms.iter().filter(|((x, _), _)| *x == vi).map(|(_, ms)| *ms).max().unwrap_or(0);
            let slowest = acks.iter().copied().max().unwrap_or(0);
            let bytes: u64 = s.operator_bytes.iter().filter(|((x, _), _, _)| *x == vi).map(|(_, _, b)| *b).sum();
            let value = serde_json::json!({
                "id": s.id,
                "status": s.status,
                "latest_ack_timestamp": s.trigger_timestamp + slowest as i64,
                "end_to_end_duration": slowest,
                "alignment_duration": aligned,
                "state_size": bytes,
                "checkpointed_size": bytes,
                "num_subtasks": v.parallelism,
                "num_acknowledged_subtasks": acks.len(),
            });
            (v.id.clone(), value)
        })
        .collect()
}

pub(super) fn checkpoint_stats(
    s: &CheckpointStats,
    vertices: &[crate::jobmanager::state::VertexView],
    external: Option<String>,
) -> CheckpointStatistics {
    let n: usize = vertices.iter().map(|v| v.parallelism).sum();
    let savepoint = s.kind == SnapshotKind::Savepoint;
    CheckpointStatistics {
        class_name: match s.status {
            CheckpointStatus::Completed => ".CompletedCheckpointStatistics",
            CheckpointStatus::Failed => ".FailedCheckpointStatistics",
            CheckpointStatus::InProgress => ".PendingCheckpointStatistics",
        }
        .into(),
        id: s.id,
        status: s.status,
        is_savepoint: savepoint,
        checkpoint_type: if savepoint { "SAVEPOINT" } else { "CHECKPOINT" }.into(),
        trigger_timestamp: s.trigger_timestamp,
        latest_ack_timestamp: s.trigger_timestamp + s.duration_ms as i64,
        checkpointed_size: s.state_size,
        state_size: s.state_size,
        end_to_end_duration: s.duration_ms as i64,
        num_subtasks: n,
        num_acknowledged_subtasks: if s.status.is_completed() { n } else { s.ack_ms.len() },
        tasks: checkpoint_tasks(s, vertices),
        external_path: external,
        discarded: Some(false),
        failure_timestamp: s.failure.as_ref().map(|_| s.trigger_timestamp + s.duration_ms as i64),
        failure_message: s.failure.clone(),
        ..Default::default()
    }
}

pub(super) fn summary(values: &[i64]) -> StatsSummary {
    if values.is_empty() {
        return StatsSummary::default();
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let pct = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)] as f64;
    StatsSummary {
        min: v[0],
        max: v[v.len() - 1],
        avg: v.iter().sum::<i64>() / v.len() as i64,
        p50: pct(0.5),
        p90: pct(0.9),
        p95: pct(0.95),
        p99: pct(0.99),
        p999: pct(0.999),
    }
}

impl Backend {
    pub(super) fn checkpoints_view(&self, id: &str) -> Option<CheckpointingStatistics> {
        let job = self.0.job(id)?;
        let vertices = job.data.lock().ok()?.vertices.clone();
        let n = &vertices[..];
        let stats = job.monitor.checkpoints();
        let history: Vec<CheckpointStatistics> = stats.iter().rev().map(|s| checkpoint_stats(s, n, None)).collect();
        let completed: Vec<&CheckpointStats> = stats.iter().filter(|s| s.status.is_completed()).collect();
        let counts = CheckpointCounts {
            restored: u64::from(job.monitor.restarts()),
            total: stats.len() as u64,
            in_progress: 0,
            completed: completed.len() as u64,
            failed: stats.iter().filter(|s| s.status == CheckpointStatus::Failed).count() as u64,
        };
        let sizes: Vec<i64> = completed.iter().map(|s| s.state_size as i64).collect();
        let durations: Vec<i64> = completed.iter().map(|s| s.duration_ms as i64).collect();
        let latest = LatestCheckpoints {
            completed: completed.iter().rev().find(|s| s.kind == SnapshotKind::Checkpoint).map(|s| checkpoint_stats(s, n, None)),
            savepoint: completed.iter().rev().find(|s| s.kind == SnapshotKind::Savepoint).map(|s| checkpoint_stats(s, n, None)),
            failed: stats.iter().rev().find(|s| s.status == CheckpointStatus::Failed).map(|s| checkpoint_stats(s, n, None)),
            restored: None,
        };
        Some(CheckpointingStatistics {
            counts,
            summary: CheckpointSummary {
                checkpointed_size: summary(&sizes),
                state_size: summary(&sizes),
                end_to_end_duration: summary(&durations),
                ..Default::default()
            },
            latest,
            history,
        })
    }

    pub(super) fn checkpoint_config_view(&self, id: &str) -> Option<CheckpointConfigInfo> {
        let job = self.0.job(id)?;
        let cp = self.checkpoint_config_of(&job)?;
        let d = job.data.lock().ok()?;
        Some(CheckpointConfigInfo {
            mode: if cp.exactly_once { "exactly_once" } else { "at_least_once" }.into(),
            interval: cp.interval_ms.unwrap_or(i64::MAX as u64),
            timeout: cp.timeout_ms,
            min_pause: cp.min_pause_ms,
            max_concurrent: 1,
            externalization: ExternalizationInfo { enabled: cp.dir.is_some(), delete_on_cancellation: !cp.retain_on_cancellation },
            state_backend: d.config.get(STATE_BACKEND.key).map(String::as_str).or(STATE_BACKEND.default).unwrap_or_default().to_string(),
            checkpoint_storage: if cp.dir.is_some() { "FileSystemCheckpointStorage" } else { "JobManagerCheckpointStorage" }.into(),
            unaligned_checkpoints: false,
            tolerable_failed_checkpoints: cp.tolerable_failures,
            aligned_checkpoint_timeout: 0,
            checkpoints_after_tasks_finish: false,
            state_changelog_enabled: false,
        })
    }

    pub(super) fn checkpoint_details_view(&self, id: &str, checkpoint: u64) -> Option<CheckpointDetails> {
        let job = self.0.job(id)?;
        let vertices = job.data.lock().ok()?.vertices.clone();
        job.monitor.checkpoints().iter().rev().find(|s| s.id == checkpoint).map(|s| checkpoint_stats(s, &vertices, None))
    }

    pub(super) fn checkpoint_subtasks_view(&self, id: &str, checkpoint: u64, vertex: &str) -> Option<TaskCheckpointDetails> {
        let job = self.0.job(id)?;
        let (vi, parallelism) =
            job.data.lock().ok()?.vertices.iter().enumerate().find(|(_, v)| v.id == vertex).map(|(i, v)| (i, v.parallelism))?;
        let stats = job.monitor.checkpoints();
        let s = stats.iter().rev().find(|s| s.id == checkpoint)?;
        let of = |list: &[((usize, usize), u64)], j: usize| list.iter().find(|((v, t), _)| *v == vi && *t == j).map(|(_, ms)| *ms);
        let subtasks: Vec<SubtaskCheckpointStatistics> = (0..parallelism)
            .map(|j| match of(&s.ack_ms, j) {
                Some(ack) => SubtaskCheckpointStatistics {
                    index: j,
                    status: "completed".into(),
                    state_size: Some(s.operator_bytes.iter().filter(|((v, t), _, _)| *v == vi && *t == j).map(|(_, _, b)| *b).sum()),
                    ack_timestamp: Some(s.trigger_timestamp + ack as i64),
                    end_to_end_duration: Some(ack),
                    alignment: Some(SubtaskAlignment { duration: of(&s.alignment_ms, j).unwrap_or(0) }),
                },
                None => SubtaskCheckpointStatistics { index: j, status: "pending_or_failed".into(), ..Default::default() },
            })
            .collect();
        let acks: Vec<i64> = subtasks.iter().filter_map(|t| t.end_to_end_duration.map(|d| d as i64)).collect();
        let sizes: Vec<i64> = subtasks.iter().filter_map(|t| t.state_size.map(|b| b as i64)).collect();
        let aligned: Vec<i64> = subtasks.iter().filter_map(|t| t.alignment.as_ref().map(|a| a.duration as i64)).collect();
        let slowest = acks.iter().copied().max().unwrap_or(0);
        Some(TaskCheckpointDetails {
            id: s.id,
            status: s.status,
            latest_ack_timestamp: s.trigger_timestamp + slowest,
            end_to_end_duration: slowest as u64,
            num_subtasks: parallelism,
            num_acknowledged_subtasks: acks.len(),
            state_size: sizes.iter().sum::<i64>() as u64,
            summary: TaskCheckpointSummary {
                end_to_end_duration: summary(&acks),
                state_size: summary(&sizes),
                alignment: AlignmentSummary { duration: summary(&aligned) },
            },
            subtasks,
        })
    }
}
