//! `rasch sql`: Flink's SQL client on the embedded local mode: an interactive shell with line
//! editing and history, or `-f script.sql` to run a file of statements, printing Flink's
//! `[INFO]` lines and results, and exiting non-zero at the first failing statement with an
//! error naming the statement, its line and column.

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
        return shell(session);
    };
    let script = std::fs::read_to_string(file).map_err(|e| CliError::new(format!("cannot read {}: {e}", file.display())))?;
    session
        .execute_script(&script, |_, result| print_result(result))
        .map_err(|e| CliError::new(format!("[ERROR] Could not execute SQL statement. Reason:\n{e}")))
}

/// The interactive shell: statements end with `;`, `QUIT;` or `EXIT;` (or Ctrl-D) leaves,
/// errors are shown and the shell goes on. History lives in `~/.rasch_sql_history`.
fn shell(mut session: SqlSession) -> CliResult {
    use rustyline::error::ReadlineError;
    let mut editor = rustyline::DefaultEditor::new().map_err(|e| CliError::new(format!("cannot start the shell: {e}")))?;
    let history = std::env::var_os("HOME").map(|h| Path::new(&h).join(".rasch_sql_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!("Rasch SQL: Flink SQL on Rasch. Statements end with ';'. Type QUIT; to leave.\n");
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() { "Rasch SQL> " } else { "> " };
        match editor.readline(prompt) {
            Ok(line) => {
                buffer.push_str(&line);
                buffer.push('\n');
                if !line.trim_end().ends_with(';') {
                    continue;
                }
                let text = std::mem::take(&mut buffer);
                let _ = editor.add_history_entry(text.trim_end());
                let stmt = text.trim().trim_end_matches(';').trim();
                if stmt.eq_ignore_ascii_case("quit") || stmt.eq_ignore_ascii_case("exit") {
                    break;
                }
                if let Err(e) = session.execute_script(&text, |_, r| print_result(r)) {
                    println!("[ERROR] Could not execute SQL statement. Reason:\n{e}\n");
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(CliError::new(format!("shell: {e}"))),
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    println!("Shutting down the session...\ndone.");
    Ok(())
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
