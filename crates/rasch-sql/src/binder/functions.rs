//! Built-in scalar functions: name → [`Func`] with argument checks and result types, plus the
//! types `CAST` accepts.

use super::coerce::{cast, common_type};
use super::expr::{ExprBinder, call};
use crate::error::{SqlError, SqlResult};
use crate::plan::{BExpr, ExprKind, Func, JsonStep, TimeUnit};
use crate::types::{DataType, MAX_LENGTH};
use crate::value::Value;
use crate::value::time::compile_pattern;
use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments};
use std::sync::Arc;

/// Every built-in function name, for `SHOW FUNCTIONS` (sorted).
pub const BUILT_INS: [&str; 35] = [
    "abs",
    "avg",
    "case",
    "cast",
    "char_length",
    "coalesce",
    "concat",
    "concat_ws",
    "count",
    "date_format",
    "dayofmonth",
    "extract",
    "hop",
    "hour",
    "if",
    "lower",
    "max",
    "min",
    "minute",
    "mod",
    "month",
    "nullif",
    "regexp_extract",
    "replace",
    "row_number",
    "second",
    "session",
    "split_index",
    "substring",
    "sum",
    "trim",
    "try_cast",
    "tumble",
    "upper",
    "year",
];

/// Aggregate function names (lower case).
pub const AGGREGATES: [&str; 5] = ["count", "sum", "avg", "min", "max"];

/// The plain argument expressions of a call.
pub fn args_of(f: &ast::Function) -> SqlResult<Vec<&ast::Expr>> {
    match &f.args {
        FunctionArguments::None => Ok(vec![]),
        FunctionArguments::List(l) => l
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e),
                other => Err(SqlError::unsupported(format!("argument '{other}' of {}", f.name))),
            })
            .collect(),
        FunctionArguments::Subquery(_) => Err(SqlError::unsupported(format!("subquery argument of {}", f.name))),
    }
}

