//! `FlinkDialect`: sqlparser's generic dialect plus what Flink SQL needs — backtick
//! identifiers, `FILTER (WHERE …)` on aggregates, `FOR SYSTEM_TIME AS OF`, MATCH_RECOGNIZE.
//! It reports itself as the generic dialect, so sqlparser's generic-only paths apply.

use sqlparser::ast::{Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, ObjectName};
use sqlparser::dialect::{Dialect, GenericDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::any::TypeId;

/// The function name a `TABLE t` argument is read as (`TABLE(TUMBLE(TABLE t, …))`).
pub const TABLE_ARG_FUNCTION: &str = crate::dialect_names::TABLE_ARG;

/// Flink SQL's dialect for sqlparser.
#[derive(Debug, Default, Clone, Copy)]
pub struct FlinkDialect;

impl Dialect for FlinkDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<GenericDialect>()
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`'
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch == '_'
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch.is_ascii_digit() || ch == '_' || ch == '$'
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }
    fn supports_table_versioning(&self) -> bool {
        true
    }
    fn supports_match_recognize(&self) -> bool {
        true
    }
    fn supports_group_by_expr(&self) -> bool {
        true
    }
    fn supports_window_clause_named_window_reference(&self) -> bool {
        true
    }
    fn supports_parens_around_table_factor(&self) -> bool {
        true
    }
    fn supports_values_as_table_factor(&self) -> bool {
        true
    }
    fn supports_struct_literal(&self) -> bool {
        true
    }
    fn allow_extract_custom(&self) -> bool {
        true
    }
    /// Reads `TABLE name` in an expression (a table argument of a table function) as the call
    /// `__TABLE(name)`.
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let is_table_arg = matches!(&parser.peek_token().token, Token::Word(w) if w.keyword == Keyword::TABLE)
            && matches!(&parser.peek_nth_token(1).token, Token::Word(_));
        if !is_table_arg {
            return None;
        }
        parser.next_token();
        Some(parser.parse_object_name(false).map(|name| {
            let arg = Expr::Identifier(Ident::new(name.to_string().replace('`', "")));
            Expr::Function(Function {
                name: ObjectName::from(vec![Ident::new(TABLE_ARG_FUNCTION)]),
                uses_odbc_syntax: false,
                parameters: FunctionArguments::None,
                args: FunctionArguments::List(FunctionArgumentList {
                    duplicate_treatment: None,
                    args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))],
                    clauses: vec![],
                }),
                within_group: vec![],
                filter: None,
                null_treatment: None,
                over: None,
            })
        }))
    }
}
