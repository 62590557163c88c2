//! SQL job files: splitting a file into statements while remembering where each one starts, so an
//! error can name the statement and its line.
//!
//! The split is done by hand (about forty lines) because DataFusion's parser reports positions
//! relative to the text it was given and drops the statement boundaries; splitting first lets each
//! statement be parsed, planned and reported on its own.

use anyhow::{Result, bail};

/// One statement of a job file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 1-based position of the statement in the file.
    pub number: usize,
    /// 1-based line where the statement's text starts.
    pub line: usize,
    pub sql: String,
}

impl Statement {
    /// Location for error messages, e.g. `jobs/example.sql:12 (statement 3)`.
    pub fn location(&self, file: &str) -> String {
        format!("{file}:{} (statement {})", self.line, self.number)
    }
}

/// Splits `text` at semicolons that are outside quotes and comments. Empty statements are dropped.
pub fn split_statements(text: &str) -> Result<Vec<Statement>> {
    scan(text).map(|(statements, _)| statements)
}

/// Whether someone typing `text` has not finished yet: its last statement lacks the semicolon,
/// or a quote or comment is still open.
pub fn needs_more_input(text: &str) -> bool {
    !matches!(scan(text), Ok((_, false)))
}

/// The statements, and whether the last one ran to the end of the text without a semicolon.
fn scan(text: &str) -> Result<(Vec<Statement>, bool)> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut start_line = None;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let mut push = |sql: &mut String, start: &mut Option<usize>| {
        if let Some(start_line) = start.take() {
            statements.push(Statement { number: statements.len() + 1, line: start_line, sql: sql.trim().to_string() });
        }
        sql.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                // Line comment: skip to the end of the line, keeping the newline for line counting.
                while chars.peek().is_some_and(|&n| n != '\n') {
                    chars.next();
                }
                continue;
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut closed = false;
                while let Some(n) = chars.next() {
                    if n == '\n' {
                        line += 1;
                    } else if n == '*' && chars.peek() == Some(&'/') {
                        chars.next();
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    bail!("line {line}: a /* comment is never closed");
                }
                current.push(' ');
                continue;
            }
            ';' => {
                push(&mut current, &mut start_line);
                continue;
            }
            '\'' | '"' | '`' => {
                start_line.get_or_insert(line);
                let opened_at = line;
                current.push(c);
                let mut closed = false;
                while let Some(n) = chars.next() {
                    current.push(n);
                    if n == '\n' {
                        line += 1;
                    }
                    if n == c {
                        // A doubled quote is an escaped quote inside the literal.
                        if chars.peek() == Some(&c) {
                            current.push(chars.next().unwrap_or(c));
                            continue;
                        }
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    bail!("line {opened_at}: a {c} quote is never closed");
                }
                continue;
            }
            '\n' => line += 1,
            c if !c.is_whitespace() => {
                start_line.get_or_insert(line);
            }
            _ => {}
        }
        current.push(c);
    }
    let unterminated = start_line.is_some();
    push(&mut current, &mut start_line);
    Ok((statements, unterminated))
}

#[cfg(test)]
mod tests {
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
    }
}
