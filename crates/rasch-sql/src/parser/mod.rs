//! Parsing Flink SQL: scripts are split into statements ([`split`]), each statement is read
//! by sqlparser with the [`FlinkDialect`](dialect::FlinkDialect), and Flink's DDL and client
//! commands by our own thin layer ([`ddl`], [`types`]) over the same tokens.

pub mod ddl;
pub mod dialect;
pub mod split;
pub mod statement;
pub mod types;
pub mod within;

use crate::error::{Pos, SqlError, SqlResult};
use dialect::FlinkDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};
use statement::{Located, Statement};

/// How deeply expressions may nest before parsing stops with an error (not a stack overflow).
const RECURSION_LIMIT: usize = 64;

/// Parses every statement of a script, stopping at the first error (whose position is
/// absolute in the script).
pub fn parse_script(script: &str) -> SqlResult<Vec<Located>> {
    split::split_statements(script)
        .into_iter()
        .map(|s| {
            let statement = parse_statement(&s.text).map_err(|e| e.offset(s.start))?;
            Ok(Located { statement, text: s.text, start: s.start })
        })
        .collect()
}

/// Stack for the parsing thread: sqlparser recurses per nesting level, and debug builds use
/// large frames, so nesting up to [`RECURSION_LIMIT`] must not depend on the caller's stack.
const PARSER_STACK: usize = 64 << 20;

/// Parses one statement (without its `;`); error positions are relative to `sql`.
pub fn parse_statement(sql: &str) -> SqlResult<Statement> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("sql-parser".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(s, || parse_statement_here(sql))
            .map_err(|e| SqlError::execution(format!("cannot start the parser thread: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(SqlError::parse("the parser failed on this statement")))
    })
}

fn parse_statement_here(sql: &str) -> SqlResult<Statement> {
    let dialect = FlinkDialect;
    let tokens = sqlparser::tokenizer::Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| SqlError::from(sqlparser::parser::ParserError::TokenizerError(e.to_string())))?;
    let mut p = Parser::new(&dialect).with_recursion_limit(RECURSION_LIMIT).with_tokens_with_locations(within::rewrite(tokens));
    let stmt = statement(&mut p)?;
    let tok = p.peek_token();
    if tok.token != Token::EOF {
        return Err(SqlError::parse(format!("unexpected '{}' after the end of the statement", tok.token)).at(position(&tok)));
    }
    Ok(stmt)
}

