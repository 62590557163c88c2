//! The seam between Spark Connect and whatever runs its plans.
//!
//! Spark Connect translates a client's plans into DataFusion plans; an [`Engine`] opens the
//! DataFusion sessions those plans are planned in and runs them. The cluster's driver is one
//! engine (its plans run on the workers through Ballista, with progress lines and the application
//! UI's job history); [`LocalEngine`] is another, plain DataFusion in this process, so the
//! translation and Spark's semantics can be tested in milliseconds without a cluster.

use std::sync::Arc;

use anyhow::Result;
use datafusion::execution::SendableRecordBatchStream;
#[cfg(test)]
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::optimizer::AnalyzerRule;
use datafusion::prelude::SessionContext;
use futures::future::BoxFuture;

use crate::s3::ClusterObjectStores;

/// Which application a Spark Connect server belongs to (`spark.app.*`, `spark.master`).
#[derive(Debug, Clone)]
pub struct Application {
    pub id: String,
    pub name: String,
    /// The master URL the application runs on, as `spark.master` shows it.
    pub master: String,
}

/// What consumes a plan's result: the rows streamed to a client, or collected for a command.
pub type BatchSink = Box<dyn FnOnce(SendableRecordBatchStream) -> BoxFuture<'static, Result<()>> + Send>;

/// Analyzer rules that give a session's plans Spark's semantics.
pub type AnalyzerRules = Vec<Arc<dyn AnalyzerRule + Send + Sync>>;

/// How a job is named: `label` in progress lines, `description` in job histories.
#[derive(Debug, Clone, Copy)]
pub struct JobNames<'a> {
    pub label: &'a str,
    pub description: &'a str,
}

/// A session of an engine: where plans are built and where `s3a://` paths lead.
pub struct EngineSession {
    pub ctx: SessionContext,
    /// The session's object stores, reconfigured when the client sets `spark.hadoop.fs.s3a.*`.
    pub stores: Arc<ClusterObjectStores>,
}

/// Opens sessions and runs their plans.
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    fn application(&self) -> Application;

    /// A new session with the `settings` (DataFusion option keys) and the analyzer `rules` that
    /// give its plans Spark's semantics.
    async fn open_session(&self, settings: &[(&str, &str)], rules: AnalyzerRules) -> Result<EngineSession>;

    /// Runs `plan`, planned in `ctx`, handing its rows to `sink`.
    async fn run(&self, ctx: &SessionContext, plan: LogicalPlan, names: JobNames<'_>, sink: BatchSink) -> Result<()>;
}

/// Plain DataFusion in this process: no cluster, no serialization of plans.
#[cfg(test)]
pub(crate) struct LocalEngine;

#[cfg(test)]
#[async_trait::async_trait]
impl Engine for LocalEngine {
    fn application(&self) -> Application {
        Application { id: "local-app".into(), name: "local".into(), master: "local".into() }
    }

    async fn open_session(&self, settings: &[(&str, &str)], rules: AnalyzerRules) -> Result<EngineSession> {
        let mut config = ballista_core::object_store::session_config_with_s3_support();
        for (key, value) in settings {
            config.options_mut().set(key, value)?;
        }
        let (runtime, stores) = crate::s3::runtime_env_with_stores(&config, None)?;
        let mut state = crate::functions::with_spark_functions(
            SessionStateBuilder::new().with_config(config).with_runtime_env(runtime).with_default_features(),
        );
        for rule in rules {
            state = state.with_analyzer_rule(rule);
        }
        Ok(EngineSession { ctx: SessionContext::new_with_state(state.build()), stores })
    }

    async fn run(&self, ctx: &SessionContext, plan: LogicalPlan, _: JobNames<'_>, sink: BatchSink) -> Result<()> {
        let stream = ctx.execute_logical_plan(plan).await?.execute_stream().await?;
        sink(stream).await
    }
}
