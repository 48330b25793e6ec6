//! EXPLAIN: the plan as an indented tree of Flink-named nodes, expressions in Flink's style.

use super::{BExpr, ExprKind, Func, Plan};
use crate::types::{DataType, Field};
use crate::value::Value;
use std::fmt;

impl Plan {
    fn explain(&self, depth: usize, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let cols = |s: &[Field]| s.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
        match self {
            Plan::Values { rows, schema } => writeln!(f, "{pad}Values(tuples=[{} rows], fields=[{}])", rows.len(), cols(schema)),
            Plan::Stream { id, schema } => writeln!(f, "{pad}DataStreamScan(stream=[{id}], fields=[{}])", cols(schema)),
            Plan::Scan { table } => {
                writeln!(f, "{pad}TableSourceScan(table=[{}], fields=[{}])", table.name, cols(&table.physical_schema()))
            }
            Plan::Project { input, schema, exprs } => {
                let names = input.schema();
                let items: Vec<String> = exprs
                    .iter()
                    .zip(schema)
                    .map(|(e, out)| {
                        let text = e.display(&names);
                        if text == out.name { text } else { format!("{text} AS {}", out.name) }
                    })
                    .collect();
                writeln!(f, "{pad}Calc(select=[{}])", items.join(", "))?;
                input.explain(depth + 1, f)
            }
            Plan::Filter { input, predicate } => {
                writeln!(f, "{pad}Calc(where=[{}])", predicate.display(&input.schema()))?;
                input.explain(depth + 1, f)
            }
            Plan::Aggregate { input, schema, keys, .. } => {
                writeln!(f, "{pad}GroupAggregate(groupBy=[{}], select=[{}])", cols(&schema[..*keys]), cols(schema))?;
                input.explain(depth + 1, f)
            }
            Plan::WindowAggregate { input, schema, window, .. } => {
                writeln!(f, "{pad}GroupWindowAggregate(window=[{window:?}], select=[{}])", cols(schema))?;
                input.explain(depth + 1, f)
            }
            Plan::Expand { input, masks, .. } => {
                writeln!(f, "{pad}Expand(sets=[{}])", masks.len())?;
                input.explain(depth + 1, f)
            }
            Plan::Union { inputs } => {
                writeln!(f, "{pad}Union(all=[true])")?;
                inputs.iter().try_for_each(|i| i.explain(depth + 1, f))
            }
            Plan::Sort { input, order, limit } => {
                writeln!(f, "{pad}Sort(orderBy=[{order:?}], fetch=[{}])", limit.map_or("none".into(), |l| l.to_string()))?;
                input.explain(depth + 1, f)
            }
            Plan::WindowTvf { input, window, schema, .. } => {
                writeln!(f, "{pad}WindowTableFunction(window=[{window:?}], fields=[{}])", cols(schema))?;
                input.explain(depth + 1, f)
            }
            Plan::MatchRecognize { input, spec } => {
                let pattern: Vec<String> = spec.vars.iter().map(|v| format!("{}{{{},{:?}}}", v.name, v.min, v.max)).collect();
                writeln!(f, "{pad}Match(pattern=[{}], skip=[{:?}], select=[{}])", pattern.join(" "), spec.skip, cols(&spec.schema))?;
                input.explain(depth + 1, f)
            }
            Plan::Rank { input, limit, schema, .. } => {
                writeln!(
                    f,
                    "{pad}Rank(rankRange=[rankStart=1, rankEnd={}], select=[{}])",
                    limit.map_or("∞".into(), |l| l.to_string()),
                    cols(schema)
                )?;
                input.explain(depth + 1, f)
            }
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.explain(0, f)
    }
}

impl BExpr {
    /// The expression in Flink's EXPLAIN style (`>(b, 1)`), naming columns from `input`.
    pub fn display(&self, input: &[Field]) -> String {
        match &self.kind {
            ExprKind::Column(i) => input.get(*i).map_or(format!("${i}"), |f| f.name.clone()),
            ExprKind::Literal(v) => {
                let mut s = String::new();
                match v {
                    Value::Null => s.push_str("null"),
                    Value::Str(x) => s.push_str(&format!("'{x}'")),
                    v => crate::exec::render::render_value(v, &self.ty, &mut s),
                }
                s
            }
            ExprKind::Field(e, i) => match &e.ty {
                DataType::Row(fields) => format!("{}.{}", e.display(input), fields.get(*i).map_or("?", |f| f.name.as_str())),
                _ => format!("{}.${i}", e.display(input)),
            },
            ExprKind::Cast(e, _) => format!("CAST({} AS {})", e.display(input), self.ty),
            ExprKind::Case(branches, e) => {
                let mut parts: Vec<String> = branches.iter().flat_map(|(c, r)| [c.display(input), r.display(input)]).collect();
                parts.extend(e.iter().map(|e| e.display(input)));
                format!("CASE({})", parts.join(", "))
            }
            ExprKind::Call(func, args) => {
                let name = match func {
                    Func::Eq => "=",
                    Func::Ne => "<>",
                    Func::Lt => "<",
                    Func::Le => "<=",
                    Func::Gt => ">",
                    Func::Ge => ">=",
                    Func::Plus => "+",
                    Func::Minus => "-",
                    Func::Mul => "*",
                    Func::Div => "/",
                    Func::Neg => "-",
                    other => {
                        return format!("{}({})", func_name(other), args.iter().map(|a| a.display(input)).collect::<Vec<_>>().join(", "));
                    }
                };
                format!("{name}({})", args.iter().map(|a| a.display(input)).collect::<Vec<_>>().join(", "))
            }
        }
    }
}

fn func_name(f: &Func) -> String {
    let debug = format!("{f:?}");
    let base = debug.split('(').next().unwrap_or(&debug);
    // CamelCase → UPPER_SNAKE (DateFormat → DATE_FORMAT).
    let mut out = String::new();
    for (i, c) in base.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
