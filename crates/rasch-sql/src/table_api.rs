//! The Table API (Flink's `TableEnvironment` and `Table`) for Rust programs: SQL and
//! DataStream code meet in one job.
//!
//! ```no_run
//! use rasch_api::StreamEnv;
//! use rasch_sql::table_api::TableEnv;
//! use rasch_sql::types::{DataType, Field};
//! use rasch_sql::value::{Row, Value};
//!
//! let env = StreamEnv::local();
//! let tenv = TableEnv::create(&env);
//! let words = env.from_collection(vec![Row::insert(vec![Value::Str("a".into())])]);
//! let t = tenv.from_data_stream(&words, vec![Field::new("word", DataType::string())]);
//! let counts = t.group_by("word").select("word, COUNT(*) AS n").unwrap();
//! for row in tenv.to_changelog_stream(&counts).unwrap().execute_and_collect().unwrap() {
//!     println!("{} {:?}", row.kind.short_string(), row.values);
//! }
//! ```

use crate::binder::Binder;
use crate::error::{SqlError, SqlResult};
use crate::exec::{Mode, Translator};
use crate::plan::{ChangelogMode, Plan};
use crate::session::{SqlSession, StatementResult};
use crate::types::Field;
use crate::value::Row;
use rasch_api::{DataStream, StreamEnv};
use std::cell::RefCell;
use std::rc::Rc;

struct Inner {
    env: StreamEnv,
    session: SqlSession,
    streams: Vec<DataStream<Row>>,
    next_table: usize,
}

/// A table environment over a [`StreamEnv`]: a SQL session whose queries can read data
/// streams and become data streams of the same job.
#[derive(Clone)]
pub struct TableEnv {
    inner: Rc<RefCell<Inner>>,
}

/// A table: a bound query of a [`TableEnv`], composable with SQL expressions.
#[derive(Clone)]
pub struct Table {
    tenv: TableEnv,
    plan: Plan,
}

/// A table grouped by keys, waiting for its aggregates ([`GroupedTable::select`]).
pub struct GroupedTable {
    table: Table,
    keys: String,
}

impl TableEnv {
    /// A table environment on `env`, with its configuration (streaming mode unless
    /// `execution.runtime-mode` says batch).
    pub fn create(env: &StreamEnv) -> Self {
        let mut session = SqlSession::new();
        for (k, v) in env.config().iter() {
            session.set(k, v);
        }
        TableEnv { inner: Rc::new(RefCell::new(Inner { env: env.clone(), session, streams: Vec::new(), next_table: 0 })) }
    }

    /// Executes one statement (DDL, SET, INSERT, SELECT, …), as `rasch sql` does.
    pub fn execute_sql(&self, sql: &str) -> SqlResult<StatementResult> {
        let stmt = crate::parser::parse_statement(sql)?;
        self.inner.borrow_mut().session.execute(&stmt)
    }

    /// A query as a table (not run until it becomes a stream or is executed).
    pub fn sql_query(&self, sql: &str) -> SqlResult<Table> {
        let crate::parser::statement::Statement::Query(q) = crate::parser::parse_statement(sql)? else {
            return Err(SqlError::validation("sql_query takes a query (SELECT, VALUES)"));
        };
        let plan = Binder::new(self.inner.borrow().session.catalog()).bind_query(&q)?;
        Ok(Table { tenv: self.clone(), plan })
    }

    /// A table over a stream of rows with the given schema.
    pub fn from_data_stream(&self, stream: &DataStream<Row>, schema: Vec<Field>) -> Table {
        let mut inner = self.inner.borrow_mut();
        inner.streams.push(stream.clone());
        let plan = Plan::Stream { id: inner.streams.len() - 1, schema };
        Table { tenv: self.clone(), plan }
    }

    /// Registers `table` under `name` for SQL (replacing an earlier temporary view).
    pub fn create_temporary_view(&self, name: &str, table: &Table) {
        self.inner.borrow_mut().session.catalog_mut().create_plan_view(name.to_string(), table.plan.clone());
    }

    /// An insert-only table as a data stream of the same job; an updating table is refused.
    pub fn to_data_stream(&self, table: &Table) -> SqlResult<DataStream<Row>> {
        if self.mode()? == Mode::Streaming && table.plan.changelog_mode() != ChangelogMode::InsertOnly {
            return Err(SqlError::validation(
                "Table sink 'to_data_stream' doesn't support consuming update changes; use to_changelog_stream",
            ));
        }
        self.to_changelog_stream(table)
    }

    /// A table as a changelog stream: rows with their [`RowKind`](crate::value::RowKind).
    pub fn to_changelog_stream(&self, table: &Table) -> SqlResult<DataStream<Row>> {
        let mode = self.mode()?;
        let inner = self.inner.borrow();
        Translator::new(&inner.env, mode, &inner.streams).translate(&table.plan)
    }

    fn mode(&self) -> SqlResult<Mode> {
        self.inner.borrow().session.mode()
    }

    /// A fresh hidden view name for `table`, so SQL text can refer to it.
    fn register(&self, table: &Table) -> String {
        let name = {
            let mut inner = self.inner.borrow_mut();
            inner.next_table += 1;
            format!("__table_api_{}", inner.next_table)
        };
        self.create_temporary_view(&name, table);
        name
    }
}

impl Table {
    /// The table's columns.
    pub fn schema(&self) -> Vec<Field> {
        self.plan.schema()
    }

