//! Configuration shared by every role.
//!
//! Each role reads its own section ([`MasterConfig`], [`WorkerConfig`], [`StorageConfig`],
//! [`DriverConfig`]); `minispark all` fills all of them. The clap definitions of those sections
//! live here too, so a flag, its environment variable (Spark's and MinIO's names) and the value a
//! role sees are defined in one place; `cli` adds the flags of each command and resolves them into
//! one [`Command`]. Port 0 means "any free port" everywhere, which is what the tests use.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

/// `minispark master`: the cluster coordinator (Ballista scheduler) and its web UI.
#[derive(Debug, Clone, Args)]
pub struct MasterConfig {
    /// Host name or address the master advertises to workers and drivers (`spark://HOST:PORT`).
    #[arg(long, env = "SPARK_MASTER_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Address to listen on, if not the --host address; 0.0.0.0 listens on every interface (containers).
    #[arg(long, env = "SPARK_LOCAL_IP")]
    pub bind: Option<String>,

    /// Port for the master's RPC service (`spark://HOST:PORT`).
    #[arg(long, env = "SPARK_MASTER_PORT", default_value_t = 7077)]
    pub port: u16,

    /// Port for the master's web UI and its `/json/` endpoint.
    #[arg(long, env = "SPARK_MASTER_WEBUI_PORT", default_value_t = 8080)]
    pub webui_port: u16,

    /// Seconds without a heartbeat after which a worker is declared DEAD (Spark: spark.worker.timeout).
    #[arg(long, env = "SPARK_WORKER_TIMEOUT", default_value_t = 10)]
    pub worker_timeout: u64,

    /// URL of the storage console as a browser reaches it; every web UI of the cluster links to it.
    #[arg(long, env = "MINISPARK_CONSOLE_URL")]
    pub console_url: Option<String>,
}

/// `minispark worker`: one executor of tasks (a Ballista executor) with `--cores` task slots.
#[derive(Debug, Clone, Args)]
pub struct WorkerConfig {
    /// Number of tasks this worker runs at once.
    #[arg(long, short = 'c', env = "SPARK_WORKER_CORES", default_value_t = default_cores())]
    pub cores: usize,

    /// Memory this worker offers to tasks, e.g. 1g, 512m.
    #[arg(long, short = 'm', env = "SPARK_WORKER_MEMORY", default_value = "1g", value_parser = parse_memory_mb)]
    pub memory: u64,

    /// Host name or address the worker advertises to the master and other workers (default: the
    /// --bind address; with 0.0.0.0, the address this machine reaches the master from).
    #[arg(long, env = "SPARK_WORKER_HOST")]
    pub host: Option<String>,

    /// Address to listen on (default: the --host address, else 127.0.0.1); 0.0.0.0 listens on
    /// every interface, as a worker in a container must.
    #[arg(long, env = "SPARK_LOCAL_IP")]
    pub bind: Option<String>,

    /// Port for shuffle and result transfer (Arrow Flight); 0 picks a free port.
    #[arg(long, env = "SPARK_WORKER_PORT", default_value_t = 0)]
    pub port: u16,

    /// Port for the worker's web UI and `/json/`.
    #[arg(long, env = "SPARK_WORKER_WEBUI_PORT", default_value_t = 8081)]
    pub webui_port: u16,

    /// Directory for shuffle files and scratch space (default: a fresh temporary directory).
    #[arg(long, short = 'd', env = "SPARK_WORKER_DIR")]
    pub work_dir: Option<PathBuf>,

    /// Seconds between heartbeats to the master.
    #[arg(long, env = "SPARK_WORKER_HEARTBEAT", default_value_t = 2)]
    pub heartbeat_interval: u64,
}

/// Defaults of [`StorageConfig`], shared by its flags and [`StorageConfig::new`].
const DEFAULT_BUCKETS: &str = "spark-data,spark-output";
const STALE_UPLOADS_EXPIRY: &str = "24h";
const STALE_UPLOADS_CLEANUP_INTERVAL: &str = "6h";

/// `minispark storage`: the embedded S3-compatible store.
#[derive(Debug, Clone, Args)]
pub struct StorageConfig {
    /// Address of the S3 API, as `HOST:PORT` or `:PORT` (all interfaces).
    #[arg(long, env = "MINIO_ADDRESS", default_value = ":9000", value_parser = parse_listen_address)]
    pub address: SocketAddr,

    /// Root user (access key).
    #[arg(long, env = "MINIO_ROOT_USER", default_value = "minioadmin", hide_env_values = true)]
    pub root_user: String,

    /// Root password (secret key).
    #[arg(long, env = "MINIO_ROOT_PASSWORD", default_value = "minioadmin", hide_env_values = true)]
    pub root_password: String,

