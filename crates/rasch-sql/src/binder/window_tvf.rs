//! Window table-valued functions in FROM: `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size))`,
//! `HOP(…, slide, size)` and `CUMULATE(…, step, size)`. The descriptor column must be the
//! input's event-time attribute. A `GROUP BY window_start, window_end, …` over such a table
//! becomes a window aggregate (see `select.rs`), which emits each window once, when it closes.

use super::Binder;
use super::functions::args_of;
use crate::dialect_names::TABLE_ARG;
use crate::error::{SqlError, SqlResult};
use crate::plan::{ExprKind, GroupWindow, Plan};
use crate::types::{DataType, Field};
use crate::value::Value;
use sqlparser::ast::{self, Expr};

impl Binder<'_> {
    /// Binds a window TVF call.
    pub(super) fn bind_window_tvf(&mut self, f: &ast::Function) -> SqlResult<Plan> {
        let name = f.name.to_string().to_ascii_uppercase();
        let args = args_of(f)?;
        let usage = || SqlError::validation(format!("{name} takes (TABLE t, DESCRIPTOR(time_col), INTERVAL …)"));
        let (Some(Expr::Function(table)), Some(Expr::Function(desc))) = (args.first(), args.get(1)) else { return Err(usage()) };
        if table.name.to_string() != TABLE_ARG || !desc.name.to_string().eq_ignore_ascii_case("DESCRIPTOR") {
            return Err(usage());
        }
        let Some(Expr::Identifier(table_name)) = args_of(table)?.first().copied() else { return Err(usage()) };
        let Some(Expr::Identifier(col)) = args_of(desc)?.first().copied() else { return Err(usage()) };
        let input = self.bind_named(&table_name.value)?;
        let schema = input.schema();
        let rowtime = schema
            .iter()
            .position(|c| c.name == col.value)
            .ok_or_else(|| SqlError::validation(format!("Column '{}' not found in table '{}'", col.value, table_name.value)))?;
        if input.rowtime() != Some(rowtime) {
            return Err(SqlError::validation(format!(
                "The window function {name} requires the timecol to be a time attribute type, but '{}' is not (declare a WATERMARK for it)",
                col.value
            )));
        }
        let interval = |i: usize| -> SqlResult<i64> {
            let e = args.get(i).ok_or_else(usage)?;
            let Expr::Interval(iv) = e else { return Err(usage()) };
            match super::expr::interval(iv)?.kind {
                ExprKind::Literal(Value::Timestamp(ms)) if ms > 0 => Ok(ms),
                _ => Err(SqlError::validation(format!("{name}: intervals must be positive"))),
            }
        };
        let window = match name.as_str() {
            "TUMBLE" => GroupWindow::Tumble { size: interval(2)? },
            "HOP" => GroupWindow::Hop { slide: interval(2)?, size: interval(3)? },
            _ => {
                let (step, size) = (interval(2)?, interval(3)?);
                if size % step != 0 {
                    return Err(SqlError::validation("CUMULATE: the size must be a multiple of the step"));
                }
                GroupWindow::Cumulate { step, size }
            }
        };
        let mut out = schema;
        for n in ["window_start", "window_end", "window_time"] {
            out.push(Field { name: n.into(), data_type: DataType::Timestamp(3), nullable: false });
        }
        Ok(Plan::WindowTvf { input: Box::new(input), rowtime, window, schema: out })
    }
}

/// Whether `name` is a window TVF this binder knows.
pub fn is_window_tvf(name: &str) -> bool {
    matches!(name.to_ascii_uppercase().as_str(), "TUMBLE" | "HOP" | "CUMULATE")
}