    /// The logical plan (what `EXPLAIN` shows).
    pub fn explain(&self) -> String {
        self.plan.to_string()
    }

    /// `SELECT exprs FROM this` with SQL expressions: `select("a, b * 2 AS c")`.
    pub fn select(&self, exprs: &str) -> SqlResult<Table> {
        let name = self.tenv.register(self);
        self.tenv.sql_query(&format!("SELECT {exprs} FROM {name}"))
    }

    /// `SELECT * FROM this WHERE predicate`.
    pub fn filter(&self, predicate: &str) -> SqlResult<Table> {
        let name = self.tenv.register(self);
        self.tenv.sql_query(&format!("SELECT * FROM {name} WHERE {predicate}"))
    }

    /// Groups by key expressions: `group_by("word")`.
    pub fn group_by(&self, keys: &str) -> GroupedTable {
        GroupedTable { table: self.clone(), keys: keys.to_string() }
    }

    /// Runs the table and collects its rows (with change flags in streaming mode): a table
    /// over SQL tables runs as a job of its own; one that reads data streams runs the
    /// environment's job, which those streams belong to.
    pub fn execute(&self) -> SqlResult<Vec<Row>> {
        if reads_streams(&self.plan) {
            return Ok(self.tenv.to_changelog_stream(self)?.execute_and_collect()?);
        }
        let name = self.tenv.register(self);
        match self.tenv.execute_sql(&format!("SELECT * FROM {name}"))? {
            StatementResult::Rows { rows, .. } => Ok(rows),
            other => Err(SqlError::execution(format!("unexpected result {other:?}"))),
        }
    }
}

fn reads_streams(p: &Plan) -> bool {
    match p {
        Plan::Stream { .. } => true,
        Plan::Values { .. } | Plan::Scan { .. } => false,
        Plan::Project { input, .. }
        | Plan::Filter { input, .. }
        | Plan::Aggregate { input, .. }
        | Plan::WindowAggregate { input, .. }
        | Plan::Rank { input, .. }
        | Plan::MatchRecognize { input, .. }
        | Plan::WindowTvf { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Expand { input, .. } => reads_streams(input),
        Plan::Union { inputs } => inputs.iter().any(reads_streams),
    }
}

impl GroupedTable {
    /// The keys and aggregates: `select("word, COUNT(*) AS n")`.
    pub fn select(&self, exprs: &str) -> SqlResult<Table> {
        let name = self.table.tenv.register(&self.table);
        self.table.tenv.sql_query(&format!("SELECT {exprs} FROM {name} GROUP BY {}", self.keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::DataType;
    use crate::value::{RowKind, Value};

    fn words(env: &StreamEnv) -> DataStream<Row> {
        env.from_collection(["a", "b", "a"].iter().map(|w| Row::insert(vec![Value::Str((*w).into())])).collect())
    }

    #[test]
    fn sql_and_data_streams_meet_in_one_job() {
        let env = StreamEnv::local();
        env.set_parallelism(1);
        let tenv = TableEnv::create(&env);
        let t = tenv.from_data_stream(&words(&env), vec![Field::new("word", DataType::string())]);
        let counts = t.filter("word <> 'z'").unwrap().group_by("word").select("word, COUNT(*) AS n").unwrap();
        assert_eq!(counts.schema().iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["word", "n"]);
        assert!(tenv.to_data_stream(&counts).is_err(), "an updating table is not an insert-only stream");
        let rows = tenv.to_changelog_stream(&counts).unwrap().execute_and_collect().unwrap();
        let text: Vec<String> = rows.iter().map(|r| format!("{} {:?} {:?}", r.kind.short_string(), r.values[0], r.values[1])).collect();
        assert_eq!(text, ["+I Str(\"a\") Int(1)", "+I Str(\"b\") Int(1)", "-U Str(\"a\") Int(1)", "+U Str(\"a\") Int(2)",]);
        assert_eq!(rows[3].kind, RowKind::UpdateAfter);
    }

    #[test]
    fn temporary_views_are_visible_to_sql() {
        let env = StreamEnv::local();
        env.set_parallelism(1);
        let tenv = TableEnv::create(&env);
        let t = tenv.from_data_stream(&words(&env), vec![Field::new("word", DataType::string())]);
        tenv.create_temporary_view("words", &t);
        let upper = tenv.sql_query("SELECT UPPER(word) AS w FROM words WHERE word = 'a'").unwrap();
        let rows = tenv.to_data_stream(&upper).unwrap().execute_and_collect().unwrap();
        assert_eq!(rows.iter().map(|r| r.values[0].as_str().unwrap().to_string()).collect::<Vec<_>>(), ["A", "A"]);
    }

    #[test]
    fn tables_execute_with_sql_alone_or_over_streams() {
        let env = StreamEnv::local();
        env.set_parallelism(1);
        let tenv = TableEnv::create(&env);
        let v = tenv.sql_query("SELECT * FROM (VALUES (1), (2)) AS t(x)").unwrap().select("x * 10 AS y").unwrap();
        let mut got: Vec<i64> = v.execute().unwrap().iter().map(|r| r.values[0].as_int().unwrap()).collect();
        got.sort();
        assert_eq!(got, [10, 20]);
        let t = tenv.from_data_stream(&words(&env), vec![Field::new("word", DataType::string())]);
        assert_eq!(t.filter("word = 'b'").unwrap().execute().unwrap().len(), 1);
        assert!(tenv.sql_query("SELECT nope FROM (VALUES (1))").is_err());
    }
}
