//! Flink's `json` format: decoding a line into a [`Row`] by the table's schema, and encoding
//! a row exactly as Flink's `JsonRowDataSerializationSchema` renders it (keys in column order,
//! TIMESTAMP as `yyyy-MM-dd HH:mm:ss[.f…]`, DECIMAL normalised, plain or scientific).

use crate::error::{SqlError, SqlResult};
use crate::types::{DataType, Field};
use crate::value::decimal::{strip_trailing_zeros, write_java_string, write_plain};
use crate::value::time::write_timestamp;
use crate::value::{Row, Value};

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

/// Decodes one JSON line into a row of `schema` (only the `needs`, if given). `Ok(None)`: skip
/// it (ignored parse error).
pub fn decode(line: &str, schema: &[Field], o: &JsonOptions, needs: Option<&crate::exec::prune::Needs>) -> SqlResult<Option<Row>> {
    match super::json_decode::decode_values(line, schema, o, needs) {
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

/// Writes a JSON string with Jackson's escaping (`"`, `\`, control characters); runs of
/// characters that need no escape are copied at once.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            use std::fmt::Write;
            let _ = write!(out, "\\u{:04X}", b);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_like_jackson() {
        let mut out = String::new();
        write_str("a\"b\\c\nd\u{1}é/", &mut out);
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001é/\"");
    }
}
