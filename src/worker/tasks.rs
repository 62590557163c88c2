//! The worker's own record of the tasks it runs, for its web UI: which task of which job and stage,
//! when it started and ended, and what it read and wrote. Spark's worker page lists its executors;
//! a minispark worker is the executor, so it lists tasks.
//!
//! Recording wraps the execution engine: every task Ballista hands this worker is created through
//! it, so the wrapper sees each task start and finish with its operator metrics.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use ballista_core::JobId;
use ballista_core::serde::protobuf::{RuntimeStatsReport, ShuffleWritePartition, TaskColumnStats, WindowStateReport};
use ballista_executor::execution_engine::{ExecutionEngine, QueryStageExecutor};
use datafusion::error::Result;
use datafusion::execution::context::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::MetricsSet;
use datafusion::prelude::SessionConfig;
use serde::Serialize;

use crate::protocol::{IoMetrics, TaskStatus, epoch_ms};

/// Finished tasks kept for the page; older ones are forgotten.
const FINISHED_KEPT: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TaskRecord {
    pub(crate) job_id: String,
    pub(crate) stage_id: usize,
    pub(crate) task_id: usize,
    pub(crate) partitions: Vec<usize>,
    pub(crate) status: TaskStatus,
    pub(crate) started_ms: u64,
    pub(crate) finished_ms: Option<u64>,
    /// Rows and bytes its file scans read.
    pub(crate) input: IoMetrics,
    /// Rows and bytes it wrote to its shuffle files.
    pub(crate) output: IoMetrics,
    pub(crate) error: Option<String>,
}

/// Running tasks and the most recent finished ones.
#[derive(Debug, Default)]
pub(crate) struct TaskLedger {
    running: Mutex<Vec<TaskRecord>>,
    finished: Mutex<VecDeque<TaskRecord>>,
}

impl TaskLedger {
    pub(crate) fn running(&self) -> Vec<TaskRecord> {
        lock(&self.running).clone()
    }

    /// Newest first.
    pub(crate) fn finished(&self) -> Vec<TaskRecord> {
        lock(&self.finished).iter().rev().cloned().collect()
    }

    fn start(&self, record: TaskRecord) {
        lock(&self.running).push(record);
    }

    fn finish(&self, job_id: &str, task_id: usize, outcome: impl FnOnce(&mut TaskRecord)) {
        let mut running = lock(&self.running);
        let Some(position) = running.iter().position(|t| t.job_id == job_id && t.task_id == task_id) else {
            return;
        };
        let mut record = running.remove(position);
        drop(running);
        record.finished_ms = Some(epoch_ms(SystemTime::now()));
        outcome(&mut record);
        let mut finished = lock(&self.finished);
        if finished.len() == FINISHED_KEPT {
            finished.pop_front();
        }
        finished.push_back(record);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An execution engine that records every task of `inner` in a ledger.
pub(crate) struct RecordingEngine {
    pub(crate) inner: Arc<dyn ExecutionEngine>,
    pub(crate) ledger: Arc<TaskLedger>,
}

impl ExecutionEngine for RecordingEngine {
    fn create_query_stage_exec(
        &self,
        job_id: JobId,
        stage_id: usize,
        task_id: usize,
        global_output_partition_ids: Vec<usize>,
        plan: Arc<dyn ExecutionPlan>,
        work_dir: &str,
        config: &SessionConfig,
    ) -> Result<Arc<dyn QueryStageExecutor>> {
        let inner = self.inner.create_query_stage_exec(
            job_id.clone(),
            stage_id,
            task_id,
            global_output_partition_ids.clone(),
            plan.clone(),
            work_dir,
            config,
        )?;
        Ok(Arc::new(RecordedTask {
            inner,
            plan,
            job_id: job_id.to_string(),
            stage_id,
            partitions: global_output_partition_ids,
            ledger: self.ledger.clone(),
        }))
    }
}

struct RecordedTask {
    inner: Arc<dyn QueryStageExecutor>,
    /// The stage plan as received, to find the scans among the operators' metrics.
    plan: Arc<dyn ExecutionPlan>,
    job_id: String,
    stage_id: usize,
    /// The partitions of the stage this task computes.
    partitions: Vec<usize>,
    ledger: Arc<TaskLedger>,
}

#[async_trait::async_trait]
impl QueryStageExecutor for RecordedTask {
    async fn execute_query_stage(
        &self,
        task_id: usize,
        context: Arc<TaskContext>,
    ) -> Result<Vec<ShuffleWritePartition>> {
        self.ledger.start(TaskRecord {
            job_id: self.job_id.clone(),
            stage_id: self.stage_id,
            task_id,
            partitions: self.partitions.clone(),
            status: TaskStatus::Running,
            started_ms: epoch_ms(SystemTime::now()),
            finished_ms: None,
            input: IoMetrics::default(),
            output: IoMetrics::default(),
            error: None,
        });
        let result = self.inner.execute_query_stage(task_id, context).await;
        let input = IoMetrics::scanned(self.plan.as_ref(), &self.inner.collect_plan_metrics());
        self.ledger.finish(&self.job_id, task_id, |record| {
            record.input = input;
            match &result {
                Ok(written) => {
                    record.status = TaskStatus::Success;
                    for partition in written {
                        record.output += IoMetrics { rows: partition.num_rows, bytes: partition.num_bytes };
                    }
                }
                Err(err) => {
                    record.status = TaskStatus::Failed;
                    record.error = Some(err.to_string());
                }
            }
        });
        result
    }

    fn collect_plan_metrics(&self) -> Vec<MetricsSet> {
        self.inner.collect_plan_metrics()
    }

    fn collect_runtime_stats_reports(&self) -> Vec<RuntimeStatsReport> {
        self.inner.collect_runtime_stats_reports()
    }

    fn collect_window_state_reports(&self) -> Result<Vec<WindowStateReport>> {
        self.inner.collect_window_state_reports()
    }

    fn collect_column_stats(&self) -> Vec<TaskColumnStats> {
        self.inner.collect_column_stats()
    }
}

impl fmt::Debug for RecordedTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for RecordedTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}
