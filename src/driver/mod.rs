//! The driver role: runs applications on the cluster.
//!
//! A driver registers its application with the master, opens a Ballista client session configured
//! for the cluster (S3 settings, one partition per task, the static planner so a lost worker's
//! tasks are rerun) and runs SQL job files. A job file is checked before anything runs: every
//! statement must parse, and every statement must plan once the tables it defines exist, so a
//! typo in the last statement cannot leave half of the outputs written. Queries then run on the
//! workers while [`progress`] reports their stages and tasks.

pub(crate) mod jobs;
pub(crate) mod progress;
pub mod shell;
pub(crate) mod webui;

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context, Result, anyhow};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::config::BALLISTA_SCHEDULER_MAX_PARTITIONS_PER_TASK;
use ballista_core::execution_plans::DistributedQueryExec;
use ballista_core::object_store::session_config_with_s3_support;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::{DdlStatement, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::protobuf::LogicalPlanNode;
use futures::TryStreamExt;
use tokio_util::sync::CancellationToken;

use crate::config::{DriverConfig, MasterUrl};
use crate::paths::{check_input_exists, existing_files};
use crate::protocol::{ApplicationRegistration, ApplicationState, JobProgress, MasterClient};
use crate::s3::ClusterObjectStores;
use crate::service::serve_router;
use crate::sql_text::{Statement, split_statements};
use webui::ApplicationInfo;

/// An application connected to the cluster.
pub struct Driver {
    ctx: SessionContext,
    /// The session settings every session of this application starts from (Spark Connect
    /// clients each get their own session).
    session_config: SessionConfig,
    master: MasterClient,
    pub app: Arc<ApplicationInfo>,
    /// Every job this application ran, for its UI.
    pub(crate) jobs: Arc<jobs::JobLog>,
    quiet: bool,
}

/// What one statement of a job did.
#[derive(Debug)]
pub struct StatementResult {
    pub statement: Statement,
    /// Scheduler job id, for statements that ran on the cluster.
    pub job_id: Option<String>,
    pub outcome: Outcome,
}

#[derive(Debug)]
pub enum Outcome {
    /// A definition (table, view, setting) that ran in the driver.
    Defined,
    /// A write: rows written and where to.
    Wrote { rows: u64, target: String },
    /// A query's result rows.
    Rows(Vec<RecordBatch>),
}

impl Driver {
    /// Registers the application with the master and opens a session on the cluster.
    pub async fn connect(config: &DriverConfig, app_name: &str) -> Result<Self> {
        let master = MasterClient::new(&config.master)?;
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        let registration = ApplicationRegistration {
            name: app_name.to_string(),
            user: user.clone(),
            webui_address: config.ui_url.clone(),
        };
        let registered = master.register_application(&registration).await?;

        let mut session = session_config_with_s3_support()
            // Enough partitions to give every task slot work; one partition per task, as Spark does.
            .with_target_partitions(registered.cores.max(2))
            .with_ballista_job_name(app_name)
            // The static planner reruns a lost worker's tasks; the adaptive one cannot yet.
            .with_ballista_adaptive_query_planner(false);
        session.options_mut().set(BALLISTA_SCHEDULER_MAX_PARTITIONS_PER_TASK, "1")?;
        crate::s3::set_session_options(&mut session, &config.s3)?;
        let (ctx, _) = cluster_session(&config.master, session.clone(), None)
            .await
            .with_context(|| format!("cannot open a session on the master at {}", config.master))?;
        tracing::info!(app = %registered.id, "application {app_name} registered with {}", config.master);
        if registered.cores == 0 {
            tracing::warn!("no ALIVE workers are registered with {}: jobs wait until one is", config.master);
        }
        let app = ApplicationInfo {
            id: registered.id,
            name: app_name.to_string(),
            user,
            started: SystemTime::now(),
            links: crate::web::Links { master: registered.master_webui_url, console: registered.console_url },
        };
        let jobs = Arc::default();
        Ok(Self { ctx, session_config: session, master, app: Arc::new(app), jobs, quiet: config.quiet })
    }

    /// A new session of this application on the cluster, with its own tables and settings, and
    /// the object stores behind its S3 settings. `analyzer_rules` adds semantics to its plans.
    pub(crate) async fn new_session(
        &self,
        options: &[(&str, &str)],
        analyzer_rules: Vec<Arc<dyn AnalyzerRule + Send + Sync>>,
    ) -> Result<(SessionContext, Arc<ClusterObjectStores>)> {
        let mut config = self.session_config.clone();
        for (key, value) in options {
            config.options_mut().set(key, value)?;
        }
        cluster_session(self.master(), config, Some(analyzer_rules)).await
    }

    /// The master this application runs on.
    pub(crate) fn master(&self) -> &MasterUrl {
        self.master.url()
    }

    /// Tells the master the application has ended.
    pub async fn finish(&self, succeeded: bool) {
        let state = if succeeded { ApplicationState::Finished } else { ApplicationState::Failed };
        if let Err(err) = self.master.finish_application(&self.app.id, state).await {
            tracing::warn!("cannot report the end of {} to the master: {err:#}", self.app.id);
        }
    }

    /// Runs a job file and prints what each statement did: query results as tables, writes as
    /// row counts with their target.
    pub(crate) async fn run_and_print(&self, path: &Path) -> Result<Vec<StatementResult>> {
        let results = self.run_script(path).await?;
        print_results(&results)?;
        Ok(results)
    }

    /// Runs every statement of a job file, after checking that all of them parse and plan.
    pub async fn run_script(&self, path: &Path) -> Result<Vec<StatementResult>> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the job file {file}"))?;
        self.run_sql(&text, &file).await
    }

    /// Runs SQL text from `source` (a file name, or `<stdin>`), all statements checked first.
    pub(crate) async fn run_sql(&self, text: &str, file: &str) -> Result<Vec<StatementResult>> {
        let statements = split_statements(text).with_context(|| format!("{file}: invalid SQL"))?;
        if statements.is_empty() {
            return Err(anyhow!("{file} contains no SQL statements"));
        }

        let state = self.ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let mut parsed = Vec::with_capacity(statements.len());
        for statement in statements {
            let ast = state
                .sql_to_statement(&statement.sql, &dialect)
                .map_err(|e| anyhow!("{}: syntax error: {e}", statement.location(file)))?;
            parsed.push((statement, ast));
        }

        // Definitions run now, in order, so later statements can be planned against them.
        let mut planned = Vec::new();
        for (statement, ast) in parsed {
            let plan = crate::sql_text::plan_statement(&self.ctx.state(), ast)
                .await
                .map_err(|e| anyhow!("{}: {e}", statement.location(file)))?;
            if is_definition(&plan) {
                self.define(plan).await.map_err(|e| anyhow!("{}: {e:#}", statement.location(file)))?;
                planned.push((statement, None));
            } else {
                planned.push((statement, Some(plan)));
            }
        }

        let mut results = Vec::new();
        for (statement, plan) in planned {
            let Some(plan) = plan else {
                results.push(StatementResult { statement, job_id: None, outcome: Outcome::Defined });
                continue;
            };
            let target = write_target(&plan);
            let fail = |e: anyhow::Error| anyhow!("{}: {e:#}", statement.location(file));
            let replaced = match copy_directory(&plan) {
                Some(directory) => Some(existing_files(&self.ctx, directory).await.map_err(fail)?),
                None => None,
            };
            let (job_id, batches) = self.execute(plan, &statement).await.map_err(fail)?;
            if let Some(replaced) = replaced {
                replaced.remove().await.map_err(fail)?;
            }
            let outcome = match target {
                Some(target) => Outcome::Wrote { rows: count_written(&batches), target },
                None => Outcome::Rows(batches),
            };
            results.push(StatementResult { statement, job_id, outcome });
        }
        Ok(results)
    }

    /// Runs a definition in the driver; an external table must point at existing data.
    async fn define(&self, plan: LogicalPlan) -> Result<()> {
        if let LogicalPlan::Ddl(DdlStatement::CreateExternalTable(table)) = &plan {
            for location in &table.locations {
                check_input_exists(&self.ctx, location).await?;
            }
        }
        self.ctx.execute_logical_plan(plan).await?.collect().await?;
        Ok(())
    }

    /// Runs a plan on the cluster, reporting progress while it runs and recording it in the
    /// application's job history.
    async fn execute(&self, plan: LogicalPlan, statement: &Statement) -> Result<(Option<String>, Vec<RecordBatch>)> {
        let label = format!("statement {}", statement.number);
        let collect = |stream: SendableRecordBatchStream| async move { Ok(stream.try_collect::<Vec<_>>().await?) };
        self.run_job(&self.ctx, plan, &label, &statement.sql, collect).await
    }

    /// Runs `plan` in the session `ctx` on the cluster and hands its result stream to `consume`,
    /// reporting progress under `label` and recording the job (as `description`) for the
    /// application UI. Returns the scheduler's job id, once it gave one, and what `consume` made.
    pub(crate) async fn run_job<T, F, Fut>(
        &self,
        ctx: &SessionContext,
        plan: LogicalPlan,
        label: &str,
        description: &str,
        consume: F,
    ) -> Result<(Option<String>, T)>
    where
        T: Send + 'static,
        F: FnOnce(SendableRecordBatchStream) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        let index = self.jobs.start(description);
        let result = async {
            let plan = crate::compat::copy_with_portable_options(plan)?;
            let frame = ctx.execute_logical_plan(plan).await?;
            let optimized = frame.clone().into_optimized_plan()?;
            self.jobs.set_plan(index, optimized.display_indent().to_string());
            let physical = frame.create_physical_plan().await?;
            let task_ctx = ctx.task_ctx();
            let plan_to_run = physical.clone();
            let running = tokio::spawn(async move {
                let stream = datafusion::physical_plan::execute_stream(plan_to_run, task_ctx)?;
                consume(stream).await
            });
            let reporter = progress::Reporter::new(self.master.clone(), label.to_string(), self.quiet);
            let observe = |progress: &JobProgress| self.jobs.observe(index, progress);
            let job_id = reporter.follow(|| distributed_job_id(&physical), &running, observe).await;
            let output = running.await.context("the query task panicked")??;
            Ok((job_id, output))
        }
        .await;
        self.jobs.finish(index, result.as_ref().err().map(|e| format!("{e:#}")));
        result
    }

    /// Serves the application UI (jobs page and Spark's REST API) on `listener`.
    pub fn serve_ui(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) -> Result<crate::service::Service> {
        let mut properties = vec![
            ("spark.app.id".to_string(), self.app.id.clone()),
            ("spark.app.name".to_string(), self.app.name.clone()),
            ("spark.master".to_string(), self.master().to_string()),
        ];
        let config = self.ctx.copied_config();
        let settings = config.options().entries().into_iter().filter_map(|e| Some((e.key.clone(), e.value?)));
        properties.extend(settings.map(|(key, value)| (key.clone(), webui::redact(&key, value))));
        let ui = webui::Ui {
            app: self.app.clone(),
            jobs: self.jobs.clone(),
            master: self.master.clone(),
            properties: Arc::new(properties),
        };
        serve_router("application UI", listener, webui::routes(ui), shutdown)
    }
}

