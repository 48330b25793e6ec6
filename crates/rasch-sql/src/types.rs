//! Flink's SQL data types, as the binder and the runtime see them, and their rendering
//! (`DESCRIBE`, error messages) in Flink's spelling.

use std::fmt;

/// A logical SQL type (Flink's `LogicalType`). Nullability lives on [`Field`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataType {
    /// `BOOLEAN`.
    Boolean,
    /// `TINYINT`.
    TinyInt,
    /// `SMALLINT`.
    SmallInt,
    /// `INT`.
    Int,
    /// `BIGINT`.
    BigInt,
    /// `FLOAT`.
    Float,
    /// `DOUBLE`.
    Double,
    /// `DECIMAL(precision, scale)`.
    Decimal(u8, u8),
    /// `CHAR(n)`.
    Char(u32),
    /// `VARCHAR(n)`; `STRING` is `VARCHAR(2147483647)`.
    Varchar(u32),
    /// `BINARY(n)`.
    Binary(u32),
    /// `VARBINARY(n)`; `BYTES` is `VARBINARY(2147483647)`.
    Varbinary(u32),
    /// `DATE`.
    Date,
    /// `TIME(p)`.
    Time(u8),
    /// `TIMESTAMP(p)`.
    Timestamp(u8),
    /// `TIMESTAMP_LTZ(p)`.
    TimestampLtz(u8),
    /// `INTERVAL DAY TO SECOND` (milliseconds).
    IntervalDayTime,
    /// `INTERVAL YEAR TO MONTH` (months).
    IntervalYearMonth,
    /// `ARRAY<t>`.
    Array(Box<DataType>),
    /// `MAP<k, v>`.
    Map(Box<DataType>, Box<DataType>),
    /// `MULTISET<t>`.
    Multiset(Box<DataType>),
    /// `ROW<name type, ...>`.
    Row(Vec<Field>),
    /// The type of the `NULL` literal before coercion.
    Null,
}

/// The largest length of `VARCHAR`/`VARBINARY` (`STRING`/`BYTES`).
pub const MAX_LENGTH: u32 = i32::MAX as u32;

/// A named, typed, possibly nullable field of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's name as written (case is kept; lookup is case-sensitive, as in Flink).
    pub name: String,
    /// Its type.
    pub data_type: DataType,
    /// Whether it may be NULL.
    pub nullable: bool,
}

impl Field {
    /// A nullable field.
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Field { name: name.into(), data_type, nullable: true }
    }
}

impl DataType {
    /// `STRING`.
    pub fn string() -> Self {
        DataType::Varchar(MAX_LENGTH)
    }
    /// Whether this is an exact or approximate numeric type.
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || matches!(self, DataType::Float | DataType::Double | DataType::Decimal(..))
    }
    /// Whether this is an integer type.
    pub fn is_integer(&self) -> bool {
        matches!(self, DataType::TinyInt | DataType::SmallInt | DataType::Int | DataType::BigInt)
    }
    /// Whether this is a character string type.
    pub fn is_string(&self) -> bool {
        matches!(self, DataType::Char(_) | DataType::Varchar(_))
    }
    /// Whether this is a timestamp type (with or without local time zone).
    pub fn is_timestamp(&self) -> bool {
        matches!(self, DataType::Timestamp(_) | DataType::TimestampLtz(_))
    }
    /// The decimal precision and scale an exact numeric type converts to losslessly
    /// (Flink's `LogicalTypeMerging` view of integers as decimals).
    pub fn as_decimal(&self) -> Option<(u8, u8)> {
        match self {
            DataType::TinyInt => Some((3, 0)),
            DataType::SmallInt => Some((5, 0)),
            DataType::Int => Some((10, 0)),
            DataType::BigInt => Some((19, 0)),
            DataType::Decimal(p, s) => Some((*p, *s)),
            _ => None,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Boolean => write!(f, "BOOLEAN"),
            DataType::TinyInt => write!(f, "TINYINT"),
            DataType::SmallInt => write!(f, "SMALLINT"),
            DataType::Int => write!(f, "INT"),
            DataType::BigInt => write!(f, "BIGINT"),
            DataType::Float => write!(f, "FLOAT"),
            DataType::Double => write!(f, "DOUBLE"),
            DataType::Decimal(p, s) => write!(f, "DECIMAL({p}, {s})"),
            DataType::Char(n) => write!(f, "CHAR({n})"),
            DataType::Varchar(MAX_LENGTH) => write!(f, "STRING"),
            DataType::Varchar(n) => write!(f, "VARCHAR({n})"),
            DataType::Binary(n) => write!(f, "BINARY({n})"),
            DataType::Varbinary(MAX_LENGTH) => write!(f, "BYTES"),
            DataType::Varbinary(n) => write!(f, "VARBINARY({n})"),
            DataType::Date => write!(f, "DATE"),
            DataType::Time(p) => write!(f, "TIME({p})"),
            DataType::Timestamp(p) => write!(f, "TIMESTAMP({p})"),
            DataType::TimestampLtz(p) => write!(f, "TIMESTAMP_LTZ({p})"),
            DataType::IntervalDayTime => write!(f, "INTERVAL SECOND(3)"),
            DataType::IntervalYearMonth => write!(f, "INTERVAL MONTH"),
            DataType::Array(t) => write!(f, "ARRAY<{t}>"),
            DataType::Map(k, v) => write!(f, "MAP<{k}, {v}>"),
            DataType::Multiset(t) => write!(f, "MULTISET<{t}>"),
            DataType::Row(fields) => {
                write!(f, "ROW<")?;
                for (i, fd) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "`{}` {}", fd.name, fd.data_type)?;
                    if !fd.nullable {
                        write!(f, " NOT NULL")?;
                    }
                }
                write!(f, ">")
            }
            DataType::Null => write!(f, "NULL"),
        }
    }
}
