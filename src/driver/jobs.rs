//! The application's job history, as its UI and REST API show it: one entry per statement that ran
//! on the cluster, with the latest progress the master reported for it (stages and tasks).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{Value, json};

use super::webui::spark_time;
use crate::protocol::{
    IoMetrics, JobProgress, JobStatus, StageProgress, StageState, TaskProgress, TaskStatus, epoch_ms,
};

#[derive(Debug, Clone, Serialize)]
pub(crate) struct JobRecord {
    /// Spark numbers an application's jobs 0, 1, 2, … in submission order.
    pub(crate) index: usize,
    /// The statement's SQL.
    pub(crate) description: String,
    /// The optimized logical plan the driver sent to the scheduler.
    pub(crate) plan: Option<String>,
    pub(crate) submitted_ms: u64,
    pub(crate) completed_ms: Option<u64>,
    /// Running, then succeeded or failed (never queued: the driver records a job as it submits it).
    pub(crate) status: JobStatus,
    pub(crate) error: Option<String>,
    /// The master's latest view of the job, once it accepted it.
    pub(crate) progress: Option<JobProgress>,
    /// Spark numbers stages and tasks across the whole application, Ballista within each job:
    /// this job's first stage number, and its tasks' application-wide numbers.
    pub(crate) first_stage: usize,
    pub(crate) task_numbers: BTreeMap<usize, usize>,
}

impl JobRecord {
    /// The application-wide number of one of this job's (Ballista) stages.
    pub(crate) fn stage_number(&self, stage_id: usize) -> usize {
        let stages = self.progress.as_ref().map(|p| p.stages.as_slice()).unwrap_or_default();
        self.first_stage + stages.iter().position(|s| s.stage_id == stage_id).unwrap_or(stages.len())
    }
}

#[derive(Debug, Default)]
pub(crate) struct JobLog {
    jobs: Mutex<JobHistory>,
}

#[derive(Debug, Default)]
struct JobHistory {
    jobs: Vec<JobRecord>,
    next_stage: usize,
    next_task: usize,
}

impl JobLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, JobHistory> {
        self.jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a job as submitted; returns its index.
    pub(crate) fn start(&self, description: &str) -> usize {
        let mut history = self.lock();
        let index = history.jobs.len();
        let first_stage = history.next_stage;
        history.jobs.push(JobRecord {
            index,
            description: description.to_string(),
            plan: None,
            submitted_ms: epoch_ms(SystemTime::now()),
            completed_ms: None,
            status: JobStatus::Running,
            error: None,
            progress: None,
            first_stage,
            task_numbers: BTreeMap::new(),
        });
        index
    }

    pub(crate) fn set_plan(&self, index: usize, plan: String) {
        if let Some(job) = self.lock().jobs.get_mut(index) {
            job.plan = Some(plan);
        }
    }

    /// Takes the master's latest report on a job. The scheduler plans every stage up front, so
    /// the first report fixes how many stage numbers the job takes.
    pub(crate) fn observe(&self, index: usize, progress: &JobProgress) {
        let mut history = self.lock();
        let JobHistory { jobs, next_stage, next_task } = &mut *history;
        let Some(job) = jobs.get_mut(index) else { return };
        if job.progress.is_none() {
            job.first_stage = *next_stage;
            *next_stage += progress.stages.len();
        }
        for task in &progress.tasks {
            job.task_numbers.entry(task.task_id).or_insert_with(|| {
                *next_task += 1;
                *next_task - 1
            });
        }
        job.progress = Some(progress.clone());
    }

    pub(crate) fn finish(&self, index: usize, error: Option<String>) {
        if let Some(job) = self.lock().jobs.get_mut(index) {
            job.completed_ms = Some(epoch_ms(SystemTime::now()));
            job.status = if error.is_some() { JobStatus::Failed } else { JobStatus::Succeeded };
            job.error = error;
        }
    }

    pub(crate) fn jobs(&self) -> Vec<JobRecord> {
        self.lock().jobs.clone()
    }
}

