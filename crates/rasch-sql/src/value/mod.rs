//! Runtime values of SQL: a compact [`Value`] per field, a [`Row`] of them with its change
//! flag ([`RowKind`]), and the grouping key [`RowKey`].
//!
//! A value does not carry its SQL type: the plan knows every column's type, so a DECIMAL is
//! just its unscaled `i128` (the scale is the column's) and every integer type is an `i64`.

pub mod decimal;
pub mod time;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// One SQL value.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub enum Value {
    /// SQL `NULL`.
    #[default]
    Null,
    /// `BOOLEAN`.
    Bool(bool),
    /// `TINYINT`, `SMALLINT`, `INT`, `BIGINT`, and `DATE` (days since the epoch).
    Int(i64),
    /// `FLOAT`, `DOUBLE`.
    Double(f64),
    /// `DECIMAL(p, s)`: the unscaled value (the scale is the column type's).
    Decimal(i128),
    /// `CHAR`, `VARCHAR`, `STRING`.
    Str(CompactString),
    /// `TIMESTAMP(p)` and `TIMESTAMP_LTZ(p)` as epoch milliseconds; intervals as milliseconds.
    Timestamp(i64),
    /// `ROW<...>` (nested fields).
    Row(Arc<[Value]>),
}

impl Value {
    /// Whether this is `NULL`.
    #[inline]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// The integer inside, if any.
    #[inline]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) | Value::Timestamp(v) => Some(*v),
            _ => None,
        }
    }
    /// The string inside, if any.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
    /// The boolean inside; `None` for NULL (SQL's UNKNOWN).
    #[inline]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// Orders two non-null values of the same SQL type; NULL sorts first.
    pub fn cmp_same_type(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) | (Value::Timestamp(a), Value::Timestamp(b)) => a.cmp(b),
            (Value::Double(a), Value::Double(b)) => a.total_cmp(b),
            (Value::Decimal(a), Value::Decimal(b)) => a.cmp(b),
            (Value::Str(a), Value::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::Row(a), Value::Row(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    let o = x.cmp_same_type(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            _ => Ordering::Equal,
        }
    }
}

impl PartialEq for Value {
    /// Grouping equality: NULL equals NULL, doubles compare by bits (as `GROUP BY` needs).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) | (Value::Timestamp(a), Value::Timestamp(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => a.to_bits() == b.to_bits(),
            (Value::Decimal(a), Value::Decimal(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Row(a), Value::Row(b)) => a == b,
            _ => false,
        }
    }
}
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Null => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(v) | Value::Timestamp(v) => v.hash(state),
            Value::Double(v) => v.to_bits().hash(state),
            Value::Decimal(v) => v.hash(state),
            Value::Str(s) => s.hash(state),
            Value::Row(r) => r.hash(state),
        }
    }
}

/// The change a row carries in a changelog (Flink's `RowKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum RowKind {
    /// `+I`: a new row.
    #[default]
    Insert,
    /// `-U`: the previous version of an updated row.
    UpdateBefore,
    /// `+U`: the new version of an updated row.
    UpdateAfter,
    /// `-D`: a deleted row.
    Delete,
}

impl RowKind {
    /// Flink's short string: `+I`, `-U`, `+U`, `-D`.
    pub fn short_string(self) -> &'static str {
        match self {
            RowKind::Insert => "+I",
            RowKind::UpdateBefore => "-U",
            RowKind::UpdateAfter => "+U",
            RowKind::Delete => "-D",
        }
    }
    /// Whether the row is added (`+I`, `+U`) rather than retracted (`-U`, `-D`).
    pub fn is_accumulate(self) -> bool {
        matches!(self, RowKind::Insert | RowKind::UpdateAfter)
    }
}

/// A row of a table: its fields and its change flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Row {
    /// The change this row carries.
    pub kind: RowKind,
    /// The field values, in schema order.
    pub values: Vec<Value>,
}

impl Row {
    /// An inserted row.
    pub fn insert(values: Vec<Value>) -> Self {
        Row { kind: RowKind::Insert, values }
    }
}

/// A grouping or partitioning key: the key columns' values (hashed by their serialized bytes
/// like every key in Rasch).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct RowKey(pub Vec<Value>);
