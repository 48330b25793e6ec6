//! `Calc`: a chain of projections and filters fused into one function (Flink's `Calc`), run
//! as one flat-map per row, optionally decoding the row from a source line first.

use super::eval::{Eval, Predicate, compile, compile_predicate};
use crate::connectors::json::{JsonOptions, decode};
use crate::plan::Plan;
use crate::types::Field;
use crate::value::{Row, Value};
use rasch_core::{Error, Result};
use rasch_runtime::collector::Collector;
use rasch_runtime::functions::FlatMapFunction;
use std::sync::Arc;

/// One step of a calc chain.
#[derive(Clone)]
pub enum Step {
    /// Replace the row by these expressions.
    Project(Arc<[Eval]>),
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
                steps.push(Step::Project(exprs.iter().map(compile).collect()));
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
            Step::Project(exprs) => values = exprs.iter().map(|e| e(&values)).collect(),
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
}

impl FlatMapFunction<String, Row> for JsonSourceCalc {
    fn flat_map(&mut self, line: String, out: &mut Collector<'_, Row>) -> Result<()> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let row = decode(&line, &self.schema, &self.options).map_err(|e| Error::User(format!("table '{}': {}", self.table, e.message)))?;
        if let Some(row) = row
            && let Some(values) = apply(&self.steps, row.values)
        {
            out.collect(Row { kind: row.kind, values });
        }
        Ok(())
    }
}
