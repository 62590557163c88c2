//! The Ballista scheduler as the master hosts it: settings sized for a small cluster (seconds, not
//! minutes, to notice a lost worker), S3-aware planning, and the router that serves Ballista's gRPC
//! and REST API together with minispark's own master API on the one RPC port.

use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::extension::{ballista_aggregate_functions, ballista_scalar_functions, ballista_window_functions};
use ballista_core::object_store::session_config_with_s3_support;
use ballista_core::optimizer::ballista_default_optimizer_rules;
use ballista_core::serde::BallistaCodec;
use ballista_core::serde::protobuf::scheduler_grpc_server::SchedulerGrpcServer;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::{SchedulerConfig, TaskDistributionPolicy};
use ballista_scheduler::metrics::default_metrics_collector;
use ballista_scheduler::scheduler_server::SchedulerServer;
use datafusion::common::config::ConfigOptions;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

use crate::config::MasterConfig;

pub(crate) type Scheduler = SchedulerServer<LogicalPlanNode, PhysicalPlanNode>;

/// A running scheduler and the cluster state behind it.
pub(crate) struct EmbeddedScheduler {
    pub(crate) server: Arc<Scheduler>,
    pub(crate) cluster: BallistaCluster,
}

/// Builds and initialises a scheduler that advertises `advertise_host:port` to workers.
pub(crate) async fn start(config: &MasterConfig, advertise_host: &str, port: u16) -> Result<EmbeddedScheduler> {
    let timeout = config.worker_timeout().as_secs();
    let mut settings = SchedulerConfig::default()
        .with_hostname(advertise_host)
        .with_port(port)
        // Pull: workers poll for tasks, so their only port is the data (Flight) port, which can be
        // chosen freely; the poll doubles as the heartbeat.
        .with_scheduler_policy(TaskSchedulingPolicy::PullStaged)
        .with_task_distribution(TaskDistributionPolicy::RoundRobin)
        // With every worker gone, fail running jobs after one timeout rather than Ballista's 180 s.
        .with_no_executors_grace_period_seconds(timeout)
        .with_override_config_producer(Arc::new(session_config_with_s3_support))
        .with_override_session_builder(Arc::new(planning_session));
    settings.bind_host = advertise_host.to_string();
    settings.executor_timeout_seconds = timeout;
    settings.expire_dead_executor_interval_seconds = 1;
    settings.web_tui_route = "/ballista/tui".into();
    settings.validate().context("invalid scheduler settings")?;
    let settings = Arc::new(settings);

    let cluster = BallistaCluster::new_from_config(&settings).await.context("cannot create the cluster state")?;
    let mut server: Scheduler = SchedulerServer::new(
        settings.scheduler_endpoint(),
        cluster.clone(),
        BallistaCodec::default(),
        settings.clone(),
        default_metrics_collector().context("cannot create scheduler metrics")?,
    );
    server.init().await.context("cannot start the scheduler")?;
    Ok(EmbeddedScheduler { server: Arc::new(server), cluster })
}

impl EmbeddedScheduler {
    /// Ballista's gRPC service and REST API (`/api/...`), ready to merge with more routes.
    pub(crate) fn router(&self) -> Router {
        let settings = &self.server.state.config;
        let grpc = SchedulerGrpcServer::new((*self.server).clone())
            .max_decoding_message_size(settings.grpc_server_max_decoding_message_size as usize)
            .max_encoding_message_size(settings.grpc_server_max_encoding_message_size as usize);
        let mut routes = tonic::service::RoutesBuilder::default();
        routes.add_service(grpc);
        ballista_scheduler::api::get_routes(self.server.clone()).merge(routes.routes().into_axum_router())
    }
}

/// The session the scheduler plans each job in: the job's own settings, an S3-aware runtime,
/// Ballista's optimizer rules, and Ballista's functions with Spark's on top as the cluster sees
/// them.
fn planning_session(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let runtime = crate::s3::runtime_env(&config, None)?;
    let builder = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_optimizer_rules(ballista_default_optimizer_rules())
        .with_scalar_functions(ballista_scalar_functions())
        .with_aggregate_functions(ballista_aggregate_functions())
        .with_window_functions(ballista_window_functions())
        .with_physical_optimizer_rule(Arc::new(SingleResultPartition))
        .with_physical_optimizer_rule(Arc::new(crate::compat::ExplicitInMemoryLimits));
    Ok(crate::functions::with_cluster_functions(builder).build())
}

/// Ends every plan in one partition, so the job's final stage is a single task.
///
/// When a worker is lost, Ballista 55 re-runs a stage whose input it held in full, and tasks that
/// had already finished publish their output a second time. Between stages the workers drop such
/// duplicates (see `worker::engine`), but the final stage's outputs go straight to the driver. A
/// final stage of one task has no finished sibling to repeat. The driver collects every row
/// anyway, so funnelling them through one task costs a shuffle of the result, not parallelism.
#[derive(Debug)]
struct SingleResultPartition;

impl PhysicalOptimizerRule for SingleResultPartition {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> datafusion::common::Result<Arc<dyn ExecutionPlan>> {
        if plan.output_partitioning().partition_count() <= 1 {
            return Ok(plan);
        }
        Ok(match plan.output_ordering().cloned() {
            Some(ordering) => Arc::new(SortPreservingMergeExec::new(ordering, plan)),
            None => Arc::new(CoalescePartitionsExec::new(plan)),
        })
    }

    fn name(&self) -> &str {
        "minispark_single_result_partition"
    }

    fn schema_check(&self) -> bool {
        true
    }
}
