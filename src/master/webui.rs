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

pub fn routes(master: Arc<Master>) -> Router {
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
pub struct MasterJson {
    pub url: String,
    pub workers: Vec<WorkerSummary>,
    pub aliveworkers: usize,
    pub cores: usize,
    pub coresused: usize,
    pub memory: u64,
    pub memoryused: u64,
    pub resources: Vec<serde_json::Value>,
    pub resourcesused: Vec<serde_json::Value>,
    pub activeapps: Vec<ApplicationJson>,
    pub completedapps: Vec<ApplicationJson>,
    pub activedrivers: Vec<serde_json::Value>,
    pub completeddrivers: Vec<serde_json::Value>,
    pub status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ApplicationJson {
    pub id: String,
    pub starttime: u64,
    pub name: String,
    pub cores: usize,
    pub user: String,
    pub memoryperexecutor: u64,
    pub memoryperslave: u64,
    pub resourcesperexecutor: Vec<serde_json::Value>,
    pub resourcesperslave: Vec<serde_json::Value>,
    pub submitdate: String,
    pub state: ApplicationState,
    pub duration: u64,
    /// The application's UI (not in Spark's /json/; its page links to it).
    pub webuiaddress: String,
}

async fn master_json(State(master): State<Arc<Master>>) -> Json<MasterJson> {
    Json(master_status(&master))
}

/// The master's state as Spark's `/json/` reports it.
pub fn master_status(master: &Master) -> MasterJson {
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
