//! `minispark all`: every role in one process, the way a laptop user wants the six-container
//! cluster. [`LocalCluster`] starts storage, the master and the workers on the given ports (0 for
//! free ports, which is what the tests use); [`run`] adds a driver that uploads `data/` and runs
//! the example application, prints where everything is, and serves until Ctrl-C.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio_util::sync::CancellationToken;

pub use crate::config::LocalClusterOptions;
use crate::config::{AllConfig, DriverConfig, MasterConfig, MasterUrl, S3Config, StorageConfig, WorkerConfig};
use crate::driver::Driver;
use crate::master::RunningMaster;
use crate::master::registry::WorkerState;
use crate::service::{Service, bind_port_or_next};
use crate::worker::RunningWorker;

/// Storage, master and workers running in this process.
pub struct LocalCluster {
    pub(crate) storage: Service,
    pub(crate) console: Service,
    pub master: RunningMaster,
    pub workers: Vec<Option<RunningWorker>>,
    pub s3: S3Config,
    options: LocalClusterOptions,
    shutdown: CancellationToken,
}

impl LocalCluster {
    pub async fn start(options: LocalClusterOptions) -> Result<Self> {
        let shutdown = CancellationToken::new();
        let address = |port: u16| crate::config::parse_listen_address(&format!("{}:{port}", options.bind_host()));
        let storage_config = StorageConfig {
            root_user: options.root_user.clone(),
            root_password: options.root_password.clone(),
            ..StorageConfig::new(
                options.storage_dir.clone(),
                address(options.storage_port)?,
                address(options.console_port)?,
            )
        };
        let storage = crate::storage::start(&storage_config, shutdown.clone()).await?;
        let console = crate::storage::start_console(&storage_config, storage.address, shutdown.clone()).await?;
        let master_config = MasterConfig {
            host: options.host.clone(),
            bind: options.bind.clone(),
            port: options.master_port,
            webui_port: options.master_webui_port,
            worker_timeout: options.worker_timeout_secs,
            console_url: Some(format!("http://{}:{}", options.host, console.address.port())),
        };
        let master = crate::master::start(&master_config, shutdown.clone()).await?;
        let s3 = S3Config {
            endpoint: format!("http://{}:{}", options.host, storage.address.port()),
            access_key: options.root_user.clone(),
            secret_key: options.root_password.clone(),
            region: "us-east-1".into(),
        };
        let mut cluster = Self { storage, console, master, workers: Vec::new(), s3, options, shutdown };
        for _ in 0..cluster.options.workers {
            cluster.add_worker().await?;
        }
        cluster.wait_for_alive_workers(cluster.options.workers, Duration::from_secs(30)).await?;
        Ok(cluster)
    }

    pub fn master_url(&self) -> &MasterUrl {
        &self.master.master.url
    }

    /// Starts one more worker.
    pub(crate) async fn add_worker(&mut self) -> Result<()> {
        let index = self.workers.len();
        let webui_port = match self.options.worker_webui_port {
            0 => 0,
            first => first + index as u16,
        };
        let mut config = WorkerConfig::local(self.options.cores, self.options.memory_mb, 1);
        config.host = Some(self.options.host.clone());
        config.bind = self.options.bind.clone();
        config.webui_port = webui_port;
        let worker = crate::worker::start(self.master_url(), &config, self.shutdown.clone()).await?;
        self.workers.push(Some(worker));
        Ok(())
    }

    /// Stops worker `index` cleanly; the master marks it DEAD.
    pub async fn stop_worker(&mut self, index: usize) -> Result<()> {
        let worker = self.workers.get_mut(index).and_then(Option::take).context("no such running worker")?;
        worker.stop("stopped by the cluster").await
    }

    /// Kills worker `index` without warning the master, as a crash would.
    pub fn kill_worker(&mut self, index: usize) -> Result<()> {
        let worker = self.workers.get_mut(index).and_then(Option::take).context("no such running worker")?;
        worker.kill();
        Ok(())
    }

