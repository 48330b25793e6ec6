//! Binds sqlparser expressions to typed [`BExpr`]s: names, literals, operators, `CASE`,
//! `CAST`, and calls of built-in functions (see [`super::functions`]). In an aggregate query
//! the [`AggRefs`] map grouped expressions and aggregate calls to the aggregate's outputs.

use super::coerce::{cast, common_type, unify};
use super::functions::bind_function;
use super::scope::Scope;
use crate::error::{SqlError, SqlResult};
use crate::plan::{BExpr, ExprKind, Func};
use crate::types::DataType;
use crate::value::{Value, decimal};
use compact_str::CompactString;
use sqlparser::ast::{self, BinaryOperator, Expr, UnaryOperator};

/// In an aggregate query: expressions (by their SQL text) that are outputs of the aggregate.
#[derive(Debug, Clone, Default)]
pub struct AggRefs {
    /// (SQL text, output column, type) of grouping keys, aggregate calls and window properties.
    pub outputs: Vec<(String, usize, DataType)>,
    /// The names of the aggregate's input columns (to tell "not grouped" from "not found").
    pub input_names: Vec<String>,
}

/// Binds expressions against a scope.
pub struct ExprBinder<'a> {
    /// The visible columns.
    pub scope: &'a Scope,
    /// Set in aggregate queries: only these outputs and constants may be referenced.
    pub agg: Option<&'a AggRefs>,
}