fn statement(p: &mut Parser<'_>) -> SqlResult<Statement> {
    let tok = p.peek_token();
    if p.parse_keyword(Keyword::CREATE) {
        let temporary = p.parse_keyword(Keyword::TEMPORARY);
        if p.parse_keyword(Keyword::TABLE) {
            return Ok(Statement::CreateTable(Box::new(ddl::parse_create_table(p)?)));
        }
        if p.parse_keyword(Keyword::VIEW) {
            let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
            let name = object_name(p)?;
            p.expect_keyword(Keyword::AS)?;
            let query = p.parse_query()?;
            return Ok(Statement::CreateView { name, if_not_exists, query });
        }
        let _ = temporary;
        return Err(unsupported_at("only CREATE TABLE and CREATE VIEW are supported", &tok));
    }
    if p.parse_keywords(&[Keyword::ALTER, Keyword::TABLE]) {
        let name = object_name(p)?;
        let change = if p.parse_keywords(&[Keyword::RENAME, Keyword::TO]) {
            statement::AlterTable::RenameTo(object_name(p)?)
        } else if p.parse_keyword(Keyword::SET) {
            statement::AlterTable::SetOptions(ddl::parse_options(p)?)
        } else if word_is(&p.peek_token().token, "RESET") {
            p.next_token();
            p.expect_token(&Token::LParen)?;
            let keys = p.parse_comma_separated(|p| p.parse_literal_string())?;
            p.expect_token(&Token::RParen)?;
            statement::AlterTable::ResetOptions(keys)
        } else {
            return Err(SqlError::unsupported("ALTER TABLE supports RENAME TO, SET (…) and RESET (…)").at(position(&p.peek_token())));
        };
        return Ok(Statement::AlterTable { name, change });
    }
    if p.parse_keyword(Keyword::DROP) {
        let view = if p.parse_keyword(Keyword::VIEW) {
            true
        } else {
            p.expect_keyword(Keyword::TABLE)?;
            false
        };
        let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
        return Ok(Statement::Drop { view, name: object_name(p)?, if_exists });
    }
    if p.parse_keyword(Keyword::SET) {
        if p.peek_token().token == Token::EOF {
            return Ok(Statement::Set(None));
        }
        let key = key_or_literal(p)?;
        p.expect_token(&Token::Eq)?;
        let value = key_or_literal(p)?;
        return Ok(Statement::Set(Some((key, value))));
    }
    if word_is(&tok.token, "RESET") {
        p.next_token();
        if p.peek_token().token == Token::EOF {
            return Ok(Statement::Reset(None));
        }
        return Ok(Statement::Reset(Some(key_or_literal(p)?)));
    }
    if p.parse_keyword(Keyword::INSERT) {
        let overwrite = if p.parse_keyword(Keyword::OVERWRITE) {
            true
        } else {
            p.expect_keyword(Keyword::INTO)?;
            false
        };
        let table = object_name(p)?;
        let query = p.parse_query()?;
        return Ok(Statement::Insert { table, overwrite, query });
    }
    if p.parse_keyword(Keyword::SHOW) {
        let what = p.next_token();
        return match &what.token {
            Token::Word(w) if w.keyword == Keyword::TABLES => Ok(Statement::ShowTables),
            Token::Word(w) if w.keyword == Keyword::VIEWS => Ok(Statement::ShowViews),
            Token::Word(w) if w.keyword == Keyword::FUNCTIONS => Ok(Statement::ShowFunctions),
            Token::Word(w) if w.keyword == Keyword::CREATE => {
                p.expect_keyword(Keyword::TABLE)?;
                Ok(Statement::ShowCreateTable(object_name(p)?))
            }
            other => Err(SqlError::parse(format!("SHOW {other} is not supported")).at(position(&what))),
        };
    }
    if p.parse_keyword(Keyword::DESCRIBE) || p.parse_keyword(Keyword::DESC) {
        return Ok(Statement::Describe(object_name(p)?));
    }
    if p.parse_keyword(Keyword::EXPLAIN) {
        let _ = p.parse_keywords(&[Keyword::PLAN, Keyword::FOR]);
        return Ok(Statement::Explain(Box::new(statement(p)?)));
    }
    match &tok.token {
        Token::Word(w) if matches!(w.keyword, Keyword::SELECT | Keyword::WITH | Keyword::VALUES) => Ok(Statement::Query(p.parse_query()?)),
        Token::LParen => Ok(Statement::Query(p.parse_query()?)),
        other => Err(SqlError::parse(format!("'{other}' does not start a statement Rasch SQL supports")).at(position(&tok))),
    }
}

fn object_name(p: &mut Parser<'_>) -> SqlResult<String> {
    let name = p.parse_object_name(false)?;
    Ok(name.0.iter().map(|part| part.as_ident().map(|i| i.value.clone()).unwrap_or_else(|| part.to_string())).collect::<Vec<_>>().join("."))
}

/// A `SET` key or value: a quoted string, or bare words and dots (`table.local-time-zone`).
fn key_or_literal(p: &mut Parser<'_>) -> SqlResult<String> {
    let tok = p.next_token();
    match &tok.token {
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Ok(s.clone()),
        Token::Word(w) => {
            let mut s = w.value.clone();
            loop {
                match p.peek_token().token {
                    Token::Period => s.push('.'),
                    Token::Minus => s.push('-'),
                    Token::Word(ref w2) if s.ends_with(['.', '-']) => s.push_str(&w2.value),
                    Token::Number(ref n, _) if s.ends_with(['.', '-']) => s.push_str(n),
                    _ => break,
                }
                p.next_token();
            }
            Ok(s)
        }
        Token::Number(n, _) => Ok(n.clone()),
        other => Err(SqlError::parse(format!("expected a quoted key or value, found '{other}'")).at(position(&tok))),
    }
}

/// Whether `token` is the (unquoted) word `word`, case-insensitively.
pub(crate) fn word_is(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// The start of a token as a [`Pos`].
pub(crate) fn position(tok: &TokenWithSpan) -> Option<Pos> {
    let l = tok.span.start;
    (l.line > 0).then_some(Pos { line: l.line, column: l.column })
}

fn unsupported_at(msg: &str, tok: &TokenWithSpan) -> SqlError {
    SqlError::unsupported(msg).at(position(tok))
}

#[cfg(test)]
mod tests;
