//! The command line: one subcommand per role, each flag with a Spark- or MinIO-style environment
//! variable, resolved into one [`config::Command`]. The flags of the roles' own sections are
//! defined with their settings in [`crate::config`]; this module adds each command's flags and
//! depends on nothing else, so no role ever sees a clap type of its own.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{
    self, AllConfig, DriverConfig, DriverServerConfig, HealthcheckConfig, LocalClusterOptions, MasterConfig, MasterUrl,
    SPARK_CONNECT_PORT, SqlShellConfig, StorageConfig, SubmitConfig, WorkerConfig,
};

/// A Spark-standalone-shaped cluster in one binary: master, workers, driver and S3 storage.
#[derive(Debug, Parser)]
#[command(name = "minispark", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More log output (-v: debug for minispark, -vv: debug for everything). RUST_LOG overrides.
    #[arg(long, short = 'v', action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the cluster coordinator: worker registry, heartbeats, scheduling (RPC 7077, UI 8080).
    Master(MasterConfig),
    /// Run a worker that executes tasks for the master at spark://HOST:PORT (UI 8081).
    Worker(WorkerArgs),
    /// Run the S3-compatible object store (S3 API 9000).
    Storage(StorageConfig),
    /// Run an application on the cluster and exit: a SQL job file, or a PySpark program (.py).
    Submit(SubmitArgs),
    /// Run an application driver that stays up: runs the given job files, then serves until stopped.
    Driver(DriverArgs),
    /// Run every role in one process (storage, master, workers, driver) and the example application.
    All(AllArgs),
    /// Open a SQL shell on the cluster (like spark-sql), or run -e SQL / -f FILE.
    Sql(SqlArgs),
    /// Check that a role answers (exit 0) or not (exit 1): the probe for container healthchecks.
    Healthcheck(HealthcheckConfig),
}

#[derive(Debug, Args)]
pub(crate) struct SqlArgs {
    #[command(flatten)]
    pub(crate) driver: DriverConfig,

    /// SQL statements to run, then exit.
    #[arg(short = 'e', long = "execute", conflicts_with = "file")]
    pub(crate) execute: Option<String>,

    /// A SQL file to run, then exit.
    #[arg(short = 'f', long = "file")]
    pub(crate) file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct WorkerArgs {
    /// The master to register with, e.g. spark://127.0.0.1:7077.
    #[arg(env = "SPARK_MASTER_URL", value_parser = MasterUrl::parse)]
    pub(crate) master: MasterUrl,

    #[command(flatten)]
    pub(crate) worker: WorkerConfig,
}

#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    #[command(flatten)]
    pub(crate) driver: DriverConfig,

    /// The application: a SQL job file (statements separated by semicolons) or a PySpark
    /// program (.py), which reaches the cluster through Spark Connect (SPARK_REMOTE is set for it).
    pub(crate) job: PathBuf,

    /// Arguments for a PySpark program.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub(crate) arguments: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DriverArgs {
    #[command(flatten)]
    pub(crate) driver: DriverConfig,

    /// SQL job files to run at start, in order.
    pub(crate) jobs: Vec<PathBuf>,

    /// Local directory to upload to s3://spark-data before the jobs run.
    #[arg(long, env = "SPARK_APP_DATA")]
    pub(crate) data: Option<PathBuf>,

    /// Port of the application UI; the next free one is taken if it is in use (Spark: spark.ui.port).
    #[arg(long, env = "SPARK_UI_PORT", default_value_t = 4040)]
    pub(crate) ui_port: u16,

    /// Address the application UI and Spark Connect listen on; 0.0.0.0 for every interface (containers).
    #[arg(long, env = "SPARK_LOCAL_IP", default_value = "127.0.0.1")]
    pub(crate) bind: String,

    /// Port of the Spark Connect server for PySpark clients (`sc://HOST:PORT`).
    #[arg(long, env = "SPARK_CONNECT_PORT", default_value_t = SPARK_CONNECT_PORT)]
    pub(crate) connect_port: u16,
}

#[derive(Debug, Args)]
pub(crate) struct AllArgs {
    /// The application to run once the cluster is up: a SQL job file or a PySpark program (.py).
    #[arg(default_value = "jobs/example.sql")]
    pub(crate) job: PathBuf,

    /// Exit after the application finishes instead of serving until Ctrl-C.
    #[arg(long)]
    pub(crate) exit: bool,

    /// Number of workers to start.
    #[arg(long, default_value_t = 3)]
    pub(crate) workers: usize,

