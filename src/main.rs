//! `minispark`: parses the command line and starts the requested role. Everything else lives in the
//! role modules; this file only dispatches.

use std::process::ExitCode;

use clap::Parser;
use minispark::cli::{Cli, Command};

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
        match cli.command {
            Command::Master(args) => minispark::master::run(args).await,
            Command::Worker(args) => minispark::worker::run(args).await,
            Command::Storage(args) => minispark::storage::run(args).await,
            Command::Submit(args) => minispark::driver::submit(args).await,
            Command::Driver(args) => minispark::driver::serve(args).await,
            Command::All(args) => minispark::all::run(args).await,
            Command::Sql(args) => minispark::driver::shell::run(args).await,
            Command::Healthcheck(args) => minispark::healthcheck::run(args).await,
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
