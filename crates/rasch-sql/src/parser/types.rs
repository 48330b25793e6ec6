//! Parses Flink's data type syntax (`BIGINT`, `DECIMAL(23, 3)`, `TIMESTAMP(3)`,
//! `ROW<name type, …>`, `ARRAY<t>`, `MAP<k, v>`, `… NOT NULL`) from sqlparser tokens.

use crate::error::{SqlError, SqlResult};
use crate::parser::position;
use crate::types::{DataType, Field, MAX_LENGTH};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

/// Reads a type; `pending_gt` counts a `>` already consumed as half of a `>>` token.
pub struct TypeParser<'p, 'a> {
    p: &'p mut Parser<'a>,
    pending_gt: u32,
}

impl<'p, 'a> TypeParser<'p, 'a> {
    /// A type parser over `p`'s next tokens.
    pub fn new(p: &'p mut Parser<'a>) -> Self {
        TypeParser { p, pending_gt: 0 }
    }

    /// Parses a type with its nullability (`NOT NULL` / `NULL`).
    pub fn parse_with_nullability(&mut self) -> SqlResult<(DataType, bool)> {
        let t = self.parse()?;
        Ok((t, self.nullability()))
    }

    fn nullability(&mut self) -> bool {
        if self.pending_gt > 0 {
            return true;
        }
        if self.p.parse_keywords(&[sqlparser::keywords::Keyword::NOT, sqlparser::keywords::Keyword::NULL]) {
            return false;
        }
        let _ = self.p.parse_keyword(sqlparser::keywords::Keyword::NULL);
        true
    }

    /// Parses one type.
    pub fn parse(&mut self) -> SqlResult<DataType> {
        let tok = self.p.next_token();
        let name = match &tok.token {
            Token::Word(w) => w.value.to_ascii_uppercase(),
            other => return Err(SqlError::parse(format!("expected a data type, found '{other}'")).at(position(&tok))),
        };
        let t = match name.as_str() {
            "BOOLEAN" | "BOOL" => DataType::Boolean,
            "TINYINT" => DataType::TinyInt,
            "SMALLINT" => DataType::SmallInt,
            "INT" | "INTEGER" => DataType::Int,
            "BIGINT" => DataType::BigInt,
            "FLOAT" | "REAL" => DataType::Float,
            "DOUBLE" => {
                let _ = self.p.parse_keyword(sqlparser::keywords::Keyword::PRECISION);
                DataType::Double
            }
            "DECIMAL" | "DEC" | "NUMERIC" => {
                let args = self.args()?;
                let p = *args.first().unwrap_or(&10);
                let s = *args.get(1).unwrap_or(&0);
                if !(1..=38).contains(&p) || s > p {
                    return Err(
                        SqlError::validation(format!("DECIMAL({p}, {s}): precision must be 1–38 and scale 0–precision")).at(position(&tok))
                    );
                }
                DataType::Decimal(p as u8, s as u8)
            }
            "CHAR" | "CHARACTER" => DataType::Char(self.len_arg(1)?),
            "VARCHAR" => DataType::Varchar(self.len_arg(1)?),
            "STRING" => DataType::string(),
            "BINARY" => DataType::Binary(self.len_arg(1)?),
            "VARBINARY" => DataType::Varbinary(self.len_arg(1)?),
            "BYTES" => DataType::Varbinary(MAX_LENGTH),
            "DATE" => DataType::Date,
            "TIME" => DataType::Time(self.precision(0)?),
            "TIMESTAMP" => {
                let p = self.precision(6)?;
                if self.p.parse_keywords(&[
                    sqlparser::keywords::Keyword::WITH,
                    sqlparser::keywords::Keyword::LOCAL,
                    sqlparser::keywords::Keyword::TIME,
                    sqlparser::keywords::Keyword::ZONE,
                ]) {
                    DataType::TimestampLtz(p)
                } else {
                    let _ = self.p.parse_keywords(&[
                        sqlparser::keywords::Keyword::WITHOUT,
                        sqlparser::keywords::Keyword::TIME,
                        sqlparser::keywords::Keyword::ZONE,
                    ]);
                    DataType::Timestamp(p)
                }
            }
            "TIMESTAMP_LTZ" => DataType::TimestampLtz(self.precision(6)?),
            "ARRAY" => {
                self.expect_lt()?;
                let (t, _) = self.parse_with_nullability()?;
                self.expect_gt()?;
                DataType::Array(Box::new(t))
            }
            "MULTISET" => {
                self.expect_lt()?;
                let (t, _) = self.parse_with_nullability()?;
                self.expect_gt()?;
                DataType::Multiset(Box::new(t))
            }
            "MAP" => {
                self.expect_lt()?;
                let (k, _) = self.parse_with_nullability()?;
                self.p.expect_token(&Token::Comma)?;
                let (v, _) = self.parse_with_nullability()?;
                self.expect_gt()?;
                DataType::Map(Box::new(k), Box::new(v))
            }
            "ROW" => self.row()?,
            other => return Err(SqlError::parse(format!("unknown data type '{other}'")).at(position(&tok))),
        };
        Ok(t)
    }

    fn row(&mut self) -> SqlResult<DataType> {
        let close = if self.p.consume_token(&Token::Lt) {
            None
        } else {
            self.p.expect_token(&Token::LParen)?;
            Some(Token::RParen)
        };
        let mut fields = Vec::new();
        loop {
            let name = self.p.parse_identifier()?.value;
            let (t, nullable) = self.parse_with_nullability()?;
            // An optional field description: 'text'.
            if let Token::SingleQuotedString(_) = self.p.peek_token().token {
                self.p.next_token();
            }
            fields.push(Field { name, data_type: t, nullable });
            if self.pending_gt > 0 {
                break;
            }
            if !self.p.consume_token(&Token::Comma) {
                break;
            }
        }
        match close {
            Some(t) => {
                self.p.expect_token(&t)?;
            }
            None => self.expect_gt()?,
        }
        Ok(DataType::Row(fields))
    }

    fn expect_lt(&mut self) -> SqlResult<()> {
        self.p.expect_token(&Token::Lt)?;
        Ok(())
    }

    fn expect_gt(&mut self) -> SqlResult<()> {
        if self.pending_gt > 0 {
            self.pending_gt -= 1;
            return Ok(());
        }
        let tok = self.p.next_token();
        match &tok.token {
            Token::Gt => Ok(()),
            Token::ShiftRight => {
                self.pending_gt += 1;
                Ok(())
            }
            other => Err(SqlError::parse(format!("expected '>', found '{other}'")).at(position(&tok))),
        }
    }

    fn args(&mut self) -> SqlResult<Vec<u64>> {
        let mut out = Vec::new();
        if self.p.consume_token(&Token::LParen) {
            loop {
                out.push(self.p.parse_literal_uint()?);
                if !self.p.consume_token(&Token::Comma) {
                    break;
                }
            }
            self.p.expect_token(&Token::RParen)?;
        }
        Ok(out)
    }

    fn len_arg(&mut self, default: u32) -> SqlResult<u32> {
        let a = self.args()?;
        Ok(a.first().map(|&n| n.min(MAX_LENGTH as u64) as u32).unwrap_or(default))
    }

    fn precision(&mut self, default: u8) -> SqlResult<u8> {
        let a = self.args()?;
        match a.first() {
            Some(&p) if p > 9 => Err(SqlError::validation(format!("precision {p} is out of range 0–9"))),
            Some(&p) => Ok(p as u8),
            None => Ok(default),
        }
    }
}