/// A job as Spark's `/api/v1/applications/{id}/jobs` reports it (Spark's field names; the stage
/// and task counts come from the master).
pub(crate) fn spark_job_data(job: &JobRecord) -> Value {
    let progress = job.progress.as_ref();
    let stages = progress.map(|p| p.stages.as_slice()).unwrap_or_default();
    let tasks = progress.map(|p| p.tasks.as_slice()).unwrap_or_default();
    let count_tasks = |status: TaskStatus| tasks.iter().filter(|t| t.status == status).count();
    let count_stages = |state: StageState| stages.iter().filter(|s| s.state == state).count();
    let total_tasks: usize = stages.iter().map(|s| s.partitions.unwrap_or(s.completed_partitions)).sum();
    json!({
        "jobId": job.index,
        "name": first_line(&job.description),
        "description": job.description,
        "submissionTime": spark_time(job.submitted_ms as i64),
        "completionTime": job.completed_ms.map(|ms| spark_time(ms as i64)),
        "stageIds": stages.iter().map(|s| job.stage_number(s.stage_id)).collect::<Vec<_>>(),
        "jobTags": [],
        "status": job.status,
        "numTasks": total_tasks,
        "numActiveTasks": count_tasks(TaskStatus::Running),
        "numCompletedTasks": count_tasks(TaskStatus::Success),
        "numSkippedTasks": 0,
        "numFailedTasks": count_tasks(TaskStatus::Failed),
        "numKilledTasks": 0,
        "numCompletedIndices": stages.iter().map(|s| s.completed_partitions).sum::<usize>(),
        "numActiveStages": count_stages(StageState::Running),
        "numCompletedStages": count_stages(StageState::Successful),
        "numSkippedStages": 0,
        "numFailedStages": count_stages(StageState::Failed),
        "killedTasksSummary": {},
        "durationMs": job.completed_ms.unwrap_or_else(|| epoch_ms(SystemTime::now())).saturating_sub(job.submitted_ms),
        "distributedJobId": progress.map(|p| p.job_id.clone()),
        "error": job.error,
    })
}

/// A job with its stages and tasks, for the job's page: Spark's JobData plus `stages` (StageData)
/// and `tasks` (TaskData).
pub(crate) fn spark_job_detail(job: &JobRecord, workers: &WorkerDirectory) -> Value {
    let mut data = spark_job_data(job);
    let progress = job.progress.as_ref();
    let stages = progress.map(|p| p.stages.as_slice()).unwrap_or_default();
    data["stages"] = stages.iter().map(|stage| spark_stage_data(job, stage)).collect();
    let tasks = progress.map(|p| p.tasks.as_slice()).unwrap_or_default();
    data["tasks"] = tasks.iter().map(|task| spark_task_data(job, task, workers)).collect();
    data
}

/// Where the workers that ran tasks are: worker id → (host, web UI URL).
pub(crate) type WorkerDirectory = HashMap<String, (String, String)>;

