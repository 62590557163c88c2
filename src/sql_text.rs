//! SQL text as DataFusion's parser reads it: job files and `minispark sql` input split into
//! statements, each with the line it starts on, and the tokens of a text with the bytes they came
//! from, for rewriting parts of it (Spark Connect's SQL parameters and typed literals).
//!
//! Splitting is done before parsing because DataFusion's parser reports positions relative to the
//! text it was given and drops the statement boundaries; splitting first lets each statement be
//! parsed, planned and reported on its own. The tokens come from sqlparser's tokenizer with the
//! dialect the text is later parsed with, so quotes, escapes and (nested) comments end exactly
//! where the parser says they do.
//!
//! Statements are planned here too, for both: [`plan_statement`] gives the parts of Spark SQL that
//! DataFusion plans differently or refuses their Spark meaning (views with column lists, temporary
//! views, Spark's `range` table function).
//!
//! Neither dialect used here (DataFusion's default `GenericDialect` for job files, `SparkSqlDialect`
//! for Spark Connect) treats a backslash in a string literal as an escape, as Spark does: sqlparser
//! 0.62 enables that only for MySQL-like dialects. The tokens follow the parser, not Spark, so
//! `'a\';b'` reads as the literal `'a\'`, a semicolon and an unclosed quote, and `'\'` is a whole
//! literal; splitting Spark's way would reject statements the parser accepts.

use std::ops::Range;
use std::sync::Arc;

use anyhow::{Result, bail};
use datafusion::common::plan_err;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{DdlStatement, Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::sql::parser;
use datafusion::sql::sqlparser::ast;
use datafusion::sql::sqlparser::dialect::{Dialect, GenericDialect};
use datafusion::sql::sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// The dialect job files are parsed with: the driver's sessions keep DataFusion's default.
const JOB_DIALECT: GenericDialect = GenericDialect {};

/// One statement of a job file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 1-based position of the statement in the file.
    pub(crate) number: usize,
    /// 1-based line where the statement's text starts.
    pub(crate) line: usize,
    pub sql: String,
}

impl Statement {
    /// Location for error messages, e.g. `jobs/example.sql:12 (statement 3)`.
    pub(crate) fn location(&self, file: &str) -> String {
        format!("{file}:{} (statement {})", self.line, self.number)
    }
}

/// Splits `text` at semicolons that are outside quotes and comments. Empty statements are dropped;
/// comments before and after a statement are not part of it, comments inside it are.
pub fn split_statements(text: &str) -> Result<Vec<Statement>> {
    scan(text).map(|(statements, _)| statements)
}

/// Whether someone typing `text` has not finished yet: its last statement lacks the semicolon,
/// or a quote or comment is still open.
pub(crate) fn needs_more_input(text: &str) -> bool {
    !matches!(scan(text), Ok((_, false)))
}

/// The statements, and whether the last one ran to the end of the text without a semicolon.
fn scan(text: &str) -> Result<(Vec<Statement>, bool)> {
    let tokens = tokenize(text, &JOB_DIALECT)?;
    let mut statements = Vec::new();
    for piece in tokens.split(|t| t.token == Token::SemiColon) {
        let mut meaningful = piece.iter().filter(|t| !t.is_blank());
        let Some(first) = meaningful.next() else { continue };
        let last = meaningful.next_back().unwrap_or(first);
        statements.push(Statement {
            number: statements.len() + 1,
            line: first.line,
            sql: text[first.bytes.start..last.bytes.end].to_string(),
        });
    }
    let unterminated = tokens.iter().rev().find(|t| !t.is_blank()).is_some_and(|t| t.token != Token::SemiColon);
    Ok((statements, unterminated))
}

/// A token of SQL text: what it is, the bytes of the text it was read from, and its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextToken {
    pub(crate) token: Token,
    pub(crate) bytes: Range<usize>,
    pub(crate) line: usize,
}

impl TextToken {
    /// Whitespace or a comment.
    pub(crate) fn is_blank(&self) -> bool {
        matches!(self.token, Token::Whitespace(_))
    }
}

/// The tokens of `text` as `dialect`'s parser reads them, whitespace and comments included, so the
/// tokens' bytes cover the whole text. Fails on a quote or comment that is never closed, naming the
/// line where it opens.
pub(crate) fn tokenize(text: &str, dialect: &dyn Dialect) -> Result<Vec<TextToken>> {
    let mut read = Vec::new();
    let outcome = Tokenizer::new(dialect, text).with_unescape(false).tokenize_with_location_into_buf(&mut read);
    // Each token's span ends where the next one starts; spans count characters, not bytes.
    let mut tokens = Vec::with_capacity(read.len());
    let mut start = 0;
    let mut at = Location { line: 1, column: 1 };
    for TokenWithSpan { token, span } in read {
        let end = start + byte_length(&text[start..], at, span.end);
        tokens.push(TextToken { token, bytes: start..end, line: at.line as usize });
        start = end;
        at = span.end;
    }
    if let Err(error) = outcome {
        // The token that cannot be read starts where the last one read ended.
        let rest = &text[start..];
        let line = at.line;
        if rest.starts_with("/*") {
            bail!("line {line}: a /* comment is never closed");
        }
        if let Some(quote @ ('\'' | '"' | '`')) = rest.chars().next() {
            bail!("line {line}: a {quote} quote is never closed");
        }
        bail!("line {line}: {}", error.message);
    }
    Ok(tokens)
}

