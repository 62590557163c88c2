//! The golden-file suite: SQL queries whose expected results come from real Spark.
//!
//! tests/golden/cases/*.sql hold the queries (a `-- name: NAME` line, then the query ending in
//! `;`); scripts/golden.sh ran each on Spark (local mode, session time zone UTC, ANSI mode) and
//! wrote to tests/golden/expected/*.json its schema (`df.schema.simpleString()`) and the text of
//! `df.show(truncate=False)`, or the error condition it raised. Here every case goes, as PySpark
//! sends it, as a `Sql` relation through the Spark Connect handlers into a [`LocalEngine`]: the
//! schema from AnalyzePlan, the text from a ShowString relation, compared byte for byte; an error
//! case passes when our error's message names Spark's condition.
//!
//! tests/golden/pending.txt lists the cases minispark gets wrong today (`file:case  reason`), our
//! work list; tests/golden/differences.txt the ones where it differs from Spark on purpose, with
//! why. The test fails when a case outside both lists differs, and when a pending case matches
//! (its line must go, so the list stays honest). `GOLDEN_WRITE_PENDING=1` rewrites pending.txt
//! from this run instead; `GOLDEN_SHOW=file:case` (a prefix) prints both sides of those cases.
//!
//! [`LocalEngine`]: super::engine::LocalEngine

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::tests::{LocalClient, sql};

/// The line that starts a case in a case file, followed by its name.
const NAME_PREFIX: &str = "-- name:";
/// Rows `show()` prints by default, as the goldens were taken.
const SHOW_ROWS: i32 = 20;
/// Longest a reason in pending.txt gets.
const REASON_CHARS: usize = 160;

#[derive(Debug, Deserialize)]
struct ExpectedFile {
    file: String,
    cases: Vec<ExpectedCase>,
}

/// What Spark answered to one case: a schema and show() text, or an error condition.
#[derive(Debug, Clone, Deserialize)]
struct ExpectedCase {
    name: String,
    query: String,
    schema: Option<String>,
    /// The show() text split at its newlines.
    show: Option<Vec<String>>,
    error: Option<String>,
}

struct Case {
    /// `file:name`, with the case file's name without `.sql`.
    id: String,
    expected: ExpectedCase,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

/// (name, query) of each case of a case file, read as scripts/golden.py reads it: a case is its
/// name line and the lines up to the next one, other `--` lines are comments, and the query is
/// the rest, trimmed, without its final `;`.
fn parse_case_file(text: &str) -> Vec<(String, String)> {
    let mut cases: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix(NAME_PREFIX) {
            cases.push((name.trim().to_string(), Vec::new()));
        } else if let Some((_, lines)) = cases.last_mut()
            && !trimmed.starts_with("--")
        {
            lines.push(line);
        }
    }
    cases
        .into_iter()
        .map(|(name, lines)| {
            let query = lines.join("\n");
            let query = query.trim();
            (name, query.strip_suffix(';').unwrap_or(query).trim_end().to_string())
        })
        .collect()
}

/// Every case of the expected files, after checking they were generated from the case files as
/// they are now.
fn load_cases() -> Vec<Case> {
    let dir = golden_dir();
    let mut sql_files: Vec<PathBuf> = std::fs::read_dir(dir.join("cases"))
        .expect("tests/golden/cases")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    sql_files.sort();
    assert!(!sql_files.is_empty(), "no case files in tests/golden/cases");
    let mut cases = Vec::new();
    for sql_file in sql_files {
        let stem = sql_file.file_stem().unwrap().to_string_lossy().to_string();
        let json_file = dir.join("expected").join(format!("{stem}.json"));
        let stale =
            format!("{} is not up to date with {stem}.sql: run scripts/golden.sh {stem}.sql", json_file.display());
        let text = std::fs::read_to_string(&json_file).unwrap_or_else(|_| panic!("{stale}"));
        let expected: ExpectedFile =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", json_file.display()));
        let wanted = parse_case_file(&std::fs::read_to_string(&sql_file).unwrap());
        let generated: Vec<(String, String)> =
            expected.cases.iter().map(|c| (c.name.clone(), c.query.clone())).collect();
        assert_eq!(generated, wanted, "{stale}");
        assert_eq!(expected.file, format!("{stem}.sql"), "{stale}");
        cases.extend(expected.cases.into_iter().map(|c| Case { id: format!("{stem}:{}", c.name), expected: c }));
    }
    cases
}

