//! Built-in scalar functions and operators at run time, with SQL's NULL semantics
//! (three-valued AND/OR, NULL in → NULL out for the rest).

use super::eval::Eval;
use crate::plan::Func;
use crate::types::DataType;
use crate::value::Value;
use crate::value::decimal::{fits, pow10, rescale};
use crate::value::time::{fields, format_with};
use compact_str::CompactString;
use std::cmp::Ordering;
use std::sync::Arc;

fn s(v: &str) -> Value {
    Value::Str(CompactString::from(v))
}

/// Compiles a call of `func` over compiled arguments of types `tys`, returning `ty`.
pub fn call_fn(func: Func, a: Vec<Eval>, tys: Vec<DataType>, ty: DataType) -> Eval {
    if let Some(f) = super::scalar_more::call_more(&func, &a) {
        return f;
    }
    let arg = |i: usize| a.get(i).cloned().unwrap_or_else(|| Arc::new(|_: &[Value]| Value::Null));
    let (a0, a1, a2) = (arg(0), arg(1), arg(2));
    let (c0, c1) = (a0.clone(), a1.clone());
    let cmp = move |pred: fn(Ordering) -> bool| -> Eval {
        let (x, y) = (c0.clone(), c1.clone());
        Arc::new(move |r| {
            let (l, rr) = (x(r), y(r));
            if l.is_null() || rr.is_null() { Value::Null } else { Value::Bool(pred(l.cmp_same_type(&rr))) }
        })
    };
    match func {
        Func::Eq => cmp(|o| o == Ordering::Equal),
        Func::Ne => cmp(|o| o != Ordering::Equal),
        Func::Lt => cmp(|o| o == Ordering::Less),
        Func::Le => cmp(|o| o != Ordering::Greater),
        Func::Gt => cmp(|o| o == Ordering::Greater),
        Func::Ge => cmp(|o| o != Ordering::Less),
        Func::IsDistinctFrom => Arc::new(move |r| Value::Bool(a0(r) != a1(r))),
        Func::And => Arc::new(move |r| match a0(r).as_bool() {
            Some(false) => Value::Bool(false),
            x => match (x, a1(r).as_bool()) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            },
        }),
        Func::Or => Arc::new(move |r| match a0(r).as_bool() {
            Some(true) => Value::Bool(true),
            x => match (x, a1(r).as_bool()) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            },
        }),
        Func::Not => Arc::new(move |r| a0(r).as_bool().map_or(Value::Null, |b| Value::Bool(!b))),
        Func::IsNull => Arc::new(move |r| Value::Bool(a0(r).is_null())),
        Func::IsNotNull => Arc::new(move |r| Value::Bool(!a0(r).is_null())),
        Func::In => Arc::new(move |r| {
            let x = a[0](r);
            if x.is_null() {
                return Value::Null;
            }
            let mut saw_null = false;
            for e in &a[1..] {
                let y = e(r);
                saw_null |= y.is_null();
                if y == x {
                    return Value::Bool(true);
                }
            }
            if saw_null { Value::Null } else { Value::Bool(false) }
        }),
        Func::Plus | Func::Minus | Func::Mul | Func::Div | Func::Mod => arithmetic(func, a0, a1, &tys, ty),
        Func::Neg => Arc::new(move |r| match a0(r) {
            Value::Int(i) => Value::Int(i.wrapping_neg()),
            Value::Double(d) => Value::Double(-d),
            Value::Decimal(d) => Value::Decimal(-d),
            _ => Value::Null,
        }),
        Func::Abs => Arc::new(move |r| match a0(r) {
            Value::Int(i) => Value::Int(i.wrapping_abs()),
            Value::Double(d) => Value::Double(d.abs()),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            _ => Value::Null,
        }),
        Func::Like(re) => Arc::new(move |r| a0(r).as_str().map_or(Value::Null, |x| Value::Bool(re.is_match(x)))),
        Func::Hour | Func::Minute | Func::Second | Func::Year | Func::Month | Func::DayOfMonth => {
            let pick: fn(crate::value::time::Fields) -> i64 = match func {
                Func::Hour => |f| f.hour as i64,
                Func::Minute => |f| f.minute as i64,
                Func::Second => |f| f.second as i64,
                Func::Year => |f| f.year,
                Func::Month => |f| f.month as i64,
                _ => |f| f.day as i64,
            };
            Arc::new(move |r| match a0(r) {
                Value::Timestamp(ms) => Value::Int(pick(fields(ms))),
                _ => Value::Null,
            })
        }
        Func::DateFormat(p) => Arc::new(move |r| match a0(r) {
            Value::Timestamp(ms) => {
                let mut out = String::with_capacity(24);
                format_with(ms, &p, &mut out);
                Value::Str(CompactString::from(out))
            }
            _ => Value::Null,
        }),
        Func::CharLength => Arc::new(move |r| a0(r).as_str().map_or(Value::Null, |x| Value::Int(x.chars().count() as i64))),
        Func::Upper => Arc::new(move |r| a0(r).as_str().map_or(Value::Null, |x| s(&x.to_uppercase()))),
        Func::Lower => Arc::new(move |r| a0(r).as_str().map_or(Value::Null, |x| s(&x.to_lowercase()))),
        Func::Trim => Arc::new(move |r| a0(r).as_str().map_or(Value::Null, |x| s(x.trim_matches(' ')))),
        Func::Replace => Arc::new(move |r| match (a0(r), a1(r), a2(r)) {
            (Value::Str(x), Value::Str(f), Value::Str(t)) => {
                if f.is_empty() {
                    Value::Str(x)
                } else {
                    s(&x.replace(f.as_str(), &t))
                }
            }
            _ => Value::Null,
        }),
        Func::Substring => Arc::new(move |r| {
            let x = a0(r);
            let Some(x) = x.as_str() else { return Value::Null };
            let Some(from) = a1(r).as_int() else { return Value::Null };
            let len = if a.len() > 2 {
                match a2(r).as_int() {
                    Some(l) if l < 0 => return Value::Null,
                    Some(l) => Some(l as usize),
                    None => return Value::Null,
                }
            } else {
                None
            };
            let n = x.chars().count() as i64;
            let start = if from > 0 {
                from - 1
            } else if from < 0 {
                (n + from).max(0)
            } else {
                0
            } as usize;
            let it = x.chars().skip(start);
            s(&match len {
                Some(l) => it.take(l).collect::<String>(),
                None => it.collect::<String>(),
            })
        }),
        Func::Concat => Arc::new(move |r| {
            let mut out = String::new();
            for e in &a {
                match e(r) {
                    Value::Str(x) => out.push_str(&x),
                    _ => return Value::Null,
                }
            }
            s(&out)
        }),
        Func::ConcatWs => Arc::new(move |r| {
            let Value::Str(sep) = a[0](r) else { return Value::Null };
            let parts: Vec<String> = a[1..].iter().filter_map(|e| e(r).as_str().map(str::to_string)).collect();
            s(&parts.join(&sep))
        }),
        Func::SplitIndex => Arc::new(move |r| match (a0(r), a1(r), a2(r)) {
            (Value::Str(x), Value::Str(sep), Value::Int(i)) if i >= 0 && !sep.is_empty() => {
                x.split(sep.as_str()).nth(i as usize).map_or(Value::Null, s)
            }
            _ => Value::Null,
        }),
        Func::RegexpExtract(re) => Arc::new(move |r| {
            let x = a0(r);
            let Some(x) = x.as_str() else { return Value::Null };
            let group = if a.len() > 1 {
                match a1(r).as_int() {
                    Some(g) if g >= 0 => g as usize,
                    _ => return Value::Null,
                }
            } else {
                0
            };
            match re.captures(x) {
                Some(c) => c.get(group).map_or(Value::Null, |m| s(m.as_str())),
                None => Value::Null,
            }
        }),
        Func::Coalesce => Arc::new(move |r| a.iter().map(|e| e(r)).find(|v| !v.is_null()).unwrap_or(Value::Null)),
        Func::If => Arc::new(move |r| if a0(r).as_bool() == Some(true) { a1(r) } else { a2(r) }),
        Func::Lpad
        | Func::Rpad
        | Func::Initcap
        | Func::Sha256
        | Func::ToTimestamp(_)
        | Func::TimestampDiff(_)
        | Func::TimestampAdd(_)
        | Func::FloorTo(_)
        | Func::CeilTo(_)
        | Func::JsonValue(_) => unreachable!("compiled by scalar_more"),
        Func::NullIf => Arc::new(move |r| {
            let x = a0(r);
            if x == a1(r) { Value::Null } else { x }
        }),
    }
}

