//! The logical plan: typed expressions ([`BExpr`]) and relational nodes ([`Plan`]) with their
//! output schema and changelog mode, as the binder produces them and the translator consumes.

mod explain;
mod expr;
pub mod match_recognize;

pub use expr::{BExpr, ExprKind, Func, JsonStep, TimeUnit};

use crate::catalog::TableDef;
use crate::types::{DataType, Field};
use crate::value::Value;
use std::sync::Arc;

/// An aggregate function call.
#[derive(Debug, Clone)]
pub struct AggCall {
    /// Which aggregate.
    pub func: AggFunc,
    /// Its argument column in the aggregate's input (None for `COUNT(*)`).
    pub arg: Option<usize>,
    /// `DISTINCT`.
    pub distinct: bool,
    /// The `FILTER (WHERE …)` column (BOOLEAN) in the aggregate's input.
    pub filter: Option<usize>,
    /// The result type.
    pub ty: DataType,
    /// The argument's type.
    pub arg_ty: Option<DataType>,
}

/// The built-in aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    /// `COUNT`.
    Count,
    /// `SUM`.
    Sum,
    /// `AVG`.
    Avg,
    /// `MIN`.
    Min,
    /// `MAX`.
    Max,
}

/// How a node's rows change (Flink's changelog mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangelogMode {
    /// Only `+I` rows.
    InsertOnly,
    /// `+I`, `-U`, `+U`, `-D` rows.
    Retract,
}

/// A window of the legacy group-window syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupWindow {
    /// `SESSION(ts, gap)`.
    Session {
        /// The gap in milliseconds.
        gap: i64,
    },
    /// `TUMBLE(ts, size)`.
    Tumble {
        /// The size in milliseconds.
        size: i64,
    },
    /// `HOP(ts, slide, size)`.
    Hop {
        /// The slide in milliseconds.
        slide: i64,
        /// The size in milliseconds.
        size: i64,
    },
    /// `CUMULATE(…, step, size)` (window TVF only): windows `[start, start + k·step)` growing
    /// by `step` up to `size`, `start` aligned to `size`.
    Cumulate {
        /// The step in milliseconds.
        step: i64,
        /// The maximum size in milliseconds.
        size: i64,
    },
}

impl GroupWindow {
    /// The windows `[start, end)` an element at `ts` belongs to (epoch-aligned).
    pub fn assign(&self, ts: i64) -> Vec<(i64, i64)> {
        match *self {
            GroupWindow::Session { gap } => vec![(ts, ts + gap)],
            GroupWindow::Tumble { size } => {
                let start = ts - ts.rem_euclid(size);
                vec![(start, start + size)]
            }
            GroupWindow::Hop { slide, size } => {
                let mut out = Vec::new();
                let mut start = ts - ts.rem_euclid(slide);
                while start > ts - size {
                    out.push((start, start + size));
                    start -= slide;
                }
                out.reverse();
                out
            }
            GroupWindow::Cumulate { step, size } => {
                let start = ts - ts.rem_euclid(size);
                let first_end = ts - ts.rem_euclid(step) + step;
                (0..).map(|k| first_end + k * step).take_while(|&e| e <= start + size).map(|e| (start, e)).collect()
            }
        }
    }
}

