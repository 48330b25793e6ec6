//! Flattening of `config.yaml`: nested maps and flat dotted keys become `(dotted key, value,
//! line)` triples; lists of scalars are joined with `;` (Flink's flat list syntax).

use saphyr_parser::{Event, Parser, ScanError, Span};
use std::collections::BTreeMap;

pub(super) type Flat = Vec<(String, String, usize)>;
pub(super) type YamlErr = (Option<usize>, String);

fn scan_err(e: ScanError) -> YamlErr {
    (Some(e.marker().line()), format!("malformed YAML: {}", e.info()))
}

/// Flattens a YAML document into `(dotted key, value, line)` triples.
pub(super) fn flatten_yaml(text: &str) -> std::result::Result<Flat, YamlErr> {
    let mut parser = Parser::new_from_str(text);
    let mut out = Flat::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut documents = 0;
    loop {
        let (event, span) = next(&mut parser)?;
        match event {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err((Some(span.start.line()), "only one YAML document is allowed".into()));
                }
                let (event, span) = next(&mut parser)?;
                match event {
                    Event::MappingStart(..) => flatten_map(&mut parser, "", &mut out, &mut first_line)?,
                    Event::DocumentEnd => {}
                    Event::Scalar(ref v, ..) if v.trim().is_empty() || v == "~" || v == "null" => {}
                    _ => return Err((Some(span.start.line()), "the top level must be a map of keys to values".into())),
                }
            }
            _ => return Err((Some(span.start.line()), "unexpected YAML content".into())),
        }
    }
    Ok(out)
}

fn next<'a>(parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>) -> std::result::Result<(Event<'a>, Span), YamlErr> {
    match parser.next_event() {
        Some(Ok(ev)) => Ok(ev),
        Some(Err(e)) => Err(scan_err(e)),
        None => Err((None, "unexpected end of YAML".into())),
    }
}

fn is_null(v: &str, style: saphyr_parser::ScalarStyle) -> bool {
    style == saphyr_parser::ScalarStyle::Plain && matches!(v, "" | "~" | "null" | "Null" | "NULL")
}

fn flatten_map<'a>(
    parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
    prefix: &str,
    out: &mut Flat,
    first_line: &mut BTreeMap<String, usize>,
) -> std::result::Result<(), YamlErr> {
    loop {
        let (event, span) = next(parser)?;
        let line = span.start.line();
        let key = match event {
            Event::MappingEnd => return Ok(()),
            Event::Scalar(k, ..) => k.trim().to_string(),
            Event::Alias(_) => return Err((Some(line), "YAML aliases are not supported".into())),
            _ => return Err((Some(line), "keys must be plain text".into())),
        };
        if key.is_empty() || key.contains('\0') {
            return Err((Some(line), "empty or invalid key".into()));
        }
        let full = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
        let (event, span) = next(parser)?;
        match event {
            Event::MappingStart(..) => flatten_map(parser, &full, out, first_line)?,
            Event::Scalar(v, style, ..) => {
                if !is_null(&v, style) {
                    push(out, first_line, full, v.to_string(), line)?;
                }
            }
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = next(parser)?;
                    match event {
                        Event::SequenceEnd => break,
                        Event::Scalar(v, ..) => items.push(v.to_string()),
                        _ => {
                            return Err((Some(span.start.line()), format!("'{full}': a list may only hold plain values")));
                        }
                    }
                }
                push(out, first_line, full, items.join(";"), line)?;
            }
            Event::Alias(_) => return Err((Some(span.start.line()), "YAML aliases are not supported".into())),
            _ => return Err((Some(span.start.line()), format!("'{full}': unexpected value"))),
        }
    }
}

fn push(
    out: &mut Flat,
    first_line: &mut BTreeMap<String, usize>,
    key: String,
    value: String,
    line: usize,
) -> std::result::Result<(), YamlErr> {
    if let Some(first) = first_line.get(&key) {
        return Err((Some(line), format!("duplicate key '{key}' (first set on line {first})")));
    }
    first_line.insert(key.clone(), line);
    out.push((key, value, line));
    Ok(())
}
