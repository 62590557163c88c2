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

#[derive(Clone)]
struct Ui {
    app: Arc<ApplicationInfo>,
    jobs: Arc<JobLog>,
}

pub fn routes(app: Arc<ApplicationInfo>, jobs: Arc<JobLog>) -> Router {
    Router::new()
        .route("/", get(|| async { crate::web::page(crate::web::APPLICATION_PAGE) }))
        .route("/jobs/job/", get(|| async { crate::web::page(crate::web::JOB_PAGE) }))
        .route("/api/v1/applications", get(applications))
        .route("/api/v1/applications/{id}", get(application))
        .route("/api/v1/applications/{id}/jobs", get(list_jobs))
        .route("/api/v1/applications/{id}/jobs/{job}", get(one_job))
        .merge(crate::web::assets())
        .with_state(Ui { app, jobs })
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
