//! Log setup: `tracing` to stderr, filtered by `RUST_LOG` or by the `-v` count.
//!
//! Ballista and DataFusion log every task at INFO; a user running a job wants minispark's own lines
//! and warnings, so the default keeps the engine at WARN.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

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
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
