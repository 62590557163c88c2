//! The application UI port (Spark's 4040): for now the part of Spark's REST API that says which
//! application this driver runs, `/api/v1/applications[/{id}]`, with Spark's field names. Container
//! healthchecks and scripts poll it; the pages come with the web UI work.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::master::registry::epoch_ms;

/// What the UI knows about the application it serves.
#[derive(Debug, Clone)]
pub struct ApplicationInfo {
    pub id: String,
    pub name: String,
    pub user: String,
    pub started: SystemTime,
}

pub fn routes(app: Arc<ApplicationInfo>) -> Router {
    Router::new()
        .route("/api/v1/applications", get(applications))
        .route("/api/v1/applications/{id}", get(application))
        .with_state(app)
}

async fn applications(State(app): State<Arc<ApplicationInfo>>) -> Json<Value> {
    Json(json!([application_json(&app)]))
}

async fn application(
    State(app): State<Arc<ApplicationInfo>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    if id == app.id { Ok(Json(application_json(&app))) } else { Err(StatusCode::NOT_FOUND) }
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
fn spark_time(epoch_ms: i64) -> String {
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