/// One stage as Spark's `/api/v1/applications/{id}/stages` reports it, numbered across the
/// application; `details` is the stage's physical plan. Times also come as epoch milliseconds
/// (`…Epoch`) for the pages' charts.
pub(crate) fn spark_stage_data(job: &JobRecord, stage: &StageProgress) -> Value {
    let tasks = job.progress.as_ref().map(|p| p.tasks.as_slice()).unwrap_or_default();
    let of_stage = || tasks.iter().filter(|t| t.stage_id == stage.stage_id);
    let count = |status: TaskStatus| of_stage().filter(|t| t.status == status).count();
    let submitted = of_stage().map(|t| t.launch_time_ms).filter(|&ms| ms > 0).min();
    let completed = matches!(stage.state, StageState::Successful | StageState::Failed)
        .then(|| of_stage().map(|t| t.finish_time_ms).max())
        .flatten();
    let sum = |side: fn(&TaskProgress) -> IoMetrics| {
        of_stage().fold(IoMetrics::default(), |mut total, task| {
            total += side(task);
            total
        })
    };
    let (shuffle_read, shuffle_write) = (sum(|t| t.shuffle_read), sum(|t| t.shuffle_write));
    let stages = job.progress.as_ref().map(|p| p.stages.as_slice()).unwrap_or_default();
    let parents = stages.iter().filter(|s| s.output_links.contains(&stage.stage_id));
    let time = |ms: Option<u64>| ms.map(|ms| spark_time(ms as i64));
    json!({
        "status": match stage.state {
            StageState::Successful => "COMPLETE",
            StageState::Running => "ACTIVE",
            StageState::Failed => "FAILED",
            StageState::Unresolved | StageState::Resolved => "PENDING",
        },
        "stageId": job.stage_number(stage.stage_id),
        "attemptId": 0,
        "name": stage.plan.lines().next().unwrap_or_default().trim().split(':').next(),
        "description": job.description,
        "details": stage.plan,
        "jobIds": [job.index],
        "parentIds": parents.map(|s| job.stage_number(s.stage_id)).collect::<Vec<_>>(),
        "numTasks": stage.partitions,
        "numActiveTasks": count(TaskStatus::Running),
        "numCompleteTasks": count(TaskStatus::Success),
        "numFailedTasks": count(TaskStatus::Failed),
        "numKilledTasks": 0,
        "numCompletedIndices": stage.completed_partitions,
        "submissionTime": time(submitted),
        "submissionTimeEpoch": submitted,
        "firstTaskLaunchedTime": time(submitted),
        "completionTime": time(completed),
        "completionTimeEpoch": completed,
        "executorRunTime": of_stage().map(|t| t.run_time_ms).sum::<u64>(),
        "inputBytes": stage.input.bytes,
        "inputRecords": stage.input.rows,
        "outputBytes": 0,
        "outputRecords": stage.output_rows.unwrap_or_default(),
        "shuffleReadBytes": shuffle_read.bytes,
        "shuffleReadRecords": shuffle_read.rows,
        "shuffleWriteBytes": shuffle_write.bytes,
        "shuffleWriteRecords": shuffle_write.rows,
        "killedTasksSummary": {},
        "schedulingPool": "default",
        "resourceProfileId": 0,
        "distributedStageId": stage.stage_id,
    })
}

/// A stage with its tasks keyed by task id, as Spark's `/stages/{id}` answers for one attempt.
pub(crate) fn spark_stage_detail(job: &JobRecord, stage: &StageProgress, workers: &WorkerDirectory) -> Value {
    let mut data = spark_stage_data(job, stage);
    let tasks = job.progress.as_ref().map(|p| p.tasks.as_slice()).unwrap_or_default();
    let tasks: serde_json::Map<String, Value> = tasks
        .iter()
        .filter(|t| t.stage_id == stage.stage_id)
        .map(|task| {
            let data = spark_task_data(job, task, workers);
            (data["taskId"].to_string(), data)
        })
        .collect();
    data["tasks"] = Value::Object(tasks);
    data
}

/// One task attempt with Spark's TaskData names. Input is accounted per stage (the scheduler
/// aggregates scan metrics), so a task's own figures are its shuffle reads and writes.
pub(crate) fn spark_task_data(job: &JobRecord, task: &TaskProgress, workers: &WorkerDirectory) -> Value {
    let worker = task.worker_id.as_ref().and_then(|id| workers.get(id));
    let duration = (task.finish_time_ms > 0).then(|| task.finish_time_ms.saturating_sub(task.launch_time_ms));
    let partition = task.partitions.first().copied().unwrap_or_default();
    json!({
        "taskId": job.task_numbers.get(&task.task_id).copied().unwrap_or(task.task_id),
        "index": partition,
        "partitionId": partition,
        "partitions": task.partitions,
        "attempt": 0,
        "launchTime": spark_time(task.launch_time_ms as i64),
        "launchTimeEpoch": task.launch_time_ms,
        "duration": duration,
        "executorId": task.worker_id,
        "host": worker.map(|(host, _)| host),
        "executorWebUi": worker.map(|(_, ui)| ui),
        "status": task.status,
        "taskLocality": "ANY",
        "speculative": false,
        "errorMessage": task.error,
        "stageId": job.stage_number(task.stage_id),
        "taskMetrics": {
            "executorRunTime": task.run_time_ms,
            "inputMetrics": { "bytesRead": 0, "recordsRead": 0 },
            "outputMetrics": { "bytesWritten": 0, "recordsWritten": 0 },
            "shuffleReadMetrics": {
                "remoteBytesRead": task.shuffle_read.bytes,
                "localBytesRead": 0,
                "recordsRead": task.shuffle_read.rows,
            },
            "shuffleWriteMetrics": {
                "bytesWritten": task.shuffle_write.bytes,
                "recordsWritten": task.shuffle_write.rows,
            },
        },
    })
}

