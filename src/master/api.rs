//! The master's own API, served on the RPC port next to Ballista's: workers announce what Ballista's
//! registration does not carry (memory, web UI address), drivers register applications, and anyone
//! can ask which worker ran each task of a job (Ballista's REST task summaries have no executor).
//!
//! The request and response types are shared with the worker and driver, which call these routes.

use std::collections::HashMap;
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
use datafusion::physical_plan::metrics::MetricsSet;
use datafusion::physical_plan::{ExecutionPlan, displayable};
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
    #[serde(default)]
    pub console_url: Option<String>,
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
    /// The master's and the storage console's web UIs, for the application UI's links.
    #[serde(default)]
    pub master_webui_url: Option<String>,
    #[serde(default)]
    pub console_url: Option<String>,
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
    /// Rows and bytes its scans read from files, from the stage's operator metrics (bytes only
    /// where the format reports them, as Parquet does).
    #[serde(default)]
    pub input: IoMetrics,
}

/// Rows and bytes that went through one side of a task or stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoMetrics {
    pub rows: u64,
    pub bytes: u64,
}

impl std::ops::AddAssign for IoMetrics {
    fn add_assign(&mut self, other: Self) {
        self.rows += other.rows;
        self.bytes += other.bytes;
    }
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
    /// Time spent executing on the worker (Ballista's start and end of execution).
    #[serde(default)]
    pub run_time_ms: u64,
    /// What the task read from the shuffle files of the stages its stage reads.
    #[serde(default)]
    pub shuffle_read: IoMetrics,
    /// What the task wrote to its shuffle files (every stage ends in a shuffle write).
    #[serde(default)]
    pub shuffle_write: IoMetrics,
    /// Why the attempt failed.
    #[serde(default)]
    pub error: Option<String>,
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
    let written = shuffle_output(graph);
    let mut stages = Vec::new();
    let mut tasks = Vec::new();
    for (&stage_id, stage) in graph.stages() {
        let (partitions, plan, output_links, metrics) = match stage {
            ExecutionStage::UnResolved(s) => (None, &s.plan, &s.output_links, None),
            ExecutionStage::Resolved(s) => (Some(s.partitions), &s.plan, &s.output_links, None),
            ExecutionStage::Running(s) => (Some(s.partitions), &s.plan, &s.output_links, s.stage_metrics.as_deref()),
            ExecutionStage::Successful(s) => (Some(s.partitions), &s.plan, &s.output_links, Some(&s.stage_metrics[..])),
            ExecutionStage::Failed(s) => (Some(s.partitions), &s.plan, &s.output_links, s.stage_metrics.as_deref()),
        };
        // Ballista aggregates metrics per operator; the first set is the stage's root (its writer).
        let output_rows = match stage {
            ExecutionStage::Successful(s) => s.stage_metrics.first().and_then(|m| m.output_rows()).map(|r| r as u64),
            _ => None,
        };
        let input = metrics.map(|m| scanned(plan.as_ref(), m)).unwrap_or_default();
        // The stages whose shuffle output this stage reads.
        let sources: Vec<usize> =
            graph.stages().iter().filter(|(_, s)| s.output_links().contains(&stage_id)).map(|(&id, _)| id).collect();
        let (mut completed, mut running) = (0, 0);
        for task in stage.task_infos().unwrap_or(&[]) {
            let count = task.global_input_partition_ids.len();
            let mut shuffle_write = IoMetrics::default();
            let (worker_id, status, error) = match &task.task_status {
                TaskStatus::Successful(t) => {
                    completed += count;
                    for partition in &t.partitions {
                        shuffle_write += IoMetrics { rows: partition.num_rows, bytes: partition.num_bytes };
                    }
                    (Some(t.executor_id.clone()), "SUCCESS", None)
                }
                TaskStatus::Running(t) => {
                    running += count;
                    (Some(t.executor_id.clone()), "RUNNING", None)
                }
                TaskStatus::Failed(t) => (None, "FAILED", Some(t.error.clone())),
            };
            let mut shuffle_read = IoMetrics::default();
            for source in &sources {
                for partition in &task.global_input_partition_ids {
                    shuffle_read += written.get(&(*source, *partition)).copied().unwrap_or_default();
                }
            }
            tasks.push(TaskProgress {
                stage_id,
                task_id: task.task_id,
                partitions: task.global_input_partition_ids.clone(),
                worker_id,
                status: status.into(),
                launch_time_ms: task.launch_time as u64,
                finish_time_ms: task.finish_time as u64,
                run_time_ms: task.end_exec_time.saturating_sub(task.start_exec_time) as u64,
                shuffle_read,
                shuffle_write,
                error,
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
            input,
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

/// Rows and bytes each stage's finished tasks wrote, by (stage, output partition): what the
/// tasks of the stages reading it fetch.
fn shuffle_output(graph: &dyn ExecutionGraph) -> HashMap<(usize, usize), IoMetrics> {
    let mut written: HashMap<(usize, usize), IoMetrics> = HashMap::new();
    for (&stage_id, stage) in graph.stages() {
        for task in stage.task_infos().unwrap_or(&[]) {
            if let TaskStatus::Successful(t) = &task.task_status {
                for partition in &t.partitions {
                    *written.entry((stage_id, partition.partition_id as usize)).or_default() +=
                        IoMetrics { rows: partition.num_rows, bytes: partition.num_bytes };
                }
            }
        }
    }
    written
}

/// What the file scans of a stage read, from the stage's aggregated operator metrics. Ballista
/// lists one metrics set per operator that has metrics, in pre-order, so walking the plan the same
/// way finds the sets of its leaves. Shuffle readers are leaves too, but they read shuffle files,
/// which the tasks account for.
pub fn scanned(plan: &dyn ExecutionPlan, metrics: &[MetricsSet]) -> IoMetrics {
    fn walk(plan: &dyn ExecutionPlan, metrics: &[MetricsSet], next: &mut usize, total: &mut IoMetrics) {
        if plan.metrics().is_some() {
            let set = metrics.get(*next);
            *next += 1;
            if plan.children().is_empty()
                && !plan.name().contains("Shuffle")
                && let Some(set) = set
            {
                *total += IoMetrics {
                    rows: set.output_rows().unwrap_or_default() as u64,
                    bytes: set.sum_by_name("bytes_scanned").map(|v| v.as_usize() as u64).unwrap_or_default(),
                };
            }
        }
        for child in plan.children() {
            walk(child.as_ref(), metrics, next, total);
        }
    }
    let mut total = IoMetrics::default();
    walk(plan, metrics, &mut 0, &mut total);
    total
}