/// Spark's table functions are found whatever the case of their name (`RANGE(5)`); DataFusion
/// looks them up as written when identifiers keep their case.
struct TableFunctionNames;

impl ast::VisitorMut for TableFunctionNames {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut ast::TableFactor) -> std::ops::ControlFlow<()> {
        if let ast::TableFactor::Table { name, args: Some(_), .. } = factor
            && let [ast::ObjectNamePart::Identifier(ident)] = name.0.as_mut_slice()
            && ident.quote_style.is_none()
        {
            ident.value = ident.value.to_lowercase();
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// Plans one parsed statement in `state` as Spark means it where DataFusion's meaning differs:
///
/// - `range(...)` in FROM is Spark's table function, with its column `id`
///   ([`crate::compat::SparkRangeFunction`]);
/// - `CREATE [OR REPLACE] TEMP[ORARY] VIEW` makes a view of the session, as a plain `CREATE VIEW`
///   does (a session's views are the only ones minispark has; DataFusion 55 refuses TEMPORARY);
/// - a view's column list (`CREATE TEMP VIEW revenue0 (supplier_no, total_revenue) AS ...`, as in
///   TPC-H q15) renames the query's columns in order, with Spark's errors when the counts differ;
///   column comments are accepted and dropped;
/// - table functions are found whatever the case of their name ([`TableFunctionNames`]).
pub(crate) async fn plan_statement(
    state: &SessionState,
    mut statement: parser::Statement,
) -> datafusion::common::Result<LogicalPlan> {
    if let parser::Statement::Statement(inner) = &mut statement {
        let _ = ast::VisitMut::visit(inner.as_mut(), &mut TableFunctionNames);
    }
    let view_columns = match &mut statement {
        parser::Statement::Statement(inner) => match inner.as_mut() {
            ast::Statement::CreateView(view) => {
                view.temporary = false;
                std::mem::take(&mut view.columns)
            }
            _ => vec![],
        },
        _ => vec![],
    };
    let mut state = state.clone();
    state.register_udtf("range", Arc::new(crate::compat::SparkRangeFunction));
    let plan = state.statement_to_plan(statement).await?;
    if view_columns.is_empty() {
        return Ok(plan);
    }
    let normalize = state.config().options().sql_parser.enable_ident_normalization;
    let names: Vec<String> = view_columns
        .into_iter()
        .map(|column| match column.name.quote_style {
            None if normalize => column.name.value.to_lowercase(),
            _ => column.name.value,
        })
        .collect();
    name_view_columns(plan, &names)
}

/// A CREATE VIEW `plan` whose query's columns are renamed to `names`, in order.
fn name_view_columns(plan: LogicalPlan, names: &[String]) -> datafusion::common::Result<LogicalPlan> {
    let LogicalPlan::Ddl(DdlStatement::CreateView(mut view)) = plan else { return Ok(plan) };
    for (i, name) in names.iter().enumerate() {
        if names[..i].iter().any(|earlier| earlier.eq_ignore_ascii_case(name)) {
            return plan_err!(
                "[COLUMN_ALREADY_EXISTS] The column `{name}` already exists. Choose another name or rename the \
                 existing column."
            );
        }
    }
    let data_columns = view.input.schema().columns();
    if data_columns.len() != names.len() {
        let (kind, reason) = if data_columns.len() > names.len() {
            ("TOO_MANY_DATA_COLUMNS", "too many data columns")
        } else {
            ("NOT_ENOUGH_DATA_COLUMNS", "not enough data columns")
        };
        let quoted = |items: Vec<&str>| items.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        return plan_err!(
            "[CREATE_VIEW_COLUMN_ARITY_MISMATCH.{kind}] Cannot create view `{}`, the reason is {reason}:\n\
             View columns: {}.\nData columns: {}.",
            view.name,
            quoted(names.iter().map(String::as_str).collect()),
            quoted(data_columns.iter().map(|c| c.name.as_str()).collect())
        );
    }
    let renamed = data_columns.into_iter().zip(names).map(|(column, name)| Expr::Column(column).alias(name));
    view.input = Arc::new(LogicalPlanBuilder::from(Arc::unwrap_or_clone(view.input)).project(renamed)?.build()?);
    Ok(LogicalPlan::Ddl(DdlStatement::CreateView(view)))
}

/// The length in bytes of the start of `text` (which starts at `from`) that ends at `to`, counting
/// lines and columns as the tokenizer does.
fn byte_length(text: &str, mut from: Location, to: Location) -> usize {
    for (index, c) in text.char_indices() {
        if from == to {
            return index;
        }
        if c == '\n' {
            from.line += 1;
            from.column = 1;
        } else {
            from.column += 1;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use datafusion::sql::sqlparser::parser::Parser;

    use super::*;

    #[test]
    fn splits_at_top_level_semicolons_and_tracks_lines() {
        let text = "-- header; not a split\nSELECT 1;\n\n/* a; b\n */ SELECT ';' AS x,\n  \"a;b\" FROM t;\nSELECT 'it''s; fine'";
        let statements = split_statements(text).unwrap();
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0], Statement { number: 1, line: 2, sql: "SELECT 1".into() });
        assert_eq!(statements[1].line, 5);
        assert_eq!(statements[1].sql, "SELECT ';' AS x,\n  \"a;b\" FROM t");
        assert_eq!(statements[2].number, 3);
        assert_eq!(statements[2].line, 7);
        assert_eq!(statements[2].sql, "SELECT 'it''s; fine'");
    }

    #[test]
    fn ignores_empty_statements_and_trailing_comments() {
        let statements = split_statements(";;\n SELECT 2 ; -- done\n").unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].line, 2);
        assert!(split_statements("-- nothing\n").unwrap().is_empty());
    }

