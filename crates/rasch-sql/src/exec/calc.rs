//! `Calc`: a chain of projections and filters fused into one function (Flink's `Calc`), run
//! as one flat-map per row, optionally decoding the row from a source line first.

use super::eval::{Eval, Predicate, compile, compile_predicate};
use crate::connectors::json::{JsonOptions, decode};
use crate::plan::Plan;
use crate::plan::{BExpr, ExprKind};
use crate::types::Field;
use crate::value::{Row, Value};
use rasch_core::{Error, Result};
use rasch_runtime::collector::Collector;
use rasch_runtime::functions::FlatMapFunction;
use std::collections::HashMap;
use std::sync::Arc;

/// A compiled projection. Output columns that only pass an input column (or one field of a
/// nested row) on, and are its only reader, move the value instead of cloning it.
pub struct Projection {
    width: usize,
    evals: Vec<(usize, Eval)>,
    moves: Vec<(usize, usize)>,
    field_moves: Vec<(usize, usize, usize)>,
}

impl Projection {
    /// Compiles `exprs`.
    pub fn new(exprs: &[BExpr]) -> Self {
        let mut whole: HashMap<usize, usize> = HashMap::new();
        let mut fields: HashMap<(usize, usize), usize> = HashMap::new();
        exprs.iter().for_each(|e| count_uses(e, &mut whole, &mut fields));
        let mut p = Projection { width: exprs.len(), evals: Vec::new(), moves: Vec::new(), field_moves: Vec::new() };
        for (pos, e) in exprs.iter().enumerate() {
            match &e.kind {
                ExprKind::Column(c) if whole.get(c) == Some(&1) && !fields.keys().any(|(fc, _)| fc == c) => p.moves.push((pos, *c)),
                ExprKind::Field(inner, k) => match inner.kind {
                    ExprKind::Column(c) if !whole.contains_key(&c) && fields.get(&(c, *k)) == Some(&1) => p.field_moves.push((pos, c, *k)),
                    _ => p.evals.push((pos, compile(e))),
                },
                _ => p.evals.push((pos, compile(e))),
            }
        }
        p
    }

    /// Applies the projection, consuming the input row.
    #[inline]
    pub fn apply(&self, mut values: Vec<Value>) -> Vec<Value> {
        let mut out = vec![Value::Null; self.width];
        for (pos, f) in &self.evals {
            out[*pos] = f(&values);
        }
        for &(pos, c) in &self.moves {
            out[pos] = std::mem::take(&mut values[c]);
        }
        for &(pos, c, k) in &self.field_moves {
            out[pos] = match &mut values[c] {
                Value::Row(r) => match Arc::get_mut(r) {
                    Some(fields) => fields.get_mut(k).map(std::mem::take).unwrap_or_default(),
                    None => r.get(k).cloned().unwrap_or_default(),
                },
                _ => Value::Null,
            };
        }
        out
    }
}

/// Counts how often each column is read whole, and each (column, field) pair through a field
/// access of the column itself.
fn count_uses(e: &BExpr, whole: &mut HashMap<usize, usize>, fields: &mut HashMap<(usize, usize), usize>) {
    match &e.kind {
        ExprKind::Column(c) => *whole.entry(*c).or_default() += 1,
        ExprKind::Literal(_) => {}
        ExprKind::Field(inner, k) => match inner.kind {
            ExprKind::Column(c) => *fields.entry((c, *k)).or_default() += 1,
            _ => count_uses(inner, whole, fields),
        },
        ExprKind::Cast(x, _) => count_uses(x, whole, fields),
        ExprKind::Call(_, args) => args.iter().for_each(|a| count_uses(a, whole, fields)),
        ExprKind::Case(branches, els) => {
            for (c, r) in branches {
                count_uses(c, whole, fields);
                count_uses(r, whole, fields);
            }
            if let Some(x) = els {
                count_uses(x, whole, fields);
            }
        }
    }
}

/// One step of a calc chain.
#[derive(Clone)]
pub enum Step {
    /// Replace the row by a projection of it.
    Project(Arc<Projection>),
    /// Drop the row unless the predicate is TRUE.
    Filter(Predicate),
}

/// Splits `plan` into the calc steps on top (applied bottom-up) and the node below them.
pub fn split_calc(plan: &Plan) -> (Vec<Step>, &Plan) {
    let mut steps = Vec::new();
    let mut node = plan;
    loop {
        match node {
            Plan::Project { input, exprs, .. } => {
                steps.push(Step::Project(Arc::new(Projection::new(exprs))));
                node = input;
            }
            Plan::Filter { input, predicate } => {
                steps.push(Step::Filter(compile_predicate(predicate)));
                node = input;
            }
            _ => break,
        }
    }
    steps.reverse();
    (steps, node)
}

/// Applies the steps to a row; `None` when a filter drops it.
#[inline]
pub fn apply(steps: &[Step], mut values: Vec<Value>) -> Option<Vec<Value>> {
    for s in steps {
        match s {
            Step::Project(p) => values = p.apply(values),
            Step::Filter(p) => {
                if !p(&values) {
                    return None;
                }
            }
        }
    }
    Some(values)
}

/// A calc over rows.
#[derive(Clone)]
pub struct RowCalc {
    /// The steps.
    pub steps: Arc<[Step]>,
}

impl FlatMapFunction<Row, Row> for RowCalc {
    fn flat_map(&mut self, row: Row, out: &mut Collector<'_, Row>) -> Result<()> {
        if let Some(values) = apply(&self.steps, row.values) {
            out.collect(Row { kind: row.kind, values });
        }
        Ok(())
    }
}

/// Decodes JSON lines of a filesystem source, then applies a calc.
#[derive(Clone)]
pub struct JsonSourceCalc {
    /// The table name (for errors).
    pub table: Arc<str>,
    /// The physical schema the lines are decoded by.
    pub schema: Arc<[Field]>,
    /// Format options.
    pub options: JsonOptions,
    /// The steps after decoding.
    pub steps: Arc<[Step]>,
    /// What the steps read of the decoded row (`None`: everything).
    pub needs: Option<Arc<crate::exec::prune::Needs>>,
}

impl FlatMapFunction<String, Row> for JsonSourceCalc {
    fn flat_map(&mut self, line: String, out: &mut Collector<'_, Row>) -> Result<()> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let row = decode(&line, &self.schema, &self.options, self.needs.as_deref())
            .map_err(|e| Error::User(format!("table '{}': {}", self.table, e.message)))?;
        if let Some(row) = row
            && let Some(values) = apply(&self.steps, row.values)
        {
            out.collect(Row { kind: row.kind, values });
        }
        Ok(())
    }
}
