//! The master role: the cluster coordinator.
//!
//! It hosts the Ballista scheduler on the RPC port (7077), where workers register, heartbeat and
//! poll for tasks and drivers submit jobs, and adds minispark's own master API there ([`api`], with
//! job progress read from the scheduler by [`progress`]). It keeps the Spark-shaped registry of
//! workers and applications ([`registry`]) and serves it on the web UI port (8080) as `/json/`
//! ([`webui`]). What these share is [`state::Master`].

pub(crate) mod api;
pub(crate) mod progress;
pub(crate) mod registry;
pub(crate) mod scheduler;
pub(crate) mod state;
pub(crate) mod webui;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio_util::sync::CancellationToken;

use crate::config::{MasterConfig, MasterUrl};
use crate::service::{Service, bind_host, serve_router};
use registry::Registry;
pub(crate) use state::Master;

/// A started master: its state and its two servers.
pub struct RunningMaster {
    pub master: Arc<Master>,
    pub(crate) rpc: Service,
    pub webui: Service,
}

/// How often the registry is brought in line with the scheduler.
const REFRESH_INTERVAL: Duration = Duration::from_millis(500);

/// Starts the scheduler, the RPC port and the web UI. Ports may be 0 (free ports).
pub(crate) async fn start(config: &MasterConfig, shutdown: CancellationToken) -> Result<RunningMaster> {
    let rpc_listener = bind_host(config.bind_host(), config.port).await?;
    let rpc_port = rpc_listener.local_addr()?.port();
    let scheduler = scheduler::start(config, &config.host, rpc_port).await?;
    let webui_listener = bind_host(config.bind_host(), config.webui_port).await?;
    let master = Arc::new(Master {
        url: MasterUrl { host: config.host.clone(), port: rpc_port },
        webui_url: format!("http://{}:{}", config.host, webui_listener.local_addr()?.port()),
        console_url: config.console_url.clone(),
        scheduler,
        registry: Registry::new(config.worker_timeout()),
    });

    let rpc_router = master.scheduler.router().merge(api::routes(master.clone()));
    let rpc = serve_router("master RPC", rpc_listener, rpc_router, shutdown.clone())?;
    let webui = serve_router("master web UI", webui_listener, webui::routes(master.clone()), shutdown.clone())?;
    tokio::spawn(keep_registry_current(master.clone(), shutdown));
    tracing::info!("master at {} (web UI http://{})", master.url, webui.address);
    Ok(RunningMaster { master, rpc, webui })
}

/// `minispark master`: runs until Ctrl-C or SIGTERM.
pub async fn run(config: MasterConfig) -> Result<()> {
    let shutdown = CancellationToken::new();
    let running = start(&config, shutdown.clone()).await?;
    println!("Spark master at {} (web UI {}/)", running.master.url, running.master.webui_url);
    crate::signals::wait_for_shutdown().await;
    shutdown.cancel();
    running.stopped().await
}

impl RunningMaster {
    pub(crate) async fn stopped(self) -> Result<()> {
        self.rpc.stopped().await?;
        self.webui.stopped().await
    }
}

async fn keep_registry_current(master: Arc<Master>, shutdown: CancellationToken) {
    loop {
        if let Err(err) = master.refresh_registry().await {
            tracing::warn!("cannot read the scheduler's executors: {err:#}");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(REFRESH_INTERVAL) => {}
        }
    }
}
