//! Flink's text form of values (`CAST(x AS STRING)`, the shell's tableau): DECIMAL with its
//! full scale, TIMESTAMP(p) with exactly p fractional digits, ROW as `(a, b)`.

use crate::types::DataType;
use crate::value::Value;
use crate::value::decimal::to_string_fixed;
use crate::value::time::{civil_from_days, write_timestamp_fixed};
use std::fmt::Write;

/// Appends the text form of `v` (of type `ty`) to `out`; NULL renders as `NULL`.
pub fn render_value(v: &Value, ty: &DataType, out: &mut String) {
    match (v, ty) {
        (Value::Null, _) => out.push_str("NULL"),
        (Value::Bool(b), _) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        (Value::Int(d), DataType::Date) => {
            let (y, m, dd) = civil_from_days(*d);
            let _ = write!(out, "{y:04}-{m:02}-{dd:02}");
        }
        (Value::Int(i), _) => {
            let _ = write!(out, "{i}");
        }
        (Value::Double(d), _) => write_double(*d, out),
        (Value::Decimal(d), DataType::Decimal(_, s)) => to_string_fixed(*d, *s, out),
        (Value::Decimal(d), _) => to_string_fixed(*d, 0, out),
        (Value::Str(s), _) => out.push_str(s),
        (Value::Timestamp(ms), DataType::Timestamp(p) | DataType::TimestampLtz(p)) => write_timestamp_fixed(*ms, *p, out),
        (Value::Timestamp(ms), _) => {
            let _ = write!(out, "{ms}");
        }
        (Value::Row(fields), DataType::Row(types)) => {
            out.push('(');
            for (i, (f, t)) in fields.iter().zip(types).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_value(f, &t.data_type, out);
            }
            out.push(')');
        }
        (Value::Row(_), _) => out.push_str("(…)"),
    }
}

/// Java's `Double.toString` for the common cases: `1.0`, `0.5`, `1.0E10`.
pub fn write_double(d: f64, out: &mut String) {
    if d.is_nan() {
        out.push_str("NaN");
    } else if d.is_infinite() {
        out.push_str(if d > 0.0 { "Infinity" } else { "-Infinity" });
    } else if d == d.trunc() && d.abs() < 1e7 {
        let _ = write!(out, "{d:.1}");
    } else if (1e-3..1e7).contains(&d.abs()) {
        let _ = write!(out, "{d}");
    } else {
        let s = format!("{d:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') { m.to_string() } else { format!("{m}.0") };
        let _ = write!(out, "{m}E{e}");
    }
}
