//! `minispark`: parses the command line and starts the requested role. Everything else lives in the
//! role modules; this file only dispatches.

use std::process::ExitCode;

use clap::Parser;
use minispark::cli::Cli;
use minispark::config::Command;

fn main() -> ExitCode {
    if let Err(err) = minispark::config::load_secret_files() {
        eprintln!("minispark: error: {err:#}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    minispark::logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("minispark: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.into_command() {
            Command::Master(config) => minispark::master::run(config).await,
            Command::Worker { master, worker } => minispark::worker::run(master, worker).await,
            Command::Storage(config) => minispark::storage::run(config).await,
            Command::Submit(config) => minispark::launch::submit(config).await,
            Command::Driver(config) => minispark::launch::serve_driver(config).await,
            Command::All(config) => minispark::all::run(config).await,
            Command::Sql(config) => minispark::driver::shell::run(config).await,
            Command::Healthcheck(config) => minispark::healthcheck::run(config).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("minispark: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
