//! The worker role: runs tasks for the master.
//!
//! A worker is a Ballista executor assembled from the library's public parts rather than
//! `start_executor_process`, because that entry point keeps process-wide state (a global
//! "terminating" flag and signal handlers) that breaks several workers in one process, as
//! `minispark all` runs them. The worker polls the master for tasks (the poll is its heartbeat),
//! serves its shuffle and result data over Arrow Flight on one port, announces its memory and web
//! UI to the master, and serves its own `/json/`.

pub(crate) mod engine;
pub(crate) mod tasks;
pub(crate) mod webui;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use arrow_flight::flight_service_server::FlightServiceServer;
use ballista_core::error::BallistaError;
use ballista_core::object_store::session_config_with_s3_support;
use ballista_core::serde::BallistaCodec;
use ballista_core::serde::protobuf::ExecutorStoppedParams;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::utils::{GrpcServerConfig, create_grpc_server};
use ballista_core::{ConfigProducer, RuntimeProducer};
use ballista_executor::execution_loop::poll_loop;
use ballista_executor::executor::Executor;
use ballista_executor::executor_process::{ExecutorProcessConfig, structure_executor_metadata};
use ballista_executor::flight_service::BallistaFlightService;
use ballista_executor::health::ExecutorHealth;
use ballista_executor::metrics::LoggingMetricsCollector;
use ballista_executor::runtime_cache::{DefaultSessionRuntimeCache, MemoryPoolPolicy};
use datafusion::execution::memory_pool::{FairSpillPool, MemoryPool};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::transport::server::TcpIncoming;

use crate::config::{MasterUrl, WorkerConfig};
use crate::protocol::{MasterClient, WorkerAcknowledged, WorkerAnnouncement, compact_timestamp};
use crate::service::{Service, bind_host, resolve, serve_router};

/// Largest gRPC message between worker and master (plans and task status).
const MAX_MESSAGE_SIZE: usize = 16 << 20;
/// Sessions whose runtime (object stores, memory pool) a worker keeps ready.
const SESSION_RUNTIMES_KEPT: usize = 16;

/// Facts about a running worker, shared with its web UI.
pub struct WorkerInfo {
    pub id: String,
    /// The host name the worker advertises.
    pub(crate) host: String,
    pub(crate) master: MasterUrl,
    /// The master's web UI, learned from its answer to the first announcement.
    pub(crate) master_webui_url: std::sync::OnceLock<String>,
    /// The storage console, if the master knows it.
    pub(crate) console_url: std::sync::OnceLock<String>,
    pub webui_address: SocketAddr,
    pub(crate) cores: usize,
    pub(crate) memory_mb: u64,
    pub(crate) work_dir: PathBuf,
    pub(crate) executor: Arc<Executor>,
    /// The tasks it runs and ran, for its web UI.
    pub(crate) tasks: Arc<tasks::TaskLedger>,
}

/// A started worker.
pub struct RunningWorker {
    pub info: Arc<WorkerInfo>,
    scheduler: SchedulerGrpcClient<Channel>,
    poll: JoinHandle<Result<(), BallistaError>>,
    announcer: JoinHandle<()>,
    flight: JoinHandle<Result<(), tonic::transport::Error>>,
    flight_stop: CancellationToken,
    webui: Service,
    webui_stop: CancellationToken,
    /// Keeps a temporary work directory alive as long as the worker.
    _temp_dir: Option<tempfile::TempDir>,
}

