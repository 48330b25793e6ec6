//! The session catalog: tables (with their connector options, computed columns and
//! watermark) and views (stored as their query), looked up by name.

use crate::error::{SqlError, SqlResult};
use crate::parser::statement::{ColumnDef, CreateTable};
use crate::types::Field;
use sqlparser::ast::{Expr, Query};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A table created by `CREATE TABLE`.
#[derive(Debug, Clone)]
pub struct TableDef {
    /// Its name.
    pub name: String,
    /// All columns in declaration order.
    pub columns: Vec<ColumnDef>,
    /// The rowtime column and its watermark expression.
    pub watermark: Option<(String, Expr)>,
    /// The primary key columns.
    pub primary_key: Option<Vec<String>>,
    /// The `WITH` options.
    pub options: BTreeMap<String, String>,
}

impl TableDef {
    /// The fields the connector reads or writes (physical columns only).
    pub fn physical_schema(&self) -> Vec<Field> {
        self.columns
            .iter()
            .filter_map(|c| match c {
                ColumnDef::Physical { name, data_type, nullable } => {
                    Some(Field { name: name.clone(), data_type: data_type.clone(), nullable: *nullable })
                }
                _ => None,
            })
            .collect()
    }

    /// The rowtime column's index among the physical columns, if it is one.
    pub fn rowtime_physical(&self) -> Option<usize> {
        let (col, _) = self.watermark.as_ref()?;
        self.physical_schema().iter().position(|f| &f.name == col)
    }

    /// A `WITH` option.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }

    /// A required `WITH` option, or an error naming the table and the key.
    pub fn required_option(&self, key: &str) -> SqlResult<&str> {
        self.option(key).ok_or_else(|| SqlError::validation(format!("table '{}': missing required option '{key}'", self.name)))
    }
}

/// What a name in the catalog refers to.
#[derive(Debug, Clone)]
pub enum CatalogEntry {
    /// A table.
    Table(Arc<TableDef>),
    /// A view and its defining query.
    View(Arc<Query>),
    /// A temporary view of a Table API table (an already bound plan).
    Plan(Arc<crate::plan::Plan>),
}

/// Tables and views of a session (Flink's `default_catalog.default_database`).
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    entries: BTreeMap<String, CatalogEntry>,
}