fn arithmetic(func: Func, a: Eval, b: Eval, tys: &[DataType], ty: DataType) -> Eval {
    let sc = |t: Option<&DataType>| t.and_then(|t| t.as_decimal()).map_or(0, |(_, s)| s);
    let (s1, s2) = (sc(tys.first()), sc(tys.get(1)));
    let (p, s) = ty.as_decimal().unwrap_or((19, 0));
    let is_dec = matches!(ty, DataType::Decimal(..));
    let is_ts = ty.is_timestamp();
    Arc::new(move |r| {
        let (x, y) = (a(r), b(r));
        match (x, y) {
            (Value::Timestamp(t), Value::Timestamp(iv)) if is_ts => {
                Value::Timestamp(if matches!(func, Func::Plus) { t.wrapping_add(iv) } else { t.wrapping_sub(iv) })
            }
            (Value::Int(x), Value::Int(y)) if !is_dec => match func {
                Func::Plus => Value::Int(x.wrapping_add(y)),
                Func::Minus => Value::Int(x.wrapping_sub(y)),
                Func::Mul => Value::Int(x.wrapping_mul(y)),
                Func::Div if y != 0 => Value::Int(x.wrapping_div(y)),
                Func::Mod if y != 0 => Value::Int(x.wrapping_rem(y)),
                _ => Value::Null,
            },
            (Value::Double(x), Value::Double(y)) => Value::Double(match func {
                Func::Plus => x + y,
                Func::Minus => x - y,
                Func::Mul => x * y,
                Func::Div => x / y,
                _ => x % y,
            }),
            (Value::Decimal(x), Value::Decimal(y)) => {
                let out = match func {
                    Func::Mul => x.checked_mul(y).and_then(|m| rescale(m, s1 + s2, s)),
                    Func::Plus | Func::Minus => {
                        let m = s1.max(s2);
                        let (x, y) = (rescale(x, s1, m), rescale(y, s2, m));
                        x.zip(y)
                            .and_then(|(x, y)| if matches!(func, Func::Plus) { x.checked_add(y) } else { x.checked_sub(y) })
                            .and_then(|v| rescale(v, m, s))
                    }
                    Func::Div if y != 0 => {
                        // x/10^s1 ÷ y/10^s2 at scale s, rounded half up.
                        let shift = s as i32 + s2 as i32 - s1 as i32;
                        let num = if shift >= 0 { x.checked_mul(pow10(shift as u8)) } else { Some(x / pow10((-shift) as u8)) };
                        num.map(|n| {
                            let q = n / y;
                            let rem = (n % y).abs() * 2;
                            if rem >= y.abs() { q + (n.signum() * y.signum()) } else { q }
                        })
                    }
                    Func::Mod if y != 0 => {
                        let m = s1.max(s2);
                        rescale(x, s1, m).zip(rescale(y, s2, m)).map(|(x, y)| x % y).and_then(|v| rescale(v, m, s))
                    }
                    _ => None,
                };
                match out {
                    Some(v) if fits(v, p) => Value::Decimal(v),
                    _ => Value::Null,
                }
            }
            _ => Value::Null,
        }
    })
}