/// A relational plan node.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Constant rows (`VALUES`, or the single empty row under a `SELECT` without `FROM`).
    Values {
        /// The rows' values.
        rows: Vec<Vec<Value>>,
        /// The output schema.
        schema: Vec<Field>,
    },
    /// The rows of a `DataStream<Row>` handed to the Table API (`from_data_stream`).
    Stream {
        /// The stream's index in the table environment.
        id: usize,
        /// Its schema.
        schema: Vec<Field>,
    },
    /// Reads a table's physical columns.
    Scan {
        /// The table.
        table: Arc<TableDef>,
    },
    /// Computes expressions per row.
    Project {
        /// The input.
        input: Box<Plan>,
        /// One expression per output column.
        exprs: Vec<BExpr>,
        /// The output schema.
        schema: Vec<Field>,
    },
    /// Keeps rows whose predicate is TRUE.
    Filter {
        /// The input.
        input: Box<Plan>,
        /// A BOOLEAN expression.
        predicate: BExpr,
    },
    /// `GROUP BY` the first `keys` columns of the input; output: keys, then one column per call.
    Aggregate {
        /// The input (keys first, then argument and filter columns).
        input: Box<Plan>,
        /// How many leading input columns are the grouping key.
        keys: usize,
        /// The aggregate calls.
        calls: Vec<AggCall>,
        /// The output schema.
        schema: Vec<Field>,
    },
    /// A legacy group window: `GROUP BY keys, SESSION|TUMBLE|HOP(rowtime, …)`; output: keys,
    /// the calls, then window start and window end.
    WindowAggregate {
        /// The input (keys first).
        input: Box<Plan>,
        /// How many leading input columns are the grouping key.
        keys: usize,
        /// The rowtime column in the input.
        rowtime: usize,
        /// The window.
        window: GroupWindow,
        /// The aggregate calls.
        calls: Vec<AggCall>,
        /// The output schema.
        schema: Vec<Field>,
    },
    /// A window table-valued function (`TABLE(TUMBLE|HOP|CUMULATE(TABLE t, DESCRIPTOR(ts), …))`):
    /// each input row once per window it belongs to, with `window_start`, `window_end` and
    /// `window_time` appended.
    WindowTvf {
        /// The input.
        input: Box<Plan>,
        /// The rowtime column of the input.
        rowtime: usize,
        /// The windows.
        window: GroupWindow,
        /// The output schema.
        schema: Vec<Field>,
    },
    /// Grouping sets: each row once per set, with the key columns the set does not keep set to
    /// NULL and the set's id (BIGINT) inserted after the `keys` leading key columns.
    Expand {
        /// The input (keys first).
        input: Box<Plan>,
        /// How many leading columns are keys.
        keys: usize,
        /// Per set, which keys it keeps.
        masks: Vec<Vec<bool>>,
    },
    /// `UNION ALL` of inputs with the same column types.
    Union {
        /// The inputs.
        inputs: Vec<Plan>,
    },
    /// `ORDER BY … [LIMIT n]` (batch mode): the rows sorted (stable), at most `limit` of them.
    Sort {
        /// The input.
        input: Box<Plan>,
        /// Sort columns and whether ascending.
        order: Vec<(usize, bool)>,
        /// The largest number of rows kept.
        limit: Option<u64>,
    },
    /// `MATCH_RECOGNIZE`: one row per match of a row pattern in each partition, in event time.
    MatchRecognize {
        /// The input.
        input: Box<Plan>,
        /// The clause.
        spec: std::sync::Arc<match_recognize::MatchSpec>,
    },
    /// `ROW_NUMBER() OVER (PARTITION BY … ORDER BY …)` kept to ranks `<= limit`; the rank is
    /// appended as the last column when `with_rank`.
    Rank {
        /// The input.
        input: Box<Plan>,
        /// Partition columns.
        partition: Vec<usize>,
        /// Sort columns and whether ascending.
        order: Vec<(usize, bool)>,
        /// The largest rank kept (`None`: no filter on the rank was found).
        limit: Option<u64>,
        /// Whether the rank number is an output column.
        with_rank: bool,
        /// The output schema.
        schema: Vec<Field>,
    },
}

impl Plan {
    /// The node's output schema.
    pub fn schema(&self) -> Vec<Field> {
        match self {
            Plan::Scan { table } => table.physical_schema(),
            Plan::Filter { input, .. } | Plan::Sort { input, .. } => input.schema(),
            Plan::Union { inputs } => inputs[0].schema(),
            Plan::Expand { input, keys, .. } => {
                let mut s = input.schema();
                s.iter_mut().take(*keys).for_each(|f| f.nullable = true);
                s.insert(*keys, Field { name: "$e".into(), data_type: DataType::BigInt, nullable: false });
                s
            }
            Plan::Values { schema, .. }
            | Plan::Stream { schema, .. }
            | Plan::WindowTvf { schema, .. }
            | Plan::Project { schema, .. }
            | Plan::Aggregate { schema, .. }
            | Plan::WindowAggregate { schema, .. }
            | Plan::Rank { schema, .. } => schema.clone(),
            Plan::MatchRecognize { spec, .. } => spec.schema.clone(),
        }
    }

    /// The node's changelog mode in streaming execution.
    pub fn changelog_mode(&self) -> ChangelogMode {
        match self {
            Plan::Scan { .. } | Plan::Values { .. } | Plan::Stream { .. } | Plan::WindowAggregate { .. } | Plan::MatchRecognize { .. } => {
                ChangelogMode::InsertOnly
            }
            Plan::Project { input, .. } | Plan::Filter { input, .. } | Plan::WindowTvf { input, .. } => input.changelog_mode(),
            Plan::Aggregate { .. } | Plan::Rank { .. } => ChangelogMode::Retract,
            Plan::Sort { input, .. } | Plan::Expand { input, .. } => input.changelog_mode(),
            Plan::Union { inputs } => {
                if inputs.iter().all(|i| i.changelog_mode() == ChangelogMode::InsertOnly) {
                    ChangelogMode::InsertOnly
                } else {
                    ChangelogMode::Retract
                }
            }
        }
    }

    /// The event-time attribute of the output, if it keeps one.
    pub fn rowtime(&self) -> Option<usize> {
        match self {
            Plan::Scan { table } => table.rowtime_physical(),
            Plan::Filter { input, .. } => input.rowtime(),
            Plan::Project { input, exprs, schema } => {
                if let Plan::Scan { table } = input.as_ref() {
                    let (col, _) = table.watermark.as_ref()?;
                    return schema.iter().position(|f| &f.name == col);
                }
                let rt = input.rowtime()?;
                exprs.iter().position(|e| matches!(e.kind, ExprKind::Column(c) if c == rt))
            }
            Plan::Rank { input, .. } => input.rowtime(),
            Plan::WindowTvf { schema, .. } => Some(schema.len() - 1),
            Plan::Aggregate { .. } | Plan::WindowAggregate { .. } | Plan::Values { .. } | Plan::Stream { .. } | Plan::Union { .. } => None,
            Plan::Sort { input, .. } => input.rowtime(),
            Plan::Expand { .. } | Plan::MatchRecognize { .. } => None,
        }
    }
}
