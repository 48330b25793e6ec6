//! The thin statement layer over sqlparser for Flink's DDL: `CREATE TABLE` with computed
//! columns, metadata columns, `WATERMARK FOR`, `PRIMARY KEY … NOT ENFORCED` and `WITH`.

use super::statement::{ColumnDef, CreateTable, WatermarkDef};
use super::types::TypeParser;
use super::{position, word_is};
use crate::error::{SqlError, SqlResult};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

/// Parses what follows `CREATE TABLE`.
pub fn parse_create_table(p: &mut Parser<'_>) -> SqlResult<CreateTable> {
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = p.parse_object_name(false)?.to_string().replace('`', "");
    let mut t =
        CreateTable { name, if_not_exists, columns: Vec::new(), watermark: None, primary_key: None, options: Vec::new(), like: None };
    if p.consume_token(&Token::LParen) {
        columns(p, &mut t)?;
    }
    if p.parse_keyword(Keyword::COMMENT) {
        p.parse_literal_string()?;
    }
    if p.parse_keyword(Keyword::WITH) {
        t.options = parse_options(p)?;
    }
    if p.parse_keyword(Keyword::LIKE) {
        t.like = Some(p.parse_object_name(false)?.to_string().replace('`', ""));
        if p.peek_token().token == Token::LParen {
            return Err(SqlError::unsupported(
                "LIKE options (INCLUDING / EXCLUDING / OVERWRITING); the default, INCLUDING ALL OVERWRITING OPTIONS, applies without them",
            )
            .at(position(&p.peek_token())));
        }
    }
    Ok(t)
}

/// The column list after `(`, up to and including `)`.
fn columns(p: &mut Parser<'_>, t: &mut CreateTable) -> SqlResult<()> {
    loop {
        let tok = p.peek_token();
        if word_is(&tok.token, "WATERMARK") {
            p.next_token();
            p.expect_keyword(Keyword::FOR)?;
            let column = p.parse_identifier()?.value;
            p.expect_keyword(Keyword::AS)?;
            let expr = p.parse_expr()?;
            if t.watermark.is_some() {
                return Err(SqlError::validation("a table can have only one WATERMARK").at(position(&tok)));
            }
            t.watermark = Some(WatermarkDef { column, expr: Box::new(expr) });
        } else if p.parse_keywords(&[Keyword::PRIMARY, Keyword::KEY]) || constraint_primary_key(p)? {
            p.expect_token(&Token::LParen)?;
            let cols = p.parse_comma_separated(|p| p.parse_identifier())?;
            p.expect_token(&Token::RParen)?;
            if !p.parse_keywords(&[Keyword::NOT, Keyword::ENFORCED]) {
                return Err(SqlError::validation(
                    "Flink doesn't support ENFORCED mode for PRIMARY KEY constraint. ENFORCED/NOT ENFORCED controls if the \
                     constraint checks are performed on the incoming/outgoing data. Flink does not own the data therefore the \
                     only supported mode is the NOT ENFORCED mode",
                )
                .at(position(&tok)));
            }
            t.primary_key = Some(cols.into_iter().map(|i| i.value).collect());
        } else {
            t.columns.push(column(p)?);
        }
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    p.expect_token(&Token::RParen)?;
    Ok(())
}

/// `('key' = 'value', …)`.
pub fn parse_options(p: &mut Parser<'_>) -> SqlResult<Vec<(String, String)>> {
    let mut options = Vec::new();
    p.expect_token(&Token::LParen)?;
    if !p.consume_token(&Token::RParen) {
        loop {
            let key = p.parse_literal_string()?;
            p.expect_token(&Token::Eq)?;
            let value = p.parse_literal_string()?;
            options.push((key, value));
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
        p.expect_token(&Token::RParen)?;
    }
    Ok(options)
}

fn constraint_primary_key(p: &mut Parser<'_>) -> SqlResult<bool> {
    if !p.parse_keyword(Keyword::CONSTRAINT) {
        return Ok(false);
    }
    p.parse_identifier()?;
    p.expect_keywords(&[Keyword::PRIMARY, Keyword::KEY])?;
    Ok(true)
}

fn column(p: &mut Parser<'_>) -> SqlResult<ColumnDef> {
    let name = p.parse_identifier()?.value;
    if p.parse_keyword(Keyword::AS) {
        let expr = p.parse_expr()?;
        comment(p)?;
        return Ok(ColumnDef::Computed { name, expr: Box::new(expr) });
    }
    let (data_type, nullable) = TypeParser::new(p).parse_with_nullability()?;
    if word_is(&p.peek_token().token, "METADATA") {
        p.next_token();
        let key = if p.parse_keyword(Keyword::FROM) { p.parse_literal_string()? } else { name.clone() };
        let _ = p.parse_keyword(Keyword::VIRTUAL);
        comment(p)?;
        return Ok(ColumnDef::Metadata { name, data_type, key });
    }
    if p.parse_keywords(&[Keyword::PRIMARY, Keyword::KEY]) {
        p.expect_keywords(&[Keyword::NOT, Keyword::ENFORCED])?;
    }
    comment(p)?;
    Ok(ColumnDef::Physical { name, data_type, nullable })
}

fn comment(p: &mut Parser<'_>) -> SqlResult<()> {
    if p.parse_keyword(Keyword::COMMENT) {
        p.parse_literal_string()?;
    }
    Ok(())
}
