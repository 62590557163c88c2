//! A job's progress as the master API reports it, read from the scheduler's execution graph:
//! Ballista's stage variants, task statuses and job status in the protocol's terms, and the
//! shuffle and scan figures Ballista keeps per partition and per operator summed per task and stage.

use std::collections::HashMap;

use ballista_core::JobId;
use ballista_core::serde::protobuf::{job_status, task_status};
use ballista_scheduler::state::execution_graph::ExecutionGraph;
use ballista_scheduler::state::execution_stage::ExecutionStage;
use datafusion::physical_plan::displayable;

use super::state::Master;
use crate::protocol::{IoMetrics, JobProgress, JobStatus, StageProgress, StageState, TaskProgress, TaskStatus};

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
        let (state, partitions, plan, output_links, metrics) = match stage {
            ExecutionStage::UnResolved(s) => (StageState::Unresolved, None, &s.plan, &s.output_links, None),
            ExecutionStage::Resolved(s) => (StageState::Resolved, Some(s.partitions), &s.plan, &s.output_links, None),
            ExecutionStage::Running(s) => {
                (StageState::Running, Some(s.partitions), &s.plan, &s.output_links, s.stage_metrics.as_deref())
            }
            ExecutionStage::Successful(s) => {
                (StageState::Successful, Some(s.partitions), &s.plan, &s.output_links, Some(&s.stage_metrics[..]))
            }
            ExecutionStage::Failed(s) => {
                (StageState::Failed, Some(s.partitions), &s.plan, &s.output_links, s.stage_metrics.as_deref())
            }
        };
        // Ballista aggregates metrics per operator; the first set is the stage's root (its writer).
        let output_rows = match stage {
            ExecutionStage::Successful(s) => s.stage_metrics.first().and_then(|m| m.output_rows()).map(|r| r as u64),
            _ => None,
        };
        let input = metrics.map(|m| IoMetrics::scanned(plan.as_ref(), m)).unwrap_or_default();
        // The stages whose shuffle output this stage reads.
        let sources: Vec<usize> =
            graph.stages().iter().filter(|(_, s)| s.output_links().contains(&stage_id)).map(|(&id, _)| id).collect();
        let (mut completed, mut running) = (0, 0);
        for task in stage.task_infos().unwrap_or(&[]) {
            let count = task.global_input_partition_ids.len();
            let mut shuffle_write = IoMetrics::default();
            let (worker_id, status, error) = match &task.task_status {
                task_status::Status::Successful(t) => {
                    completed += count;
                    for partition in &t.partitions {
                        shuffle_write += IoMetrics { rows: partition.num_rows, bytes: partition.num_bytes };
                    }
                    (Some(t.executor_id.clone()), TaskStatus::Success, None)
                }
                task_status::Status::Running(t) => {
                    running += count;
                    (Some(t.executor_id.clone()), TaskStatus::Running, None)
                }
                task_status::Status::Failed(t) => (None, TaskStatus::Failed, Some(t.error.clone())),
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
                status,
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
            state,
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
        Some(job_status::Status::Queued(_)) | None => JobStatus::Queued,
        Some(job_status::Status::Running(_)) => JobStatus::Running,
        Some(job_status::Status::Failed(_)) => JobStatus::Failed,
        Some(job_status::Status::Successful(_)) => JobStatus::Succeeded,
    };
    JobProgress { job_id: graph.job_id().to_string(), job_name: graph.job_name().to_string(), status, stages, tasks }
}

/// Rows and bytes each stage's finished tasks wrote, by (stage, output partition): what the
/// tasks of the stages reading it fetch.
fn shuffle_output(graph: &dyn ExecutionGraph) -> HashMap<(usize, usize), IoMetrics> {
    let mut written: HashMap<(usize, usize), IoMetrics> = HashMap::new();
    for (&stage_id, stage) in graph.stages() {
        for task in stage.task_infos().unwrap_or(&[]) {
            if let task_status::Status::Successful(t) = &task.task_status {
                for partition in &t.partitions {
                    *written.entry((stage_id, partition.partition_id as usize)).or_default() +=
                        IoMetrics { rows: partition.num_rows, bytes: partition.num_bytes };
                }
            }
        }
    }
    written
}
