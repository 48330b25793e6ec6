//! Typed scalar expressions of the plan: column references, literals, nested field access,
//! calls of built-in functions and operators, CASE and CAST.

use crate::types::DataType;
use crate::value::Value;
use crate::value::time::PatternPart;
use std::sync::Arc;

/// A bound, typed scalar expression.
#[derive(Debug, Clone)]
pub struct BExpr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its result type.
    pub ty: DataType,
}

/// The kinds of scalar expressions.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// The input column at this index.
    Column(usize),
    /// A constant.
    Literal(Value),
    /// Field `index` of a ROW-typed expression.
    Field(Box<BExpr>, usize),
    /// A built-in function or operator.
    Call(Func, Vec<BExpr>),
    /// `CASE WHEN c THEN r … ELSE e END`.
    Case(Vec<(BExpr, BExpr)>, Option<Box<BExpr>>),
    /// `CAST(e AS ty)` (the target type is the node's type); `try` gives NULL on failure.
    Cast(Box<BExpr>, bool),
}

/// Built-in scalar functions and operators.
#[derive(Debug, Clone)]
pub enum Func {
    /// `=`.
    Eq,
    /// `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `AND` (three-valued).
    And,
    /// `OR` (three-valued).
    Or,
    /// `NOT`.
    Not,
    /// `IS NULL`.
    IsNull,
    /// `IS NOT NULL`.
    IsNotNull,
    /// `IS DISTINCT FROM`.
    IsDistinctFrom,
    /// `+`.
    Plus,
    /// `-`.
    Minus,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `MOD(a, b)` / `%`.
    Mod,
    /// Unary `-`.
    Neg,
    /// `a IN (list…)`: the first argument against the rest.
    In,
    /// `LIKE` with a compiled pattern.
    Like(Arc<regex::Regex>),
    /// `HOUR(ts)`.
    Hour,
    /// `MINUTE(ts)`.
    Minute,
    /// `SECOND(ts)`.
    Second,
    /// `YEAR(ts)`.
    Year,
    /// `MONTH(ts)`.
    Month,
    /// `DAYOFMONTH(ts)`.
    DayOfMonth,
    /// `DATE_FORMAT(ts, 'pattern')` with a constant pattern.
    DateFormat(Arc<Vec<PatternPart>>),
    /// `CHAR_LENGTH(s)`.
    CharLength,
    /// `UPPER(s)`.
    Upper,
    /// `LOWER(s)`.
    Lower,
    /// `TRIM(s)`.
    Trim,
    /// `REPLACE(s, from, to)`.
    Replace,
    /// `SUBSTRING(s, from [, len])`.
    Substring,
    /// `CONCAT(a, b, …)`.
    Concat,
    /// `CONCAT_WS(sep, a, …)`.
    ConcatWs,
    /// `SPLIT_INDEX(s, sep, i)`.
    SplitIndex,
    /// `REGEXP_EXTRACT(s, regex [, group])` with a constant regex.
    RegexpExtract(Arc<regex::Regex>),
    /// `COALESCE(a, b, …)`.
    Coalesce,
    /// `IF(c, a, b)`.
    If,
    /// `NULLIF(a, b)`.
    NullIf,
    /// `ABS(x)`.
    Abs,
    /// `LPAD(s, len, pad)`.
    Lpad,
    /// `RPAD(s, len, pad)`.
    Rpad,
    /// `INITCAP(s)`.
    Initcap,
    /// `SHA256(s)` as lower-case hex.
    Sha256,
    /// `TO_TIMESTAMP(s [, pattern])` with a constant pattern.
    ToTimestamp(Arc<Vec<PatternPart>>),
    /// `TIMESTAMPDIFF(unit, a, b)`.
    TimestampDiff(TimeUnit),
    /// `TIMESTAMPADD(unit, n, ts)`.
    TimestampAdd(TimeUnit),
    /// `FLOOR(ts TO unit)`.
    FloorTo(TimeUnit),
    /// `CEIL(ts TO unit)`.
    CeilTo(TimeUnit),
    /// `JSON_VALUE(json, path)`: the scalar at the path, as a string.
    JsonValue(Arc<Vec<JsonStep>>),
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonStep {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A unit of time in temporal functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    Second,
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}