/// A job as one of Spark's SQL executions (`/api/v1/applications/{id}/sql`): one statement or
/// DataFrame action, its plans, and its stages as the DAG's nodes and shuffles as its edges.
pub(crate) fn spark_sql_execution(job: &JobRecord) -> Value {
    let stages = job.progress.as_ref().map(|p| p.stages.as_slice()).unwrap_or_default();
    let nodes: Vec<Value> = stages
        .iter()
        .map(|stage| {
            let data = spark_stage_data(job, stage);
            let duration = match (data["submissionTimeEpoch"].as_u64(), data["completionTimeEpoch"].as_u64()) {
                (Some(start), Some(end)) => format!("{:.1} s", end.saturating_sub(start) as f64 / 1000.0),
                _ => String::new(),
            };
            let metric = |name: &str, value: String| json!({ "name": name, "value": value });
            json!({
                "nodeId": data["stageId"],
                "nodeName": format!("Stage {}", data["stageId"]),
                "status": data["status"],
                "details": stage.plan,
                "metrics": [
                    metric("tasks", format!("{}/{}", data["numCompleteTasks"], stage.partitions.map_or("?".into(), |p| p.to_string()))),
                    metric("rows written", stage.output_rows.map_or(String::new(), |r| r.to_string())),
                    metric("shuffle written", format!("{} B", data["shuffleWriteBytes"])),
                    metric("duration", duration),
                ],
            })
        })
        .collect();
    let edges: Vec<Value> = stages
        .iter()
        .flat_map(|from| {
            from.output_links
                .iter()
                .map(move |to| json!({ "fromId": job.stage_number(from.stage_id), "toId": job.stage_number(*to) }))
        })
        .collect();
    let stage_plans: String = stages
        .iter()
        .map(|stage| format!("Stage {}:\n{}", job.stage_number(stage.stage_id), stage.plan))
        .collect::<Vec<_>>()
        .join("\n");
    let plan_description = format!(
        "== Optimized Logical Plan ==\n{}\n\n== Physical Plan ({} stages) ==\n{stage_plans}",
        job.plan.as_deref().unwrap_or("(not planned)"),
        stages.len()
    );
    let ids = |status: JobStatus| if job.status == status { vec![job.index] } else { vec![] };
    json!({
        "id": job.index,
        "status": match job.status { JobStatus::Succeeded => "COMPLETED", other => other.as_str() },
        "description": job.description,
        "planDescription": plan_description,
        "submissionTime": spark_time(job.submitted_ms as i64),
        "submissionTimeEpoch": job.submitted_ms,
        "duration": job.completed_ms.unwrap_or_else(|| epoch_ms(SystemTime::now())).saturating_sub(job.submitted_ms),
        "runningJobIds": ids(JobStatus::Running),
        "successJobIds": ids(JobStatus::Succeeded),
        "failedJobIds": ids(JobStatus::Failed),
        "errorMessage": job.error,
        "nodes": nodes,
        "edges": edges,
    })
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    if line.chars().count() > 80 {
        format!("{}…", line.chars().take(79).collect::<String>())
    } else {
        line.to_string()
    }
}