/// `file:case  reason` lines of a list file, comments (`#`) and blank lines skipped.
fn read_list(name: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(golden_dir().join(name)).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once(char::is_whitespace) {
            Some((id, reason)) => (id.to_string(), reason.trim().to_string()),
            None => (line.to_string(), String::new()),
        })
        .collect()
}

/// One line of at most [`REASON_CHARS`] characters, the same from run to run: without
/// DataFusion's "Did you mean 'x'?", whose guess among equally close names varies.
fn one_line(text: &str) -> String {
    let mut flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    while let Some(start) = flat.find(" Did you mean '")
        && let Some(length) = flat[start..].find("'?")
    {
        flat.replace_range(start..start + length + 2, "");
    }
    if flat.chars().count() > REASON_CHARS {
        format!("{}...", flat.chars().take(REASON_CHARS - 3).collect::<String>())
    } else {
        flat
    }
}

/// What we answered to a case.
#[derive(Debug)]
enum Answer {
    Table { schema: String, show: String },
    Error(String),
}

async fn answer(query: &str) -> Answer {
    let client = LocalClient::new();
    let show = match client.show(sql(query), SHOW_ROWS).await {
        Ok(show) => show,
        Err(message) => return Answer::Error(message),
    };
    match client.schema_string(sql(query)).await {
        Ok(schema) => Answer::Table { schema, show },
        Err(message) => Answer::Error(format!("schema: {message}")),
    }
}

/// Runs a case in a task of its own, so that a panic or a hang in one is that case's failure.
async fn run(query: String) -> Answer {
    let task = tokio::spawn(async move { answer(&query).await });
    match tokio::time::timeout(Duration::from_secs(60), task).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(join_error)) => {
            let panic = join_error.try_into_panic().ok();
            let message = panic
                .as_ref()
                .and_then(|p| {
                    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_default();
            Answer::Error(format!("panics: {message}"))
        }
        Err(_) => Answer::Error("no answer within 60 s".into()),
    }
}

/// Why `answer` is not Spark's `expected`, or None when it is.
fn difference(expected: &ExpectedCase, answer: &Answer) -> Option<String> {
    match (&expected.error, answer) {
        (Some(condition), Answer::Error(message)) if message.contains(condition.as_str()) => None,
        (Some(condition), Answer::Error(message)) => Some(one_line(&format!("error without {condition}: {message}"))),
        (Some(condition), Answer::Table { .. }) => Some(format!("no error, Spark raises {condition}")),
        (None, Answer::Error(message)) => Some(one_line(&format!("error: {message}"))),
        (None, Answer::Table { schema, show }) => {
            let expected_schema = expected.schema.as_deref().unwrap_or_default();
            if schema != expected_schema {
                return Some(one_line(&format!("schema {schema}, Spark {expected_schema}")));
            }
            let expected_show = expected.show.as_ref().map(|lines| lines.join("\n")).unwrap_or_default();
            (*show != expected_show).then(|| show_difference(show, &expected_show))
        }
    }
}

/// The first line where two show() texts differ in content, ignoring padding (a wider cell
/// pads every line of its column), else the first line that differs at all.
fn show_difference(ours: &str, spark: &str) -> String {
    let ours_lines: Vec<&str> = ours.split('\n').collect();
    let spark_lines: Vec<&str> = spark.split('\n').collect();
    // A rule's dashes follow the widths, so rules count as equal here.
    let cells = |line: Option<&&str>| {
        line.map(|l| if l.starts_with('+') { Vec::new() } else { l.split('|').map(|c| c.trim().to_string()).collect() })
    };
    let line_count = ours_lines.len().max(spark_lines.len());
    let first = (0..line_count)
        .find(|&i| cells(ours_lines.get(i)) != cells(spark_lines.get(i)))
        .or_else(|| (0..line_count).find(|&i| ours_lines.get(i) != spark_lines.get(i)))
        .unwrap_or(0);
    let what = match first {
        1 => "header".to_string(),
        i if i >= 3 => format!("row {}", i - 2),
        _ => "rule".to_string(),
    };
    // Cells keep their padding: a width can be the difference.
    let cut = |line: Option<&&str>| line.map_or("(none)".to_string(), |l| l.chars().take(70).collect());
    format!("show {what}: `{}`, Spark `{}`", cut(ours_lines.get(first)), cut(spark_lines.get(first)))
}

