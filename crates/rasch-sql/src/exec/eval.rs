//! Compiles a [`BExpr`] once per plan into a tree of closures; evaluating a row is then a
//! few indirect calls, with no interpretation of the expression tree per row.

use super::cast::cast_value;
use super::scalar::call_fn;
use crate::plan::{BExpr, ExprKind};
use crate::types::DataType;
use crate::value::Value;
use std::sync::Arc;

/// A compiled expression: the value it computes from a row's values.
pub type Eval = Arc<dyn Fn(&[Value]) -> Value + Send + Sync>;

/// A compiled predicate: whether a row's values make it TRUE.
pub type Predicate = Arc<dyn Fn(&[Value]) -> bool + Send + Sync>;

/// Compiles an expression.
pub fn compile(e: &BExpr) -> Eval {
    match &e.kind {
        ExprKind::Column(i) => {
            let i = *i;
            Arc::new(move |row| row[i].clone())
        }
        ExprKind::Literal(v) => {
            let v = v.clone();
            Arc::new(move |_| v.clone())
        }
        ExprKind::Field(inner, i) => {
            let (f, i) = (compile(inner), *i);
            Arc::new(move |row| match f(row) {
                Value::Row(r) => r.get(i).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            })
        }
        ExprKind::Case(branches, else_) => {
            let branches: Vec<(Eval, Eval)> = branches.iter().map(|(c, r)| (compile(c), compile(r))).collect();
            let else_ = else_.as_ref().map(|e| compile(e));
            Arc::new(move |row| {
                for (c, r) in &branches {
                    if c(row).as_bool() == Some(true) {
                        return r(row);
                    }
                }
                else_.as_ref().map_or(Value::Null, |e| e(row))
            })
        }
        ExprKind::Cast(inner, try_cast) => {
            let (from, to, f, t) = (inner.ty.clone(), e.ty.clone(), compile(inner), *try_cast);
            if from == to {
                return f;
            }
            let _ = t;
            Arc::new(move |row| cast_value(f(row), &from, &to))
        }
        ExprKind::Call(func, args) => call_fn(
            func.clone(),
            args.iter().map(compile).collect(),
            args.iter().map(|a| a.ty.clone()).collect::<Vec<DataType>>(),
            e.ty.clone(),
        ),
    }
}

/// Compiles a predicate: true only when the expression is TRUE (not FALSE, not NULL).
pub fn compile_predicate(e: &BExpr) -> Predicate {
    let f = compile(e);
    Arc::new(move |row| f(row).as_bool() == Some(true))
}