    #[test]
    fn knows_when_a_typed_statement_is_unfinished() {
        assert!(needs_more_input("SELECT 1"));
        assert!(needs_more_input("SELECT 1;\nSELECT 'a;"));
        assert!(needs_more_input("SELECT 1 /* still;"));
        assert!(!needs_more_input("SELECT 1;"));
        assert!(!needs_more_input("SELECT 1; -- done\n"));
        assert!(!needs_more_input("  "));
    }

    #[test]
    fn unclosed_quotes_and_comments_are_errors() {
        assert!(split_statements("SELECT 'abc").unwrap_err().to_string().contains("line 1"));
        assert!(split_statements("SELECT 1;\n/* open").unwrap_err().to_string().contains("never closed"));
        assert_eq!(
            split_statements("SELECT 1;\n\nSELECT /* a /* b */ c;\n").unwrap_err().to_string(),
            "line 3: a /* comment is never closed"
        );
        assert_eq!(split_statements("SELECT\n`a").unwrap_err().to_string(), "line 2: a ` quote is never closed");
    }

    #[test]
    fn comments_nest_and_line_comments_hide_semicolons() {
        let statements =
            split_statements("SELECT /* outer /* inner; */ still; */ 1;\nSELECT 2 -- a; b\n + 1;").unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0].sql, "SELECT /* outer /* inner; */ still; */ 1");
        assert_eq!(statements[1], Statement { number: 2, line: 2, sql: "SELECT 2 -- a; b\n + 1".into() });
    }

    #[test]
    fn statements_are_cut_at_characters_not_bytes() {
        let statements = split_statements("SELECT 'é';\n\n /* ü */ SELECT 'ü' AS \"ß\"").unwrap();
        assert_eq!(statements[0].sql, "SELECT 'é'");
        assert_eq!(statements[1], Statement { number: 2, line: 3, sql: "SELECT 'ü' AS \"ß\"".into() });
    }

    #[test]
    fn backslashes_end_strings_as_the_parser_reads_them() {
        // Spark reads 'a\';b' as one literal; DataFusion's dialects (as of sqlparser 0.62) read
        // the literal 'a\' and then an unclosed quote, and so does the split.
        let parsed = |text: &str| Parser::parse_sql(&JOB_DIALECT, text).map(|statements| statements.len()).ok();
        let split = |text: &str| split_statements(text).map(|statements| statements.len()).ok();
        for text in [
            r"SELECT 'a\';b'",
            r"SELECT replace(p, '\', '/') FROM t; SELECT 2",
            r"SELECT 'a\', 'b'",
            "SELECT 'it''s; fine'; SELECT \"a\"\"b;\" FROM t",
            "SELECT /* /* */ */ 1; SELECT 2 /* /* */",
            "SELECT 1 -- ; \n; SELECT 2",
        ] {
            assert_eq!(split(text), parsed(text), "{text}");
        }
        assert_eq!(split(r"SELECT replace(p, '\', '/') FROM t; SELECT 2"), Some(2));
        assert!(split_statements(r"SELECT 'a\';c'").unwrap_err().to_string().contains("' quote is never closed"));
        // Here b' opens a byte string literal, which the tokenizer names itself.
        assert_eq!(split_statements(r"SELECT 'a\';b'").unwrap_err().to_string(), "line 1: Unterminated string literal");
    }

    #[test]
    fn open_quotes_and_nested_comments_wait_for_more_input() {
        assert!(needs_more_input("SELECT /* a /* b */ still open;"));
        assert!(!needs_more_input("SELECT /* a /* b */ c */ 1;"));
        assert!(needs_more_input("SELECT 'it'';"));
        assert!(needs_more_input("SELECT 1 -- ;"));
        assert!(needs_more_input("SELECT 1; SELECT 2 -- ;\n"));
        assert!(!needs_more_input("SELECT 'a\\'; -- backslash ends nothing\n"));
    }

    #[test]
    fn job_files_use_the_dialect_the_driver_parses_with() {
        let config = ballista_core::object_store::session_config_with_s3_support();
        assert_eq!(config.options().sql_parser.dialect, datafusion::common::config::Dialect::Generic);
    }
}