impl Catalog {
    /// Registers a table from its DDL (`LIKE base` merged in: the base's columns first, its
    /// watermark and key unless given, its options overwritten by the new ones).
    pub fn create_table(&mut self, mut t: CreateTable) -> SqlResult<()> {
        if let Some(base) = t.like.take() {
            let b = self.table(&base).map_err(|_| SqlError::validation(format!("Source table '{base}' of the LIKE clause not found")))?;
            let mut columns = b.columns.clone();
            columns.append(&mut t.columns);
            t.columns = columns;
            if t.watermark.is_none()
                && let Some((col, expr)) = &b.watermark
            {
                t.watermark = Some(crate::parser::statement::WatermarkDef { column: col.clone(), expr: Box::new(expr.clone()) });
            }
            if t.primary_key.is_none() {
                t.primary_key = b.primary_key.clone();
            }
            let mut options: BTreeMap<String, String> = b.options.clone();
            options.extend(t.options.drain(..));
            t.options = options.into_iter().collect();
        }
        if self.entries.contains_key(&t.name) {
            if t.if_not_exists {
                return Ok(());
            }
            return Err(SqlError::validation(format!(
                "Could not execute CreateTable in path `default_catalog`.`default_database`.`{}`: a table or view of that name exists",
                t.name
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &t.columns {
            if !seen.insert(c.name()) {
                return Err(SqlError::validation(format!("table '{}': column '{}' is declared twice", t.name, c.name())));
            }
        }
        if let Some(w) = &t.watermark
            && !seen.contains(w.column.as_str())
        {
            return Err(SqlError::validation(format!(
                "The rowtime attribute field '{}' is not defined in the table schema, at least one of these fields is required: [{}]",
                w.column,
                t.columns.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
            )));
        }
        let def = TableDef {
            name: t.name.clone(),
            columns: t.columns,
            watermark: t.watermark.map(|w| (w.column, *w.expr)),
            primary_key: t.primary_key,
            options: t.options.into_iter().collect(),
        };
        self.entries.insert(t.name, CatalogEntry::Table(Arc::new(def)));
        Ok(())
    }

    /// Registers a view.
    pub fn create_view(&mut self, name: String, query: Query, if_not_exists: bool) -> SqlResult<()> {
        if self.entries.contains_key(&name) {
            if if_not_exists {
                return Ok(());
            }
            return Err(SqlError::validation(format!("a table or view named '{name}' already exists")));
        }
        self.entries.insert(name, CatalogEntry::View(Arc::new(query)));
        Ok(())
    }

    /// Registers (or replaces) a temporary view of a bound plan.
    pub fn create_plan_view(&mut self, name: String, plan: crate::plan::Plan) {
        self.entries.insert(name, CatalogEntry::Plan(Arc::new(plan)));
    }

    /// Drops a table (`view == false`) or a view.
    pub fn drop(&mut self, name: &str, view: bool, if_exists: bool) -> SqlResult<()> {
        match self.entries.get(name) {
            Some(CatalogEntry::Table(_)) if !view => {}
            Some(CatalogEntry::View(_) | CatalogEntry::Plan(_)) if view => {}
            _ if if_exists => return Ok(()),
            _ => {
                let what = if view { "View" } else { "Table" };
                return Err(SqlError::validation(format!(
                    "{what} with identifier 'default_catalog.default_database.{name}' does not exist."
                )));
            }
        }
        self.entries.remove(name);
        Ok(())
    }

    /// Applies an `ALTER TABLE`.
    pub fn alter_table(&mut self, name: &str, change: &crate::parser::statement::AlterTable) -> SqlResult<()> {
        use crate::parser::statement::AlterTable as A;
        let mut t = (*self.table(name).map_err(|_| {
            SqlError::validation(format!("Table `default_catalog`.`default_database`.`{name}` doesn't exist or is a temporary table."))
        })?)
        .clone();
        match change {
            A::RenameTo(new) => {
                if self.entries.contains_key(new) {
                    return Err(SqlError::validation(format!("Could not rename table '{name}': a table or view named '{new}' exists")));
                }
                self.entries.remove(name);
                t.name = new.clone();
            }
            A::SetOptions(options) => t.options.extend(options.iter().cloned()),
            A::ResetOptions(keys) => {
                if keys.iter().any(|k| k == "connector") {
                    return Err(SqlError::validation("ALTER TABLE RESET does not support changing 'connector'"));
                }
                keys.iter().for_each(|k| {
                    t.options.remove(k);
                });
            }
        }
        self.entries.insert(t.name.clone(), CatalogEntry::Table(Arc::new(t)));
        Ok(())
    }

    /// Looks a name up.
    pub fn get(&self, name: &str) -> Option<&CatalogEntry> {
        self.entries.get(name)
    }

    /// The table of that name, or an error.
    pub fn table(&self, name: &str) -> SqlResult<Arc<TableDef>> {
        match self.entries.get(name) {
            Some(CatalogEntry::Table(t)) => Ok(t.clone()),
            _ => Err(SqlError::validation(format!("Object '{name}' not found"))),
        }
    }

    /// Table names (`views == false`) or view names, sorted.
    pub fn names(&self, views: bool) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(_, e)| matches!(e, CatalogEntry::View(_) | CatalogEntry::Plan(_)) == views)
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// The DDL of a table as `SHOW CREATE TABLE` prints it.
pub fn show_create_table(t: &TableDef) -> String {
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| match c {
            ColumnDef::Physical { name, data_type, nullable } => {
                format!("  `{name}` {data_type}{}", if *nullable { "" } else { " NOT NULL" })
            }
            ColumnDef::Computed { name, expr } => format!("  `{name}` AS {expr}"),
            ColumnDef::Metadata { name, data_type, key } => format!("  `{name}` {data_type} METADATA FROM '{key}'"),
        })
        .collect();
    if let Some((col, expr)) = &t.watermark {
        lines.push(format!("  WATERMARK FOR `{col}` AS {expr}"));
    }
    if let Some(pk) = &t.primary_key {
        lines.push(format!("  PRIMARY KEY ({}) NOT ENFORCED", pk.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")));
    }
    let options: Vec<String> = t.options.iter().map(|(k, v)| format!("  '{k}' = '{v}'")).collect();
    format!(
        "CREATE TABLE `default_catalog`.`default_database`.`{}` (\n{}\n) WITH (\n{}\n)\n",
        t.name,
        lines.join(",\n"),
        options.join(",\n")
    )
}