/// A Ballista client session on the master's scheduler with `config`, and its object stores.
async fn cluster_session(
    master: &MasterUrl,
    config: SessionConfig,
    analyzer_rules: Option<Vec<Arc<dyn AnalyzerRule + Send + Sync>>>,
) -> Result<(SessionContext, Arc<ClusterObjectStores>)> {
    let (runtime, stores) = crate::s3::runtime_env_with_stores(&config, None)?;
    let mut builder = SessionStateBuilder::new().with_config(config).with_runtime_env(runtime).with_default_features();
    for rule in analyzer_rules.into_iter().flatten() {
        builder = builder.with_analyzer_rule(rule);
    }
    let ctx =
        SessionContext::remote_with_state(&format!("df://{}:{}", master.host, master.port), builder.build()).await?;
    // Ballista's client replaces the session's functions by its own list: Spark's go on top after,
    // in the last rebuild of the state (a rebuild registers the existing functions again in no
    // fixed order, so one that shares a name with Spark's could win after it).
    let state = crate::compat::without_client_cse(ctx.state());
    let state = crate::functions::with_spark_functions(SessionStateBuilder::new_from_existing(state)).build();
    Ok((SessionContext::new_with_state(state), stores))
}

/// Prints what each statement did: query results as tables, writes as row counts with their target.
pub(crate) fn print_results(results: &[StatementResult]) -> Result<()> {
    for result in results {
        match &result.outcome {
            Outcome::Defined => {}
            Outcome::Wrote { rows, target } => println!("wrote {rows} rows to {target}"),
            Outcome::Rows(batches) => {
                println!("{}", pretty_format_batches(batches)?);
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                println!("({rows} row{})", if rows == 1 { "" } else { "s" });
            }
        }
    }
    Ok(())
}

