//! `GROUPING SETS`, `ROLLUP` and `CUBE`: the distinct grouping expressions and, when sets are
//! used, each set as the positions it keeps. The aggregate then runs over an `Expand` of its
//! input (one copy of each row per set, the other keys NULL, plus the set's id as a key).

use crate::error::{SqlError, SqlResult};
use sqlparser::ast::Expr;

/// The most grouping sets one GROUP BY may produce.
const MAX_SETS: usize = 4096;

/// Grouping sets, each as the positions of the grouping expressions it keeps.
pub type Sets = Vec<Vec<usize>>;

/// Flattens GROUP BY items: the distinct expressions, and the sets (`None` without
/// GROUPING SETS / ROLLUP / CUBE).
pub fn flatten(group: &[Expr]) -> SqlResult<(Vec<Expr>, Option<Sets>)> {
    let mut exprs: Vec<Expr> = Vec::new();
    let mut index = |e: &Expr| -> usize {
        let text = e.to_string();
        match exprs.iter().position(|x| x.to_string() == text) {
            Some(i) => i,
            None => {
                exprs.push(e.clone());
                exprs.len() - 1
            }
        }
    };
    let mut uses_sets = false;
    // Each item contributes a list of alternatives; the sets are their cross product.
    let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
    for g in group {
        let alternatives: Vec<Vec<usize>> = match g {
            Expr::GroupingSets(list) => {
                uses_sets = true;
                list.iter().map(|s| s.iter().map(&mut index).collect()).collect()
            }
            Expr::Rollup(list) => {
                uses_sets = true;
                let cols: Vec<Vec<usize>> = list.iter().map(|s| s.iter().map(&mut index).collect()).collect();
                (0..=cols.len()).rev().map(|n| cols[..n].concat()).collect()
            }
            Expr::Cube(list) => {
                uses_sets = true;
                let cols: Vec<Vec<usize>> = list.iter().map(|s| s.iter().map(&mut index).collect()).collect();
                if cols.len() > 12 {
                    return Err(SqlError::validation("CUBE of more than 12 expressions"));
                }
                (0..1usize << cols.len())
                    .rev()
                    .map(|m| (0..cols.len()).filter(|i| m & (1 << (cols.len() - 1 - i)) != 0).flat_map(|i| cols[i].clone()).collect())
                    .collect()
            }
            other => vec![vec![index(other)]],
        };
        let mut next = Vec::new();
        for s in &sets {
            for a in &alternatives {
                let mut v = s.clone();
                v.extend(a.iter().copied().filter(|i| !s.contains(i)));
                next.push(v);
            }
        }
        if next.len() > MAX_SETS {
            return Err(SqlError::validation(format!("GROUP BY produces more than {MAX_SETS} grouping sets")));
        }
        sets = next;
    }
    Ok((exprs, uses_sets.then_some(sets)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_statement;
    use crate::parser::statement::Statement;
    use sqlparser::ast::{GroupByExpr, SetExpr};

    fn sets(sql: &str) -> Option<Sets> {
        let Statement::Query(q) = parse_statement(sql).unwrap() else { panic!() };
        let SetExpr::Select(s) = q.body.as_ref() else { panic!() };
        let GroupByExpr::Expressions(g, _) = &s.group_by else { panic!() };
        flatten(g).unwrap().1
    }

    #[test]
    fn rollup_cube_and_sets_expand_like_flink() {
        assert_eq!(sets("SELECT 1 FROM t GROUP BY a, b"), None);
        assert_eq!(sets("SELECT 1 FROM t GROUP BY ROLLUP (a, b)"), Some(vec![vec![0, 1], vec![0], vec![]]));
        assert_eq!(sets("SELECT 1 FROM t GROUP BY CUBE (a, b)"), Some(vec![vec![0, 1], vec![0], vec![1], vec![]]));
        assert_eq!(sets("SELECT 1 FROM t GROUP BY c, GROUPING SETS ((a), ())"), Some(vec![vec![0, 1], vec![0]]));
    }
}