/// Starts a worker that registers with `master` and takes tasks until stopped.
pub(crate) async fn start(
    master: &MasterUrl,
    config: &WorkerConfig,
    shutdown: CancellationToken,
) -> Result<RunningWorker> {
    let cores = config.cores.max(1);
    let (work_dir, temp_dir) = match &config.work_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the work directory {}", dir.display()))?;
            (dir.canonicalize()?, None)
        }
        None => {
            let dir = tempfile::Builder::new().prefix("minispark-worker-").tempdir()?;
            (dir.path().to_path_buf(), Some(dir))
        }
    };
    let work_dir_text = work_dir.to_string_lossy().into_owned();

    let host = advertised_host(config, master).await?;
    let data_listener = bind_host(config.bind_host(), config.port).await?;
    let data_address = data_listener.local_addr()?;
    let id = format!("worker-{}-{}-{}", compact_timestamp(SystemTime::now()), host, data_address.port());

    let registration = structure_executor_metadata(
        &Arc::new(ExecutorProcessConfig {
            executor_id: id.clone(),
            external_host: Some(host.clone()),
            port: data_address.port(),
            grpc_port: 0,
            vcores: cores,
            ..Default::default()
        }),
        cores as u32,
    );
    let runtime_producer = task_runtime(work_dir.clone());
    let config_producer: ConfigProducer = Arc::new(session_config_with_s3_support);
    let memory_policy = memory_per_task(config.memory * 1024 * 1024, cores)?;
    let task_ledger = Arc::new(tasks::TaskLedger::default());
    let executor = Arc::new(
        Executor::new(
            registration,
            &work_dir_text,
            runtime_producer.clone(),
            config_producer,
            Arc::new(crate::compat::worker_function_registry()),
            Arc::new(LoggingMetricsCollector::default()),
            cores,
            Arc::new(tasks::RecordingEngine {
                inner: Arc::new(engine::DeduplicatingEngine::default()),
                ledger: task_ledger.clone(),
            }),
        )
        .with_session_runtime_cache(Some(Arc::new(DefaultSessionRuntimeCache::new(
            runtime_producer,
            memory_policy,
            SESSION_RUNTIMES_KEPT,
        )))),
    );

    let flight_stop = CancellationToken::new();
    let flight = serve_data(data_listener, work_dir_text, flight_stop.clone());
    let scheduler = connect_to_master(master).await?;

    let webui_listener = bind_host(config.bind_host(), config.webui_port).await?;
    let info = Arc::new(WorkerInfo {
        id,
        host,
        master: master.clone(),
        master_webui_url: std::sync::OnceLock::new(),
        console_url: std::sync::OnceLock::new(),
        webui_address: webui_listener.local_addr()?,
        cores,
        memory_mb: config.memory,
        work_dir,
        executor: executor.clone(),
        tasks: task_ledger,
    });
    // A child token: stopping this worker must not wait for the whole process to shut down.
    let webui_stop = shutdown.child_token();
    let webui = serve_router("worker web UI", webui_listener, webui::routes(info.clone()), webui_stop.clone())?;

    let codec: BallistaCodec<LogicalPlanNode, PhysicalPlanNode> = BallistaCodec::default();
    // Announce before the first poll registers the executor with Ballista, so the master never lists
    // this worker without its memory (Spark's registration carries both at once).
    let announcer = Announcer::new(info.clone())?;
    announcer.announce().await.with_context(|| format!("the master at {master} refused worker {}", info.id))?;
    let poll = tokio::spawn(poll_loop(scheduler.clone(), executor, codec, None, None, ExecutorHealth::new()));
    let announcer = tokio::spawn(announcer.announce_forever(Duration::from_secs(config.heartbeat_interval.max(1))));
    tracing::info!(worker = %info.id, data = %data_address, webui = %info.webui_address, "worker registered with {master}");
    Ok(RunningWorker { info, scheduler, poll, announcer, flight, flight_stop, webui, webui_stop, _temp_dir: temp_dir })
}

/// `minispark worker spark://HOST:PORT`: runs until Ctrl-C or SIGTERM.
pub async fn run(master: MasterUrl, config: WorkerConfig) -> Result<()> {
    let shutdown = CancellationToken::new();
    let worker = start(&master, &config, shutdown.clone()).await?;
    println!(
        "Worker {} registered with {} ({} cores, {} MiB; web UI http://{}:{}/)",
        worker.info.id,
        master,
        worker.info.cores,
        worker.info.memory_mb,
        worker.info.host,
        worker.info.webui_address.port()
    );
    crate::signals::wait_for_shutdown().await;
    shutdown.cancel();
    worker.stop("worker stopped").await
}

impl RunningWorker {
    /// Leaves the cluster cleanly: the master forgets the worker at once (and reruns its tasks
    /// elsewhere) instead of waiting for the heartbeat timeout.
    pub(crate) async fn stop(mut self, reason: &str) -> Result<()> {
        self.poll.abort();
        self.announcer.abort();
        let stopped = ExecutorStoppedParams { executor_id: self.info.id.clone(), reason: reason.to_string() };
        if let Err(err) = self.scheduler.executor_stopped(stopped).await {
            tracing::warn!("could not tell the master that {} stopped: {err}", self.info.id);
        }
        self.flight_stop.cancel();
        if tokio::time::timeout(Duration::from_secs(3), &mut self.flight).await.is_err() {
            self.flight.abort();
        }
        self.webui_stop.cancel();
        self.webui.stopped().await
    }

    /// Stops the worker the way a crash would: no goodbye, the master must notice on its own.
    pub(crate) fn kill(self) {
        self.poll.abort();
        self.announcer.abort();
        self.flight.abort();
        self.webui_stop.cancel();
    }
}

