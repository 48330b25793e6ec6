//! More built-in scalar functions: padding, `INITCAP`, `SHA256`, and the temporal functions
//! `TO_TIMESTAMP`, `TIMESTAMPDIFF`, `TIMESTAMPADD`, `FLOOR`/`CEIL(ts TO unit)`.

use super::eval::Eval;
use crate::plan::{Func, JsonStep, TimeUnit};
use crate::value::Value;
use crate::value::time::{MILLIS_PER_DAY, PatternPart, civil_from_days, days_from_civil, fields};
use compact_str::CompactString;
use sha2::{Digest, Sha256};
use std::sync::Arc;

fn s(v: &str) -> Value {
    Value::Str(CompactString::from(v))
}

/// Compiles the functions of this module; `None` for the others.
pub fn call_more(func: &Func, a: &[Eval]) -> Option<Eval> {
    let arg = |i: usize| a.get(i).cloned().unwrap_or_else(|| Arc::new(|_: &[Value]| Value::Null));
    let (a0, a1, a2) = (arg(0), arg(1), arg(2));
    Some(match func.clone() {
        Func::Lpad | Func::Rpad => {
            let left = matches!(func, Func::Lpad);
            Arc::new(move |r| match (a0(r), a1(r), a2(r)) {
                (Value::Str(x), Value::Int(n), Value::Str(p)) if n >= 0 => s(&pad(&x, n as usize, &p, left)),
                _ => Value::Null,
            })
        }
        Func::Initcap => Arc::new(move |r| {
            a0(r).as_str().map_or(Value::Null, |x| {
                let mut out = String::with_capacity(x.len());
                let mut start = true;
                for c in x.chars() {
                    if c.is_alphanumeric() {
                        out.extend(if start { c.to_uppercase().collect::<Vec<_>>() } else { c.to_lowercase().collect() });
                        start = false;
                    } else {
                        out.push(c);
                        start = true;
                    }
                }
                s(&out)
            })
        }),
        Func::Sha256 => Arc::new(move |r| {
            a0(r).as_str().map_or(Value::Null, |x| s(&Sha256::digest(x.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()))
        }),
        Func::ToTimestamp(p) => Arc::new(move |r| a0(r).as_str().and_then(|x| parse_with(x, &p)).map_or(Value::Null, Value::Timestamp)),
        Func::TimestampDiff(u) => Arc::new(move |r| match (a0(r), a1(r)) {
            (Value::Timestamp(x), Value::Timestamp(y)) => Value::Int(diff(u, x, y)),
            _ => Value::Null,
        }),
        Func::TimestampAdd(u) => Arc::new(move |r| match (a0(r), a1(r)) {
            (Value::Int(n), Value::Timestamp(t)) => Value::Timestamp(add(u, n, t)),
            _ => Value::Null,
        }),
        Func::FloorTo(u) => Arc::new(move |r| a0(r).as_int().map_or(Value::Null, |t| Value::Timestamp(floor(u, t)))),
        Func::CeilTo(u) => Arc::new(move |r| {
            a0(r).as_int().map_or(Value::Null, |t| {
                let f = floor(u, t);
                Value::Timestamp(if f == t { t } else { add(u, 1, f) })
            })
        }),
        Func::JsonValue(path) => Arc::new(move |r| {
            let x = a0(r);
            let Some(text) = x.as_str() else { return Value::Null };
            let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) else { return Value::Null };
            for step in path.iter() {
                v = match (step, v) {
                    (JsonStep::Key(k), serde_json::Value::Object(mut m)) => m.remove(k).unwrap_or(serde_json::Value::Null),
                    (JsonStep::Index(i), serde_json::Value::Array(mut a)) if *i < a.len() => a.swap_remove(*i),
                    _ => serde_json::Value::Null,
                };
            }
            match v {
                serde_json::Value::String(t) => s(&t),
                serde_json::Value::Number(n) => s(&n.to_string()),
                serde_json::Value::Bool(b) => s(if b { "true" } else { "false" }),
                _ => Value::Null,
            }
        }),
        _ => return None,
    })
}