    /// Waits until the master counts `count` ALIVE workers.
    pub(crate) async fn wait_for_alive_workers(&self, count: usize, timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.master.master.refresh_registry().await?;
            let alive = self.master.master.registry.workers().iter().filter(|w| w.state == WorkerState::Alive).count();
            if alive >= count {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                bail!("only {alive} of {count} workers registered with the master within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Copies a local directory into `s3://spark-data`.
    pub async fn upload_data(&self, dir: &Path) -> Result<(usize, u64)> {
        crate::s3::upload_dir_to_bucket(&self.s3, "spark-data", dir).await
    }

    /// A driver configuration pointing at this cluster.
    pub fn driver_config(&self, quiet: bool) -> DriverConfig {
        DriverConfig { master: self.master_url().clone(), name: None, s3: self.s3.clone(), quiet, ui_url: None }
    }

    /// Stops every role and releases every port.
    pub async fn stop(mut self) -> Result<()> {
        for worker in self.workers.iter_mut().filter_map(Option::take) {
            worker.stop("cluster shutting down").await?;
        }
        self.shutdown.cancel();
        self.master.stopped().await?;
        self.console.stopped().await?;
        self.storage.stopped().await
    }
}

/// `minispark all`.
pub async fn run(config: AllConfig) -> Result<()> {
    if !config.data.is_dir() {
        bail!("data directory {} does not exist (run from the repository root or pass --data)", config.data.display());
    }
    let host = config.cluster.host.clone();
    let bind = config.cluster.bind_host().to_string();
    let cluster = LocalCluster::start(config.cluster.clone()).await?;
    let (files, bytes) = cluster.upload_data(&config.data).await?;
    eprintln!(
        "uploaded {files} files ({:.1} MB) from {} to s3://spark-data",
        bytes as f64 / 1e6,
        config.data.display()
    );

    let mut driver_config = cluster.driver_config(config.quiet);
    driver_config.name = Some(crate::launch::application_name(&driver_config, &config.application));
    let ui_listener = bind_port_or_next(&bind, config.ui_port, crate::launch::UI_PORT_ATTEMPTS).await?;
    let connect_listener = crate::service::bind_host(&bind, config.connect_port).await?;
    driver_config.ui_url = Some(format!("http://{host}:{}", ui_listener.local_addr()?.port()));
    let driver =
        Arc::new(Driver::connect(&driver_config, driver_config.name.as_deref().unwrap_or("minispark-job")).await?);
    let stop = CancellationToken::new();
    let ui = driver.serve_ui(ui_listener, stop.clone())?;
    let connect = crate::connect::serve(driver.clone(), connect_listener, stop.clone())?;
    let result = crate::launch::run_application(&driver, &config.application, &[], Some(connect.address)).await;

    print_access_points(&cluster);
    println!("Application: {}   UI {}/", driver.app.id, driver_config.ui_url.as_deref().unwrap_or_default());
    println!("Spark Connect: sc://{host}:{}   (SparkSession.builder.remote(...) in PySpark)", connect.address.port());
    if result.is_ok() && !config.exit {
        println!("\nServing until Ctrl-C.");
        crate::signals::wait_for_shutdown().await;
    }
    // The application stays RUNNING while it serves Spark Connect clients, as Spark's Connect server does.
    driver.finish(result.is_ok()).await;
    stop.cancel();
    let stopped = ui.stopped().await.and(connect.stopped().await).and(cluster.stop().await);
    result.and(stopped)
}

fn print_access_points(cluster: &LocalCluster) {
    let master = &cluster.master;
    println!("\nResults: s3://spark-output/ (Parquet) and output/ (CSV)");
    println!("Master:      {}   web UI {}/ (JSON: /json/)", master.master.url, master.master.webui_url);
    for worker in cluster.workers.iter().flatten() {
        let info = &worker.info;
        println!("Worker:      {}   web UI http://{}:{}/json/", info.id, info.host, info.webui_address.port());
    }
    println!(
        "Storage:     {}   user {} (aws --endpoint-url {} s3 ls s3://spark-output/ --recursive)",
        cluster.s3.endpoint, cluster.s3.access_key, cluster.s3.endpoint
    );
    println!(
        "Console:     http://{}:{}/   (log in as {})",
        cluster.options.host,
        cluster.console.address.port(),
        cluster.s3.access_key
    );
}
