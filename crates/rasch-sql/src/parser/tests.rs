//! Parser tests: Flink DDL, client commands, error positions, and the Nexmark corpus.

use super::statement::{ColumnDef, Statement};
use super::*;
use crate::types::{DataType, MAX_LENGTH};

#[test]
fn create_table_with_rows_computed_columns_watermark_and_options() {
    let sql = "CREATE TABLE t (
        a INT NOT NULL,
        r ROW<x BIGINT, `y` ROW<z TIMESTAMP(3)>>,
        d DECIMAL(23, 3),
        ts AS CASE WHEN a = 0 THEN r.y.z ELSE r.y.z END,
        PRIMARY KEY (a) NOT ENFORCED,
        WATERMARK FOR ts AS ts - INTERVAL '4' SECOND
    ) WITH ('connector' = 'filesystem', 'path' = 'file:///tmp/x')";
    let Statement::CreateTable(t) = parse_statement(sql).unwrap() else { panic!("not a CREATE TABLE") };
    assert_eq!(t.name, "t");
    assert_eq!(t.columns.len(), 4);
    match &t.columns[1] {
        ColumnDef::Physical { data_type: DataType::Row(fields), .. } => {
            assert_eq!(fields[0].data_type, DataType::BigInt);
            assert_eq!(fields[1].name, "y");
            assert!(matches!(&fields[1].data_type, DataType::Row(inner) if inner[0].data_type == DataType::Timestamp(3)));
        }
        other => panic!("unexpected column {other:?}"),
    }
    assert!(matches!(&t.columns[0], ColumnDef::Physical { nullable: false, data_type: DataType::Int, .. }));
    assert!(matches!(&t.columns[2], ColumnDef::Physical { data_type: DataType::Decimal(23, 3), .. }));
    assert!(matches!(&t.columns[3], ColumnDef::Computed { name, .. } if name == "ts"));
    assert_eq!(t.watermark.as_ref().unwrap().column, "ts");
    assert_eq!(t.primary_key, Some(vec!["a".to_string()]));
    assert_eq!(t.options[1], ("path".to_string(), "file:///tmp/x".to_string()));
}

#[test]
fn types_parse_in_flink_spelling() {
    let sql = "CREATE TABLE t (s STRING, v VARCHAR, b BYTES, m MAP<STRING, ARRAY<INT>>, l TIMESTAMP_LTZ(3))";
    let Statement::CreateTable(t) = parse_statement(sql).unwrap() else { panic!() };
    let types: Vec<String> = t
        .columns
        .iter()
        .map(|c| match c {
            ColumnDef::Physical { data_type, .. } => data_type.to_string(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(types, ["STRING", "VARCHAR(1)", "BYTES", "MAP<STRING, ARRAY<INT>>", "TIMESTAMP_LTZ(3)"]);
    assert_eq!(DataType::Varchar(MAX_LENGTH), DataType::string());
}

#[test]
fn client_commands() {
    assert!(matches!(parse_statement("SET 'table.local-time-zone' = 'UTC'").unwrap(),
        Statement::Set(Some((k, v))) if k == "table.local-time-zone" && v == "UTC"));
    assert!(matches!(parse_statement("SET").unwrap(), Statement::Set(None)));
    assert!(matches!(parse_statement("RESET 'a.b'").unwrap(), Statement::Reset(Some(k)) if k == "a.b"));
    assert!(matches!(parse_statement("INSERT INTO s SELECT * FROM t").unwrap(), Statement::Insert { overwrite: false, .. }));
    assert!(matches!(parse_statement("SHOW TABLES").unwrap(), Statement::ShowTables));
    assert!(matches!(parse_statement("DESCRIBE t").unwrap(), Statement::Describe(n) if n == "t"));
    assert!(matches!(parse_statement("EXPLAIN SELECT 1").unwrap(), Statement::Explain(_)));
}

#[test]
fn errors_name_line_and_column_in_the_script() {
    let script = "SET 'a' = 'b';\n\nSELECT a,\n  FROM FROM t;";
    let err = parse_script(script).unwrap_err();
    let pos = err.pos.expect("a position");
    assert_eq!(pos.line, 4, "{err}");
    assert!(err.to_string().contains("line 4"), "{err}");
    let err = parse_statement("CREATE TABLE t (a FOO)").unwrap_err();
    assert!(err.message.contains("unknown data type 'FOO'"), "{err}");
    assert_eq!(err.pos.unwrap().column, 19);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let sql = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse_statement(&sql).is_err());
}

/// Every statement of the Nexmark suite (DDL, settings, every query: 53 statements; the
/// issue's "72" counted lines holding a `;`, comments included) parses.
#[test]
fn nexmark_corpus_parses() {
    let dir = crate::testing::nexmark_dir().join("queries");
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("the Nexmark queries at {} (set RASCH_NEXMARK_DIR): {e}", dir.display()));
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "sql")).collect();
    files.sort();
    let mut count = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let parsed = parse_script(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        count += parsed.len();
    }
    assert_eq!(count, 53);
}
