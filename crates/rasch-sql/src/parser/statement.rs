//! The statements of Rasch SQL: sqlparser's query AST where it fits, and our own nodes for
//! Flink's DDL and client commands that sqlparser cannot express.

use crate::error::Pos;
use crate::types::DataType;
use sqlparser::ast::{Expr, Query};

/// A parsed statement and where it starts in the script.
#[derive(Debug, Clone)]
pub struct Located {
    /// The statement.
    pub statement: Statement,
    /// Its text as written.
    pub text: String,
    /// Where its first token starts.
    pub start: Pos,
}

/// One Flink SQL statement.
#[derive(Debug, Clone)]
pub enum Statement {
    /// `CREATE TABLE`.
    CreateTable(Box<CreateTable>),
    /// `CREATE [TEMPORARY] VIEW name AS query`.
    CreateView {
        /// The view's name.
        name: String,
        /// `IF NOT EXISTS` was given.
        if_not_exists: bool,
        /// The defining query.
        query: Box<Query>,
    },
    /// `DROP TABLE | VIEW [IF EXISTS] name`.
    Drop {
        /// A view rather than a table.
        view: bool,
        /// The name.
        name: String,
        /// `IF EXISTS` was given.
        if_exists: bool,
    },
    /// `ALTER TABLE name RENAME TO new | SET (options) | RESET (keys)`.
    AlterTable {
        /// The table.
        name: String,
        /// What changes.
        change: AlterTable,
    },
    /// `SET 'key' = 'value'`, or `SET` alone to list the session's settings.
    Set(Option<(String, String)>),
    /// `RESET 'key'`, or `RESET` alone to reset all.
    Reset(Option<String>),
    /// `INSERT INTO | OVERWRITE table query`.
    Insert {
        /// The target table.
        table: String,
        /// `INSERT OVERWRITE`.
        overwrite: bool,
        /// The query whose rows are written.
        query: Box<Query>,
    },
    /// A query (`SELECT`, `VALUES`, `WITH`).
    Query(Box<Query>),
    /// `SHOW TABLES`.
    ShowTables,
    /// `SHOW VIEWS`.
    ShowViews,
    /// `SHOW FUNCTIONS`.
    ShowFunctions,
    /// `SHOW CREATE TABLE name`.
    ShowCreateTable(String),
    /// `DESCRIBE name` / `DESC name`.
    Describe(String),
    /// `EXPLAIN [PLAN FOR] statement`.
    Explain(Box<Statement>),
}

/// The change of an `ALTER TABLE`.
#[derive(Debug, Clone)]
pub enum AlterTable {
    /// `RENAME TO new`.
    RenameTo(String),
    /// `SET ('k' = 'v', …)`.
    SetOptions(Vec<(String, String)>),
    /// `RESET ('k', …)`.
    ResetOptions(Vec<String>),
}

/// `CREATE TABLE name (columns, watermark, primary key) WITH (options)`.
#[derive(Debug, Clone)]
pub struct CreateTable {
    /// The table's name.
    pub name: String,
    /// `IF NOT EXISTS` was given.
    pub if_not_exists: bool,
    /// The columns in declaration order.
    pub columns: Vec<ColumnDef>,
    /// `WATERMARK FOR column AS expr`.
    pub watermark: Option<WatermarkDef>,
    /// `PRIMARY KEY (…) NOT ENFORCED`.
    pub primary_key: Option<Vec<String>>,
    /// The `WITH` options in order.
    pub options: Vec<(String, String)>,
    /// `LIKE base`: the table whose columns, watermark, key and options this one extends.
    pub like: Option<String>,
}

/// A column of `CREATE TABLE`.
#[derive(Debug, Clone)]
pub enum ColumnDef {
    /// `name type [NOT NULL]`.
    Physical {
        /// Name.
        name: String,
        /// Type.
        data_type: DataType,
        /// Nullability.
        nullable: bool,
    },
    /// `name AS expr`.
    Computed {
        /// Name.
        name: String,
        /// The expression over physical columns.
        expr: Box<Expr>,
    },
    /// `name type METADATA [FROM 'key'] [VIRTUAL]`.
    Metadata {
        /// Name.
        name: String,
        /// Type.
        data_type: DataType,
        /// The connector's metadata key (defaults to the name).
        key: String,
    },
}

impl ColumnDef {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            ColumnDef::Physical { name, .. } | ColumnDef::Computed { name, .. } | ColumnDef::Metadata { name, .. } => name,
        }
    }
}

/// `WATERMARK FOR column AS expr`.
#[derive(Debug, Clone)]
pub struct WatermarkDef {
    /// The rowtime column.
    pub column: String,
    /// The watermark expression.
    pub expr: Box<Expr>,
}
