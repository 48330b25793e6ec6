//! The `filesystem` connector: a source reading every file of a path as JSON lines, and an
//! exactly-once sink writing JSON lines into part files of a directory (Rasch's `FileSink`,
//! committed on checkpoints and at the end of a bounded job).

use crate::catalog::TableDef;
use crate::connectors::json::{JsonOptions, encode};
use crate::error::{SqlError, SqlResult};
use crate::exec::Mode;
use crate::exec::calc::{JsonSourceCalc, Step};
use crate::types::{DataType, Field};
use crate::value::{Row, Value};
use rasch_api::DataStream;
use rasch_api::StreamEnv;
use rasch_connectors::FileSink;
use rasch_runtime::watermarks::WatermarkStrategy;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The path of a `filesystem` table (`file://` stripped).
pub fn path_of(t: &TableDef) -> SqlResult<PathBuf> {
    let p = t.required_option("path")?;
    Ok(PathBuf::from(p.strip_prefix("file://").unwrap_or(p)))
}

/// The json options of a table, checking connector and format.
pub fn json_options(t: &TableDef) -> SqlResult<JsonOptions> {
    match t.required_option("connector")? {
        "filesystem" => {}
        other => return Err(SqlError::unsupported(format!("table '{}': connector '{other}' (only 'filesystem' so far)", t.name))),
    }
    match t.required_option("format")? {
        "json" => {}
        other => return Err(SqlError::unsupported(format!("table '{}': format '{other}' (only 'json' so far)", t.name))),
    }
    let flag = |k: &str, default: bool| -> SqlResult<bool> {
        match t.option(k) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(SqlError::validation(format!("table '{}': option '{k}' must be 'true' or 'false', not '{v}'", t.name))),
        }
    };
    Ok(JsonOptions {
        fail_on_missing_field: flag("json.fail-on-missing-field", false)?,
        ignore_parse_errors: flag("json.ignore-parse-errors", false)?,
        decimal_as_plain_number: flag("json.encode.decimal-as-plain-number", false)?,
    })
}

/// The source stream of a table, with `steps` fused after decoding (only the `needs` of them
/// are decoded); in streaming mode with
/// the table's watermark (`rowtime - INTERVAL …`).
pub fn source(
    env: &StreamEnv,
    t: &Arc<TableDef>,
    steps: Vec<Step>,
    mode: Mode,
    needs: Option<crate::exec::prune::Needs>,
) -> SqlResult<DataStream<Row>> {
    let needs = needs.map(Arc::new);
    let options = json_options(t)?;
    let path = path_of(t)?;
    if !path.exists() {
        return Err(SqlError::execution(format!("table '{}': path '{}' does not exist", t.name, path.display())));
    }
    let schema: Arc<[Field]> = t.physical_schema().into();
    let name = format!("TableSourceScan(table=[{}])", t.name);
    let lines = env.read_text_file(path);
    // In streaming mode a table with a WATERMARK gets event time right after its computed
    // columns (the first step), before any projection can drop the rowtime column.
    let watermark = match (mode, &t.watermark) {
        (Mode::Streaming, Some((col, expr))) if !steps.is_empty() => {
            let rowtime = t
                .columns
                .iter()
                .position(|c| c.name() == col)
                .ok_or_else(|| SqlError::validation(format!("unknown rowtime column '{col}'")))?;
            Some((rowtime, watermark_delay(col, expr)?))
        }
        _ => None,
    };
    let Some((rowtime, delay)) = watermark else {
        let calc = JsonSourceCalc { table: t.name.as_str().into(), schema, options, steps: steps.into(), needs };
        return Ok(lines.flat_map_rich(calc).name(&name));
    };
    let mut steps = steps;
    let rest: Vec<Step> = steps.split_off(1);
    let calc = JsonSourceCalc { table: t.name.as_str().into(), schema, options, steps: steps.into(), needs };
    let stream = with_watermarks(lines.flat_map_rich(calc).name(&name), rowtime, delay);
    if rest.is_empty() {
        return Ok(stream);
    }
    Ok(stream.flat_map_rich(crate::exec::calc::RowCalc { steps: rest.into() }).name("Calc"))
}

/// The delay of a watermark expression: `col` (0) or `col - INTERVAL …`.
fn watermark_delay(col: &str, expr: &sqlparser::ast::Expr) -> SqlResult<i64> {
    use sqlparser::ast::{BinaryOperator, Expr};
    let is_col = |e: &Expr| matches!(e, Expr::Identifier(i) if i.value == col);
    if is_col(expr) {
        return Ok(0);
    }
    if let Expr::BinaryOp { left, op: BinaryOperator::Minus, right } = expr
        && is_col(left)
        && let Expr::Interval(iv) = right.as_ref()
        && let crate::plan::ExprKind::Literal(Value::Timestamp(ms)) = crate::binder::expr::interval(iv)?.kind
    {
        return Ok(ms);
    }
    Err(SqlError::unsupported(format!("WATERMARK expression '{expr}' (use `{col}` or `{col} - INTERVAL …`)")))
}

/// Assigns event time from column `rowtime` with the watermark `max(rowtime) - delay` (Flink's
/// SQL watermark; the runtime's bounded-out-of-orderness strategy subtracts one more ms).
pub fn with_watermarks(stream: DataStream<Row>, rowtime: usize, delay_ms: i64) -> DataStream<Row> {
    let strategy = WatermarkStrategy::for_bounded_out_of_orderness(Duration::from_millis((delay_ms - 1).max(0) as u64))
        .with_timestamp_assigner(move |r: &Row, prev: i64| match r.values.get(rowtime) {
            Some(Value::Timestamp(ms)) => *ms,
            _ => prev,
        });
    stream.assign_timestamps_and_watermarks(strategy)
}

/// Writes `stream` (rows of `schema`) into the table's directory as JSON lines.
pub fn sink(stream: DataStream<Row>, t: &TableDef, schema: Vec<Field>) -> SqlResult<()> {
    let options = json_options(t)?;
    let dir = path_of(t)?;
    let name = t.name.clone();
    let types: Vec<DataType> = schema.iter().map(|f| f.data_type.clone()).collect();
    let _ = types;
    stream
        .map(move |r: Row| {
            let mut out = String::with_capacity(128);
            encode(&r.values, &schema, &options, &mut out);
            out
        })
        .name("ConstraintEnforcer")
        .sink_to(FileSink::for_row_format(dir))
        .name(&format!("Sink: {name}"));
    Ok(())
}
