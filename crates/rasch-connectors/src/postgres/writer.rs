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

/// What a writer keeps in a checkpoint: the checkpoint it prepared at and its prepared
/// transaction.
#[derive(Debug, Serialize, Deserialize)]
struct Committable {
    checkpoint: u64,
    transaction: String,
}

/// SQLSTATE 42704 (`undefined_object`): `COMMIT PREPARED` of a transaction no longer prepared.
const UNDEFINED_OBJECT: &str = "42704";

pub(super) struct PostgresWriter<T, F> {
    settings: Arc<Settings>,
    row: Arc<F>,
    /// The connection rows are written on, inside the open transaction.
    client: Client,
    /// Exactly once: a second connection for `COMMIT PREPARED`, `ROLLBACK PREPARED` and
    /// `pg_prepared_xacts`, which cannot run inside the writer's open transaction (opened on
    /// first use).
    control: Option<Client>,
    statement: Statement,
    subtask: usize,
    /// The job attempt this writer belongs to (part of its transactions' ids).
    attempt: u32,
    /// Whether the job restarted from a checkpoint (`recover` ran) or the lingering transactions
    /// of earlier attempts were already rolled back: then nothing is left to clean up.
    settled: bool,
    /// A transaction is open (`BEGIN` sent) and holds `rows` rows since `opened`.
    open: Option<(usize, Instant)>,
    _type: PhantomData<fn(&T)>,
}

impl<T: 'static, F: RowFn<T>> PostgresWriter<T, F> {
    pub(super) fn open(settings: Arc<Settings>, row: Arc<F>, subtask: usize, attempt: u32) -> Result<Self> {
        let what = format!("connecting the PostgreSQL sink into '{}' (subtask {subtask})", settings.table);
        let mut client = Client::connect(&settings.connection, NoTls).map_err(|e| pg_error(&what, e))?;
        let sql = statement(&settings);
        let statement = client.prepare(&sql).map_err(|e| pg_error(&format!("preparing `{sql}`"), e))?;
        let settled = settings.guarantee != DeliveryGuarantee::ExactlyOnce;
        Ok(PostgresWriter { settings, row, client, control: None, statement, subtask, attempt, settled, open: None, _type: PhantomData })
    }

    /// The control connection, opened on first use.
    fn control(&mut self) -> Result<&mut Client> {
        if self.control.is_none() {
            let what = format!("connecting the PostgreSQL sink into '{}' (subtask {}, commits)", self.settings.table, self.subtask);
            self.control = Some(Client::connect(&self.settings.connection, NoTls).map_err(|e| pg_error(&what, e))?);
        }
        Ok(self.control.as_mut().expect("just connected"))
    }

    fn exactly_once(&self) -> bool {
        self.settings.guarantee == DeliveryGuarantee::ExactlyOnce
    }

    fn sql(&mut self, sql: &str) -> Result<()> {
        let table = &self.settings.table;
        self.client.batch_execute(sql).map_err(|e| pg_error(&format!("PostgreSQL sink into '{table}': `{sql}`"), e))
    }

    /// A fresh start (no checkpoint to restore, so nothing prepared before may be committed):
    /// rolls back this prefix's transactions of other attempts before the first write — they
    /// would otherwise linger and hold their rows' locks. Transactions of this attempt (other
    /// writers may already have prepared some) are kept.
    fn settle(&mut self) -> Result<()> {
        if self.settled {
            return Ok(());
        }
        self.settled = true;
        let prefix = format!("{}-", self.settings.prefix);
        let attempt = self.attempt;
        self.roll_back_prepared(&prefix, |_, a| a != Some(attempt))
    }

    /// Rolls back this prefix's prepared transactions for which `doomed(checkpoint, attempt)`.
    fn roll_back_prepared(&mut self, prefix: &str, doomed: impl Fn(Option<u64>, Option<u32>) -> bool) -> Result<()> {
        let lingering = self
            .control()?
            .query("SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)", &[&prefix])
            .map_err(|e| pg_error("listing prepared transactions", e))?;
        for row in lingering {
            let id: String = row.get(0);
            let mut parts = id.rsplit('-');
            let checkpoint = parts.next().and_then(|c| c.parse::<u64>().ok());
            let attempt = parts.next().and_then(|a| a.parse::<u32>().ok());
            if doomed(checkpoint, attempt) {
                match self.control()?.batch_execute(&format!("ROLLBACK PREPARED '{id}'")) {
                    // Another writer rolled it back first.
                    Err(e) if e.code().is_some_and(|c| c.code() == UNDEFINED_OBJECT) => {}
                    other => other.map_err(|e| pg_error(&format!("ROLLBACK PREPARED '{id}'"), e))?,
                }
            }
        }
        Ok(())
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

    fn commit_prepared(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        for bytes in committables {
            let c: Committable = postcard::from_bytes(&bytes)
                .map_err(|e| Error::Serialization(format!("a committable of the PostgreSQL sink into '{}': {e}", self.settings.table)))?;
            let id = c.transaction;
            match self.control()?.batch_execute(&format!("COMMIT PREPARED '{id}'")) {
                Ok(()) => {}
                // Committed before the failure (commit must be idempotent).
                Err(e) if e.code().is_some_and(|c| c.code() == UNDEFINED_OBJECT) => {}
                Err(e) => return Err(pg_error(&format!("PostgreSQL sink into '{}': COMMIT PREPARED '{id}'", self.settings.table), e)),
            }
        }
        Ok(())
    }
}

impl<T: 'static, F: RowFn<T>> SinkWriter<T> for PostgresWriter<T, F> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.settle()?;
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
                self.settle()?;
                let transaction = match self.open.take() {
                    Some((rows, _)) if rows > 0 => {
                        let id = format!("{}-{}-{}-{checkpoint_id}", self.settings.prefix, self.subtask, self.attempt);
                        self.sql(&format!("PREPARE TRANSACTION '{id}'"))?;
                        // PREPARE of a transaction the server had aborted rolls it back without an
                        // error: make sure the rows are really held before promising them.
                        let held = self
                            .control()?
                            .query_opt("SELECT 1 FROM pg_prepared_xacts WHERE gid = $1", &[&id])
                            .map_err(|e| pg_error("checking a prepared transaction", e))?;
                        if held.is_none() {
                            return Err(Error::io(
                                format!("PostgreSQL sink into '{}'", self.settings.table),
                                std::io::Error::other(format!(
                                    "PREPARE TRANSACTION '{id}' left no prepared transaction (the server had aborted it)"
                                )),
                            ));
                        }
                        Some(id)
                    }
                    Some(_) => {
                        self.sql("ROLLBACK")?;
                        None
                    }
                    None => None,
                };
                transaction
                    .map(|transaction| postcard::to_allocvec(&Committable { checkpoint: checkpoint_id, transaction }).map_err(Error::from))
                    .into_iter()
                    .collect()
            }
        }
    }

    fn commit(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        self.commit_prepared(committables)
    }

    /// Without the restored checkpoint's id (a checkpoint of an older Rasch): commit only.
    fn recover(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        self.settled = true;
        self.commit_prepared(committables)
    }

    fn recover_at(&mut self, restored: u64, committables: Vec<Vec<u8>>) -> Result<()> {
        self.settled = true;
        self.commit_prepared(committables)?;
        // Transactions prepared after the restored checkpoint: no committable names them
        // (every transaction prepared up to it is in the checkpoint, committed by whichever
        // writer got its committable), and their rows will be written again.
        let prefix = format!("{}-", self.settings.prefix);
        self.roll_back_prepared(&prefix, |checkpoint, _| checkpoint.is_some_and(|c| c > restored))
    }
}
