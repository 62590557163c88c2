//! The master's own API, served on the RPC port next to Ballista's: workers announce what Ballista's
//! registration does not carry (memory, web UI address), drivers register applications, and anyone
//! can ask which worker ran each task of a job (Ballista's REST task summaries have no executor).
//!
//! The request and response types are shared with the worker and driver, which call these routes.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use ballista_core::JobId;
use ballista_core::serde::protobuf::job_status;
use ballista_core::serde::protobuf::task_status::Status as TaskStatus;
use ballista_scheduler::state::execution_graph::ExecutionGraph;
use ballista_scheduler::state::execution_stage::ExecutionStage;
use datafusion::physical_plan::displayable;
use serde::{Deserialize, Serialize};

use super::Master;

/// What a worker tells the master about itself beyond Ballista's registration (which carries its
/// host, data port and cores), repeated every heartbeat interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerAnnouncement {
    pub id: String,
    /// `http://host:port` of the worker's web UI.
    pub webui_address: String,
    pub memory_mb: u64,
}

/// The master's answer to an announcement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerAcknowledged {
    pub master_webui_url: String,
}

/// A driver registering its application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplicationRegistration {
    pub name: String,
    pub user: String,
    /// `http://host:port` of the application's UI, if it serves one.
    pub webui_address: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplicationRegistered {
    pub id: String,
    /// Task slots on the alive workers when the application registered.
    pub cores: usize,
}

/// How an application ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplicationFinished {
    /// `FINISHED`, `FAILED` or `KILLED`, as in Spark.
    pub state: String,
}

/// Where a job stands: its stages and every task attempt with the worker that ran it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobProgress {
    pub job_id: String,
    pub job_name: String,
    /// `QUEUED`, `RUNNING`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    pub stages: Vec<StageProgress>,
    pub tasks: Vec<TaskProgress>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageProgress {
    pub stage_id: usize,
    /// Ballista's stage state: Unresolved, Resolved, Running, Successful or Failed.
    pub state: String,
    /// Number of partitions (tasks at one partition per task); unknown until the stage is resolved.
    pub partitions: Option<usize>,
    pub completed_partitions: usize,
    pub running_partitions: usize,
    /// The stage's physical plan, one operator per line.
    #[serde(default)]
    pub plan: String,
    /// Stages that read this stage's output (empty for the final stage).
    #[serde(default)]
    pub output_links: Vec<usize>,
    /// Rows the stage wrote, once it has finished.
    #[serde(default)]
    pub output_rows: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskProgress {
    pub stage_id: usize,
    pub task_id: usize,
    pub partitions: Vec<usize>,
    /// The worker that ran (or runs) the task; unknown for failed attempts.
    pub worker_id: Option<String>,
    /// `RUNNING`, `SUCCESS` or `FAILED`.
    pub status: String,
    pub launch_time_ms: u64,
    pub finish_time_ms: u64,
}

pub fn routes(master: Arc<Master>) -> Router {
    Router::new()
        .route("/minispark/v1/workers/{id}", put(announce_worker))
        .route("/minispark/v1/applications", post(register_application))
        .route("/minispark/v1/applications/{id}/finish", post(finish_application))
        .route("/minispark/v1/jobs/{id}", get(job_progress))
        .route("/minispark/v1/workers", get(list_workers))
        .with_state(master)
}

/// The workers as the master's /json/ lists them, for drivers (which know only the RPC port).
async fn list_workers(State(master): State<Arc<Master>>) -> Json<Vec<super::webui::WorkerJson>> {
    Json(super::webui::master_status(&master).workers)
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
    Ok(Json(WorkerAcknowledged { master_webui_url: master.webui_url.clone() }))
}

async fn register_application(
    State(master): State<Arc<Master>>,
    Json(registration): Json<ApplicationRegistration>,
) -> Json<ApplicationRegistered> {
    let capacity = master.registry.alive_capacity();
    Json(ApplicationRegistered {
        id: master.registry.register_application(registration, capacity),
        cores: capacity.cores,
    })
}

async fn finish_application(
    State(master): State<Arc<Master>>,
    Path(id): Path<String>,
    Json(finished): Json<ApplicationFinished>,
) -> StatusCode {
    if master.registry.finish_application(&id, &finished.state) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
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

impl Master {
    /// The progress of a running job, or of a finished one the scheduler still remembers.
    pub async fn job_progress(&self, job_id: &str) -> anyhow::Result<Option<JobProgress>> {
        let id = JobId::from(job_id);
        if let Some(job) = self.scheduler.server.state.task_manager.get_running_job_cache().get(&id) {
            let graph = job.execution_graph.read().await;
            return Ok(Some(summarize(graph.as_ref())));
        }
        let graph = self.scheduler.cluster.job_state().get_execution_graph(&id).await?;
        Ok(graph.map(|graph| summarize(graph.as_ref())))
    }
}

fn summarize(graph: &dyn ExecutionGraph) -> JobProgress {
    let mut stages = Vec::new();
    let mut tasks = Vec::new();
    for (&stage_id, stage) in graph.stages() {
        let (partitions, plan, output_links) = match stage {
            ExecutionStage::UnResolved(s) => (None, &s.plan, &s.output_links),
            ExecutionStage::Resolved(s) => (Some(s.partitions), &s.plan, &s.output_links),
            ExecutionStage::Running(s) => (Some(s.partitions), &s.plan, &s.output_links),
            ExecutionStage::Successful(s) => (Some(s.partitions), &s.plan, &s.output_links),
            ExecutionStage::Failed(s) => (Some(s.partitions), &s.plan, &s.output_links),
        };
        // Ballista aggregates metrics per operator; the first set is the stage's root (its writer).
        let output_rows = match stage {
            ExecutionStage::Successful(s) => s.stage_metrics.first().and_then(|m| m.output_rows()).map(|r| r as u64),
            _ => None,
        };
        let (mut completed, mut running) = (0, 0);
        for task in stage.task_infos().unwrap_or(&[]) {
            let count = task.global_input_partition_ids.len();
            let (worker_id, status) = match &task.task_status {
                TaskStatus::Successful(t) => {
                    completed += count;
                    (Some(t.executor_id.clone()), "SUCCESS")
                }
                TaskStatus::Running(t) => {
                    running += count;
                    (Some(t.executor_id.clone()), "RUNNING")
                }
                TaskStatus::Failed(_) => (None, "FAILED"),
            };
            tasks.push(TaskProgress {
                stage_id,
                task_id: task.task_id,
                partitions: task.global_input_partition_ids.clone(),
                worker_id,
                status: status.into(),
                launch_time_ms: task.launch_time as u64,
                finish_time_ms: task.finish_time as u64,
            });
        }
        stages.push(StageProgress {
            stage_id,
            state: stage.variant_name().to_string(),
            partitions,
            completed_partitions: completed,
            running_partitions: running,
            plan: displayable(plan.as_ref()).indent(false).to_string(),
            output_links: output_links.clone(),
            output_rows,
        });
    }
    stages.sort_by_key(|s| s.stage_id);
    tasks.sort_by_key(|t| (t.stage_id, t.task_id));
    let status = match &graph.status().status {
        Some(job_status::Status::Queued(_)) | None => "QUEUED",
        Some(job_status::Status::Running(_)) => "RUNNING",
        Some(job_status::Status::Failed(_)) => "FAILED",
        Some(job_status::Status::Successful(_)) => "SUCCEEDED",
    };
    JobProgress {
        job_id: graph.job_id().to_string(),
        job_name: graph.job_name().to_string(),
        status: status.into(),
        stages,
        tasks,
    }
}