impl ExprBinder<'_> {
    /// Binds one expression.
    pub fn bind(&self, e: &Expr) -> SqlResult<BExpr> {
        if let Some(agg) = self.agg {
            let text = e.to_string();
            if let Some((_, idx, ty)) = agg.outputs.iter().find(|(t, _, _)| *t == text) {
                return Ok(BExpr { kind: ExprKind::Column(*idx), ty: ty.clone() });
            }
        }
        match e {
            Expr::Identifier(id) => self.column(None, &id.value, e),
            Expr::CompoundIdentifier(parts) => self.compound(parts, e),
            Expr::Nested(inner) => self.bind(inner),
            Expr::Value(v) => literal(&v.value),
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right),
            Expr::UnaryOp { op, expr } => {
                let x = self.bind(expr)?;
                match op {
                    UnaryOperator::Not => Ok(call(Func::Not, vec![cast(x, &DataType::Boolean)], DataType::Boolean)),
                    UnaryOperator::Minus => {
                        if let ExprKind::Literal(v) = &x.kind {
                            return Ok(BExpr { kind: ExprKind::Literal(negate(v)), ty: x.ty });
                        }
                        let ty = x.ty.clone();
                        Ok(call(Func::Neg, vec![x], ty))
                    }
                    UnaryOperator::Plus => Ok(x),
                    other => Err(SqlError::unsupported(format!("operator {other}"))),
                }
            }
            Expr::IsNull(x) => Ok(call(Func::IsNull, vec![self.bind(x)?], DataType::Boolean)),
            Expr::IsNotNull(x) => Ok(call(Func::IsNotNull, vec![self.bind(x)?], DataType::Boolean)),
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                let (a, b) = unify(self.bind(a)?, self.bind(b)?)?;
                let d = call(Func::IsDistinctFrom, vec![a, b], DataType::Boolean);
                Ok(if matches!(e, Expr::IsNotDistinctFrom(..)) { call(Func::Not, vec![d], DataType::Boolean) } else { d })
            }
            Expr::In { expr, target: ast::InTarget::List(list), negated, .. } => {
                let mut args = vec![self.bind(expr)?];
                for x in list {
                    args.push(self.bind(x)?);
                }
                let mut ty = args[0].ty.clone();
                for a in &args[1..] {
                    ty = common_type(&ty, &a.ty)?;
                }
                let args = args.into_iter().map(|a| cast(a, &ty)).collect();
                let r = call(Func::In, args, DataType::Boolean);
                Ok(if *negated { call(Func::Not, vec![r], DataType::Boolean) } else { r })
            }
            Expr::Between { expr, negated, low, high } => {
                let x = self.bind(expr)?;
                let ge = self.compare(Func::Ge, x.clone(), self.bind(low)?)?;
                let le = self.compare(Func::Le, x, self.bind(high)?)?;
                let r = call(Func::And, vec![ge, le], DataType::Boolean);
                Ok(if *negated { call(Func::Not, vec![r], DataType::Boolean) } else { r })
            }
            Expr::Like { negated, expr, pattern, escape_char, any: false } => {
                let x = self.bind(expr)?;
                let Expr::Value(v) = pattern.as_ref() else {
                    return Err(SqlError::unsupported("LIKE with a pattern that is not a literal"));
                };
                let ast::Value::SingleQuotedString(p) = &v.value else {
                    return Err(SqlError::validation("LIKE needs a string pattern"));
                };
                let esc = escape_char.as_ref().and_then(|c| c.to_string().trim_matches('\'').chars().next());
                let re = super::functions::like_regex(p, esc)?;
                let r = call(Func::Like(re), vec![x], DataType::Boolean);
                Ok(if *negated { call(Func::Not, vec![r], DataType::Boolean) } else { r })
            }
            Expr::SimilarTo { negated, expr, pattern, escape_char: None } => {
                let x = self.bind(expr)?;
                let Expr::Value(v) = pattern.as_ref() else {
                    return Err(SqlError::unsupported("SIMILAR TO with a pattern that is not a literal"));
                };
                let ast::Value::SingleQuotedString(p) = &v.value else {
                    return Err(SqlError::validation("SIMILAR TO needs a string pattern"));
                };
                let re = super::functions::similar_regex(p)?;
                let r = call(Func::Like(re), vec![x], DataType::Boolean);
                Ok(if *negated { call(Func::Not, vec![r], DataType::Boolean) } else { r })
            }
            Expr::Case { operand, conditions, else_result, .. } => self.case(operand.as_deref(), conditions, else_result.as_deref()),
            Expr::Cast { kind, expr, data_type, .. } => {
                let x = self.bind(expr)?;
                let ty = super::functions::sql_type(data_type)?;
                let try_cast = matches!(kind, ast::CastKind::TryCast | ast::CastKind::SafeCast);
                Ok(BExpr { kind: ExprKind::Cast(Box::new(x), try_cast), ty })
            }
            Expr::Function(f) => bind_function(self, f),
            Expr::TypedString(ts) => {
                let mut ty = super::functions::sql_type(&ts.data_type)?;
                // A TIMESTAMP literal's precision is its number of fractional digits.
                if let (DataType::Timestamp(_), ast::Value::SingleQuotedString(text)) = (&ty, &ts.value.value) {
                    ty = DataType::Timestamp(text.split_once('.').map_or(0, |(_, f)| f.len().min(9) as u8));
                }
                let lit = literal(&ts.value.value)?;
                let v = crate::exec::cast::cast_value(
                    match lit.kind {
                        ExprKind::Literal(v) => v,
                        _ => Value::Null,
                    },
                    &lit.ty,
                    &ty,
                );
                if v.is_null() {
                    return Err(SqlError::validation(format!("invalid literal '{e}'")));
                }
                Ok(BExpr { kind: ExprKind::Literal(v), ty })
            }
            Expr::Interval(iv) => interval(iv),
            Expr::Floor { expr, field: ast::CeilFloorKind::DateTimeField(f) }
            | Expr::Ceil { expr, field: ast::CeilFloorKind::DateTimeField(f) } => {
                let x = self.bind(expr)?;
                if !x.ty.is_timestamp() {
                    return Err(SqlError::unsupported(format!("'{e}' on a {} (FLOOR/CEIL … TO a unit takes a timestamp)", x.ty)));
                }
                let unit = super::functions::time_unit(&f.to_string())?;
                let ty = x.ty.clone();
                let func = if matches!(e, Expr::Floor { .. }) { Func::FloorTo(unit) } else { Func::CeilTo(unit) };
                Ok(call(func, vec![x], ty))
            }
            Expr::Extract { field, expr, .. } => {
                let x = self.bind(expr)?;
                let func = match field {
                    ast::DateTimeField::Hour => Func::Hour,
                    ast::DateTimeField::Minute => Func::Minute,
                    ast::DateTimeField::Second => Func::Second,
                    ast::DateTimeField::Year => Func::Year,
                    ast::DateTimeField::Month => Func::Month,
                    ast::DateTimeField::Day => Func::DayOfMonth,
                    other => return Err(SqlError::unsupported(format!("EXTRACT({other} FROM …)"))),
                };
                Ok(call(func, vec![x], DataType::BigInt))
            }
            Expr::Substring { expr, substring_from, substring_for, .. } => {
                let mut args = vec![self.bind(expr)?];
                if let Some(f) = substring_from {
                    args.push(cast(self.bind(f)?, &DataType::BigInt));
                }
                if let Some(f) = substring_for {
                    args.push(cast(self.bind(f)?, &DataType::BigInt));
                }
                Ok(call(Func::Substring, args, DataType::string()))
            }
            Expr::Trim { expr, trim_where: None, trim_what: None, .. } => Ok(call(Func::Trim, vec![self.bind(expr)?], DataType::string())),
            other => Err(SqlError::unsupported(format!("expression '{other}'"))),
        }
    }

    fn column(&self, qualifier: Option<&str>, name: &str, whole: &Expr) -> SqlResult<BExpr> {
        if let Some(agg) = self.agg {
            return Err(if agg.input_names.iter().any(|n| n == name) {
                SqlError::validation(format!("Expression '{whole}' is not being grouped"))
            } else {
                SqlError::validation(format!("Column '{name}' not found in any table"))
            });
        }
        match self.scope.resolve(qualifier, name)? {
            Some(i) if self.agg.is_none() => Ok(BExpr { kind: ExprKind::Column(i), ty: self.scope.columns[i].ty.clone() }),
            Some(_) => Err(SqlError::validation(format!("Expression '{whole}' is not being grouped"))),
            None => Err(SqlError::validation(format!("Column '{name}' not found in any table"))),
        }
    }

    fn compound(&self, parts: &[ast::Ident], whole: &Expr) -> SqlResult<BExpr> {
        let (mut e, rest) = if parts.len() > 1 && self.scope.has_qualifier(&parts[0].value) {
            (self.column(Some(&parts[0].value), &parts[1].value, whole)?, &parts[2..])
        } else {
            (self.column(None, &parts[0].value, whole)?, &parts[1..])
        };
        for p in rest {
            let DataType::Row(fields) = &e.ty else {
                return Err(SqlError::validation(format!("'{whole}': {} is not a ROW and has no field '{}'", e.ty, p.value)));
            };
            let Some(i) = fields.iter().position(|f| f.name == p.value) else {
                return Err(SqlError::validation(format!("Unknown field '{}' in '{whole}'", p.value)));
            };
            let ty = fields[i].data_type.clone();
            e = BExpr { kind: ExprKind::Field(Box::new(e), i), ty };
        }
        Ok(e)
    }

    fn binary(&self, left: &Expr, op: &BinaryOperator, right: &Expr) -> SqlResult<BExpr> {
        let (a, b) = (self.bind(left)?, self.bind(right)?);
        use BinaryOperator as B;
        match op {
            B::Eq => self.compare(Func::Eq, a, b),
            B::NotEq => self.compare(Func::Ne, a, b),
            B::Lt => self.compare(Func::Lt, a, b),
            B::LtEq => self.compare(Func::Le, a, b),
            B::Gt => self.compare(Func::Gt, a, b),
            B::GtEq => self.compare(Func::Ge, a, b),
            B::And | B::Or => {
                let f = if *op == B::And { Func::And } else { Func::Or };
                Ok(call(f, vec![cast(a, &DataType::Boolean), cast(b, &DataType::Boolean)], DataType::Boolean))
            }
            B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo => arithmetic(op, a, b),
            B::StringConcat => Ok(call(Func::Concat, vec![a, b], DataType::string())),
            other => Err(SqlError::unsupported(format!("operator {other}"))),
        }
    }

    /// A comparison, with both sides brought to their common type.
    pub fn compare(&self, f: Func, a: BExpr, b: BExpr) -> SqlResult<BExpr> {
        let (a, b) = unify(a, b)?;
        Ok(call(f, vec![a, b], DataType::Boolean))
    }

    fn case(&self, operand: Option<&Expr>, conditions: &[ast::CaseWhen], else_result: Option<&Expr>) -> SqlResult<BExpr> {
        let op = operand.map(|o| self.bind(o)).transpose()?;
        let mut branches = Vec::new();
        let mut ty = DataType::Null;
        for w in conditions {
            let c = self.bind(&w.condition)?;
            let c = match &op {
                Some(o) => self.compare(Func::Eq, o.clone(), c)?,
                None => cast(c, &DataType::Boolean),
            };
            let r = self.bind(&w.result)?;
            ty = common_type(&ty, &r.ty)?;
            branches.push((c, r));
        }
        let else_ = else_result.map(|e| self.bind(e)).transpose()?;
        if let Some(e) = &else_ {
            ty = common_type(&ty, &e.ty)?;
        }
        let branches = branches.into_iter().map(|(c, r)| (c, cast(r, &ty))).collect();
        Ok(BExpr { kind: ExprKind::Case(branches, else_.map(|e| Box::new(cast(e, &ty)))), ty })
    }
}

