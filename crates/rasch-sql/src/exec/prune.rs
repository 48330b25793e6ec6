//! Projection push-down into a source: which physical columns, and which fields of nested
//! rows, the calc chain above a scan reads. The JSON decoder skips everything else without
//! building values for it (Flink's `ProjectPushDown` into the source).

use crate::plan::{BExpr, ExprKind, Plan};
use std::collections::BTreeMap;

/// What is read of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// All of it.
    Whole,
    /// Only these fields of a row (by position), each with its own need.
    Fields(BTreeMap<usize, Need>),
}

impl Need {
    fn merge(&mut self, other: Need) {
        match (self, other) {
            (Need::Whole, _) => {}
            (s, Need::Whole) => *s = Need::Whole,
            (Need::Fields(a), Need::Fields(b)) => {
                for (k, n) in b {
                    match a.get_mut(&k) {
                        Some(x) => x.merge(n),
                        None => {
                            a.insert(k, n);
                        }
                    }
                }
            }
        }
    }
}

/// Needs per column (absent: not read).
pub type Needs = BTreeMap<usize, Need>;

fn add(needs: &mut Needs, col: usize, n: Need) {
    match needs.get_mut(&col) {
        Some(x) => x.merge(n),
        None => {
            needs.insert(col, n);
        }
    }
}

/// The column and field path of `e` if it is `col.f1.f2…`.
fn path(e: &BExpr) -> Option<(usize, Vec<usize>)> {
    match &e.kind {
        ExprKind::Column(c) => Some((*c, Vec::new())),
        ExprKind::Field(inner, i) => path(inner).map(|(c, mut p)| {
            p.push(*i);
            (c, p)
        }),
        _ => None,
    }
}

/// Records what `e` reads, `n` being what is read of its result.
fn uses(e: &BExpr, n: Need, needs: &mut Needs) {
    if let Some((c, p)) = path(e) {
        let wrapped = p.into_iter().rev().fold(n, |acc, i| Need::Fields(BTreeMap::from([(i, acc)])));
        return add(needs, c, wrapped);
    }
    match &e.kind {
        ExprKind::Column(_) | ExprKind::Literal(_) => {}
        ExprKind::Field(inner, _) | ExprKind::Cast(inner, _) => uses(inner, Need::Whole, needs),
        ExprKind::Call(_, args) => args.iter().for_each(|a| uses(a, Need::Whole, needs)),
        ExprKind::Case(branches, els) => {
            for (c, r) in branches {
                uses(c, Need::Whole, needs);
                uses(r, Need::Whole, needs);
            }
            if let Some(x) = els {
                uses(x, Need::Whole, needs);
            }
        }
    }
}

/// What of the physical columns of the scan under the calc chain `plan` is read, when the
/// chain's output columns are needed as `out` (and, if given, the table row's column
/// `rowtime` for watermarks). `None` when the chain does not end in a scan.
pub fn scan_needs(plan: &Plan, out: Needs, rowtime: Option<usize>) -> Option<Needs> {
    match plan {
        Plan::Project { input, exprs, .. } => {
            let mut out = out;
            if let (Plan::Scan { .. }, Some(rt)) = (input.as_ref(), rowtime) {
                add(&mut out, rt, Need::Whole);
            }
            let mut needs = Needs::new();
            for (col, n) in out {
                if let Some(e) = exprs.get(col) {
                    uses(e, n, &mut needs);
                }
            }
            match input.as_ref() {
                Plan::Scan { .. } => Some(needs),
                other => scan_needs(other, needs, rowtime),
            }
        }
        Plan::Filter { input, predicate } => {
            let mut needs = out;
            uses(predicate, Need::Whole, &mut needs);
            scan_needs(input, needs, rowtime)
        }
        _ => None,
    }
}

/// All columns of a schema of `width` columns, wholly.
pub fn all(width: usize) -> Needs {
    (0..width).map(|c| (c, Need::Whole)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{DataType, Field};

    fn col(c: usize) -> BExpr {
        BExpr { kind: ExprKind::Column(c), ty: DataType::BigInt }
    }
    fn field(e: BExpr, i: usize) -> BExpr {
        BExpr { kind: ExprKind::Field(Box::new(e), i), ty: DataType::BigInt }
    }

    #[test]
    fn field_paths_and_whole_uses_combine() {
        let mut needs = Needs::new();
        uses(&field(field(col(1), 2), 0), Need::Whole, &mut needs);
        uses(&field(col(1), 3), Need::Whole, &mut needs);
        assert_eq!(needs[&1], Need::Fields(BTreeMap::from([(2, Need::Fields(BTreeMap::from([(0, Need::Whole)]))), (3, Need::Whole)])));
        uses(&col(1), Need::Whole, &mut needs);
        assert_eq!(needs[&1], Need::Whole);
        let _ = Field::new("x", DataType::Int);
    }
}
