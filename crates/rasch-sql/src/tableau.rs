//! Flink's `tableau` result mode: a boxed table of rows — in streaming mode with the changelog
//! column `op` (`+I`, `-U`, `+U`, `-D`) and the footer `Received a total of N rows` — values
//! rendered as Flink casts them to strings (NULL as `<NULL>`), right-aligned, columns as wide
//! as their content.

use crate::exec::render::render_value;
use crate::types::Field;
use crate::value::{Row, Value};

/// Renders `rows` of `schema`; `changelog` adds the `op` column.
pub fn render(schema: &[Field], rows: &[Row], changelog: bool) -> String {
    let mut header: Vec<String> = schema.iter().map(|f| f.name.clone()).collect();
    let mut cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line: Vec<String> = r
                .values
                .iter()
                .zip(schema)
                .map(|(v, f)| match v {
                    Value::Null => "<NULL>".to_string(),
                    v => {
                        let mut s = String::new();
                        render_value(v, &f.data_type, &mut s);
                        s
                    }
                })
                .collect();
            if changelog {
                line.insert(0, r.kind.short_string().to_string());
            }
            line
        })
        .collect();
    if changelog {
        header.insert(0, "op".into());
    }
    if rows.is_empty() {
        return "Empty set\n".to_string();
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| cells.iter().map(|c| c[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0))
        .collect();
    let border = format!("+{}+\n", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("+"));
    let line = |c: &[String]| format!("|{}|\n", c.iter().zip(&widths).map(|(s, w)| format!(" {s:>w$} ")).collect::<Vec<_>>().join("|"));
    let mut out = border.clone();
    out.push_str(&line(&header));
    out.push_str(&border);
    for c in cells.iter_mut() {
        out.push_str(&line(c));
    }
    out.push_str(&border);
    let n = rows.len();
    let plural = if n == 1 { "" } else { "s" };
    if changelog {
        out.push_str(&format!("Received a total of {n} row{plural}\n"));
    } else {
        out.push_str(&format!("{n} row{plural} in set\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::DataType;
    use crate::value::RowKind;

    #[test]
    fn renders_the_changelog_column_and_nulls() {
        let schema = vec![Field::new("word", DataType::string()), Field::new("cnt", DataType::BigInt)];
        let rows = vec![
            Row { kind: RowKind::Insert, values: vec![Value::Str("hello".into()), Value::Int(1)] },
            Row { kind: RowKind::UpdateBefore, values: vec![Value::Str("hello".into()), Value::Int(1)] },
            Row { kind: RowKind::UpdateAfter, values: vec![Value::Null, Value::Int(2)] },
        ];
        let text = render(&schema, &rows, true);
        let expected = "\
+----+--------+-----+
| op |   word | cnt |
+----+--------+-----+
| +I |  hello |   1 |
| -U |  hello |   1 |
| +U | <NULL> |   2 |
+----+--------+-----+
Received a total of 3 rows
";
        assert_eq!(text, expected);
    }
}
