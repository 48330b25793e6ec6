//! Name resolution: the columns visible to an expression, with their table qualifiers.

use crate::error::{SqlError, SqlResult};
use crate::types::{DataType, Field};

/// One visible column.
#[derive(Debug, Clone)]
pub struct ScopeColumn {
    /// The table alias or name it comes from.
    pub qualifier: Option<String>,
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: DataType,
}

/// The columns of the input an expression is bound against.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Columns in input order.
    pub columns: Vec<ScopeColumn>,
}

impl Scope {
    /// A scope over `fields`, all with the same qualifier.
    pub fn new(fields: &[Field], qualifier: Option<&str>) -> Self {
        Scope {
            columns: fields
                .iter()
                .map(|f| ScopeColumn { qualifier: qualifier.map(str::to_string), name: f.name.clone(), ty: f.data_type.clone() })
                .collect(),
        }
    }

    /// Finds a column by name (and qualifier, if given).
    pub fn resolve(&self, qualifier: Option<&str>, name: &str) -> SqlResult<Option<usize>> {
        let mut found = None;
        for (i, c) in self.columns.iter().enumerate() {
            if c.name == name && (qualifier.is_none() || c.qualifier.as_deref() == qualifier) {
                if found.is_some() {
                    return Err(SqlError::validation(format!("Column '{name}' is ambiguous")));
                }
                found = Some(i);
            }
        }
        Ok(found)
    }

    /// Whether `name` is a qualifier of some column.
    pub fn has_qualifier(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.qualifier.as_deref() == Some(name))
    }
}
