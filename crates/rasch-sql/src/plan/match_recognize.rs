//! The plan of a `MATCH_RECOGNIZE` clause: partitioning, the row pattern (variables with
//! quantifiers, strictly consecutive as in SQL), the `DEFINE` conditions, the `MEASURES` of one
//! row per match and the after-match skip strategy. It runs on the CEP library.

use super::BExpr;
use crate::types::Field;
use rasch_cep::AfterMatchSkipStrategy;

/// One pattern variable: its name, how often it repeats, and its `DEFINE` condition
/// (absent: every row).
#[derive(Debug, Clone)]
pub struct PatternVar {
    /// The variable's name.
    pub name: String,
    /// Least repetitions (0: optional).
    pub min: u32,
    /// Most repetitions (`None`: unbounded).
    pub max: Option<u32>,
    /// Whether a quantifier applies (`A` alone has none).
    pub quantified: bool,
    /// Greedy (the SQL default) or reluctant (`*?`, `+?`, …).
    pub greedy: bool,
    /// The `DEFINE` condition, over the current row's columns followed by one value per
    /// navigation in `navs`.
    pub define: Option<BExpr>,
    /// The navigations the condition reads (`LAST(B.price, 1)`, `A.price`, `FIRST(B.price)`).
    pub navs: Vec<Navigation>,
}

/// Where a navigation counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavFrom {
    /// `FIRST(v.col, n)`: the n-th row mapped to `v`, from the first.
    First,
    /// `LAST(v.col, n)` and `v.col`: the n-th row mapped to `v`, from the last.
    Last,
    /// `COUNT`/`SUM`/`MIN`/`MAX`/`AVG(v.col)` over the rows mapped to `v` (the current row
    /// included when `v` is being defined).
    Aggregate(MeasureFn),
}

/// A value a `DEFINE` condition reads from the rows already matched (the current row counts as
/// the last row of the variable being defined).
#[derive(Debug, Clone)]
pub struct Navigation {
    /// Where it counts from.
    pub from: NavFrom,
    /// The variable.
    pub var: String,
    /// The input column.
    pub col: usize,
    /// The offset.
    pub offset: usize,
}

/// What a measure computes from the rows of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureFn {
    /// `FIRST(v.col)`.
    First,
    /// `LAST(v.col)` and `v.col`.
    Last,
    /// `COUNT(v.col)` (non-null values).
    Count,
    /// `SUM(v.col)`.
    Sum,
    /// `MIN(v.col)`.
    Min,
    /// `MAX(v.col)`.
    Max,
    /// `AVG(v.col)`.
    Avg,
    /// `MATCH_ROWTIME()`: the time of the match's last row.
    MatchRowtime,
}

/// One `MEASURES` column.
#[derive(Debug, Clone)]
pub struct Measure {
    /// The function.
    pub func: MeasureFn,
    /// The variable whose rows it reads (`None`: all rows of the match).
    pub var: Option<String>,
    /// The input column it reads.
    pub col: usize,
}

/// A bound `MATCH_RECOGNIZE`.
#[derive(Debug, Clone)]
pub struct MatchSpec {
    /// `PARTITION BY` columns of the input.
    pub partition: Vec<usize>,
    /// The rowtime column (`ORDER BY`).
    pub rowtime: usize,
    /// The pattern's variables in order.
    pub vars: Vec<PatternVar>,
    /// `AFTER MATCH SKIP …` (default: to next row).
    pub skip: AfterMatchSkipStrategy,
    /// `WITHIN INTERVAL …` in ms: a match spans less than this from its first row.
    pub within: Option<i64>,
    /// The values the measures are computed from (navigations and aggregates of a match).
    pub measures: Vec<Measure>,
    /// One expression per `MEASURES` column over `measures`' values, after the partition
    /// columns in the output.
    pub outputs: Vec<BExpr>,
    /// The output schema: partition columns, then measures.
    pub schema: Vec<Field>,
}
