//! The `print` connector: each row as Flink's print sink shows it — the change flag and the
//! fields cast to strings, `+I[1, hello]` — with `print-identifier` and the subtask prefix
//! (`2> `) when the sink runs in parallel.

use crate::catalog::TableDef;
use crate::error::SqlResult;
use crate::exec::render::render_value;
use crate::types::Field;
use crate::value::{Row, Value};
use rasch_api::DataStream;

/// Formats one row: `+I[a, b]`, NULL as `null`.
pub fn format_row(r: &Row, schema: &[Field]) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(r.kind.short_string());
    out.push('[');
    for (i, (v, f)) in r.values.iter().zip(schema).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match v {
            Value::Null => out.push_str("null"),
            v => render_value(v, &f.data_type, &mut out),
        }
    }
    out.push(']');
    out
}

/// Prints `stream` to standard output.
pub fn sink(stream: DataStream<Row>, t: &TableDef, schema: Vec<Field>) -> SqlResult<()> {
    let lines = stream.map(move |r: Row| format_row(&r, &schema)).name("Print");
    let sink = match t.option("print-identifier") {
        Some(id) => lines.print_with_identifier(id),
        None => lines.print(),
    };
    sink.name(&format!("Sink: {}", t.name));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::DataType;
    use crate::value::RowKind;

    #[test]
    fn rows_print_like_flink() {
        let schema = vec![Field::new("a", DataType::Decimal(5, 2)), Field::new("b", DataType::string())];
        let r = Row { kind: RowKind::UpdateBefore, values: vec![Value::Decimal(150), Value::Null] };
        assert_eq!(format_row(&r, &schema), "-U[1.50, null]");
    }
}
