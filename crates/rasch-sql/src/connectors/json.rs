//! Flink's `json` format: decoding a line into a [`Row`] by the table's schema, and encoding
//! a row exactly as Flink's `JsonRowDataSerializationSchema` renders it (keys in column order,
//! TIMESTAMP as `yyyy-MM-dd HH:mm:ss[.f…]`, DECIMAL normalised, plain or scientific).

use crate::error::{SqlError, SqlResult};
use crate::types::{DataType, Field};
use crate::value::decimal::{self, rescale, strip_trailing_zeros, write_java_string, write_plain};
use crate::value::time::{MILLIS_PER_DAY, parse_timestamp, write_timestamp};
use crate::value::{Row, Value};
use compact_str::CompactString;
use serde_json::Value as J;
use std::sync::Arc;

/// Options of the json format (`json.*` keys of `WITH`).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonOptions {
    /// `json.fail-on-missing-field`.
    pub fail_on_missing_field: bool,
    /// `json.ignore-parse-errors`: skip bad lines instead of failing.
    pub ignore_parse_errors: bool,
    /// `json.encode.decimal-as-plain-number`.
    pub decimal_as_plain_number: bool,
}

/// Decodes one JSON line into a row of `schema`. `Ok(None)`: skip it (ignored parse error).
pub fn decode(line: &str, schema: &[Field], o: &JsonOptions) -> SqlResult<Option<Row>> {
    let parsed: J = match serde_json::from_str(line) {
        Ok(j) => j,
        Err(_) if o.ignore_parse_errors => return Ok(None),
        Err(e) => return Err(SqlError::execution(format!("Failed to deserialize JSON '{}': {e}", truncate(line)))),
    };
    match row_from(&parsed, schema, o) {
        Ok(values) => Ok(Some(Row::insert(values))),
        Err(_) if o.ignore_parse_errors => Ok(None),
        Err(e) => Err(SqlError::execution(format!("Failed to deserialize JSON '{}': {e}", truncate(line)))),
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn row_from(j: &J, schema: &[Field], o: &JsonOptions) -> Result<Vec<Value>, String> {
    let J::Object(map) = j else { return Err("expected a JSON object".into()) };
    schema
        .iter()
        .map(|f| match map.get(&f.name) {
            None if o.fail_on_missing_field => Err(format!("Could not find field with name '{}'", f.name)),
            None | Some(J::Null) => Ok(Value::Null),
            Some(v) => value_from(v, &f.data_type, o).map_err(|e| format!("field '{}': {e}", f.name)),
        })
        .collect()
}

fn value_from(j: &J, t: &DataType, o: &JsonOptions) -> Result<Value, String> {
    let bad = || format!("cannot read {j} as {t}");
    Ok(match t {
        DataType::Boolean => Value::Bool(j.as_bool().ok_or_else(bad)?),
        t if t.is_integer() => Value::Int(match j {
            J::Number(n) => n.as_i64().ok_or_else(bad)?,
            J::String(s) => s.trim().parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        }),
        DataType::Float | DataType::Double => Value::Double(match j {
            J::Number(n) => n.as_f64().ok_or_else(bad)?,
            J::String(s) => s.trim().parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        }),
        DataType::Decimal(p, s) => {
            let text = match j {
                J::Number(n) => n.to_string(),
                J::String(s) => s.clone(),
                _ => return Err(bad()),
            };
            let (u, _, fs) = decimal::parse_literal(&text).ok_or_else(bad)?;
            let v = rescale(u, fs, *s).ok_or_else(bad)?;
            if decimal::fits(v, *p) { Value::Decimal(v) } else { Value::Null }
        }
        DataType::Char(_) | DataType::Varchar(_) => Value::Str(match j {
            J::String(s) => CompactString::from(s.as_str()),
            other => CompactString::from(other.to_string()),
        }),
        DataType::Timestamp(_) | DataType::TimestampLtz(_) => Value::Timestamp(j.as_str().and_then(parse_timestamp).ok_or_else(bad)?),
        DataType::Date => Value::Int(j.as_str().and_then(parse_timestamp).ok_or_else(bad)?.div_euclid(MILLIS_PER_DAY)),
        DataType::Row(fields) => Value::Row(Arc::from(row_from(j, fields, o)?)),
        other => return Err(format!("the json format does not read {other} yet")),
    })
}

/// Encodes a row as one JSON line (without the newline) into `out`.
pub fn encode(row: &[Value], schema: &[Field], o: &JsonOptions, out: &mut String) {
    out.push('{');
    for (i, (v, f)) in row.iter().zip(schema).enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(&f.name, out);
        out.push(':');
        encode_value(v, &f.data_type, o, out);
    }
    out.push('}');
}

fn encode_value(v: &Value, t: &DataType, o: &JsonOptions, out: &mut String) {
    use std::fmt::Write;
    match (v, t) {
        (Value::Null, _) => out.push_str("null"),
        (Value::Bool(b), _) => out.push_str(if *b { "true" } else { "false" }),
        (Value::Int(i), DataType::Date) => {
            let (y, m, d) = crate::value::time::civil_from_days(*i);
            let _ = write!(out, "\"{y:04}-{m:02}-{d:02}\"");
        }
        (Value::Int(i), _) => {
            let _ = write!(out, "{i}");
        }
        (Value::Double(d), _) => super::super::exec::render::write_double(*d, out),
        (Value::Decimal(d), DataType::Decimal(_, s)) => {
            let (u, sc) = strip_trailing_zeros(*d, *s);
            if o.decimal_as_plain_number { write_plain(u, sc, out) } else { write_java_string(u, sc, out) }
        }
        (Value::Decimal(d), _) => {
            let _ = write!(out, "{d}");
        }
        (Value::Str(s), _) => write_str(s, out),
        (Value::Timestamp(ms), _) => {
            out.push('"');
            write_timestamp(*ms, out);
            out.push('"');
        }
        (Value::Row(vals), DataType::Row(fields)) => encode(vals, fields, o, out),
        (Value::Row(_), _) => out.push_str("null"),
    }
}

/// Writes a JSON string with Jackson's escaping (`"`, `\`, control characters).
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