    /// Task slots per worker.
    #[arg(long, default_value_t = 2)]
    pub(crate) cores: usize,

    /// Memory per worker, e.g. 1g.
    #[arg(long, default_value = "1g", value_parser = crate::config::parse_memory_mb)]
    pub(crate) memory: u64,

    /// Local directory uploaded to s3://spark-data before the application runs.
    #[arg(long, default_value = "data")]
    pub(crate) data: PathBuf,

    /// Directory where the storage role keeps buckets and objects.
    #[arg(long, env = "MINIO_VOLUMES", default_value = "storage")]
    pub(crate) storage_dir: PathBuf,

    /// Address the roles advertise to each other and print.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: String,

    /// Address the roles listen on, if not --host; 0.0.0.0 for every interface (containers).
    #[arg(long, env = "SPARK_LOCAL_IP")]
    pub(crate) bind: Option<String>,

    /// Master RPC port.
    #[arg(long, env = "SPARK_MASTER_PORT", default_value_t = 7077)]
    pub(crate) master_port: u16,

    /// Master web UI port.
    #[arg(long, env = "SPARK_MASTER_WEBUI_PORT", default_value_t = 8080)]
    pub(crate) master_webui_port: u16,

    /// Web UI port of the first worker; the others take the next ports (0: free ports).
    #[arg(long, env = "SPARK_WORKER_WEBUI_PORT", default_value_t = 8081)]
    pub(crate) worker_webui_port: u16,

    /// S3 API port of the storage role.
    #[arg(long, default_value_t = 9000)]
    pub(crate) storage_port: u16,

    /// Port of the storage console (MinIO's web console).
    #[arg(long, default_value_t = 9001)]
    pub(crate) console_port: u16,

    /// Port of the application UI; the next free one is taken if it is in use.
    #[arg(long, env = "SPARK_UI_PORT", default_value_t = 4040)]
    pub(crate) ui_port: u16,

    /// Port of the Spark Connect server for PySpark clients (`sc://HOST:PORT`).
    #[arg(long, env = "SPARK_CONNECT_PORT", default_value_t = SPARK_CONNECT_PORT)]
    pub(crate) connect_port: u16,

    /// Seconds without a heartbeat after which a worker is declared DEAD.
    #[arg(long, default_value_t = 10)]
    pub(crate) worker_timeout: u64,

    /// Root user of the storage role.
    #[arg(long, env = "MINIO_ROOT_USER", default_value = "minioadmin", hide_env_values = true)]
    pub(crate) root_user: String,

    /// Root password of the storage role.
    #[arg(long, env = "MINIO_ROOT_PASSWORD", default_value = "minioadmin", hide_env_values = true)]
    pub(crate) root_password: String,

    /// Show no progress lines while jobs run.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

impl Cli {
    /// What the command line asks for, every flag resolved.
    pub fn into_command(self) -> config::Command {
        match self.command {
            Command::Master(config) => config::Command::Master(config),
            Command::Worker(args) => config::Command::Worker { master: args.master, worker: args.worker },
            Command::Storage(config) => config::Command::Storage(config),
            Command::Submit(args) => config::Command::Submit(SubmitConfig {
                driver: args.driver,
                application: args.job,
                arguments: args.arguments,
            }),
            Command::Driver(args) => config::Command::Driver(DriverServerConfig {
                driver: args.driver,
                jobs: args.jobs,
                data: args.data,
                ui_port: args.ui_port,
                bind: args.bind,
                connect_port: args.connect_port,
            }),
            Command::All(args) => config::Command::All(args.into_config()),
            Command::Sql(args) => {
                config::Command::Sql(SqlShellConfig { driver: args.driver, execute: args.execute, file: args.file })
            }
            Command::Healthcheck(config) => config::Command::Healthcheck(config),
        }
    }
}

impl AllArgs {
    fn into_config(self) -> AllConfig {
        AllConfig {
            cluster: LocalClusterOptions {
                host: self.host,
                bind: self.bind,
                workers: self.workers,
                cores: self.cores,
                memory_mb: self.memory,
                master_port: self.master_port,
                master_webui_port: self.master_webui_port,
                worker_webui_port: self.worker_webui_port,
                storage_port: self.storage_port,
                console_port: self.console_port,
                storage_dir: self.storage_dir,
                root_user: self.root_user,
                root_password: self.root_password,
                worker_timeout_secs: self.worker_timeout,
            },
            application: self.job,
            exit: self.exit,
            data: self.data,
            ui_port: self.ui_port,
            connect_port: self.connect_port,
            quiet: self.quiet,
        }
    }
}
