//! Log setup: `tracing` to stderr, filtered by `RUST_LOG` or by the `-v` count.
//!
//! Ballista and DataFusion log every task at INFO; a user running a job wants minispark's own lines
//! and warnings, so the default keeps the engine at WARN.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn,minispark=info",
        1 => "info,minispark=debug",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A test process may call this more than once; the first subscriber wins.
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}
