//! `rasch sql`: Flink's SQL client on the embedded local mode. `-f script.sql` runs a file of
//! statements, printing Flink's `[INFO]` lines, and exits non-zero at the first failing
//! statement with an error naming the statement, its line and column.

use crate::client::{CliError, CliResult};
use rasch_sql::{SqlSession, StatementResult};
use std::path::Path;

/// Runs `rasch sql [-f file] [-D key=value]…`.
pub fn run(file: Option<&Path>, defines: &[String]) -> CliResult {
    let mut session = SqlSession::new();
    for d in defines {
        let Some((k, v)) = d.split_once('=') else {
            return Err(CliError::with_code(format!("-D {d}: expected key=value"), 2));
        };
        session.set(k.trim(), v.trim());
    }
    let Some(file) = file else {
        return Err(CliError::with_code("the interactive shell is not available yet; run a script with `rasch sql -f FILE`", 2));
    };
    let script = std::fs::read_to_string(file).map_err(|e| CliError::new(format!("cannot read {}: {e}", file.display())))?;
    session
        .execute_script(&script, |_, result| print_result(result))
        .map_err(|e| CliError::new(format!("[ERROR] Could not execute SQL statement. Reason:\n{e}")))
}

fn print_result(r: &StatementResult) {
    match r {
        StatementResult::Ok => println!("[INFO] Execute statement succeeded.\n"),
        StatementResult::JobFinished { name } => println!("[INFO] Complete execution of the SQL update statement ({name}).\n"),
        StatementResult::Text(t) => println!("{t}"),
        StatementResult::Rows { schema, rows, changelog } => println!("{}", rasch_sql::tableau::render(schema, rows, *changelog)),
        StatementResult::Table { header, rows } => {
            let widths: Vec<usize> = (0..header.len())
                .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0))
                .collect();
            let line = format!("+{}+", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("+"));
            let fmt_row = |cells: &[String]| {
                format!("|{}|", cells.iter().zip(&widths).map(|(c, w)| format!(" {c:>w$} ")).collect::<Vec<_>>().join("|"))
            };
            println!("{line}\n{}\n{line}", fmt_row(header));
            for row in rows {
                println!("{}", fmt_row(row));
            }
            println!("{line}\n{} row{} in set\n", rows.len(), if rows.len() == 1 { "" } else { "s" });
        }
    }
}