/// Binds a scalar function call.
pub fn bind_function(b: &ExprBinder<'_>, f: &ast::Function) -> SqlResult<BExpr> {
    let name = f.name.to_string().to_ascii_lowercase();
    if AGGREGATES.contains(&name.as_str()) {
        return Err(SqlError::validation(format!("Aggregate '{f}' is not allowed here")));
    }
    if f.over.is_some() {
        return Err(SqlError::unsupported(format!("OVER window '{f}' in this position")));
    }
    let raw = args_of(f)?;
    if matches!(name.as_str(), "timestampdiff" | "timestampadd") {
        return timestamp_unit_call(b, &name, &raw);
    }
    let args = raw.iter().map(|a| b.bind(a)).collect::<SqlResult<Vec<_>>>()?;
    let n = args.len();
    let arity = |ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(SqlError::validation(format!(
                "Invalid number of arguments to function '{}'. Was expecting a different number of arguments",
                name.to_uppercase()
            )))
        }
    };
    let string = DataType::string();
    let s = |e: BExpr| cast(e, &DataType::string());
    Ok(match name.as_str() {
        "mod" => {
            arity(n == 2)?;
            let mut it = args.into_iter();
            let (x, y) = (it.next().unwrap_or_else(null), it.next().unwrap_or_else(null));
            let ty = y.ty.clone();
            if !x.ty.is_integer() || !y.ty.is_integer() {
                return Err(SqlError::unsupported("MOD on non-integer arguments"));
            }
            call(Func::Mod, vec![x, y], ty)
        }
        "abs" => {
            arity(n == 1)?;
            let ty = args[0].ty.clone();
            call(Func::Abs, args, ty)
        }
        "hour" | "minute" | "second" | "year" | "month" | "dayofmonth" => {
            arity(n == 1)?;
            let func = match name.as_str() {
                "hour" => Func::Hour,
                "minute" => Func::Minute,
                "second" => Func::Second,
                "year" => Func::Year,
                "month" => Func::Month,
                _ => Func::DayOfMonth,
            };
            call(func, args, DataType::BigInt)
        }
        "date_format" => {
            arity(n == 2)?;
            let pattern = constant_string(&args[1], "DATE_FORMAT pattern")?;
            let compiled = compile_pattern(&pattern).map_err(SqlError::validation)?;
            call(Func::DateFormat(Arc::new(compiled)), vec![args.into_iter().next().unwrap_or_else(null)], string)
        }
        "char_length" | "character_length" => {
            arity(n == 1)?;
            call(Func::CharLength, args.into_iter().map(s).collect(), DataType::Int)
        }
        "upper" | "lower" | "trim" => {
            arity(n == 1)?;
            let func = match name.as_str() {
                "upper" => Func::Upper,
                "lower" => Func::Lower,
                _ => Func::Trim,
            };
            call(func, args.into_iter().map(s).collect(), string)
        }
        "replace" => {
            arity(n == 3)?;
            call(Func::Replace, args.into_iter().map(s).collect(), string)
        }
        "substring" | "substr" => {
            arity(n == 2 || n == 3)?;
            let mut it = args.into_iter();
            let mut v = vec![s(it.next().unwrap_or_else(null))];
            v.extend(it.map(|a| cast(a, &DataType::BigInt)));
            call(Func::Substring, v, string)
        }
        "concat" => call(Func::Concat, args.into_iter().map(s).collect(), string),
        "concat_ws" => {
            arity(n >= 1)?;
            call(Func::ConcatWs, args.into_iter().map(s).collect(), string)
        }
        "split_index" => {
            arity(n == 3)?;
            let mut it = args.into_iter();
            let v = vec![
                s(it.next().unwrap_or_else(null)),
                s(it.next().unwrap_or_else(null)),
                cast(it.next().unwrap_or_else(null), &DataType::BigInt),
            ];
            call(Func::SplitIndex, v, string)
        }
        "regexp_extract" => {
            arity(n == 2 || n == 3)?;
            let pattern = constant_string(&args[1], "REGEXP_EXTRACT regex")?;
            let re = regex::Regex::new(&pattern).map_err(|e| SqlError::validation(format!("invalid regex '{pattern}': {e}")))?;
            let mut it = args.into_iter();
            let mut v = vec![s(it.next().unwrap_or_else(null))];
            it.next();
            v.extend(it.map(|a| cast(a, &DataType::BigInt)));
            call(Func::RegexpExtract(Arc::new(re)), v, string)
        }
        "coalesce" => {
            arity(n >= 1)?;
            let mut ty = DataType::Null;
            for a in &args {
                ty = common_type(&ty, &a.ty)?;
            }
            call(Func::Coalesce, args.into_iter().map(|a| cast(a, &ty)).collect(), ty)
        }
        "if" => {
            arity(n == 3)?;
            let ty = common_type(&args[1].ty, &args[2].ty)?;
            let mut it = args.into_iter();
            let c = cast(it.next().unwrap_or_else(null), &DataType::Boolean);
            let v = vec![c, cast(it.next().unwrap_or_else(null), &ty), cast(it.next().unwrap_or_else(null), &ty)];
            call(Func::If, v, ty)
        }
        "nullif" => {
            arity(n == 2)?;
            let ty = common_type(&args[0].ty, &args[1].ty)?;
            call(Func::NullIf, args.into_iter().map(|a| cast(a, &ty)).collect(), ty)
        }
        "lpad" | "rpad" => {
            arity(n == 3)?;
            let mut it = args.into_iter();
            let v = vec![
                s(it.next().unwrap_or_else(null)),
                cast(it.next().unwrap_or_else(null), &DataType::BigInt),
                s(it.next().unwrap_or_else(null)),
            ];
            call(if name == "lpad" { Func::Lpad } else { Func::Rpad }, v, string)
        }
        "initcap" => {
            arity(n == 1)?;
            call(Func::Initcap, args.into_iter().map(s).collect(), string)
        }
        "sha256" => {
            arity(n == 1)?;
            call(Func::Sha256, args.into_iter().map(s).collect(), DataType::Char(64))
        }
        "to_date" => {
            arity(n == 1 || n == 2)?;
            let pattern = if n == 2 { constant_string(&args[1], "TO_DATE pattern")? } else { "yyyy-MM-dd".to_string() };
            let compiled = compile_pattern(&pattern).map_err(SqlError::validation)?;
            let ts =
                call(Func::ToTimestamp(Arc::new(compiled)), vec![s(args.into_iter().next().unwrap_or_else(null))], DataType::Timestamp(3));
            cast(ts, &DataType::Date)
        }
        "json_value" => {
            arity(n == 2)?;
            let path = constant_string(&args[1], "JSON_VALUE path")?;
            let steps = json_path(&path)?;
            call(Func::JsonValue(Arc::new(steps)), vec![s(args.into_iter().next().unwrap_or_else(null))], string)
        }
        "to_timestamp" => {
            arity(n == 1 || n == 2)?;
            let pattern = if n == 2 { constant_string(&args[1], "TO_TIMESTAMP pattern")? } else { "yyyy-MM-dd HH:mm:ss".to_string() };
            let compiled = compile_pattern(&pattern).map_err(SqlError::validation)?;
            call(Func::ToTimestamp(Arc::new(compiled)), vec![s(args.into_iter().next().unwrap_or_else(null))], DataType::Timestamp(3))
        }
        _ => return Err(SqlError::validation(format!("No match found for function signature {}(…)", name.to_uppercase()))),
    })
}