/// A call node.
pub fn call(f: Func, args: Vec<BExpr>, ty: DataType) -> BExpr {
    BExpr { kind: ExprKind::Call(f, args), ty }
}

fn arithmetic(op: &BinaryOperator, a: BExpr, b: BExpr) -> SqlResult<BExpr> {
    use BinaryOperator as B;
    let func = match op {
        B::Plus => Func::Plus,
        B::Minus => Func::Minus,
        B::Multiply => Func::Mul,
        B::Divide => Func::Div,
        _ => Func::Mod,
    };
    // Timestamp ± interval.
    if a.ty.is_timestamp() && b.ty == DataType::IntervalDayTime && matches!(func, Func::Plus | Func::Minus) {
        let ty = a.ty.clone();
        return Ok(call(func, vec![a, b], ty));
    }
    if !a.ty.is_numeric() && a.ty != DataType::Null || !b.ty.is_numeric() && b.ty != DataType::Null {
        return Err(SqlError::validation(format!("Cannot apply '{op}' to arguments of type <{}> {op} <{}>", a.ty, b.ty)));
    }
    let dec = |t: &DataType| t.as_decimal().unwrap_or((19, 0));
    let ty = match (&a.ty, &b.ty) {
        (x, y) if x.is_integer() && y.is_integer() => {
            if matches!(func, Func::Mod) {
                y.clone()
            } else {
                common_type(x, y)?
            }
        }
        (DataType::Double | DataType::Float, _) | (_, DataType::Double | DataType::Float) => DataType::Double,
        (x, y) => {
            let ((p1, s1), (p2, s2)) = (dec(x), dec(y));
            let (p, s) = match func {
                Func::Mul => decimal::multiply_type(p1, s1, p2, s2),
                Func::Div => decimal::divide_type(p1, s1, p2, s2),
                Func::Mod => (p2, s1.max(s2)),
                _ => decimal::add_type(p1, s1, p2, s2),
            };
            // Operands keep their own scale; the evaluator aligns them per operator.
            let a = cast(a, &DataType::Decimal(p1, s1));
            let b = cast(b, &DataType::Decimal(p2, s2));
            return Ok(call(func, vec![a, b], DataType::Decimal(p, s)));
        }
    };
    let (a, b) = if ty == DataType::Double || !matches!(func, Func::Mod) { (cast(a, &ty), cast(b, &ty)) } else { (a, b) };
    Ok(call(func, vec![a, b], ty))
}

