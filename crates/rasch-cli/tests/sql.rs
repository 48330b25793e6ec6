//! `rasch sql -f`: runs a script end to end through the binary, prints Flink's client
//! messages and results, and stops with a non-zero exit at the first failing statement,
//! naming the statement, its line and column.

use std::process::Command;

fn rasch_sql(script: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("rasch-cli-sql-{}-{}", std::process::id(), script.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("script.sql");
    std::fs::write(&file, script.replace("${DIR}", &dir.to_string_lossy())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rasch")).arg("sql").args(extra).arg("-f").arg(&file).output().expect("rasch runs");
    let r = (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    std::fs::remove_dir_all(&dir).ok();
    r
}

#[test]
fn a_script_runs_ddl_inserts_and_queries() {
    let script = "\
CREATE TABLE t (a INT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'file://${DIR}/t', 'format' = 'json');
INSERT INTO t VALUES (1, 'x'), (2, 'y');
SELECT a * 10 AS b, UPPER(s) FROM t;
";
    let (code, out, err) = rasch_sql(script, &["-D", "execution.runtime-mode=batch", "-D", "parallelism.default=1"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("[INFO] Execute statement succeeded."), "{out}");
    assert!(out.contains("[INFO] Complete execution of the SQL update statement"), "{out}");
    assert!(out.contains("|  b | EXPR$1 |"), "{out}");
    assert!(out.contains("| 20 |      Y |"), "{out}");
    assert!(out.contains("2 rows in set"), "{out}");
}

#[test]
fn the_first_failing_statement_stops_the_script_with_its_position() {
    let script = "SET 'execution.runtime-mode' = 'batch';\n\nSELECT 1;\nSELECT nope\n  FROM missing;\nSELECT 2;\n";
    let (code, out, err) = rasch_sql(script, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("Object 'missing' not found"), "{err}");
    assert!(err.contains("line 4, column 1"), "{err}");
    assert!(err.contains("SELECT nope\n  FROM missing"), "the error shows the statement: {err}");
    assert!(!out.contains("| 2 |"), "statements after the failing one do not run: {out}");
}

#[test]
fn parse_errors_point_at_the_token() {
    let (code, _, err) = rasch_sql("SELECT 1;\nSELECT a,\n  FROM FROM t;\n", &[]);
    assert_ne!(code, 0);
    assert!(err.contains("SQL parse error at line 3"), "{err}");
}

#[test]
fn the_shell_reads_statements_until_semicolons_and_survives_errors() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rasch"))
        .arg("sql")
        .env("HOME", std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"SELECT 1 + 1 AS two;\nSELECT nope;\nSELECT 'a'\n  || 'b' AS s;\nQUIT;\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("| +I |   2 |"), "{text}");
    assert!(text.contains("Column 'nope' not found in any table"), "{text}");
    assert!(text.contains("| +I | ab |"), "a statement over two lines runs: {text}");
    assert!(text.contains("Shutting down the session"), "{text}");
}

#[test]
fn print_sinks_take_changelogs_and_unknown_connectors_are_named() {
    let script = "\
CREATE TABLE p (k STRING, n BIGINT) WITH ('connector' = 'print');
INSERT INTO p SELECT k, COUNT(*) FROM (VALUES ('a'), ('b'), ('a')) AS t(k) GROUP BY k;
CREATE TABLE q (a INT) WITH ('connector' = 'print', 'print-identifier' = 'mine');
INSERT INTO q VALUES (7);
CREATE TABLE z (a INT) WITH ('connector' = 'nosuch');
INSERT INTO z SELECT 1;
";
    let (code, out, err) = rasch_sql(script, &["-D", "parallelism.default=1"]);
    assert_ne!(code, 0);
    assert!(out.contains("+I[a, 1]\n+I[b, 1]\n-U[a, 1]\n+U[a, 2]\n"), "{out}");
    assert!(err.contains("Could not find any factory for identifier 'nosuch'"), "{err}");
    assert!(out.contains("mine> +I[7]"), "{out}");
}

#[test]
fn show_create_table_describe_and_explain() {
    let script = "\
CREATE TABLE t (a INT NOT NULL, ts TIMESTAMP(3), b AS a + 1, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'filesystem', 'path' = '/nonexistent', 'format' = 'json');
SHOW CREATE TABLE t;
DESCRIBE t;
EXPLAIN SELECT a, COUNT(*) FROM t WHERE b > 1 GROUP BY a;
";
    let (code, out, err) = rasch_sql(script, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CREATE TABLE `default_catalog`.`default_database`.`t` (\n  `a` INT NOT NULL,\n  `ts` TIMESTAMP(3),\n  `b` AS a + 1,\n  WATERMARK FOR `ts` AS ts - INTERVAL '1' SECOND\n) WITH (\n  'connector' = 'filesystem',"), "{out}");
    assert!(out.contains("|   ts | TIMESTAMP(3) |  TRUE |"), "{out}");
    assert!(out.contains("GroupAggregate(groupBy=[a]"), "{out}");
    assert!(out.contains("Calc(where=[>(b, 1)])"), "{out}");
}

/// The fenced block of `docs/sql.md` that starts with `first_line`, as its lines.
fn docs_block(first_line: &str) -> Vec<String> {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sql.md")).unwrap();
    let start = page.find(&format!("```text\n{first_line}")).unwrap_or_else(|| panic!("docs/sql.md has no block starting {first_line:?}"));
    let body = &page[start + "```text\n".len()..];
    body[..body.find("```").unwrap()].lines().map(str::to_string).collect()
}

#[test]
fn the_error_and_the_shell_session_in_docs_sql_md_are_what_rasch_prints() {
    // The error block: what the failing script of the test above prints.
    let error = docs_block("[ERROR]").join("\n");
    let script = "SET 'execution.runtime-mode' = 'batch';\n\nSELECT 1;\nSELECT nope\n  FROM missing;\nSELECT 2;\n";
    let (_, _, err) = rasch_sql(script, &[]);
    assert!(err.contains(&error), "docs/sql.md shows:\n{error}\nrasch printed:\n{err}");

    // The shell session: the statement after the prompt, then exactly the lines shown.
    use std::io::Write;
    let session = docs_block("Rasch SQL> ");
    let statement = session[0].strip_prefix("Rasch SQL> ").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rasch"))
        .args(["sql", "-D", "parallelism.default=1"])
        .env("HOME", std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{statement}\nQUIT;\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let shown = session[1..].join("\n");
    assert!(text.contains(&shown), "docs/sql.md shows:\n{shown}\nthe shell printed:\n{text}");
}
