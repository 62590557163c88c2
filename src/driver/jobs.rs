//! The application's job history, as its UI and REST API show it: one entry per statement that ran
//! on the cluster, with the latest progress the master reported for it (stages and tasks).

use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{Value, json};

use crate::master::api::JobProgress;
use crate::master::registry::epoch_ms;

#[derive(Debug, Clone, Serialize)]
pub struct JobRecord {
    /// Spark numbers an application's jobs 0, 1, 2, … in submission order.
    pub index: usize,
    /// The statement's SQL.
    pub description: String,
    pub submitted_ms: u64,
    pub completed_ms: Option<u64>,
    /// `RUNNING`, `SUCCEEDED` or `FAILED`, as Spark's JobExecutionStatus.
    pub status: &'static str,
    pub error: Option<String>,
    /// The master's latest view of the job, once it accepted it.
    pub progress: Option<JobProgress>,
}

#[derive(Debug, Default)]
pub struct JobLog {
    jobs: Mutex<Vec<JobRecord>>,
}

impl JobLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<JobRecord>> {
        self.jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a job as submitted; returns its index.
    pub fn start(&self, description: &str) -> usize {
        let mut jobs = self.lock();
        let index = jobs.len();
        jobs.push(JobRecord {
            index,
            description: description.to_string(),
            submitted_ms: epoch_ms(SystemTime::now()),
            completed_ms: None,
            status: "RUNNING",
            error: None,
            progress: None,
        });
        index
    }

    pub fn observe(&self, index: usize, progress: &JobProgress) {
        if let Some(job) = self.lock().get_mut(index) {
            job.progress = Some(progress.clone());
        }
    }

    pub fn finish(&self, index: usize, error: Option<String>) {
        if let Some(job) = self.lock().get_mut(index) {
            job.completed_ms = Some(epoch_ms(SystemTime::now()));
            job.status = if error.is_some() { "FAILED" } else { "SUCCEEDED" };
            job.error = error;
        }
    }

    pub fn jobs(&self) -> Vec<JobRecord> {
        self.lock().clone()
    }
}

/// A job as Spark's `/api/v1/applications/{id}/jobs` reports it (Spark's field names; the stage
/// and task counts come from the master).
pub fn spark_job_data(job: &JobRecord) -> Value {
    let progress = job.progress.as_ref();
    let stages = progress.map(|p| p.stages.as_slice()).unwrap_or_default();
    let tasks = progress.map(|p| p.tasks.as_slice()).unwrap_or_default();
    let count_tasks = |status: &str| tasks.iter().filter(|t| t.status == status).count();
    let count_stages = |state: &str| stages.iter().filter(|s| s.state == state).count();
    let total_tasks: usize = stages.iter().map(|s| s.partitions.unwrap_or(s.completed_partitions)).sum();
    json!({
        "jobId": job.index,
        "name": first_line(&job.description),
        "description": job.description,
        "submissionTime": super::webui::spark_time(job.submitted_ms as i64),
        "completionTime": job.completed_ms.map(|ms| super::webui::spark_time(ms as i64)),
        "stageIds": stages.iter().map(|s| s.stage_id).collect::<Vec<_>>(),
        "jobTags": [],
        "status": job.status,
        "numTasks": total_tasks,
        "numActiveTasks": count_tasks("RUNNING"),
        "numCompletedTasks": count_tasks("SUCCESS"),
        "numSkippedTasks": 0,
        "numFailedTasks": count_tasks("FAILED"),
        "numKilledTasks": 0,
        "numCompletedIndices": stages.iter().map(|s| s.completed_partitions).sum::<usize>(),
        "numActiveStages": count_stages("Running"),
        "numCompletedStages": count_stages("Successful"),
        "numSkippedStages": 0,
        "numFailedStages": count_stages("Failed"),
        "killedTasksSummary": {},
        "durationMs": job.completed_ms.unwrap_or_else(|| epoch_ms(SystemTime::now())).saturating_sub(job.submitted_ms),
        "distributedJobId": progress.map(|p| p.job_id.clone()),
        "error": job.error,
    })
}

/// A job with its stages (plans, the stages they read, task counts, rows written) and tasks, for
/// the job's page: Spark's JobData plus `stages` and `tasks`.
pub fn spark_job_detail(job: &JobRecord) -> Value {
    let mut data = spark_job_data(job);
    let progress = job.progress.as_ref();
    let stages = progress.map(|p| p.stages.as_slice()).unwrap_or_default();
    let tasks = progress.map(|p| p.tasks.as_slice()).unwrap_or_default();
    data["stages"] = stages
        .iter()
        .map(|stage| {
            let of_stage = || tasks.iter().filter(|t| t.stage_id == stage.stage_id);
            let count = |status: &str| of_stage().filter(|t| t.status == status).count();
            json!({
                "stageId": stage.stage_id,
                "status": match stage.state.as_str() {
                    "Successful" => "COMPLETE",
                    "Running" => "ACTIVE",
                    "Failed" => "FAILED",
                    _ => "PENDING",
                },
                "numTasks": stage.partitions,
                "numActiveTasks": count("RUNNING"),
                "numCompleteTasks": count("SUCCESS"),
                "numFailedTasks": count("FAILED"),
                "outputRecords": stage.output_rows,
                "parentIds": stages.iter().filter(|s| s.output_links.contains(&stage.stage_id)).map(|s| s.stage_id).collect::<Vec<_>>(),
                "details": stage.plan,
            })
        })
        .collect();
    data["tasks"] = tasks
        .iter()
        .map(|task| {
            json!({
                "taskId": task.task_id,
                "stageId": task.stage_id,
                "partitions": task.partitions,
                "executorId": task.worker_id,
                "status": task.status,
                "launchTime": task.launch_time_ms,
                "duration": (task.finish_time_ms > 0).then(|| task.finish_time_ms.saturating_sub(task.launch_time_ms)),
            })
        })
        .collect();
    data
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    if line.chars().count() > 80 {
        format!("{}…", line.chars().take(79).collect::<String>())
    } else {
        line.to_string()
    }
}
