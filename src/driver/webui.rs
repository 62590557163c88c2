//! The application UI port (Spark's 4040): the Jobs, Stages, SQL, Executors and Environment pages
//! (`web/`) and the parts of Spark's REST API they render, with Spark's field names:
//! `/api/v1/applications[/{id}]` (container healthchecks poll it) and, under it, `jobs[/{jobId}]`,
//! `stages[/{stageId}]`, `sql[/{executionId}]`, `executors` and `environment`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::jobs::{
    JobLog, WorkerDirectory, spark_job_data, spark_job_detail, spark_sql_execution, spark_stage_data,
    spark_stage_detail,
};
use crate::protocol::{MasterClient, TaskStatus, WorkerState, epoch_ms};

/// What the UI knows about the application it serves.
#[derive(Debug, Clone)]
pub struct ApplicationInfo {
    pub id: String,
    pub(crate) name: String,
    pub(crate) user: String,
    pub(crate) started: SystemTime,
    /// The other web UIs of the cluster.
    pub(crate) links: crate::web::Links,
}

/// What the application UI shows: the application, its jobs, where to ask the master about
/// workers, and the session's settings.
#[derive(Clone)]
pub(crate) struct Ui {
    pub(crate) app: Arc<ApplicationInfo>,
    pub(crate) jobs: Arc<JobLog>,
    /// The master's API, for its workers.
    pub(crate) master: MasterClient,
    /// Spark-style properties (`spark.app.name`, …) and the session's settings, secrets redacted.
    pub(crate) properties: Arc<Vec<(String, String)>>,
}

pub(crate) fn routes(ui: Ui) -> Router {
    Router::new()
        .route("/", get(|| async { crate::web::page(&crate::web::APPLICATION_PAGE) }))
        .route("/jobs/job/", get(|| async { crate::web::page(&crate::web::JOB_PAGE) }))
        .route("/jobs/", get(|| async { crate::web::page(&crate::web::APPLICATION_PAGE) }))
        .route("/stages/", get(|| async { crate::web::page(&crate::web::STAGES_PAGE) }))
        .route("/stages/stage/", get(|| async { crate::web::page(&crate::web::STAGE_PAGE) }))
        .route("/SQL/", get(|| async { crate::web::page(&crate::web::SQL_PAGE) }))
        .route("/SQL/execution/", get(|| async { crate::web::page(&crate::web::SQL_EXECUTION_PAGE) }))
        .route("/executors/", get(|| async { crate::web::page(&crate::web::EXECUTORS_PAGE) }))
        .route("/environment/", get(|| async { crate::web::page(&crate::web::ENVIRONMENT_PAGE) }))
        .route("/api/v1/applications", get(applications))
        .route("/api/v1/applications/{id}", get(application))
        .route("/api/v1/applications/{id}/jobs", get(list_jobs))
        .route("/api/v1/applications/{id}/jobs/{job}", get(one_job))
        .route("/api/v1/applications/{id}/stages", get(list_stages))
        .route("/api/v1/applications/{id}/stages/{stage}", get(one_stage))
        .route("/api/v1/applications/{id}/sql", get(list_sql))
        .route("/api/v1/applications/{id}/sql/{execution}", get(one_sql))
        .route("/api/v1/applications/{id}/executors", get(executors))
        .route("/api/v1/applications/{id}/environment", get(environment))
        .merge(crate::web::assets())
        .merge(crate::web::links(ui.app.links.clone()))
        .with_state(ui)
}

/// Every worker of the cluster (all of them run this application's tasks), with Spark's
/// ExecutorSummary field names and this application's task counts on it.
async fn executors(State(ui): State<Ui>, Path(id): Path<String>) -> Result<Json<Value>, (StatusCode, String)> {
    known(&ui, &id).map_err(|status| (status, format!("no application {id}")))?;
    let workers = ui
        .master
        .workers()
        .await
        .map_err(|err| (StatusCode::BAD_GATEWAY, format!("cannot ask the master for its workers: {err:#}")))?;
    let jobs = ui.jobs.jobs();
    let tasks: Vec<_> = jobs.iter().filter_map(|j| j.progress.as_ref()).flat_map(|p| p.tasks.iter()).collect();
    let summaries = workers.iter().map(|worker| {
        let on_worker = || tasks.iter().filter(|t| t.worker_id.as_ref() == Some(&worker.id));
        let count = |status: TaskStatus| on_worker().filter(|t| t.status == status).count();
        let task_time: u64 = on_worker()
            .filter(|t| t.finish_time_ms > 0)
            .map(|t| t.finish_time_ms.saturating_sub(t.launch_time_ms))
            .sum();
        json!({
            "id": worker.id,
            "hostPort": format!("{}:{}", worker.host, worker.port),
            "isActive": worker.state == WorkerState::Alive,
            "rddBlocks": 0,
            "memoryUsed": 0,
            "diskUsed": 0,
            "totalCores": worker.cores,
            "maxTasks": worker.cores,
            "activeTasks": count(TaskStatus::Running),
            "failedTasks": count(TaskStatus::Failed),
            "completedTasks": count(TaskStatus::Success),
            "totalTasks": on_worker().count(),
            "totalDuration": task_time,
            "totalInputBytes": 0,
            "totalShuffleRead": on_worker().map(|t| t.shuffle_read.bytes).sum::<u64>(),
            "totalShuffleWrite": on_worker().map(|t| t.shuffle_write.bytes).sum::<u64>(),
            "totalShuffleReadRecords": on_worker().map(|t| t.shuffle_read.rows).sum::<u64>(),
            "totalShuffleWriteRecords": on_worker().map(|t| t.shuffle_write.rows).sum::<u64>(),
            "totalGCTime": 0,
            "maxMemory": worker.memory * 1024 * 1024,
            "executorLogs": {},
            "webui": worker.webuiaddress,
        })
    });
    Ok(Json(Value::Array(summaries.collect())))
}

