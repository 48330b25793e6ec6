//! Value casts between SQL types (`CAST`, and the implicit casts the binder inserts). A value
//! that does not convert becomes NULL, as `TRY_CAST` and Flink's default cast behaviour for
//! these cases do.

use super::render::render_value;
use crate::types::DataType;
use crate::value::decimal::{fits, pow10, rescale};
use crate::value::time::{MILLIS_PER_DAY, parse_timestamp};
use crate::value::{Value, decimal};
use compact_str::CompactString;

/// Casts `v` of type `from` to type `to`.
pub fn cast_value(v: Value, from: &DataType, to: &DataType) -> Value {
    use DataType as T;
    if v.is_null() {
        return Value::Null;
    }
    match (to, &v) {
        (t, Value::Int(i)) if t.is_integer() => Value::Int(narrow(*i, t)),
        (t, Value::Decimal(d)) if t.is_integer() => {
            let s = from.as_decimal().map_or(0, |(_, s)| s);
            Value::Int(narrow((*d / pow10(s)) as i64, t))
        }
        (t, Value::Double(d)) if t.is_integer() => Value::Int(narrow(*d as i64, t)),
        (T::Decimal(p, s), Value::Int(i)) => (*i as i128).checked_mul(pow10(*s)).map_or(Value::Null, |v| dec(v, *p)),
        (T::Decimal(p, s), Value::Decimal(d)) => {
            let fs = from.as_decimal().map_or(0, |(_, s)| s);
            rescale(*d, fs, *s).map_or(Value::Null, |d| dec(d, *p))
        }
        (T::Decimal(p, s), Value::Double(d)) => dec((d * pow10(*s) as f64).round() as i128, *p),
        (T::Double | T::Float, Value::Int(i)) => Value::Double(*i as f64),
        (T::Double | T::Float, Value::Decimal(d)) => Value::Double(*d as f64 / pow10(from.as_decimal().map_or(0, |(_, s)| s)) as f64),
        (T::Double | T::Float, Value::Double(d)) => Value::Double(*d),
        (T::Char(_) | T::Varchar(_), Value::Str(_)) => v,
        (T::Char(_) | T::Varchar(_), _) => {
            let mut s = String::new();
            render_value(&v, from, &mut s);
            Value::Str(CompactString::from(s))
        }
        (t, Value::Str(s)) => from_string(s.trim(), t),
        (T::Timestamp(_) | T::TimestampLtz(_), Value::Timestamp(_)) => v,
        (T::Timestamp(_), Value::Int(days)) if *from == T::Date => Value::Timestamp(days * MILLIS_PER_DAY),
        (T::Date, Value::Timestamp(ms)) => Value::Int(ms.div_euclid(MILLIS_PER_DAY)),
        (T::Boolean, Value::Bool(_)) => v,
        (T::Boolean, Value::Int(i)) => Value::Bool(*i != 0),
        _ => Value::Null,
    }
}

fn dec(v: i128, p: u8) -> Value {
    if fits(v, p) { Value::Decimal(v) } else { Value::Null }
}

/// Wraps an integer into the range of a narrower integer type, as Java's casts do.
fn narrow(i: i64, t: &DataType) -> i64 {
    match t {
        DataType::TinyInt => i as i8 as i64,
        DataType::SmallInt => i as i16 as i64,
        DataType::Int => i as i32 as i64,
        _ => i,
    }
}

fn from_string(s: &str, t: &DataType) -> Value {
    match t {
        t if t.is_integer() => s.parse::<i64>().map_or(Value::Null, |i| Value::Int(narrow(i, t))),
        DataType::Double | DataType::Float => s.parse::<f64>().map_or(Value::Null, Value::Double),
        DataType::Decimal(p, sc) => match decimal::parse_literal(s) {
            Some((u, _, fs)) => rescale(u, fs, *sc).map_or(Value::Null, |d| dec(d, *p)),
            None => Value::Null,
        },
        DataType::Boolean => match s.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null,
        },
        DataType::Timestamp(_) | DataType::TimestampLtz(_) => parse_timestamp(s).map_or(Value::Null, Value::Timestamp),
        DataType::Date => parse_timestamp(s).map_or(Value::Null, |ms| Value::Int(ms.div_euclid(MILLIS_PER_DAY))),
        _ => Value::Null,
    }
}
