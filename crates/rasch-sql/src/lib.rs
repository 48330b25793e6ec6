//! Rasch SQL: Flink's SQL dialect and semantics over the Rasch runtime.
//!
//! A script is parsed ([`parser`]) into statements; DDL goes into the [`catalog`]; queries
//! are bound ([`binder`]) into a logical [`plan`] with types, and translated ([`exec`]) into
//! runtime operators over [`value::Row`]s.
#![deny(missing_docs)]

pub mod binder;
pub mod catalog;
pub mod connectors;
pub mod error;
mod dialect_names {
    //! Names shared by the parser and the binder.

    /// The function a `TABLE t` argument is read as.
    pub const TABLE_ARG: &str = "__TABLE";
}
pub mod exec;
pub mod parser;
pub mod plan;
pub mod session;
pub mod table_api;
pub mod tableau;
#[doc(hidden)]
pub mod testing;
pub mod types;
pub mod value;

pub use error::{Pos, SqlError, SqlErrorKind, SqlResult};
pub use session::{SqlSession, StatementResult};
