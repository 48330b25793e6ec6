//! Flink's `PATTERN (…) WITHIN INTERVAL …` in MATCH_RECOGNIZE, which sqlparser does not read:
//! the interval is moved into the `DEFINE` list as the reserved definition
//! [`WITHIN_SYMBOL`]` AS INTERVAL …`, which the binder turns back into the pattern's window.

use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

/// The reserved `DEFINE` name that carries a `WITHIN` interval to the binder.
pub const WITHIN_SYMBOL: &str = "__within__";

fn is_word(t: &TokenWithSpan, word: &str) -> bool {
    matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case(word) && w.quote_style.is_none())
}

fn next_significant(tokens: &[TokenWithSpan], from: usize) -> Option<usize> {
    (from..tokens.len()).find(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
}

/// Rewrites every `PATTERN (…) WITHIN <interval> DEFINE` into `PATTERN (…) DEFINE
/// __within__ AS <interval>, `; other token streams are returned unchanged.
pub fn rewrite(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut i = 0;
    while i < tokens.len() {
        if !is_word(&tokens[i], "PATTERN") {
            i += 1;
            continue;
        }
        let Some(open) = next_significant(&tokens, i + 1).filter(|&o| tokens[o].token == Token::LParen) else {
            i += 1;
            continue;
        };
        let mut depth = 0usize;
        let mut close = None;
        for (j, t) in tokens.iter().enumerate().skip(open) {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        let Some(within) = next_significant(&tokens, close + 1).filter(|&w| is_word(&tokens[w], "WITHIN")) else {
            i = close + 1;
            continue;
        };
        let Some(define) = (within + 1..tokens.len()).find(|&d| is_word(&tokens[d], "DEFINE")) else { break };
        let interval: Vec<TokenWithSpan> = tokens[within + 1..define].to_vec();
        let span = tokens[within].span;
        let token = |t: Token| TokenWithSpan { token: t, span };
        let mut inserted = vec![
            token(Token::Whitespace(Whitespace::Space)),
            token(Token::make_word(WITHIN_SYMBOL, None)),
            token(Token::Whitespace(Whitespace::Space)),
            token(Token::make_keyword("AS")),
        ];
        inserted.extend(interval);
        inserted.push(token(Token::Comma));
        // DEFINE moves to where WITHIN was, followed by the carried interval.
        let define_token = tokens[define].clone();
        let mut rebuilt: Vec<TokenWithSpan> = tokens[..within].to_vec();
        rebuilt.push(define_token);
        rebuilt.extend(inserted);
        rebuilt.extend(tokens[define + 1..].iter().cloned());
        tokens = rebuilt;
        i = within + 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::tokenizer::Tokenizer;

    fn text(sql: &str) -> String {
        let tokens = Tokenizer::new(&crate::parser::dialect::FlinkDialect, sql).tokenize_with_location().unwrap();
        rewrite(tokens).iter().map(|t| t.token.to_string()).collect()
    }

    #[test]
    fn within_moves_into_the_define_list() {
        assert_eq!(
            text("PATTERN (A B+? C) WITHIN INTERVAL '3' SECOND DEFINE A AS x > 1"),
            "PATTERN (A B+? C) DEFINE __within__ AS INTERVAL '3' SECOND , A AS x > 1"
        );
        assert_eq!(text("PATTERN ((A) B) DEFINE A AS x"), "PATTERN ((A) B) DEFINE A AS x", "nothing to move");
        assert_eq!(text("SELECT within FROM t"), "SELECT within FROM t");
    }
}
