//! Bad SQL never panics: every Nexmark statement with one word removed, and with one
//! character removed at a sample of places, is parsed and planned (INSERTs through EXPLAIN,
//! so nothing runs); each must give a result or an error.

use rasch_sql::SqlSession;
use rasch_sql::parser::parse_statement;
use rasch_sql::parser::split::split_statements;
use rasch_sql::testing::nexmark_dir;

fn try_statement(session: &mut SqlSession, sql: &str) {
    let trimmed = sql.trim_start();
    let sql = if trimmed.len() >= 6 && trimmed[..6].eq_ignore_ascii_case("insert") { format!("EXPLAIN {sql}") } else { sql.to_string() };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match parse_statement(&sql) {
        Ok(stmt) => {
            let _ = session.execute(&stmt);
        }
        Err(e) => assert!(!e.message.is_empty()),
    }));
    assert!(outcome.is_ok(), "panicked on:\n{sql}");
}

#[test]
fn mangled_nexmark_statements_give_errors_not_panics() {
    let dir = nexmark_dir().join("queries");
    let ddl = std::fs::read_to_string(dir.join("ddl.sql"))
        .unwrap_or_else(|e| panic!("the Nexmark DDL at {} (set RASCH_NEXMARK_DIR): {e}", dir.display()));
    let ddl = ddl.replace("${NEXMARK_INPUT}", "/nonexistent");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut base = SqlSession::new();
    base.execute_script(&ddl, |_, _| {}).unwrap();
    let mut tried = 0;
    for f in files {
        let text =
            std::fs::read_to_string(&f).unwrap().replace("${NEXMARK_INPUT}", "/nonexistent").replace("${OUTPUT_DIR}", "/nonexistent");
        for stmt in split_statements(&text) {
            let words: Vec<&str> = stmt.text.split_whitespace().collect();
            for i in 0..words.len() {
                let mut session = base.clone();
                let mangled = words.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, w)| *w).collect::<Vec<_>>().join(" ");
                try_statement(&mut session, &mangled);
                tried += 1;
            }
            let chars: Vec<char> = stmt.text.chars().collect();
            for i in (0..chars.len()).step_by(7) {
                let mut session = base.clone();
                let mangled: String = chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| *c).collect();
                try_statement(&mut session, &mangled);
                tried += 1;
            }
        }
    }
    assert!(tried > 1000, "{tried}");
}