/// Each task's runtime: S3 stores from the job's settings, spill files in the work directory.
fn task_runtime(work_dir: PathBuf) -> RuntimeProducer {
    Arc::new(move |config: &SessionConfig| crate::s3::runtime_env(config, Some(&work_dir)))
}

/// Splits the worker's memory evenly over its task slots; a task gets the share of the slots it holds.
fn memory_per_task(total_bytes: u64, cores: usize) -> Result<MemoryPoolPolicy> {
    let per_core = (total_bytes / cores as u64) as usize;
    anyhow::ensure!(per_core > 0, "--memory is smaller than one byte per core");
    Ok(Arc::new(move |base: Arc<RuntimeEnv>, _config: &SessionConfig, slots: u32| {
        let pool: Arc<dyn MemoryPool> = Arc::new(FairSpillPool::new(per_core.saturating_mul(slots.max(1) as usize)));
        RuntimeEnvBuilder::from_runtime_env(&base).with_memory_pool(pool).build_arc()
    }))
}

/// Serves shuffle and result data to other workers and to drivers.
fn serve_data(
    listener: tokio::net::TcpListener,
    work_dir: String,
    stop: CancellationToken,
) -> JoinHandle<Result<(), tonic::transport::Error>> {
    let service = FlightServiceServer::new(BallistaFlightService::new(work_dir))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    tokio::spawn(async move {
        create_grpc_server(&GrpcServerConfig::default())
            .add_service(service)
            .serve_with_incoming_shutdown(TcpIncoming::from(listener).with_nodelay(Some(true)), stop.cancelled_owned())
            .await
    })
}

/// The name the master and other workers reach this worker by. A worker listening on every
/// interface (as in a container, where its replicas share one configuration) advertises the
/// address it reaches the master from, as Spark's workers do.
async fn advertised_host(config: &WorkerConfig, master: &MasterUrl) -> Result<String> {
    if let Some(host) = &config.host {
        return Ok(host.clone());
    }
    let bind = config.bind_host();
    if !bind.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified()) {
        return Ok(bind.to_string());
    }
    let master_address = resolve(&master.host, master.port).await?;
    let probe = std::net::UdpSocket::bind(SocketAddr::new(unspecified_like(master_address.ip()), 0))?;
    // Connecting a UDP socket sends nothing; it only asks the kernel which local address routes there.
    probe.connect(master_address).with_context(|| format!("no route to the master at {master}"))?;
    Ok(probe.local_addr()?.ip().to_string())
}

fn unspecified_like(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    }
}

/// Connects to the master's RPC port, retrying for a while: in a compose file the worker may come
/// up a moment before the master accepts connections.
async fn connect_to_master(master: &MasterUrl) -> Result<SchedulerGrpcClient<Channel>> {
    let endpoint = format!("http://{}:{}", master.host, master.port);
    let mut delay = Duration::from_millis(100);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match SchedulerGrpcClient::connect(endpoint.clone()).await {
            Ok(client) => {
                return Ok(client
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE));
            }
            Err(err) if tokio::time::Instant::now() < deadline => {
                tracing::info!("master {master} not reachable yet ({err}); retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            Err(err) => return Err(err).with_context(|| format!("cannot reach the master at {master}")),
        }
    }
}

/// Tells the master what Ballista's registration does not carry: memory and web UI address.
struct Announcer {
    master: MasterClient,
    announcement: WorkerAnnouncement,
    info: Arc<WorkerInfo>,
}

impl Announcer {
    fn new(info: Arc<WorkerInfo>) -> Result<Self> {
        let announcement = WorkerAnnouncement {
            id: info.id.clone(),
            webui_address: format!("http://{}:{}", info.host, info.webui_address.port()),
            memory_mb: info.memory_mb,
        };
        Ok(Announcer { master: MasterClient::new(&info.master)?, announcement, info })
    }

    async fn announce(&self) -> Result<()> {
        let WorkerAcknowledged { master_webui_url, console_url } =
            self.master.announce_worker(&self.announcement).await?;
        let _ = self.info.master_webui_url.set(master_webui_url);
        if let Some(url) = console_url {
            let _ = self.info.console_url.set(url);
        }
        Ok(())
    }

    /// Repeats the announcement so a restarted master learns it again.
    async fn announce_forever(self, interval: Duration) {
        loop {
            tokio::time::sleep(interval).await;
            if let Err(err) = self.announce().await {
                tracing::debug!("cannot announce {} to the master: {err:#}", self.info.id);
            }
        }
    }
}