    /// Directory holding buckets and objects.
    #[arg(env = "MINIO_VOLUMES", default_value = "storage")]
    pub data_dir: PathBuf,

    /// Address of the web console, as `HOST:PORT` or `:PORT` (all interfaces).
    #[arg(long, env = "MINIO_CONSOLE_ADDRESS", default_value = ":9001", value_parser = parse_listen_address)]
    pub console_address: SocketAddr,

    /// Buckets to create at start when missing, comma-separated (an empty value for none); the
    /// seed's MinIO client container made these two.
    #[arg(long, env = "MINISPARK_DEFAULT_BUCKETS", default_value = DEFAULT_BUCKETS, value_delimiter = ',')]
    pub default_buckets: Vec<String>,

    /// Multipart uploads older than this are aborted and their parts deleted (e.g. `24h`, `90m`).
    #[arg(long, env = "MINIO_API_STALE_UPLOADS_EXPIRY", default_value = STALE_UPLOADS_EXPIRY, value_parser = parse_duration)]
    pub stale_uploads_expiry: Duration,

    /// How often to look for stale multipart uploads (also once at start).
    #[arg(long, env = "MINIO_API_STALE_UPLOADS_CLEANUP_INTERVAL", default_value = STALE_UPLOADS_CLEANUP_INTERVAL, value_parser = parse_duration)]
    pub stale_uploads_cleanup_interval: Duration,
}

impl StorageConfig {
    /// The settings `minispark storage` has by default, for a store in `data_dir` serving on
    /// `address` and its console on `console_address`.
    pub fn new(data_dir: PathBuf, address: SocketAddr, console_address: SocketAddr) -> Self {
        Self {
            address,
            root_user: "minioadmin".into(),
            root_password: "minioadmin".into(),
            data_dir,
            console_address,
            default_buckets: DEFAULT_BUCKETS.split(',').map(str::to_owned).collect(),
            stale_uploads_expiry: parse_duration(STALE_UPLOADS_EXPIRY).expect("a valid default"),
            stale_uploads_cleanup_interval: parse_duration(STALE_UPLOADS_CLEANUP_INTERVAL).expect("a valid default"),
        }
    }
}

/// Where jobs find `s3://` and `s3a://` paths: the embedded store unless told otherwise.
#[derive(Debug, Clone, Args)]
pub struct S3Config {
    /// S3 endpoint that `s3://` and `s3a://` paths resolve to.
    #[arg(long = "s3-endpoint", env = "AWS_ENDPOINT_URL", default_value = "http://127.0.0.1:9000")]
    pub endpoint: String,

    /// Access key for the S3 endpoint.
    #[arg(long = "s3-access-key", env = "AWS_ACCESS_KEY_ID", default_value = "minioadmin", hide_env_values = true)]
    pub access_key: String,

    /// Secret key for the S3 endpoint.
    #[arg(long = "s3-secret-key", env = "AWS_SECRET_ACCESS_KEY", default_value = "minioadmin", hide_env_values = true)]
    pub secret_key: String,

    /// Region sent with S3 requests.
    #[arg(long = "s3-region", env = "AWS_REGION", default_value = "us-east-1")]
    pub region: String,
}

/// `minispark submit` / `minispark driver`: runs an application against the cluster.
#[derive(Debug, Clone, Args)]
pub struct DriverConfig {
    /// The master to run on.
    #[arg(long, env = "SPARK_MASTER_URL", default_value = "spark://127.0.0.1:7077", value_parser = MasterUrl::parse)]
    pub master: MasterUrl,

    /// Application name shown in the master's UI.
    #[arg(long, env = "SPARK_APP_NAME")]
    pub name: Option<String>,

    #[command(flatten)]
    pub s3: S3Config,

    /// Show no progress lines while jobs run.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// The application UI's address, for the master's page to link to (set by the role serving it).
    #[arg(skip)]
    pub ui_url: Option<String>,
}

/// Spark's default Spark Connect port (`spark.connect.grpc.binding.port`).
pub const SPARK_CONNECT_PORT: u16 = 15002;

/// What the command line asked for, with every flag and variable resolved.
#[derive(Debug)]
pub enum Command {
    Master(MasterConfig),
    Worker { master: MasterUrl, worker: WorkerConfig },
    Storage(StorageConfig),
    Submit(SubmitConfig),
    Driver(DriverServerConfig),
    All(AllConfig),
    Sql(SqlShellConfig),
    Healthcheck(HealthcheckConfig),
}

/// `minispark submit`: one application, run to its end.
#[derive(Debug, Clone)]
pub struct SubmitConfig {
    pub driver: DriverConfig,
    /// A SQL job file or a PySpark program (.py).
    pub application: PathBuf,
    /// Arguments for a PySpark program.
    pub arguments: Vec<String>,
}