/// A JSON path of the lax mode's simplest form: `$`, `.key`, `['key']`, `[index]`.
fn json_path(path: &str) -> SqlResult<Vec<JsonStep>> {
    let bad = || SqlError::validation(format!("Invalid JSON path '{path}' (supported: $.key, $['key'], $[0])"));
    let rest = path.trim().strip_prefix("lax").map(str::trim_start).unwrap_or(path.trim());
    let mut rest = rest.strip_prefix('$').ok_or_else(bad)?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return Err(bad());
            }
            steps.push(JsonStep::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(bad)?;
            let inner = r[..end].trim();
            steps.push(match inner.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                Some(k) => JsonStep::Key(k.to_string()),
                None => JsonStep::Index(inner.parse().map_err(|_| bad())?),
            });
            rest = &r[end + 1..];
        } else {
            return Err(bad());
        }
    }
    Ok(steps)
}

/// A time unit named in SQL (`SECOND`, `DAY`, …).
pub fn time_unit(name: &str) -> SqlResult<TimeUnit> {
    Ok(match name.to_ascii_uppercase().as_str() {
        "SECOND" => TimeUnit::Second,
        "MINUTE" => TimeUnit::Minute,
        "HOUR" => TimeUnit::Hour,
        "DAY" => TimeUnit::Day,
        "MONTH" => TimeUnit::Month,
        "YEAR" => TimeUnit::Year,
        other => return Err(SqlError::unsupported(format!("time unit {other}"))),
    })
}

/// `TIMESTAMPDIFF(unit, a, b)` and `TIMESTAMPADD(unit, n, ts)`.
fn timestamp_unit_call(b: &ExprBinder<'_>, name: &str, raw: &[&ast::Expr]) -> SqlResult<BExpr> {
    let [ast::Expr::Identifier(unit), x, y] = raw else {
        return Err(SqlError::validation(format!("{} takes (unit, …, …)", name.to_uppercase())));
    };
    let unit = time_unit(&unit.value)?;
    let (x, y) = (b.bind(x)?, b.bind(y)?);
    if name == "timestampdiff" {
        if !x.ty.is_timestamp() || !y.ty.is_timestamp() {
            return Err(SqlError::validation("TIMESTAMPDIFF takes two timestamps"));
        }
        return Ok(call(Func::TimestampDiff(unit), vec![x, y], DataType::Int));
    }
    let ty = y.ty.clone();
    Ok(call(Func::TimestampAdd(unit), vec![cast(x, &DataType::BigInt), y], ty))
}

