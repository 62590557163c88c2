//! The application UI port (Spark's 4040): the jobs page (`web/app.html`) and the parts of Spark's
//! REST API it renders, with Spark's field names: `/api/v1/applications[/{id}]` (container
//! healthchecks poll it) and `/api/v1/applications/{id}/jobs[/{jobId}]`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::jobs::{JobLog, spark_job_data, spark_job_detail};
use crate::master::registry::epoch_ms;

/// What the UI knows about the application it serves.
#[derive(Debug, Clone)]
pub struct ApplicationInfo {
    pub id: String,
    pub name: String,
    pub user: String,
    pub started: SystemTime,
}

/// What the application UI shows: the application, its jobs, where to ask the master about
/// workers, and the session's settings.
#[derive(Clone)]
pub struct Ui {
    pub app: Arc<ApplicationInfo>,
    pub jobs: Arc<JobLog>,
    /// `http://host:port` of the master's RPC port (its minispark API).
    pub master_api: String,
    pub http: reqwest::Client,
    /// Spark-style properties (`spark.app.name`, …) and the session's settings, secrets redacted.
    pub properties: Arc<Vec<(String, String)>>,
}

pub fn routes(ui: Ui) -> Router {
    Router::new()
        .route("/", get(|| async { crate::web::page(&crate::web::APPLICATION_PAGE) }))
        .route("/jobs/job/", get(|| async { crate::web::page(&crate::web::JOB_PAGE) }))
        .route("/executors/", get(|| async { crate::web::page(&crate::web::EXECUTORS_PAGE) }))
        .route("/environment/", get(|| async { crate::web::page(&crate::web::ENVIRONMENT_PAGE) }))
        .route("/api/v1/applications", get(applications))
        .route("/api/v1/applications/{id}", get(application))
        .route("/api/v1/applications/{id}/jobs", get(list_jobs))
        .route("/api/v1/applications/{id}/jobs/{job}", get(one_job))
        .route("/api/v1/applications/{id}/executors", get(executors))
        .route("/api/v1/applications/{id}/environment", get(environment))
        .merge(crate::web::assets())
        .with_state(ui)
}

/// Every worker of the cluster (all of them run this application's tasks), with Spark's
/// ExecutorSummary field names and this application's task counts on it.
async fn executors(State(ui): State<Ui>, Path(id): Path<String>) -> Result<Json<Value>, (StatusCode, String)> {
    known(&ui, &id).map_err(|status| (status, format!("no application {id}")))?;
    let workers: Vec<Value> = async {
        let response = ui.http.get(format!("{}/minispark/v1/workers", ui.master_api)).send().await?;
        let body = response.error_for_status()?.bytes().await?;
        Ok::<_, anyhow::Error>(serde_json::from_slice(&body)?)
    }
    .await
    .map_err(|err| (StatusCode::BAD_GATEWAY, format!("cannot ask the master for its workers: {err:#}")))?;
    let jobs = ui.jobs.jobs();
    let tasks: Vec<_> = jobs.iter().filter_map(|j| j.progress.as_ref()).flat_map(|p| p.tasks.iter()).collect();
    let summaries = workers.iter().map(|worker| {
        let on_worker = || tasks.iter().filter(|t| t.worker_id.as_deref() == worker["id"].as_str());
        let count = |status: &str| on_worker().filter(|t| t.status == status).count();
        let task_time: u64 = on_worker()
            .filter(|t| t.finish_time_ms > 0)
            .map(|t| t.finish_time_ms.saturating_sub(t.launch_time_ms))
            .sum();
        json!({
            "id": worker["id"],
            "hostPort": format!("{}:{}", worker["host"].as_str().unwrap_or_default(), worker["port"]),
            "isActive": worker["state"] == "ALIVE",
            "rddBlocks": 0,
            "memoryUsed": 0,
            "diskUsed": 0,
            "totalCores": worker["cores"],
            "maxTasks": worker["cores"],
            "activeTasks": count("RUNNING"),
            "failedTasks": count("FAILED"),
            "completedTasks": count("SUCCESS"),
            "totalTasks": on_worker().count(),
            "totalDuration": task_time,
            "totalGCTime": 0,
            "maxMemory": worker["memory"].as_u64().unwrap_or_default() * 1024 * 1024,
            "executorLogs": {},
            "webui": worker["webuiaddress"],
        })
    });
    Ok(Json(Value::Array(summaries.collect())))
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
pub fn redact(key: &str, value: String) -> String {
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
    ui.jobs.jobs().get(job).map(|record| Json(spark_job_detail(record))).ok_or(StatusCode::NOT_FOUND)
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