/// `minispark driver`: a driver that runs its start-up jobs, then serves until stopped.
#[derive(Debug, Clone)]
pub struct DriverServerConfig {
    pub driver: DriverConfig,
    /// SQL job files to run at start, in order.
    pub jobs: Vec<PathBuf>,
    /// A local directory to upload to s3://spark-data first.
    pub data: Option<PathBuf>,
    /// The application UI's port; the next free one is taken if it is in use.
    pub ui_port: u16,
    /// The address the application UI and Spark Connect listen on.
    pub bind: String,
    pub connect_port: u16,
}

/// `minispark all`: a cluster in one process and one application on it.
#[derive(Debug, Clone)]
pub struct AllConfig {
    pub cluster: LocalClusterOptions,
    /// A SQL job file or a PySpark program (.py).
    pub application: PathBuf,
    /// Exit after the application instead of serving until Ctrl-C.
    pub exit: bool,
    /// A local directory uploaded to s3://spark-data before the application runs.
    pub data: PathBuf,
    pub ui_port: u16,
    pub connect_port: u16,
    /// No progress lines.
    pub quiet: bool,
}

/// `minispark sql`: SQL from a string, a file, or typed at the terminal.
#[derive(Debug, Clone)]
pub struct SqlShellConfig {
    pub driver: DriverConfig,
    pub execute: Option<String>,
    pub file: Option<PathBuf>,
}

/// `minispark healthcheck`: which role (or URL) to probe, and how.
#[derive(Debug, Clone, Args)]
pub struct HealthcheckConfig {
    /// The role to check on this machine, or any http:// URL (healthy if it answers 2xx).
    pub target: String,

    /// Port of the role (default: the role's port, from its environment variable or default).
    #[arg(long)]
    pub port: Option<u16>,

    /// Host the role listens on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Master only: healthy once exactly this many workers are ALIVE (for scripts that scale).
    #[arg(long)]
    pub alive_workers: Option<u64>,

    /// Seconds to wait for an answer.
    #[arg(long, default_value_t = 3)]
    pub timeout: u64,
}

/// Settings for storage, master and workers in one process (`minispark all`, and the tests).
#[derive(Debug, Clone)]
pub struct LocalClusterOptions {
    /// The address every role advertises.
    pub host: String,
    /// The address every role listens on, if not `host` (0.0.0.0 in a container).
    pub bind: Option<String>,
    pub workers: usize,
    pub cores: usize,
    pub memory_mb: u64,
    pub master_port: u16,
    pub master_webui_port: u16,
    /// Web UI port of the first worker; the others take the next ones. 0: free ports.
    pub worker_webui_port: u16,
    pub storage_port: u16,
    pub console_port: u16,
    pub storage_dir: PathBuf,
    pub root_user: String,
    pub root_password: String,
    pub worker_timeout_secs: u64,
}

impl LocalClusterOptions {
    pub fn bind_host(&self) -> &str {
        self.bind.as_deref().unwrap_or(&self.host)
    }

    /// Free ports everywhere, storage in `storage_dir`: what tests use.
    pub fn ephemeral(storage_dir: &std::path::Path) -> Self {
        Self {
            host: "127.0.0.1".into(),
            bind: None,
            workers: 3,
            cores: 2,
            memory_mb: 512,
            master_port: 0,
            master_webui_port: 0,
            worker_webui_port: 0,
            storage_port: 0,
            console_port: 0,
            storage_dir: storage_dir.to_path_buf(),
            root_user: "minioadmin".into(),
            root_password: "minioadmin".into(),
            worker_timeout_secs: 8,
        }
    }
}

/// Variables that may instead be given as `NAME_FILE`, a file holding the value: the MinIO and
/// bitnami convention for Docker secrets (`/run/secrets/...`).
const SECRET_VARIABLES: [&str; 4] =
    ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

/// Sets each secret variable from its `NAME_FILE` file when one is named. A secret file wins over
/// a plain value, since a compose override can add a secret but cannot remove the base file's
/// default. Must run before any other thread starts (it changes the environment).
pub fn load_secret_files() -> Result<()> {
    for name in SECRET_VARIABLES {
        let Some(file) = std::env::var_os(format!("{name}_FILE")) else { continue };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {name}_FILE={}", PathBuf::from(&file).display()))?;
        let value = text.trim_end_matches(['\r', '\n']);
        if value.is_empty() {
            bail!("{name}_FILE={} is empty", PathBuf::from(&file).display());
        }
        // SAFETY: called from main before the runtime or any other thread exists.
        unsafe { std::env::set_var(name, value) };
    }
    Ok(())
}

