//! PostgreSQL: a sink (Flink's JDBC sink for PostgreSQL) that inserts or upserts the records of
//! a stream into a table, in batches, at least once or exactly once; and a cached lookup by key
//! for enrichment ([`PostgresLookup`]).
//!
//! * **Rows.** The user's row function pushes each record's column values, in the order of
//!   [`PostgresSinkBuilder::columns`], as `postgres` [`ToSql`] values (`String`, `i64`, `f64`,
//!   `bool`, `Option<_>`, …) borrowed from the record: no copy per record.
//! * **Insert or upsert.** `INSERT INTO t (c…) VALUES ($1…)`, or with
//!   [`upsert_on`](PostgresSinkBuilder::upsert_on) `… ON CONFLICT (key…) DO UPDATE SET c =
//!   EXCLUDED.c` for the other columns — the idempotent write that makes at-least-once replays
//!   harmless.
//! * **Batches.** Rows go into an open transaction on the writer's one connection; at least
//!   once it commits every [`max_rows`](PostgresSinkBuilder::max_rows) rows
//!   (`sink.buffer-flush.max-rows`), every [`flush_interval`](PostgresSinkBuilder::flush_interval)
//!   (`sink.buffer-flush.interval`) and at every checkpoint barrier.
//! * **Exactly once** by two-phase commit with PostgreSQL's prepared transactions: everything a
//!   subtask writes between two barriers is one transaction, `PREPARE TRANSACTION
//!   '<prefix>-<subtask>-<attempt>-<checkpoint>'` at the barrier (its id is the committable kept in the
//!   checkpoint), `COMMIT PREPARED` when the checkpoint completes. After a failure the restored
//!   sink commits the prepared transactions of its checkpoint again (a transaction already
//!   committed is skipped) and rolls back the ones prepared after that checkpoint, found in
//!   `pg_prepared_xacts` by their prefix: their rows are replayed from the restored source
//!   positions. The server needs `max_prepared_transactions` ≥ the sink's parallelism × the
//!   checkpoints that may be pending at once (2 is enough with one concurrent checkpoint). Give
//!   every exactly-once sink its own [`transactional_id_prefix`](PostgresSinkBuilder::transactional_id_prefix).

mod lookup;
mod writer;

pub use lookup::{LookupJoin, PostgresLookup, PostgresLookupBuilder};

use crate::DeliveryGuarantee;
use rasch_core::{Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// The `postgres` client crate the sink uses (for reading tables back, lookups, set-up).
pub use ::postgres as client;
pub use ::postgres::types::ToSql;

/// The column values of one record, in column order, borrowed from the record.
pub struct Row<'a> {
    values: Vec<&'a (dyn ToSql + Sync)>,
}

impl<'a> Row<'a> {
    /// Appends the value of the next column.
    #[inline]
    pub fn push(&mut self, value: &'a (dyn ToSql + Sync)) {
        self.values.push(value);
    }
}

/// Writes a record's column values into a [`Row`].
pub trait RowFn<T>: for<'a> Fn(&'a T, &mut Row<'a>) + Send + Sync + 'static {}
impl<T, F: for<'a> Fn(&'a T, &mut Row<'a>) + Send + Sync + 'static> RowFn<T> for F {}

/// What a writer needs to know, shared by all parallel writers of one sink.
#[derive(Debug, Clone)]
struct Settings {
    connection: String,
    table: String,
    columns: Vec<String>,
    key: Vec<String>,
    guarantee: DeliveryGuarantee,
    max_rows: usize,
    flush_interval: Duration,
    prefix: String,
}

/// Writes a stream into a PostgreSQL table. Built with [`PostgresSink::builder`].
pub struct PostgresSink<T, F> {
    settings: Arc<Settings>,
    row: Arc<F>,
    _type: PhantomData<fn(T)>,
}

impl<T, F> Clone for PostgresSink<T, F> {
    fn clone(&self) -> Self {
        PostgresSink { settings: self.settings.clone(), row: self.row.clone(), _type: PhantomData }
    }
}

impl PostgresSink<(), fn(&(), &mut Row<'_>)> {
    /// A sink writing through connections opened with `connection`, a libpq connection string
    /// (`"host=127.0.0.1 port=5432 user=app dbname=shop"`) or URL (`"postgresql://app@127.0.0.1/shop"`).
    pub fn builder(connection: &str) -> PostgresSinkBuilder {
        PostgresSinkBuilder(Settings {
            connection: connection.to_string(),
            table: String::new(),
            columns: Vec::new(),
            key: Vec::new(),
            guarantee: DeliveryGuarantee::AtLeastOnce,
            max_rows: 5_000,
            flush_interval: Duration::from_secs(1),
            prefix: "rasch".to_string(),
        })
    }
}

/// Configures a [`PostgresSink`].
#[derive(Debug, Clone)]
pub struct PostgresSinkBuilder(Settings);

