//! `minispark sql`: the SQL shell on the cluster, as `spark-sql` is for Spark. `-e` runs a string,
//! `-f` a file; otherwise statements are read from standard input as they are typed and each one
//! runs once its semicolon arrives. It is also what `docker-distributed-utils.sh shell` opens,
//! since the FROM-scratch image has no other shell.
//!
//! Lines are read as the terminal hands them over (its own line editing: backspace, Ctrl-U). A
//! readline crate would add history, but the one worth having (rustyline) changes libc's features
//! and with them the build of every dependency: 40 minutes of rebuild on 2 cores.

use std::io::{IsTerminal, Write};

use anyhow::{Result, bail};

use super::{Driver, print_results};
use crate::config::SqlShellConfig;
use crate::sql_text::{needs_more_input, split_statements};

/// `minispark sql`.
pub async fn run(config: SqlShellConfig) -> Result<()> {
    let name = config.driver.name.clone().unwrap_or_else(|| "minispark-sql".into());
    let driver = Driver::connect(&config.driver, &name).await?;
    let result = match (&config.execute, &config.file) {
        (Some(sql), _) => match driver.run_sql(sql, "-e").await {
            Ok(results) => print_results(&results),
            Err(err) => Err(err),
        },
        (None, Some(file)) => driver.run_and_print(file).await.map(drop),
        (None, None) => read_and_run(&driver).await,
    };
    driver.finish(result.is_ok()).await;
    result
}

/// Runs statements as they are completed on standard input. A failed statement is reported and
/// the shell goes on; piped input then ends with an error status.
async fn read_and_run(driver: &Driver) -> Result<()> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!(
            "minispark SQL on {} (application {}). End statements with ';'; quit with Ctrl-D or 'quit;'.",
            driver.master(),
            driver.app.id
        );
    }
    let mut typed = String::new();
    let mut failed = 0;
    loop {
        if interactive {
            eprint!("{}", if typed.trim().is_empty() { "minispark> " } else { "        -> " });
            let _ = std::io::stderr().flush();
        }
        // Reading blocks; block_in_place lets the runtime move other work off this thread meanwhile.
        let Some(line) = tokio::task::block_in_place(read_line)? else { break };
        if typed.trim().is_empty() && matches!(line.trim().trim_end_matches(';').trim(), "quit" | "exit") {
            break;
        }
        typed.push_str(&line);
        typed.push('\n');
        if !needs_more_input(&typed) && !run_typed(driver, &std::mem::take(&mut typed)).await {
            failed += 1;
        }
    }
    // Piped input may end without a last semicolon.
    if !typed.trim().is_empty() && !run_typed(driver, &typed).await {
        failed += 1;
    }
    if failed > 0 && !interactive {
        bail!("{failed} statement(s) failed");
    }
    Ok(())
}

/// Runs what was typed; false if it failed (the error is printed).
async fn run_typed(driver: &Driver, typed: &str) -> bool {
    if split_statements(typed).is_ok_and(|statements| statements.is_empty()) {
        return true;
    }
    match driver.run_sql(typed, "<stdin>").await.and_then(|results| print_results(&results)) {
        Ok(()) => true,
        Err(err) => {
            eprintln!("error: {err:#}");
            false
        }
    }
}

/// The next line of standard input, without its line ending; None at the end.
fn read_line() -> Result<Option<String>> {
    let mut line = String::new();
    Ok(match std::io::stdin().read_line(&mut line)? {
        0 => None,
        _ => Some(line.trim_end_matches(['\n', '\r']).to_string()),
    })
}