/// A `spark://HOST:PORT` master URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterUrl {
    pub host: String,
    pub port: u16,
}

impl MasterUrl {
    pub fn parse(text: &str) -> Result<Self> {
        let rest = text
            .strip_prefix("spark://")
            .with_context(|| format!("master URL {text:?} must look like spark://HOST:PORT"))?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .trim_end_matches('/')
                    .parse()
                    .with_context(|| format!("master URL {text:?} has an invalid port"))?;
                (host, port)
            }
            None => (rest.trim_end_matches('/'), 7077),
        };
        if host.is_empty() {
            bail!("master URL {text:?} has no host");
        }
        Ok(Self { host: host.to_string(), port })
    }
}

impl std::fmt::Display for MasterUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "spark://{}:{}", self.host, self.port)
    }
}

impl MasterConfig {
    pub fn bind_host(&self) -> &str {
        self.bind.as_deref().unwrap_or(&self.host)
    }

    pub fn worker_timeout(&self) -> Duration {
        Duration::from_secs(self.worker_timeout.max(1))
    }
}

impl WorkerConfig {
    /// A worker with `cores` slots and the other settings at their defaults (for `minispark all`).
    pub fn local(cores: usize, memory_mb: u64, heartbeat_interval: u64) -> Self {
        Self {
            cores,
            memory: memory_mb,
            host: None,
            bind: None,
            port: 0,
            webui_port: 0,
            work_dir: None,
            heartbeat_interval,
        }
    }

    pub fn bind_host(&self) -> &str {
        self.bind.as_deref().or(self.host.as_deref()).unwrap_or("127.0.0.1")
    }
}

fn default_cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Parses Spark/JVM-style sizes (`512m`, `1g`, `2048`) into MiB.
pub fn parse_memory_mb(text: &str) -> Result<u64> {
    let lower = text.trim().to_ascii_lowercase();
    let lower = lower.trim_end_matches('b');
    let (digits, factor) = match lower.chars().last() {
        Some('k') => (&lower[..lower.len() - 1], 1.0 / 1024.0),
        Some('m') => (&lower[..lower.len() - 1], 1.0),
        Some('g') => (&lower[..lower.len() - 1], 1024.0),
        Some('t') => (&lower[..lower.len() - 1], 1024.0 * 1024.0),
        _ => (lower, 1.0),
    };
    let value: f64 = digits
        .trim()
        .parse()
        .with_context(|| format!("memory size {text:?} is not a number with an optional k/m/g/t suffix"))?;
    if value <= 0.0 {
        bail!("memory size {text:?} must be positive");
    }
    Ok((value * factor).ceil() as u64)
}

/// A positive duration such as `24h`, `90m` or `1h 30m`, as MinIO's variables take them.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let duration =
        humantime::parse_duration(text).with_context(|| format!("{text:?} is not a duration like 24h or 90m"))?;
    if duration.is_zero() {
        bail!("{text:?}: the duration must be positive");
    }
    Ok(duration)
}

/// Parses MinIO-style listen addresses: `:9000` means every interface.
pub fn parse_listen_address(text: &str) -> Result<SocketAddr> {
    let full = if text.starts_with(':') { format!("0.0.0.0{text}") } else { text.to_string() };
    full.parse().with_context(|| format!("{text:?} is not a listen address like 127.0.0.1:9000 or :9000"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_urls_follow_spark() {
        assert_eq!(
            MasterUrl::parse("spark://spark-master:7077").unwrap(),
            MasterUrl { host: "spark-master".into(), port: 7077 }
        );
        assert_eq!(MasterUrl::parse("spark://h").unwrap().port, 7077);
        assert!(MasterUrl::parse("http://h:7077").is_err());
        assert!(MasterUrl::parse("spark://:7077").is_err());
        assert!(MasterUrl::parse("spark://h:x").is_err());
    }

    #[test]
    fn memory_sizes_follow_spark() {
        assert_eq!(parse_memory_mb("1g").unwrap(), 1024);
        assert_eq!(parse_memory_mb("512m").unwrap(), 512);
        assert_eq!(parse_memory_mb("2G").unwrap(), 2048);
        assert_eq!(parse_memory_mb("1.5g").unwrap(), 1536);
        assert_eq!(parse_memory_mb("300").unwrap(), 300);
        assert!(parse_memory_mb("lots").is_err());
        assert!(parse_memory_mb("0").is_err());
    }

    #[test]
    fn listen_addresses_follow_minio() {
        assert_eq!(parse_listen_address(":9000").unwrap(), "0.0.0.0:9000".parse().unwrap());
        assert_eq!(parse_listen_address("127.0.0.1:0").unwrap(), "127.0.0.1:0".parse().unwrap());
        assert!(parse_listen_address("9000").is_err());
    }
}
