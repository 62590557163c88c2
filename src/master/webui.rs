//! The master's web UI port: `/json/` with the keys and value conventions of Spark's master
//! (memory in MiB, heartbeats in epoch milliseconds, lowercase keys), which scripts and
//! healthchecks poll, and `/`, the page that renders it (`web/master.html`).

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::registry::ApplicationRecord;
use super::state::Master;
use crate::protocol::{ApplicationState, WorkerState, WorkerSummary, epoch_ms};

pub(crate) fn routes(master: Arc<Master>) -> Router {
    Router::new()
        .route("/", get(|| async { crate::web::page(&crate::web::MASTER_PAGE) }))
        .route("/json", get(master_json))
        .route("/json/", get(master_json))
        .merge(crate::web::assets())
        .merge(crate::web::links(crate::web::Links { master: None, console: master.console_url.clone() }))
        .with_state(master)
}

/// The body of `GET /json/`.
#[derive(Debug, Serialize)]
pub(crate) struct MasterJson {
    pub(crate) url: String,
    pub(crate) workers: Vec<WorkerSummary>,
    pub(crate) aliveworkers: usize,
    pub(crate) cores: usize,
    pub(crate) coresused: usize,
    pub(crate) memory: u64,
    pub(crate) memoryused: u64,
    pub(crate) resources: Vec<serde_json::Value>,
    pub(crate) resourcesused: Vec<serde_json::Value>,
    pub(crate) activeapps: Vec<ApplicationJson>,
    pub(crate) completedapps: Vec<ApplicationJson>,
    pub(crate) activedrivers: Vec<serde_json::Value>,
    pub(crate) completeddrivers: Vec<serde_json::Value>,
    pub(crate) status: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct ApplicationJson {
    pub(crate) id: String,
    pub(crate) starttime: u64,
    pub(crate) name: String,
    pub(crate) cores: usize,
    pub(crate) user: String,
    pub(crate) memoryperexecutor: u64,
    pub(crate) memoryperslave: u64,
    pub(crate) resourcesperexecutor: Vec<serde_json::Value>,
    pub(crate) resourcesperslave: Vec<serde_json::Value>,
    pub(crate) submitdate: String,
    pub(crate) state: ApplicationState,
    pub(crate) duration: u64,
    /// The application's UI (not in Spark's /json/; its page links to it).
    pub(crate) webuiaddress: String,
}

async fn master_json(State(master): State<Arc<Master>>) -> Json<MasterJson> {
    Json(master_status(&master))
}

/// The master's state as Spark's `/json/` reports it.
pub(crate) fn master_status(master: &Master) -> MasterJson {
    let workers: Vec<WorkerSummary> = master.registry.workers().iter().map(|w| w.summary()).collect();
    let alive = workers.iter().filter(|w| w.state == WorkerState::Alive);
    let (cores, coresused, memory, memoryused) = alive
        .clone()
        .fold((0, 0, 0, 0), |acc, w| (acc.0 + w.cores, acc.1 + w.coresused, acc.2 + w.memory, acc.3 + w.memoryused));
    let now_ms = epoch_ms(SystemTime::now());
    let (completed, active): (Vec<_>, Vec<_>) =
        master.registry.applications().into_iter().partition(|app| app.end_time_ms.is_some());
    MasterJson {
        url: master.url.to_string(),
        aliveworkers: alive.count(),
        workers,
        cores,
        coresused,
        memory,
        memoryused,
        resources: vec![],
        resourcesused: vec![],
        activeapps: active.iter().map(|app| application_json(app, now_ms)).collect(),
        completedapps: completed.iter().map(|app| application_json(app, now_ms)).collect(),
        activedrivers: vec![],
        completeddrivers: vec![],
        status: "ALIVE",
    }
}

fn application_json(app: &ApplicationRecord, now_ms: u64) -> ApplicationJson {
    let submitted = chrono::DateTime::<chrono::Utc>::from(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(app.start_time_ms),
    );
    ApplicationJson {
        id: app.id.clone(),
        starttime: app.start_time_ms,
        name: app.name.clone(),
        cores: app.cores,
        user: app.user.clone(),
        memoryperexecutor: app.memory_per_executor_mb,
        memoryperslave: app.memory_per_executor_mb,
        resourcesperexecutor: vec![],
        resourcesperslave: vec![],
        submitdate: submitted.format("%a %b %d %H:%M:%S UTC %Y").to_string(),
        state: app.state,
        duration: app.end_time_ms.unwrap_or(now_ms).saturating_sub(app.start_time_ms),
        webuiaddress: app.webui_address.clone().unwrap_or_default(),
    }
}