/// Where each worker is, for linking tasks to their workers; empty if the master is unreachable
/// (the pages then show worker ids without links).
async fn worker_directory(ui: &Ui) -> WorkerDirectory {
    let workers = ui.master.workers().await.unwrap_or_default();
    workers.into_iter().map(|w| (w.id, (w.host, w.webuiaddress))).collect()
}

/// Every stage of every job, newest first, numbered across the application as Spark does.
async fn list_stages(State(ui): State<Ui>, Path(id): Path<String>) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    let jobs = ui.jobs.jobs();
    let mut stages: Vec<Value> = jobs
        .iter()
        .flat_map(|job| {
            let stages = job.progress.as_ref().map(|p| p.stages.as_slice()).unwrap_or_default();
            stages.iter().map(|stage| spark_stage_data(job, stage))
        })
        .collect();
    stages.reverse();
    Ok(Json(Value::Array(stages)))
}

/// One stage's attempts (always one: Ballista retries tasks, not stages) with their tasks.
async fn one_stage(State(ui): State<Ui>, Path((id, stage)): Path<(String, usize)>) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    let jobs = ui.jobs.jobs();
    let found = jobs.iter().find_map(|job| {
        let stages = job.progress.as_ref().map(|p| p.stages.as_slice()).unwrap_or_default();
        stages.iter().find(|s| job.stage_number(s.stage_id) == stage).map(|s| (job, s))
    });
    let (job, stage) = found.ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(json!([spark_stage_detail(job, stage, &worker_directory(&ui).await)])))
}

/// Each statement or DataFrame action as a SQL execution, newest first.
async fn list_sql(State(ui): State<Ui>, Path(id): Path<String>) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    Ok(Json(ui.jobs.jobs().iter().rev().map(spark_sql_execution).collect()))
}

async fn one_sql(
    State(ui): State<Ui>,
    Path((id, execution)): Path<(String, usize)>,
) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    ui.jobs.jobs().get(execution).map(|job| Json(spark_sql_execution(job))).ok_or(StatusCode::NOT_FOUND)
}

/// Spark's environment answer: runtime versions and the application's properties.
async fn environment(State(ui): State<Ui>, Path(id): Path<String>) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    Ok(Json(json!({
        "runtime": {
            "minisparkVersion": env!("CARGO_PKG_VERSION"),
            "engine": "Apache DataFusion 55, Apache DataFusion Ballista 55",
        },
        "sparkProperties": ui.properties.as_ref(),
        "hadoopProperties": [],
        "systemProperties": [],
        "metricsProperties": [],
        "classpathEntries": [],
        "resourceProfiles": [],
    })))
}

/// Spark's default `spark.redaction.regex` (`(?i)secret|password|token|access[.]?key`).
pub(crate) fn redact(key: &str, value: String) -> String {
    let key = key.to_ascii_lowercase();
    let secret =
        ["secret", "password", "token", "access_key", "access.key", "accesskey"].iter().any(|w| key.contains(w));
    if secret { "*********(redacted)".to_string() } else { value }
}

async fn applications(State(ui): State<Ui>) -> Json<Value> {
    Json(json!([application_json(&ui.app)]))
}

async fn application(State(ui): State<Ui>, Path(id): Path<String>) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    Ok(Json(application_json(&ui.app)))
}

/// Newest first, as Spark lists them.
async fn list_jobs(State(ui): State<Ui>, Path(id): Path<String>) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    Ok(Json(ui.jobs.jobs().iter().rev().map(spark_job_data).collect()))
}

async fn one_job(State(ui): State<Ui>, Path((id, job)): Path<(String, usize)>) -> Result<Json<Value>, StatusCode> {
    known(&ui, &id)?;
    let record = ui.jobs.jobs().get(job).cloned().ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(spark_job_detail(&record, &worker_directory(&ui).await)))
}

fn known(ui: &Ui, id: &str) -> Result<(), StatusCode> {
    if id == ui.app.id { Ok(()) } else { Err(StatusCode::NOT_FOUND) }
}

/// One application as Spark's `/api/v1/applications` lists a running one: a single attempt,
/// not completed, end time -1.
fn application_json(app: &ApplicationInfo) -> Value {
    let start_ms = epoch_ms(app.started);
    let now_ms = epoch_ms(SystemTime::now());
    json!({
        "id": app.id,
        "name": app.name,
        "attempts": [{
            "startTime": spark_time(start_ms as i64),
            "endTime": spark_time(-1),
            "lastUpdated": spark_time(now_ms as i64),
            "duration": now_ms.saturating_sub(start_ms),
            "sparkUser": app.user,
            "completed": false,
            "appSparkVersion": env!("CARGO_PKG_VERSION"),
            "startTimeEpoch": start_ms,
            "endTimeEpoch": -1,
            "lastUpdatedEpoch": now_ms,
        }],
    })
}

/// Spark's REST time format, e.g. `2024-05-01T10:00:00.000GMT`.
pub(crate) fn spark_time(epoch_ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(epoch_ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fGMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_use_sparks_format() {
        assert_eq!(spark_time(0), "1970-01-01T00:00:00.000GMT");
        assert_eq!(spark_time(-1), "1969-12-31T23:59:59.999GMT");
        assert_eq!(spark_time(1_714_557_600_123), "2024-05-01T10:00:00.123GMT");
    }
}
