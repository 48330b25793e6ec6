//! A SQL session (Flink's `TableEnvironment` behind `sql-client.sh`): configuration, the
//! catalog, and the execution of statements one by one.

use crate::binder::Binder;
use crate::catalog::{Catalog, CatalogEntry};
use crate::connectors::filesystem;
use crate::error::{SqlError, SqlResult};
use crate::exec::{Mode, Translator};
use crate::parser::statement::{Located, Statement};
use crate::plan::ChangelogMode;
use rasch_api::StreamEnv;
use std::collections::BTreeMap;

/// What a statement produced, for the client to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementResult {
    /// `[INFO] Execute statement succeeded.` (DDL, SET, RESET).
    Ok,
    /// A table of strings (SHOW, DESCRIBE, SET without arguments).
    Table {
        /// Column names.
        header: Vec<String>,
        /// Rows.
        rows: Vec<Vec<String>>,
    },
    /// Text (EXPLAIN).
    Text(String),
    /// The rows of a SELECT (with their change flags in streaming mode).
    Rows {
        /// The result schema.
        schema: Vec<crate::types::Field>,
        /// The rows in arrival order.
        rows: Vec<crate::value::Row>,
        /// Whether the rows form a changelog (streaming mode).
        changelog: bool,
    },
    /// An INSERT job ran to its end.
    JobFinished {
        /// The job's name.
        name: String,
    },
}

/// A session: settings and catalog.
#[derive(Debug, Default, Clone)]
pub struct SqlSession {
    config: BTreeMap<String, String>,
    catalog: Catalog,
}

impl SqlSession {
    /// A new session with Flink's defaults.
    pub fn new() -> Self {
        SqlSession::default()
    }

