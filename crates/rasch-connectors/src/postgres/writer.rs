//! One parallel writer of a [`PostgresSink`](super::PostgresSink): its connection, its open
//! transaction and the two-phase commit with prepared transactions.

use super::{Row, RowFn, Settings, pg_error, statement};
use crate::DeliveryGuarantee;
use postgres::{Client, NoTls, Statement};
use rasch_core::{Error, Record, Result};
use rasch_runtime::sink::SinkWriter;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

/// What a writer keeps in a checkpoint: the checkpoint it prepared at and, if it had written
/// anything, its prepared transaction. Written at every barrier, so that a restored writer
/// learns the restored checkpoint's id even when it had nothing to prepare.
#[derive(Debug, Serialize, Deserialize)]
struct Committable {
    checkpoint: u64,
    transaction: Option<String>,
}

/// SQLSTATE 42704 (`undefined_object`): `COMMIT PREPARED` of a transaction no longer prepared.
const UNDEFINED_OBJECT: &str = "42704";

pub(super) struct PostgresWriter<T, F> {
    settings: Arc<Settings>,
    row: Arc<F>,
    client: Client,
    statement: Statement,
    subtask: usize,
    /// A transaction is open (`BEGIN` sent) and holds `rows` rows since `opened`.
    open: Option<(usize, Instant)>,
    _type: PhantomData<fn(&T)>,
}

impl<T: 'static, F: RowFn<T>> PostgresWriter<T, F> {
    pub(super) fn open(settings: Arc<Settings>, row: Arc<F>, subtask: usize) -> Result<Self> {
        let what = format!("connecting the PostgreSQL sink into '{}' (subtask {subtask})", settings.table);
        let mut client = Client::connect(&settings.connection, NoTls).map_err(|e| pg_error(&what, e))?;
        let sql = statement(&settings);
        let statement = client.prepare(&sql).map_err(|e| pg_error(&format!("preparing `{sql}`"), e))?;
        Ok(PostgresWriter { settings, row, client, statement, subtask, open: None, _type: PhantomData })
    }

    fn exactly_once(&self) -> bool {
        self.settings.guarantee == DeliveryGuarantee::ExactlyOnce
    }

    fn sql(&mut self, sql: &str) -> Result<()> {
        let table = &self.settings.table;
        self.client.batch_execute(sql).map_err(|e| pg_error(&format!("PostgreSQL sink into '{table}': `{sql}`"), e))
    }

    /// Commits the open transaction (at least once).
    fn commit_open(&mut self) -> Result<()> {
        if self.open.take().is_some() {
            self.sql("COMMIT")?;
        }
        Ok(())
    }

    /// At least once: commits when the open transaction is full or old enough.
    fn commit_if_due(&mut self) -> Result<()> {
        if let Some((rows, opened)) = self.open
            && !self.exactly_once()
            && (rows >= self.settings.max_rows || opened.elapsed() >= self.settings.flush_interval)
        {
            self.commit_open()?;
        }
        Ok(())
    }

    fn commit_prepared(&mut self, committables: Vec<Vec<u8>>) -> Result<Option<u64>> {
        let mut restored_checkpoint = None;
        for bytes in committables {
            let c: Committable = postcard::from_bytes(&bytes)
                .map_err(|e| Error::Serialization(format!("a committable of the PostgreSQL sink into '{}': {e}", self.settings.table)))?;
            restored_checkpoint = restored_checkpoint.max(Some(c.checkpoint));
            let Some(id) = c.transaction else { continue };
            match self.client.batch_execute(&format!("COMMIT PREPARED '{id}'")) {
                Ok(()) => {}
                // Committed before the failure (commit must be idempotent).
                Err(e) if e.code().is_some_and(|c| c.code() == UNDEFINED_OBJECT) => {}
                Err(e) => return Err(pg_error(&format!("PostgreSQL sink into '{}': COMMIT PREPARED '{id}'", self.settings.table), e)),
            }
        }
        Ok(restored_checkpoint)
    }
}

impl<T: 'static, F: RowFn<T>> SinkWriter<T> for PostgresWriter<T, F> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let columns = self.settings.columns.len();
        let mut values = Vec::with_capacity(columns);
        for r in batch.iter() {
            if self.open.is_none() {
                self.sql("BEGIN")?;
                self.open = Some((0, Instant::now()));
            }
            let mut row = Row { values };
            (self.row)(&r.value, &mut row);
            if row.values.len() != columns {
                return Err(Error::user(format!(
                    "the row function of the PostgreSQL sink into '{}' pushed {} values for the {columns} columns {:?}",
                    self.settings.table,
                    row.values.len(),
                    self.settings.columns
                )));
            }
            self.client
                .execute(&self.statement, &row.values)
                .map_err(|e| pg_error(&format!("writing a row into '{}'", self.settings.table), e))?;
            values = row.values;
            values.clear();
            if let Some((rows, _)) = self.open.as_mut() {
                *rows += 1;
            }
            self.commit_if_due()?;
        }
        batch.clear();
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.commit_if_due()
    }

    fn finish(&mut self) -> Result<()> {
        // Exactly once, the end of input is a final checkpoint: prepare_commit, then commit.
        if self.exactly_once() { Ok(()) } else { self.commit_open() }
    }

    fn prepare_commit(&mut self, checkpoint_id: u64) -> Result<Vec<Vec<u8>>> {
        match self.settings.guarantee {
            DeliveryGuarantee::None => Ok(Vec::new()),
            DeliveryGuarantee::AtLeastOnce => {
                self.commit_open()?;
                Ok(Vec::new())
            }
            DeliveryGuarantee::ExactlyOnce => {
                let transaction = match self.open.take() {
                    Some((rows, _)) if rows > 0 => {
                        let id = format!("{}-{}-{checkpoint_id}", self.settings.prefix, self.subtask);
                        self.sql(&format!("PREPARE TRANSACTION '{id}'"))?;
                        Some(id)
                    }
                    Some(_) => {
                        self.sql("ROLLBACK")?;
                        None
                    }
                    None => None,
                };
                Ok(vec![postcard::to_allocvec(&Committable { checkpoint: checkpoint_id, transaction })?])
            }
        }
    }

    fn commit(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        self.commit_prepared(committables).map(|_| ())
    }

    fn recover(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        let Some(restored) = self.commit_prepared(committables)? else {
            // This writer got no committable (the sink runs at a higher parallelism than when
            // it was checkpointed): the writers that did roll back what must go.
            return Ok(());
        };
        // Transactions prepared after the restored checkpoint: their rows will be written again.
        let prefix = format!("{}-", self.settings.prefix);
        let lingering = self
            .client
            .query("SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)", &[&prefix])
            .map_err(|e| pg_error("listing prepared transactions", e))?;
        for row in lingering {
            let id: String = row.get(0);
            let checkpoint = id.rsplit('-').next().and_then(|c| c.parse::<u64>().ok());
            if checkpoint.is_some_and(|c| c > restored) {
                match self.client.batch_execute(&format!("ROLLBACK PREPARED '{id}'")) {
                    // Another writer rolled it back first.
                    Err(e) if e.code().is_some_and(|c| c.code() == UNDEFINED_OBJECT) => {}
                    other => other.map_err(|e| pg_error(&format!("ROLLBACK PREPARED '{id}'"), e))?,
                }
            }
        }
        Ok(())
    }
}