fn null() -> BExpr {
    BExpr { kind: ExprKind::Literal(Value::Null), ty: DataType::Null }
}

fn constant_string(e: &BExpr, what: &str) -> SqlResult<String> {
    match &e.kind {
        ExprKind::Literal(Value::Str(s)) => Ok(s.to_string()),
        _ => Err(SqlError::unsupported(format!("{what} must be a string literal"))),
    }
}

/// Compiles a SQL `LIKE` pattern (`%`, `_`, optional escape) into an anchored regex.
pub fn like_regex(pattern: &str, escape: Option<char>) -> SqlResult<Arc<regex::Regex>> {
    let mut re = String::from("(?s)^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            match chars.next() {
                Some(n) => re.push_str(&regex::escape(&n.to_string())),
                None => return Err(SqlError::validation(format!("invalid escape sequence in LIKE pattern '{pattern}'"))),
            }
        } else if c == '%' {
            re.push_str(".*");
        } else if c == '_' {
            re.push('.');
        } else {
            re.push_str(&regex::escape(&c.to_string()));
        }
    }
    re.push('$');
    regex::Regex::new(&re).map(Arc::new).map_err(|e| SqlError::validation(format!("invalid LIKE pattern '{pattern}': {e}")))
}

/// Compiles a SQL `SIMILAR TO` pattern (`%`, `_`, and regex groups, alternation and
/// repetition) into an anchored regex.
pub fn similar_regex(pattern: &str) -> SqlResult<Arc<regex::Regex>> {
    let mut re = String::from("(?s)^(?:");
    for c in pattern.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            '.' | '^' | '$' | '\\' => re.push_str(&regex::escape(&c.to_string())),
            c => re.push(c),
        }
    }
    re.push_str(")$");
    regex::Regex::new(&re).map(Arc::new).map_err(|e| SqlError::validation(format!("invalid SIMILAR TO pattern '{pattern}': {e}")))
}

/// The type named in a `CAST`.
pub fn sql_type(t: &ast::DataType) -> SqlResult<DataType> {
    use ast::DataType as A;
    Ok(match t {
        A::Boolean | A::Bool => DataType::Boolean,
        A::TinyInt(_) => DataType::TinyInt,
        A::SmallInt(_) => DataType::SmallInt,
        A::Int(_) | A::Integer(_) => DataType::Int,
        A::BigInt(_) => DataType::BigInt,
        A::Float(_) | A::Real => DataType::Float,
        A::Double(_) | A::DoublePrecision => DataType::Double,
        A::Decimal(info) | A::Numeric(info) | A::Dec(info) => match info {
            ast::ExactNumberInfo::None => DataType::Decimal(10, 0),
            ast::ExactNumberInfo::Precision(p) => DataType::Decimal(*p as u8, 0),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => DataType::Decimal(*p as u8, *s as u8),
        },
        A::String(_) | A::Text => DataType::string(),
        A::Varchar(len) | A::CharVarying(len) => DataType::Varchar(char_len(len).unwrap_or(MAX_LENGTH)),
        A::Char(len) | A::Character(len) => DataType::Char(char_len(len).unwrap_or(1)),
        A::Date => DataType::Date,
        A::Timestamp(p, _) => DataType::Timestamp(p.map(|p| p as u8).unwrap_or(6).min(9)),
        other => return Err(SqlError::unsupported(format!("CAST to {other}"))),
    })
}

fn char_len(len: &Option<ast::CharacterLength>) -> Option<u32> {
    match len {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => Some((*length).min(MAX_LENGTH as u64) as u32),
        _ => None,
    }
}
