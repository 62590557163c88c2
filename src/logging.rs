//! Log setup: `tracing` to stderr, filtered by `RUST_LOG` or by the `-v` count, with the last lines
//! also kept in memory for the worker's web UI (Spark's worker page shows its log).
//!
//! Ballista and DataFusion log every task at INFO; a user running a job wants minispark's own lines
//! and warnings, so the default keeps the engine at WARN.

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// How many log lines the process keeps for its web UI.
const TAIL_LINES: usize = 500;

static TAIL: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

pub fn init(verbose: u8) {
    // s3s reports every refused client request (a bad signature, a missing key) as an ERROR; those
    // are the client's problem and are answered with S3 error codes, so they stay quiet by default.
    let default = match verbose {
        0 => "warn,s3s=off,minispark=info",
        1 => "info,minispark=debug",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A test process may call this more than once; the first subscriber wins.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(TeeToTail)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// The last lines this process logged, oldest first, without terminal colours.
pub(crate) fn tail() -> Vec<String> {
    TAIL.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().cloned().collect()
}

/// Writes each log record to stderr and keeps a copy of its lines.
struct TeeToTail;

impl<'a> MakeWriter<'a> for TeeToTail {
    type Writer = TeeToTail;

    fn make_writer(&'a self) -> Self::Writer {
        TeeToTail
    }
}

impl Write for TeeToTail {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut tail = TAIL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(without_colours(line));
        }
        drop(tail);
        std::io::stderr().write_all(buf).map(|()| buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Drops ANSI escape sequences (`ESC [ … letter`).
fn without_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_dropped_from_kept_lines() {
        assert_eq!(without_colours("\x1b[2m2026\x1b[0m \x1b[32m INFO\x1b[0m worker up"), "2026  INFO worker up");
    }
}
