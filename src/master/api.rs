//! The master's own API, served on the RPC port next to Ballista's: workers announce what Ballista's
//! registration does not carry (memory, web UI address), drivers register applications, and anyone
//! can ask which worker ran each task of a job (Ballista's REST task summaries have no executor).
//!
//! The request and response types are the [`crate::protocol`]'s; workers and drivers call these
//! routes through its `MasterClient`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};

use super::state::Master;
use crate::protocol::{
    ApplicationFinished, ApplicationRegistered, ApplicationRegistration, ApplicationState, JobProgress,
    WorkerAcknowledged, WorkerAnnouncement, WorkerSummary,
};

pub(crate) fn routes(master: Arc<Master>) -> Router {
    Router::new()
        .route("/minispark/v1/workers/{id}", put(announce_worker))
        .route("/minispark/v1/applications", post(register_application))
        .route("/minispark/v1/applications/{id}/finish", post(finish_application))
        .route("/minispark/v1/jobs/{id}", get(job_progress))
        .route("/minispark/v1/workers", get(list_workers))
        .with_state(master)
}

/// The workers as the master's /json/ lists them, for drivers (which know only the RPC port).
async fn list_workers(State(master): State<Arc<Master>>) -> Json<Vec<WorkerSummary>> {
    Json(master.registry.workers().iter().map(|w| w.summary()).collect())
}

async fn announce_worker(
    State(master): State<Arc<Master>>,
    Path(id): Path<String>,
    Json(announcement): Json<WorkerAnnouncement>,
) -> Result<Json<WorkerAcknowledged>, StatusCode> {
    if announcement.id != id {
        return Err(StatusCode::BAD_REQUEST);
    }
    master.registry.announce_worker(announcement);
    Ok(Json(WorkerAcknowledged { master_webui_url: master.webui_url.clone(), console_url: master.console_url.clone() }))
}

async fn register_application(
    State(master): State<Arc<Master>>,
    Json(registration): Json<ApplicationRegistration>,
) -> Json<ApplicationRegistered> {
    let capacity = master.registry.alive_capacity();
    Json(ApplicationRegistered {
        id: master.registry.register_application(registration, capacity),
        cores: capacity.cores,
        master_webui_url: Some(master.webui_url.clone()),
        console_url: master.console_url.clone(),
    })
}

async fn finish_application(
    State(master): State<Arc<Master>>,
    Path(id): Path<String>,
    Json(finished): Json<ApplicationFinished>,
) -> StatusCode {
    if finished.state == ApplicationState::Running {
        return StatusCode::BAD_REQUEST;
    }
    if master.registry.finish_application(&id, finished.state) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

async fn job_progress(
    State(master): State<Arc<Master>>,
    Path(id): Path<String>,
) -> Result<Json<JobProgress>, (StatusCode, String)> {
    match master.job_progress(&id).await {
        Ok(Some(progress)) => Ok(Json(progress)),
        Ok(None) => Err((StatusCode::NOT_FOUND, format!("no job {id}"))),
        Err(err) => Err((StatusCode::INTERNAL_SERVER_ERROR, format!("{err:#}"))),
    }
}
