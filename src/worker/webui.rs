//! The worker's web UI port: `/json/` with the keys of Spark's worker (`id, masterurl, cores,
//! coresused, memory, memoryused, executors, …`) plus its running and finished tasks, `/log` (the
//! process's last log lines), and `/`, the page that renders both.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::WorkerInfo;

pub(crate) fn routes(info: Arc<WorkerInfo>) -> Router {
    Router::new()
        .route("/", get(|| async { crate::web::page(&crate::web::WORKER_PAGE) }))
        .route("/json", get(worker_json))
        .route("/json/", get(worker_json))
        .route("/log", get(|| async { Json(json!({ "lines": crate::logging::tail() })) }))
        .merge(crate::web::assets())
        .route("/links", get(links))
        .with_state(info)
}

async fn links(State(info): State<Arc<WorkerInfo>>) -> Json<crate::web::Links> {
    Json(crate::web::Links { master: info.master_webui_url.get().cloned(), console: info.console_url.get().cloned() })
}

async fn worker_json(State(info): State<Arc<WorkerInfo>>) -> Json<Value> {
    Json(worker_status(&info))
}

/// The worker's state as Spark's worker `/json/` reports it (memory in MiB).
pub(crate) fn worker_status(info: &WorkerInfo) -> Value {
    let cores_used = info.executor.active_task_count().min(info.cores);
    let memory_used = info.memory_mb * cores_used as u64 / info.cores as u64;
    json!({
        "id": info.id,
        "masterurl": info.master.to_string(),
        "masterwebuiurl": info.master_webui_url.get().cloned().unwrap_or_default(),
        "cores": info.cores,
        "coresused": cores_used,
        "memory": info.memory_mb,
        "memoryused": memory_used,
        "resources": {},
        "resourcesused": {},
        "executors": [],
        "finishedexecutors": [],
        "workdir": info.work_dir.display().to_string(),
        // A minispark worker is its own executor: it lists tasks where Spark's lists executors.
        "runningtasks": info.tasks.running(),
        "finishedtasks": info.tasks.finished(),
    })
}
