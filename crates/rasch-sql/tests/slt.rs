//! Golden tests in a sqllogictest-like format: every `tests/slt/*.slt` file is a script of
//! records separated by blank lines.
//!
//! ```text
//! # a comment
//! statement ok
//! CREATE TABLE …
//!
//! statement error <text the error must contain>
//! SELECT …
//!
//! query [batch|streaming] [rowsort]
//! SELECT …
//! ----
//! +I,1,hello        (streaming: the change flag first; batch: values only; NULL as NULL)
//!
//! write <file>
//! <lines written to the file in the test's temporary directory>
//! ```
//!
//! `${TMP}` in any statement is replaced by the test's temporary directory. Jobs run at
//! parallelism 1, so rows arrive in a deterministic order (`rowsort` sorts them anyway).

use rasch_sql::exec::render::render_value;
use rasch_sql::{SqlSession, StatementResult};
use std::path::Path;

/// Removes the test's temporary directory however the test ends.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn run_file(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let tmp = std::env::temp_dir().join(format!("rasch-slt-{}-{}", std::process::id(), path.file_stem().unwrap().to_string_lossy()));
    std::fs::remove_dir_all(&tmp).ok();
    std::fs::create_dir_all(&tmp).unwrap();
    let _cleanup = TempDir(tmp.clone());
    let tmp_s = tmp.to_string_lossy().to_string();
    let mut session = SqlSession::new();
    session.set("parallelism.default", "1");
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.is_empty() || line.starts_with('#') {
            i += 1;
            continue;
        }
        let at = format!("{}:{}", path.display(), i + 1);
        let header: Vec<&str> = line.split_whitespace().collect();
        i += 1;
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim() != "----" {
            body.push(lines[i]);
            i += 1;
        }
        let sql = body.join("\n").replace("${TMP}", &tmp_s);
        match header[0] {
            "write" => {
                std::fs::write(tmp.join(header[1]), format!("{sql}\n")).unwrap();
            }
            "statement" => {
                let result = run_sql(&mut session, &sql);
                match (header.get(1), result) {
                    (Some(&"ok"), Err(e)) => panic!("{at}: expected success, got: {e}"),
                    (Some(&"error"), Ok(_)) => panic!("{at}: expected an error"),
                    (Some(&"error"), Err(e)) => {
                        let want = line.splitn(3, ' ').nth(2).unwrap_or("");
                        assert!(e.contains(want), "{at}: error '{e}' does not contain '{want}'");
                    }
                    _ => {}
                }
            }
            "query" => {
                let mode = if header.contains(&"batch") { "batch" } else { "streaming" };
                session.set("execution.runtime-mode", mode);
                assert_eq!(lines.get(i).map(|l| l.trim()), Some("----"), "{at}: a query needs ---- and its rows");
                i += 1;
                let mut want = Vec::new();
                while i < lines.len() && !lines[i].trim().is_empty() {
                    want.push(lines[i].trim().to_string());
                    i += 1;
                }
                let result = session
                    .execute(&rasch_sql::parser::parse_statement(&sql).unwrap_or_else(|e| panic!("{at}: {e}")))
                    .unwrap_or_else(|e| panic!("{at}: {e}"));
                let StatementResult::Rows { schema, rows, changelog } = result else { panic!("{at}: not a query") };
                let mut got: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let mut cells: Vec<String> = r
                            .values
                            .iter()
                            .zip(&schema)
                            .map(|(v, f)| {
                                let mut s = String::new();
                                render_value(v, &f.data_type, &mut s);
                                s
                            })
                            .collect();
                        if changelog {
                            cells.insert(0, r.kind.short_string().to_string());
                        }
                        cells.join(",")
                    })
                    .collect();
                if header.contains(&"rowsort") {
                    got.sort();
                    want.sort();
                }
                assert_eq!(got, want, "{at}: {sql}");
            }
            other => panic!("{at}: unknown record '{other}'"),
        }
    }
}

fn run_sql(session: &mut SqlSession, sql: &str) -> Result<(), String> {
    let stmt = rasch_sql::parser::parse_statement(sql).map_err(|e| e.to_string())?;
    session.execute(&stmt).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "slt")).collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        run_file(&f);
    }
}