    /// Sets a configuration key (as `SET` or `-D` do).
    pub fn set(&mut self, key: &str, value: &str) {
        self.config.insert(key.to_string(), value.to_string());
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The catalog, for the Table API's temporary views.
    pub fn catalog_mut(&mut self) -> &mut Catalog {
        &mut self.catalog
    }

    /// The runtime mode from `execution.runtime-mode` (default streaming).
    pub fn mode(&self) -> SqlResult<Mode> {
        match self.config.get("execution.runtime-mode").map(|s| s.to_ascii_lowercase()) {
            None => Ok(Mode::Streaming),
            Some(m) if m == "streaming" => Ok(Mode::Streaming),
            Some(m) if m == "batch" => Ok(Mode::Batch),
            Some(m) => Err(SqlError::validation(format!("execution.runtime-mode must be 'streaming' or 'batch', not '{m}'"))),
        }
    }

    /// Executes every statement of a script in order, stopping at the first failure; the
    /// error names the statement, its line and column.
    pub fn execute_script(&mut self, script: &str, mut on_result: impl FnMut(&Located, &StatementResult)) -> SqlResult<()> {
        for s in crate::parser::parse_script(script)? {
            let r = self.execute(&s.statement).map_err(|e| {
                let e = e.offset(s.start);
                let pos = e.pos.unwrap_or(s.start);
                SqlError {
                    message: format!("{}\nin the statement at line {}, column {}:\n{}", e.message, pos.line, pos.column, s.text.trim()),
                    pos: Some(pos),
                    ..e
                }
            })?;
            on_result(&s, &r);
        }
        Ok(())
    }

    /// Executes one statement.
    pub fn execute(&mut self, statement: &Statement) -> SqlResult<StatementResult> {
        match statement {
            Statement::CreateTable(t) => {
                self.catalog.create_table((**t).clone())?;
                Ok(StatementResult::Ok)
            }
            Statement::CreateView { name, if_not_exists, query } => {
                // Validate now, as Flink does.
                Binder::new(&self.catalog).bind_query(query)?;
                self.catalog.create_view(name.clone(), (**query).clone(), *if_not_exists)?;
                Ok(StatementResult::Ok)
            }
            Statement::AlterTable { name, change } => {
                self.catalog.alter_table(name, change)?;
                Ok(StatementResult::Ok)
            }
            Statement::Drop { view, name, if_exists } => {
                self.catalog.drop(name, *view, *if_exists)?;
                Ok(StatementResult::Ok)
            }
            Statement::Set(None) => Ok(StatementResult::Table {
                header: vec!["key".into(), "value".into()],
                rows: self.config.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect(),
            }),
            Statement::Set(Some((k, v))) => {
                self.set(k, v);
                self.mode()?;
                Ok(StatementResult::Ok)
            }
            Statement::Reset(key) => {
                match key {
                    Some(k) => {
                        self.config.remove(k);
                    }
                    None => self.config.clear(),
                }
                Ok(StatementResult::Ok)
            }
            Statement::ShowTables | Statement::ShowViews => {
                let views = matches!(statement, Statement::ShowViews);
                let header = vec![if views { "view name" } else { "table name" }.to_string()];
                let mut names = self.catalog.names(views);
                if !views {
                    names.extend(self.catalog.names(true));
                    names.sort();
                }
                Ok(StatementResult::Table { header, rows: names.into_iter().map(|n| vec![n]).collect() })
            }
            Statement::Describe(name) => self.describe(name),
            Statement::Explain(inner) => match inner.as_ref() {
                Statement::Query(q) | Statement::Insert { query: q, .. } => {
                    let plan = Binder::new(&self.catalog).bind_query(q)?;
                    Ok(StatementResult::Text(format!("== Optimized Logical Plan ==\n{plan}")))
                }
                _ => Err(SqlError::unsupported("EXPLAIN of this statement")),
            },
            Statement::Insert { table, overwrite, query } => self.insert(table, *overwrite, query),
            Statement::Query(q) => self.select(q),
            Statement::ShowFunctions => Ok(StatementResult::Table {
                header: vec!["function name".into()],
                rows: crate::binder::functions::BUILT_INS.iter().map(|f| vec![f.to_string()]).collect(),
            }),
            Statement::ShowCreateTable(name) => Ok(StatementResult::Text(crate::catalog::show_create_table(&*self.catalog.table(name)?))),
        }
    }

    fn describe(&self, name: &str) -> SqlResult<StatementResult> {
        let schema = match self.catalog.get(name) {
            Some(CatalogEntry::Table(t)) => crate::binder::scan(t.clone())?.schema(),
            Some(CatalogEntry::View(v)) => Binder::new(&self.catalog).bind_query(v)?.schema(),
            Some(CatalogEntry::Plan(p)) => p.schema(),
            None => {
                return Err(SqlError::validation(format!(
                    "Tables or views with the identifier 'default_catalog.default_database.{name}' doesn't exist."
                )));
            }
        };
        let rows = schema.iter().map(|f| vec![f.name.clone(), f.data_type.to_string(), f.nullable.to_string().to_uppercase()]).collect();
        Ok(StatementResult::Table { header: vec!["name".into(), "type".into(), "null".into()], rows })
    }

    fn insert(&mut self, table: &str, overwrite: bool, query: &sqlparser::ast::Query) -> SqlResult<StatementResult> {
        let target = self.catalog.table(table)?;
        let plan = Binder::new(&self.catalog).bind_query(query)?;
        let mode = self.mode()?;
        let connector = crate::connectors::Connector::of(&target)?;
        if mode == Mode::Streaming && plan.changelog_mode() != ChangelogMode::InsertOnly && !connector.accepts_updates() {
            return Err(SqlError::validation(format!(
                "Table sink 'default_catalog.default_database.{table}' doesn't support consuming update changes which is produced by node {}",
                first_updating_node(&plan)
            )));
        }
        let sink_schema = target.physical_schema();
        let query_schema = plan.schema();
        if sink_schema.len() != query_schema.len() {
            return Err(SqlError::validation(format!(
                "Column types of query result and sink for 'default_catalog.default_database.{table}' do not match.\nQuery schema: [{}]\nSink schema:  [{}]",
                query_schema.iter().map(|f| format!("{}: {}", f.name, f.data_type)).collect::<Vec<_>>().join(", "),
                sink_schema.iter().map(|f| format!("{}: {}", f.name, f.data_type)).collect::<Vec<_>>().join(", ")
            )));
        }
        // Implicit casts of the query's columns to the sink's types.
        let exprs = query_schema
            .iter()
            .zip(&sink_schema)
            .enumerate()
            .map(|(i, (q, s))| {
                crate::binder::coerce::cast(
                    crate::plan::BExpr { kind: crate::plan::ExprKind::Column(i), ty: q.data_type.clone() },
                    &s.data_type,
                )
            })
            .collect();
        let plan = crate::plan::Plan::Project { input: Box::new(plan), exprs, schema: sink_schema.clone() };
        if overwrite {
            if connector != crate::connectors::Connector::Filesystem {
                return Err(SqlError::validation(format!("INSERT OVERWRITE requires a filesystem table; '{table}' is not one")));
            }
            let path = filesystem::path_of(&target)?;
            if path.exists() {
                std::fs::remove_dir_all(&path).map_err(|e| SqlError::execution(format!("cannot overwrite '{}': {e}", path.display())))?;
            }
        }
        let env = self.env(mode);
        let stream = Translator::new(&env, mode, &[]).translate(&plan)?;
        crate::connectors::sink(stream, &target, sink_schema)?;
        let name = format!("insert-into_default_catalog.default_database.{table}");
        env.execute(&name)?;
        Ok(StatementResult::JobFinished { name })
    }
}

impl SqlSession {
    /// The local environment a job of this session runs on.
    fn env(&self, mode: Mode) -> StreamEnv {
        let env = StreamEnv::local();
        // `table.*` and `sql-client.*` keys are the planner's and the client's own.
        for (k, v) in self.config.iter().filter(|(k, _)| !k.starts_with("table.") && !k.starts_with("sql-client.")) {
            env.set_config(k, v.clone());
        }
        if mode == Mode::Batch {
            env.set_runtime_mode(rasch_core::RuntimeMode::Batch);
        }
        env
    }

    /// Runs a SELECT and collects its rows.
    fn select(&mut self, q: &sqlparser::ast::Query) -> SqlResult<StatementResult> {
        let plan = Binder::new(&self.catalog).bind_query(q)?;
        let mode = self.mode()?;
        let schema = plan.schema();
        let env = self.env(mode);
        let rows = Translator::new(&env, mode, &[]).translate(&plan)?.execute_and_collect()?;
        Ok(StatementResult::Rows { schema, rows, changelog: mode == Mode::Streaming })
    }
}

fn first_updating_node(plan: &crate::plan::Plan) -> &'static str {
    use crate::plan::Plan;
    match plan {
        Plan::Aggregate { .. } => "GroupAggregate",
        Plan::Rank { .. } => "Rank",
        Plan::Project { input, .. } | Plan::Filter { input, .. } => first_updating_node(input),
        _ => "a node",
    }
}
