//! How the driver-side commands are put together: `minispark submit` (one application, then exit)
//! and `minispark driver` (start-up jobs, then serve), each a [`Driver`] on the cluster with its
//! application UI and a Spark Connect server in front of it; `crate::all` does the same on a
//! cluster in one process. The roles know nothing of each other: this layer is where the driver
//! becomes the [`Engine`] that Spark Connect runs its plans on, and where a PySpark program
//! ([`pyspark`]) is pointed at that server.

pub(crate) mod pyspark;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use tokio_util::sync::CancellationToken;

use crate::config::{DriverConfig, DriverServerConfig, SubmitConfig};
use crate::connect::engine::{AnalyzerRules, Application, BatchSink, Engine, EngineSession, JobNames};
use crate::driver::Driver;
use crate::service::bind_port_or_next;

/// Like Spark's `spark.port.maxRetries`: a second driver on the machine takes 4041, and so on.
pub(crate) const UI_PORT_ATTEMPTS: u16 = 16;

/// `minispark submit`: runs one application (a SQL job file or a PySpark program) and exits with
/// its status.
pub async fn submit(config: SubmitConfig) -> Result<()> {
    let name = application_name(&config.driver, &config.application);
    let driver = Arc::new(Driver::connect(&config.driver, &name).await?);
    let result = if pyspark::is_python(&config.application) {
        let shutdown = CancellationToken::new();
        let listener = crate::service::bind_host("127.0.0.1", 0).await?;
        let connect = crate::connect::serve(driver.clone(), listener, shutdown.clone())?;
        let result = pyspark::run(&config.application, &config.arguments, connect.address).await;
        shutdown.cancel();
        result.and(connect.stopped().await)
    } else {
        driver.run_and_print(&config.application).await.map(drop)
    };
    driver.finish(result.is_ok()).await;
    result
}

/// `minispark driver`: uploads the data directory if asked, serves the application UI, runs the
/// given job files, then serves Spark Connect until Ctrl-C or SIGTERM.
pub async fn serve_driver(config: DriverServerConfig) -> Result<()> {
    let name = config.driver.name.clone().unwrap_or_else(|| "minispark-driver".into());
    if let Some(dir) = &config.data {
        let (files, bytes) = crate::s3::upload_dir_to_bucket(&config.driver.s3, "spark-data", dir).await?;
        eprintln!("uploaded {files} files ({:.1} MB) from {} to s3://spark-data", bytes as f64 / 1e6, dir.display());
    }
    // Bound before the application registers, so a port problem leaves nothing behind on the master.
    let ui_listener = bind_port_or_next(&config.bind, config.ui_port, UI_PORT_ATTEMPTS).await?;
    let connect_listener = crate::service::bind_host(&config.bind, config.connect_port).await?;
    let mut driver_config = config.driver.clone();
    driver_config.ui_url =
        Some(format!("http://{}:{}", advertised_name(&config.bind), ui_listener.local_addr()?.port()));
    let driver = Arc::new(Driver::connect(&driver_config, &name).await?);
    let mut result = Ok(());
    for job in &config.jobs {
        result = run_application(&driver, job, &[], None).await;
        if result.is_err() {
            break;
        }
    }
    // Served once the start-up jobs are done: a healthcheck then means "ready for more work".
    if result.is_ok() {
        let shutdown = CancellationToken::new();
        let served = driver
            .serve_ui(ui_listener, shutdown.clone())
            .and_then(|ui| Ok((ui, crate::connect::serve(driver.clone(), connect_listener, shutdown.clone())?)));
        result = match served {
            Ok((ui, connect)) => {
                println!(
                    "driver {} ready on {}; application UI http://{}/, Spark Connect sc://{}:{}; stop with Ctrl-C",
                    driver.app.id,
                    driver.master(),
                    ui.address,
                    advertised_name(&config.bind),
                    connect.address.port()
                );
                crate::signals::wait_for_shutdown().await;
                shutdown.cancel();
                ui.stopped().await.and(connect.stopped().await)
            }
            Err(err) => Err(err),
        };
    }
    driver.finish(result.is_ok()).await;
    result
}

/// Runs an application on `driver`: a SQL job file, printing what each statement did, or a
/// PySpark program against the Spark Connect server at `connect` (which must serve this driver).
pub(crate) async fn run_application(
    driver: &Driver,
    path: &Path,
    arguments: &[String],
    connect: Option<SocketAddr>,
) -> Result<()> {
    if pyspark::is_python(path) {
        let connect = connect.context("PySpark programs need the driver's Spark Connect server")?;
        return pyspark::run(path, arguments, connect).await;
    }
    driver.run_and_print(path).await.map(drop)
}

/// The application's name: the configured one, else the job file's stem.
pub(crate) fn application_name(config: &DriverConfig, job: &Path) -> String {
    config.name.clone().unwrap_or_else(|| {
        job.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "minispark-job".into())
    })
}

/// The name others reach a server bound to `bind` by: the machine's host name when it listens on
/// every interface (in a container that is the container's name on its network).
fn advertised_name(bind: &str) -> String {
    if bind.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_unspecified())
        && let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname")
    {
        return name.trim().to_string();
    }
    bind.to_string()
}

/// Spark Connect's plans run on the cluster as the driver's jobs: progress lines, the
/// application UI's job history, and results streamed back from the workers.
#[async_trait::async_trait]
impl Engine for Driver {
    fn application(&self) -> Application {
        Application { id: self.app.id.clone(), name: self.app.name.clone(), master: self.master().to_string() }
    }

    async fn open_session(&self, settings: &[(&str, &str)], rules: AnalyzerRules) -> Result<EngineSession> {
        let (ctx, stores) = self.new_session(settings, rules).await?;
        Ok(EngineSession { ctx, stores })
    }

    async fn run(&self, ctx: &SessionContext, plan: LogicalPlan, names: JobNames<'_>, sink: BatchSink) -> Result<()> {
        self.run_job(ctx, plan, names.label, names.description, sink).await.map(drop)
    }
}