impl PostgresSinkBuilder {
    /// The table to write (`schema.table` or `table`).
    pub fn table(mut self, table: &str) -> Self {
        self.0.table = table.to_string();
        self
    }
    /// The columns the row function fills, in its order.
    pub fn columns(mut self, columns: &[&str]) -> Self {
        self.0.columns = columns.iter().map(|c| c.to_string()).collect();
        self
    }
    /// Upsert on the table's primary key (or a unique constraint) made of `key` columns:
    /// `INSERT … ON CONFLICT (key) DO UPDATE`.
    pub fn upsert_on(mut self, key: &[&str]) -> Self {
        self.0.key = key.iter().map(|c| c.to_string()).collect();
        self
    }
    /// `None` and `AtLeastOnce` commit batches as they fill; `ExactlyOnce` commits what was
    /// written between two checkpoints when the second completes (default `AtLeastOnce`).
    pub fn delivery_guarantee(mut self, guarantee: DeliveryGuarantee) -> Self {
        self.0.guarantee = guarantee;
        self
    }
    /// At least once: commit after this many rows (`sink.buffer-flush.max-rows`, default 5000).
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.0.max_rows = rows.max(1);
        self
    }
    /// At least once: commit what is open after this long (`sink.buffer-flush.interval`,
    /// default 1 s).
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.0.flush_interval = interval;
        self
    }
    /// Exactly once: the prefix of the prepared transactions' ids (default `rasch`); unique per
    /// sink, because recovery rolls back this prefix's transactions it does not commit.
    pub fn transactional_id_prefix(mut self, prefix: &str) -> Self {
        self.0.prefix = prefix.to_string();
        self
    }

    /// The sink, with `row` pushing each record's column values.
    pub fn build<T, F: RowFn<T>>(self, row: F) -> Result<PostgresSink<T, F>> {
        let s = self.0;
        let bad = |what: String| Err(Error::Config(format!("PostgreSQL sink into '{}': {what}", s.table)));
        if s.table.is_empty() {
            return Err(Error::Config("PostgreSQL sink: no table (call .table(\"name\"))".into()));
        }
        if s.columns.is_empty() {
            return bad("no columns (call .columns(&[..]))".into());
        }
        if let Some(k) = s.key.iter().find(|k| !s.columns.contains(k)) {
            return bad(format!("upsert key column '{k}' is not one of the columns {:?}", s.columns));
        }
        if s.prefix.is_empty() || !s.prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return bad(format!("transactional id prefix '{}' must be letters, digits, '_' or '.'", s.prefix));
        }
        Ok(PostgresSink { settings: Arc::new(s), row: Arc::new(row), _type: PhantomData })
    }
}

impl<T: 'static, F: RowFn<T>> Sink<T> for PostgresSink<T, F> {
    fn create_writer(&self, ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        Ok(Box::new(writer::PostgresWriter::open(self.settings.clone(), self.row.clone(), ctx.subtask_index, ctx.attempt)?))
    }
}

/// `"name"` with embedded quotes doubled; `schema.table` quotes each part.
fn quote_ident(name: &str) -> String {
    name.split('.').map(|part| format!("\"{}\"", part.replace('"', "\"\""))).collect::<Vec<_>>().join(".")
}

/// The statement writing one row.
fn statement(s: &Settings) -> String {
    let cols: Vec<String> = s.columns.iter().map(|c| quote_ident(c)).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ({})", quote_ident(&s.table), cols.join(", "), params.join(", "));
    if !s.key.is_empty() {
        let keys: Vec<String> = s.key.iter().map(|k| quote_ident(k)).collect();
        let updates: Vec<String> =
            s.columns.iter().filter(|c| !s.key.contains(c)).map(|c| format!("{q} = EXCLUDED.{q}", q = quote_ident(c))).collect();
        sql.push_str(&format!(" ON CONFLICT ({}) ", keys.join(", ")));
        sql.push_str(&if updates.is_empty() { "DO NOTHING".to_string() } else { format!("DO UPDATE SET {}", updates.join(", ")) });
    }
    sql
}

/// A PostgreSQL error as an I/O error with context; a server error shows its severity,
/// SQLSTATE, message and detail (the client's own text says only "db error").
pub(crate) fn pg_error(context: &str, e: postgres::Error) -> Error {
    let source = match e.as_db_error() {
        Some(db) => {
            let detail = db.detail().map(|d| format!(" ({d})")).unwrap_or_default();
            std::io::Error::other(format!("{} {}: {}{detail}", db.severity(), db.code().code(), db.message()))
        }
        None => std::io::Error::other(e),
    };
    Error::io(context, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(key: &[&str]) -> Settings {
        Settings {
            connection: String::new(),
            table: "shop.counts".into(),
            columns: vec!["word".into(), "n".into(), "we\"ird".into()],
            key: key.iter().map(|k| k.to_string()).collect(),
            guarantee: DeliveryGuarantee::AtLeastOnce,
            max_rows: 1,
            flush_interval: Duration::ZERO,
            prefix: "p".into(),
        }
    }

    #[test]
    fn insert_and_upsert_statements_quote_names() {
        assert_eq!(statement(&settings(&[])), r#"INSERT INTO "shop"."counts" ("word", "n", "we""ird") VALUES ($1, $2, $3)"#);
        assert_eq!(
            statement(&settings(&["word"])),
            r#"INSERT INTO "shop"."counts" ("word", "n", "we""ird") VALUES ($1, $2, $3) ON CONFLICT ("word") DO UPDATE SET "n" = EXCLUDED."n", "we""ird" = EXCLUDED."we""ird""#
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let b = PostgresSink::builder("host=x").table("t").columns(&["a"]);
        fn row<'a>(v: &'a (i64,), r: &mut Row<'a>) {
            r.push(&v.0);
        }
        assert!(b.clone().upsert_on(&["b"]).build(row).err().unwrap().to_string().contains("upsert key column 'b'"));
        assert!(b.clone().transactional_id_prefix("a'b").build(row).err().unwrap().to_string().contains("prefix"));
        assert!(PostgresSink::builder("host=x").columns(&["a"]).build(row).err().unwrap().to_string().contains("no table"));
    }
}
