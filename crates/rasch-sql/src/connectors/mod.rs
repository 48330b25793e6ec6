//! Table connectors (`'connector' = …` in `WITH`) and formats: which sinks accept updates, and
//! the sink of a table.

pub mod datagen;
pub mod filesystem;
pub mod json;
mod json_decode;
pub mod print;

use crate::catalog::TableDef;
use crate::error::{SqlError, SqlResult};
use crate::types::Field;
use crate::value::Row;
use rasch_api::DataStream;

/// The connectors a table can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `filesystem`: files of a directory (append-only as a sink).
    Filesystem,
    /// `print`: rows to standard output (accepts changelogs).
    Print,
    /// `blackhole`: discards rows (accepts changelogs).
    Blackhole,
    /// `datagen`: generated rows (a source only).
    Datagen,
}

impl Connector {
    /// The connector of a table, or an error naming the unknown one.
    pub fn of(t: &TableDef) -> SqlResult<Connector> {
        match t.required_option("connector")? {
            "filesystem" => Ok(Connector::Filesystem),
            "print" => Ok(Connector::Print),
            "blackhole" => Ok(Connector::Blackhole),
            "datagen" => Ok(Connector::Datagen),
            other => Err(SqlError::validation(format!(
                "Could not find any factory for identifier '{other}' that implements 'DynamicTableFactory' (table '{}'). Available: blackhole, datagen, filesystem, print",
                t.name
            ))),
        }
    }

    /// Whether the sink takes `-U`/`+U`/`-D` rows.
    pub fn accepts_updates(self) -> bool {
        !matches!(self, Connector::Filesystem)
    }
}

/// Writes `stream` (rows of `schema`) into table `t`.
pub fn sink(stream: DataStream<Row>, t: &TableDef, schema: Vec<Field>) -> SqlResult<()> {
    match Connector::of(t)? {
        Connector::Filesystem => filesystem::sink(stream, t, schema),
        Connector::Print => print::sink(stream, t, schema),
        Connector::Blackhole => {
            stream.discard().name(&format!("Sink: {}", t.name));
            Ok(())
        }
        Connector::Datagen => Err(SqlError::validation(format!("table '{}': the datagen connector is a source only", t.name))),
    }
}
