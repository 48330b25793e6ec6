//! Flink's implicit type coercion for operators: the common type of two operands, and the
//! casts the binder inserts so that the runtime compares and computes like types only.

use crate::error::{SqlError, SqlResult};
use crate::plan::{BExpr, ExprKind};
use crate::types::{DataType, MAX_LENGTH};
use crate::value::decimal::MAX_PRECISION;

/// Wraps `e` in a cast to `ty` unless it has that type already.
pub fn cast(e: BExpr, ty: &DataType) -> BExpr {
    if &e.ty == ty || e.ty == DataType::Null {
        return BExpr { kind: e.kind, ty: ty.clone() };
    }
    BExpr { kind: ExprKind::Cast(Box::new(e), false), ty: ty.clone() }
}

/// The type two operands of a comparison, `CASE` branch or `IN` list are brought to.
pub fn common_type(a: &DataType, b: &DataType) -> SqlResult<DataType> {
    use DataType::*;
    if a == b {
        return Ok(a.clone());
    }
    Ok(match (a, b) {
        (Null, t) | (t, Null) => t.clone(),
        _ if a.is_integer() && b.is_integer() => {
            if rank_int(a).0 >= rank_int(b).0 {
                rank_int(a).1
            } else {
                rank_int(b).1
            }
        }
        (Double, t) | (t, Double) | (Float, t) | (t, Float) if t.is_numeric() => Double,
        _ if a.is_numeric() && b.is_numeric() => {
            let (p1, s1) = a.as_decimal().unwrap_or((19, 0));
            let (p2, s2) = b.as_decimal().unwrap_or((19, 0));
            let s = s1.max(s2);
            let p = ((p1 - s1).max(p2 - s2) + s).min(MAX_PRECISION);
            Decimal(p, s)
        }
        (Char(x), Char(y)) | (Char(x), Varchar(y)) | (Varchar(x), Char(y)) | (Varchar(x), Varchar(y)) => {
            Varchar((*x).max(*y).min(MAX_LENGTH))
        }
        (Timestamp(x), Timestamp(y)) => Timestamp((*x).max(*y)),
        (TimestampLtz(x), TimestampLtz(y)) => TimestampLtz((*x).max(*y)),
        _ => return Err(SqlError::validation(format!("Cannot apply an operator to arguments of type {a} and {b}"))),
    })
}

fn rank_int(t: &DataType) -> (u8, DataType) {
    match t {
        DataType::TinyInt => (1, DataType::TinyInt),
        DataType::SmallInt => (2, DataType::SmallInt),
        DataType::Int => (3, DataType::Int),
        _ => (4, DataType::BigInt),
    }
}

/// Brings two operands to their common type.
pub fn unify(a: BExpr, b: BExpr) -> SqlResult<(BExpr, BExpr)> {
    let t = common_type(&a.ty, &b.ty)?;
    Ok((cast(a, &t), cast(b, &t)))
}