/// Binds a literal: exact numbers become INT, BIGINT or DECIMAL(p, s) as in Flink; strings
/// CHAR(n).
pub fn literal(v: &ast::Value) -> SqlResult<BExpr> {
    let lit = |v: Value, ty: DataType| Ok(BExpr { kind: ExprKind::Literal(v), ty });
    match v {
        ast::Value::Number(n, _) => {
            if let Ok(i) = n.parse::<i64>() {
                return lit(Value::Int(i), if i32::try_from(i).is_ok() { DataType::Int } else { DataType::BigInt });
            }
            if n.contains(['e', 'E']) {
                return match n.parse::<f64>() {
                    Ok(d) => lit(Value::Double(d), DataType::Double),
                    Err(_) => Err(SqlError::validation(format!("invalid number '{n}'"))),
                };
            }
            match decimal::parse_literal(n) {
                Some((u, p, s)) => lit(Value::Decimal(u), DataType::Decimal(p, s)),
                None => Err(SqlError::validation(format!("Numeric literal '{n}' out of range"))),
            }
        }
        ast::Value::SingleQuotedString(s) => {
            lit(Value::Str(CompactString::from(s.as_str())), DataType::Char(s.chars().count().max(1) as u32))
        }
        ast::Value::Boolean(b) => lit(Value::Bool(*b), DataType::Boolean),
        ast::Value::Null => lit(Value::Null, DataType::Null),
        other => Err(SqlError::unsupported(format!("literal {other}"))),
    }
}

fn negate(v: &Value) -> Value {
    match v {
        Value::Int(i) => Value::Int(i.wrapping_neg()),
        Value::Double(d) => Value::Double(-d),
        Value::Decimal(d) => Value::Decimal(-d),
        other => other.clone(),
    }
}

/// `INTERVAL 'n' unit` as milliseconds.
pub fn interval(iv: &ast::Interval) -> SqlResult<BExpr> {
    let text = match iv.value.as_ref() {
        Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::Number(s, _) => s.clone(),
            other => return Err(SqlError::validation(format!("invalid interval value {other}"))),
        },
        other => return Err(SqlError::unsupported(format!("interval value {other}"))),
    };
    let n: f64 = text.trim().parse().map_err(|_| SqlError::validation(format!("invalid interval value '{text}'")))?;
    let unit_ms = match &iv.leading_field {
        Some(ast::DateTimeField::Second) | Some(ast::DateTimeField::Seconds) => 1000.0,
        Some(ast::DateTimeField::Minute) | Some(ast::DateTimeField::Minutes) => 60_000.0,
        Some(ast::DateTimeField::Hour) | Some(ast::DateTimeField::Hours) => 3_600_000.0,
        Some(ast::DateTimeField::Day) | Some(ast::DateTimeField::Days) => 86_400_000.0,
        other => return Err(SqlError::unsupported(format!("INTERVAL unit {other:?}"))),
    };
    Ok(BExpr { kind: ExprKind::Literal(Value::Timestamp((n * unit_ms).round() as i64)), ty: DataType::IntervalDayTime })
}