fn pad(x: &str, n: usize, p: &str, left: bool) -> String {
    let len = x.chars().count();
    if len >= n {
        return x.chars().take(n).collect();
    }
    if p.is_empty() {
        return x.to_string();
    }
    let fill: String = p.chars().cycle().take(n - len).collect();
    if left { format!("{fill}{x}") } else { format!("{x}{fill}") }
}

fn unit_ms(u: TimeUnit) -> Option<i64> {
    match u {
        TimeUnit::Second => Some(1000),
        TimeUnit::Minute => Some(60_000),
        TimeUnit::Hour => Some(3_600_000),
        TimeUnit::Day => Some(MILLIS_PER_DAY),
        TimeUnit::Month | TimeUnit::Year => None,
    }
}

fn months(t: i64) -> (i64, i64) {
    let f = fields(t);
    (f.year * 12 + f.month as i64 - 1, t - days_from_civil(f.year, f.month, 1) * MILLIS_PER_DAY)
}

/// Whole units from `a` to `b` (truncated toward zero), as Flink's `TIMESTAMPDIFF`.
fn diff(u: TimeUnit, a: i64, b: i64) -> i64 {
    match unit_ms(u) {
        Some(ms) => (b - a) / ms,
        None => {
            let ((ma, ra), (mb, rb)) = (months(a), months(b));
            let mut m = mb - ma;
            if m > 0 && rb < ra {
                m -= 1;
            } else if m < 0 && rb > ra {
                m += 1;
            }
            if u == TimeUnit::Year { m / 12 } else { m }
        }
    }
}

/// `t` plus `n` units (calendar months clamp the day to the month's end).
fn add(u: TimeUnit, n: i64, t: i64) -> i64 {
    match unit_ms(u) {
        Some(ms) => t.wrapping_add(n.wrapping_mul(ms)),
        None => {
            let n = if u == TimeUnit::Year { n * 12 } else { n };
            let f = fields(t);
            let total = f.year * 12 + f.month as i64 - 1 + n;
            let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
            let last = civil_from_days(days_from_civil(if m == 12 { y + 1 } else { y }, if m == 12 { 1 } else { m + 1 }, 1) - 1).2;
            days_from_civil(y, m, f.day.min(last)) * MILLIS_PER_DAY + t.rem_euclid(MILLIS_PER_DAY)
        }
    }
}

fn floor(u: TimeUnit, t: i64) -> i64 {
    match unit_ms(u) {
        Some(ms) => t - t.rem_euclid(ms),
        None => {
            let f = fields(t);
            days_from_civil(f.year, if u == TimeUnit::Year { 1 } else { f.month }, 1) * MILLIS_PER_DAY
        }
    }
}

/// Parses `x` with a compiled `SimpleDateFormat` pattern; `None` when it does not match.
pub fn parse_with(x: &str, pattern: &[PatternPart]) -> Option<i64> {
    let b = x.as_bytes();
    let mut i = 0;
    let (mut y, mut mo, mut d, mut h, mut mi, mut se, mut ms) = (1970i64, 1u32, 1u32, 0i64, 0i64, 0i64, 0i64);
    for p in pattern {
        match p {
            PatternPart::Literal(l) => {
                if !x.get(i..)?.starts_with(l.as_str()) {
                    return None;
                }
                i += l.len();
            }
            PatternPart::Field(c, n) => {
                let start = i;
                let max = if *c == 'S' { 3 } else { *n.max(&2) };
                while i < b.len() && i - start < max && b[i].is_ascii_digit() {
                    i += 1;
                }
                let v: i64 = x.get(start..i)?.parse().ok()?;
                match c {
                    'y' => y = v,
                    'M' => mo = v as u32,
                    'd' => d = v as u32,
                    'H' => h = v,
                    'm' => mi = v,
                    's' => se = v,
                    'S' => ms = v * [100, 10, 1][(i - start - 1).min(2)],
                    _ => return None,
                }
            }
        }
    }
    if i != b.len() || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * MILLIS_PER_DAY + ((h * 60 + mi) * 60 + se) * 1000 + ms)
}
