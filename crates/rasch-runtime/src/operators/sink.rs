//! The sink operator: hands batches to a user [`SinkWriter`](crate::sink::SinkWriter) and
//! drives its two-phase commit — pre-commit at every checkpoint barrier, commit when the
//! checkpoint completes (and once more at the end of a successful bounded job), recovery of
//! the committables of the checkpoint a job restarts from.

use super::contract::{Downstream, OneInputOperator};
use crate::checkpoint::{FINAL_CHECKPOINT_ID, OperatorState, Snapshot};
use crate::sink::SinkWriter;
use rasch_core::{Error, Record, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Writes every batch through a sink writer; a sink has no downstream.
pub struct SinkOperator<T> {
    writer: Box<dyn SinkWriter<T>>,
    operator_id: Arc<str>,
    /// Committables prepared at each checkpoint and not yet committed.
    pending: BTreeMap<u64, Vec<Vec<u8>>>,
}

impl<T: 'static> SinkOperator<T> {
    /// A sink operator around `writer`; `restored` is the state of the checkpoint the job
    /// restarts from (its uncommitted committables are recovered first).
    pub fn new(mut writer: Box<dyn SinkWriter<T>>, operator_id: Arc<str>, restored: Option<OperatorState>) -> Result<Self> {
        let mut pending = BTreeMap::new();
        if let Some(state) = restored {
            let mut committables = Vec::new();
            for entry in &state.list {
                let (id, c): (u64, Vec<u8>) =
                    postcard::from_bytes(entry).map_err(|e| Error::Serialization(format!("restoring sink committables: {e}")))?;
                let _ = id;
                committables.push(c);
            }
            // Every writer's snapshot names the checkpoint in the union state, which every
            // restored writer gets whole (checkpoints of older Rasch versions have none).
            let mut checkpoint = None;
            for entry in &state.union {
                let id: u64 =
                    postcard::from_bytes(entry).map_err(|e| Error::Serialization(format!("restoring the sink's checkpoint id: {e}")))?;
                checkpoint = checkpoint.max(Some(id));
            }
            match checkpoint {
                Some(id) => writer.recover_at(id, committables)?,
                None => writer.recover(committables)?,
            }
            pending.clear();
        }
        Ok(SinkOperator { writer, operator_id, pending })
    }

    fn commit_up_to(&mut self, checkpoint_id: u64) -> Result<()> {
        let done: Vec<u64> = self.pending.range(..=checkpoint_id).map(|(id, _)| *id).collect();
        let mut committables = Vec::new();
        for id in done {
            committables.extend(self.pending.remove(&id).unwrap_or_default());
        }
        if committables.is_empty() { Ok(()) } else { self.writer.commit(committables) }
    }
}

impl<T: 'static> OneInputOperator for SinkOperator<T> {
    type In = T;
    fn downstream(&mut self) -> Downstream<'_> {
        Downstream::none()
    }
    fn process_batch(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        self.writer.write(batch)?;
        batch.clear();
        Ok(())
    }
    fn on_end_input(&mut self) -> Result<()> {
        self.writer.finish()
    }
    fn on_flush(&mut self) -> Result<()> {
        self.writer.flush()
    }
    fn on_close(&mut self) -> Result<()> {
        self.writer.close()
    }
    fn snapshot_state(&mut self, snapshot: &mut Snapshot) -> Result<()> {
        let id = snapshot.barrier.id;
        let prepared = self.writer.prepare_commit(id)?;
        if !prepared.is_empty() {
            self.pending.insert(id, prepared);
        }
        // Every committable not yet committed is part of this checkpoint: after a failure the
        // restored sink commits them (idempotently).
        let mut list = Vec::new();
        for (cp, committables) in &self.pending {
            for c in committables {
                list.push(postcard::to_allocvec(&(*cp, c))?);
            }
        }
        let union = vec![postcard::to_allocvec(&id)?];
        snapshot.add(&self.operator_id, OperatorState { list, union, ..Default::default() });
        Ok(())
    }
    fn on_checkpoint_complete(&mut self, checkpoint_id: u64) -> Result<()> {
        if checkpoint_id == FINAL_CHECKPOINT_ID {
            // The job finished: everything written since the last checkpoint becomes visible.
            let prepared = self.writer.prepare_commit(FINAL_CHECKPOINT_ID)?;
            if !prepared.is_empty() {
                self.pending.insert(FINAL_CHECKPOINT_ID, prepared);
            }
        }
        self.commit_up_to(checkpoint_id)
    }
}
