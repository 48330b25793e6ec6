//! Splits a script into statements at top-level `;`, skipping quoted text and comments, and
//! remembers where each statement starts so errors can name the line and column.

use crate::error::Pos;

/// One statement's text and where it starts in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementText {
    /// The statement without its terminating `;` (comments inside are kept).
    pub text: String,
    /// Where its first token starts.
    pub start: Pos,
}

/// Splits `script` into statements. Text after the last `;` that holds only whitespace and
/// comments is dropped; any other trailing text is a statement of its own.
pub fn split_statements(script: &str) -> Vec<StatementText> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let (mut line, mut col) = (1u64, 1u64);
    let mut start: Option<(usize, Pos)> = None;
    let mut i = 0;
    let advance = |c: u8, line: &mut u64, col: &mut u64| {
        if c == b'\n' {
            *line += 1;
            *col = 1;
        } else if c & 0xC0 != 0x80 {
            *col += 1;
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        // Comments and whitespace do not start a statement.
        if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                advance(bytes[i], &mut line, &mut col);
                i += 1;
            }
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            advance(bytes[i], &mut line, &mut col);
            advance(bytes[i + 1], &mut line, &mut col);
            i += 2;
            while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                advance(bytes[i], &mut line, &mut col);
                i += 1;
            }
            i = (i + 2).min(bytes.len());
            col += 2;
            continue;
        }
        if c.is_ascii_whitespace() {
            advance(c, &mut line, &mut col);
            i += 1;
            continue;
        }
        if c == b';' {
            if let Some((s, pos)) = start.take() {
                out.push(StatementText { text: script[s..i].to_string(), start: pos });
            }
            advance(c, &mut line, &mut col);
            i += 1;
            continue;
        }
        if start.is_none() {
            start = Some((i, Pos { line, column: col }));
        }
        if c == b'\'' || c == b'"' || c == b'`' {
            advance(c, &mut line, &mut col);
            i += 1;
            while i < bytes.len() {
                let d = bytes[i];
                advance(d, &mut line, &mut col);
                i += 1;
                if d == c {
                    // A doubled quote is an escaped quote inside the literal.
                    if bytes.get(i) == Some(&c) {
                        advance(c, &mut line, &mut col);
                        i += 1;
                        continue;
                    }
                    break;
                }
            }
            continue;
        }
        advance(c, &mut line, &mut col);
        i += 1;
    }
    if let Some((s, pos)) = start {
        out.push(StatementText { text: script[s..].to_string(), start: pos });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_semicolons_only() {
        let script = "-- c; x\nSET 'a' = ';';\n\n  SELECT `x;y` /* ; */ FROM t;\nSELECT 'it''s;'";
        let parts = split_statements(script);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].text, "SET 'a' = ';'");
        assert_eq!(parts[0].start, Pos { line: 2, column: 1 });
        assert_eq!(parts[1].text, "SELECT `x;y` /* ; */ FROM t");
        assert_eq!(parts[1].start, Pos { line: 4, column: 3 });
        assert_eq!(parts[2].text, "SELECT 'it''s;'");
    }

    #[test]
    fn trailing_comments_are_not_statements() {
        assert!(split_statements("  -- nothing\n /* here */ ").is_empty());
    }
}