/// The scheduler's id for a running plan, once the scheduler has accepted it.
fn distributed_job_id(plan: &Arc<dyn ExecutionPlan>) -> Option<String> {
    plan.downcast_ref::<DistributedQueryExec<LogicalPlanNode>>().and_then(|exec| exec.job_id()).map(|id| id.to_string())
}

fn is_definition(plan: &LogicalPlan) -> bool {
    matches!(plan, LogicalPlan::Ddl(_) | LogicalPlan::Statement(_))
}

/// A COPY into a directory replaces the directory's contents, as Spark's overwrite mode does;
/// without that, every run would add another copy of the result beside the last one.
fn copy_directory(plan: &LogicalPlan) -> Option<&str> {
    match plan {
        LogicalPlan::Copy(copy) if copy.output_url.ends_with('/') => Some(&copy.output_url),
        _ => None,
    }
}

/// Where a write plan puts its rows, or None for a query.
fn write_target(plan: &LogicalPlan) -> Option<String> {
    match plan {
        LogicalPlan::Copy(copy) => Some(copy.output_url.clone()),
        LogicalPlan::Dml(dml) => Some(dml.table_name.to_string()),
        _ => None,
    }
}

/// Writes answer with one row holding the number of rows written.
fn count_written(batches: &[RecordBatch]) -> u64 {
    use datafusion::arrow::array::{Array, UInt64Array};
    batches
        .iter()
        .filter(|b| b.num_columns() > 0)
        .filter_map(|b| {
            b.column(0).as_any().downcast_ref::<UInt64Array>().map(|a| (0..a.len()).map(|i| a.value(i)).sum::<u64>())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ballista's client session replaces the functions it is given by its own list; Spark's
    /// must still be there after (no scheduler is contacted to build the session).
    #[tokio::test]
    async fn cluster_sessions_plan_with_sparks_functions() {
        let master = MasterUrl { host: "127.0.0.1".into(), port: 1 };
        let (ctx, _) = cluster_session(&master, SessionConfig::new(), None).await.unwrap();
        for name in ["sha2", "try_divide", "date_add", "avg"] {
            assert!(
                ctx.state().scalar_functions().contains_key(name)
                    || ctx.state().aggregate_functions().contains_key(name),
                "{name}"
            );
        }
        assert!(ctx.state().scalar_functions().contains_key("nullifzero"));
    }
}