fn write_pending(mismatches: &[(String, String)]) {
    let mut text = String::from(
        "# Golden cases (tests/golden/cases) where minispark does not answer as Spark 4.3 does yet:\n\
         # `file:case  reason`. Written by `GOLDEN_WRITE_PENDING=1 cargo test --release --lib golden`;\n\
         # src/connect/golden.rs fails when a case listed here matches (remove its line).\n",
    );
    for (id, reason) in mismatches {
        text.push_str(&format!("{id}  {reason}\n"));
    }
    std::fs::write(golden_dir().join("pending.txt"), text).expect("write tests/golden/pending.txt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_cases_answer_as_spark_does() {
    let cases = load_cases();
    let pending = read_list("pending.txt");
    let differences = read_list("differences.txt");
    let known: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let mut problems: Vec<String> = pending
        .keys()
        .chain(differences.keys())
        .filter(|id| !known.contains(id.as_str()))
        .map(|id| format!("{id}: listed in pending.txt or differences.txt, but there is no such case"))
        .collect();
    let show_prefix = std::env::var("GOLDEN_SHOW").ok();
    let (mut matched, mut mismatches) = (0, Vec::new());
    for case in cases.iter().filter(|c| !differences.contains_key(&c.id)) {
        let answer = run(case.expected.query.clone()).await;
        let difference = difference(&case.expected, &answer);
        if show_prefix.as_deref().is_some_and(|prefix| case.id.starts_with(prefix)) {
            println!("== {}\n{}\nSpark: {:#?}\nours: {answer:#?}\n", case.id, case.expected.query, case.expected);
        }
        match (difference, pending.contains_key(&case.id)) {
            (None, false) => matched += 1,
            (None, true) => problems.push(format!("{}: matches Spark now, remove it from pending.txt", case.id)),
            (Some(reason), true) => mismatches.push((case.id.clone(), reason)),
            (Some(reason), false) => {
                problems.push(format!("{}: {reason}", case.id));
                mismatches.push((case.id.clone(), reason));
            }
        }
    }
    let summary =
        format!("golden: {matched} match, {} pending, {} differ on purpose", mismatches.len(), differences.len());
    println!("{summary}");
    if std::env::var_os("GOLDEN_WRITE_PENDING").is_some() {
        write_pending(&mismatches);
        println!("golden: wrote tests/golden/pending.txt ({} cases)", mismatches.len());
        return;
    }
    assert!(
        problems.is_empty(),
        "{summary}; {} problems (GOLDEN_WRITE_PENDING=1 rewrites pending.txt):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn case_files_split_into_named_queries() {
    let text = "-- what the file covers\n\n-- name: one\nSELECT 1;\n\n-- name: two\n-- a comment\nSELECT\n  2 AS b;\n";
    let cases = parse_case_file(text);
    assert_eq!(
        cases,
        [("one".to_string(), "SELECT 1".to_string()), ("two".to_string(), "SELECT\n  2 AS b".to_string())]
    );
}

#[test]
fn reasons_are_one_stable_line() {
    assert_eq!(one_line("Invalid function 'typeof'. Did you mean 'upper'?\n at x"), "Invalid function 'typeof'. at x");
    assert_eq!(one_line(&"x".repeat(200)).chars().count(), REASON_CHARS);
}

#[test]
fn show_differences_name_the_first_differing_row() {
    let spark = "+---+----+\n|a  |b   |\n+---+----+\n|1.0|x   |\n|2.0|NULL|\n+---+----+\n";
    let ours = "+---+-----+\n|a  |b    |\n+---+-----+\n|1.0|x    |\n|2.0|wrong|\n+---+-----+\n";
    assert_eq!(show_difference(ours, spark), "show row 2: `|2.0|wrong|`, Spark `|2.0|NULL|`");
    assert_eq!(show_difference("+---+\n|a  |", "+---+\n|a|"), "show header: `|a  |`, Spark `|a|`");
}
