//! The worker's execution engine: Ballista's default engine, with shuffle inputs cleaned of the
//! duplicates Ballista 55 leaves behind after a lost worker.
//!
//! When a worker dies, the scheduler rolls back the stage that was reading its shuffle output and
//! runs that stage again in full. Tasks of the stage that had already finished on other workers
//! have published their output to the next stage, and publish it again when they re-run: the
//! scheduler appends locations without replacing earlier attempts (`StageOutput::add_partition`).
//! The next stage then reads the same map output twice and counts its rows twice. Spark keys map
//! output by map partition, so a re-run replaces it; this engine does the same on the reading side:
//! of several locations for one (map partition, output partition), only the newest is read. Both
//! attempts hold the same rows, so either would do; the dead worker's copies are already gone.

use std::collections::HashMap;
use std::sync::Arc;

use ballista_core::JobId;
use ballista_core::execution_plans::ShuffleReaderExec;
use ballista_core::serde::scheduler::PartitionLocation;
use ballista_executor::execution_engine::{DefaultExecutionEngine, ExecutionEngine, QueryStageExecutor};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionConfig;

#[derive(Default)]
pub(crate) struct DeduplicatingEngine {
    inner: DefaultExecutionEngine,
}

impl ExecutionEngine for DeduplicatingEngine {
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
        let plan = plan.transform(|node| match node.downcast_ref::<ShuffleReaderExec>() {
            Some(reader) => match without_duplicates(reader)? {
                Some(cleaned) => {
                    tracing::warn!(
                        job = %job_id,
                        stage = stage_id,
                        "ignoring shuffle output of stage {} read twice (re-run after a lost worker)",
                        reader.stage_id
                    );
                    Ok(Transformed::yes(cleaned))
                }
                None => Ok(Transformed::no(node)),
            },
            None => Ok(Transformed::no(node)),
        })?;
        self.inner.create_query_stage_exec(
            job_id,
            stage_id,
            task_id,
            global_output_partition_ids,
            plan.data,
            work_dir,
            config,
        )
    }
}

/// The reader with one location per (map partition, output partition), or None if it had no
/// duplicates.
fn without_duplicates(reader: &ShuffleReaderExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let partition: Vec<Vec<PartitionLocation>> =
        reader.partition.iter().map(|locations| newest_only(locations)).collect();
    let dropped: usize =
        reader.partition.iter().map(Vec::len).sum::<usize>() - partition.iter().map(Vec::len).sum::<usize>();
    if dropped == 0 {
        return Ok(None);
    }
    let schema = reader.schema();
    let partitioning = reader.properties().output_partitioning().clone();
    let cleaned = if reader.broadcast {
        let all = partition.into_iter().next().unwrap_or_default();
        ShuffleReaderExec::try_new_broadcast(reader.stage_id, all, schema, reader.upstream_partition_count)?
    } else if let Some(coalesce) = &reader.coalesce {
        ShuffleReaderExec::try_new_coalesced(reader.stage_id, partition, coalesce.clone(), schema, partitioning)?
    } else {
        ShuffleReaderExec::try_new(reader.stage_id, partition, schema, partitioning)?
    };
    Ok(Some(Arc::new(cleaned)))
}

/// Keeps the last location of each (map partition, output partition), in the original order.
fn newest_only(locations: &[PartitionLocation]) -> Vec<PartitionLocation> {
    let key = |l: &PartitionLocation| (l.partition_id.stage_id, l.partition_id.partition_id, l.map_partition_id);
    let last: HashMap<_, usize> = locations.iter().enumerate().map(|(i, l)| (key(l), i)).collect();
    locations.iter().enumerate().filter(|(i, l)| last[&key(l)] == *i).map(|(_, l)| l.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballista_core::serde::scheduler::{
        ExecutorMetadata, ExecutorOperatingSystemSpecification, ExecutorSpecification, PartitionId, PartitionStats,
    };

    fn location(map_partition_id: usize, partition_id: usize, executor: &str) -> PartitionLocation {
        PartitionLocation {
            map_partition_id,
            partition_id: PartitionId { job_id: "job".into(), stage_id: 1, partition_id },
            executor_meta: ExecutorMetadata {
                id: executor.into(),
                host: "127.0.0.1".into(),
                port: 1,
                grpc_port: 0,
                specification: ExecutorSpecification::default(),
                os_info: ExecutorOperatingSystemSpecification::default(),
            },
            partition_stats: PartitionStats::default(),
            file_id: None,
            is_sort_shuffle: false,
        }
    }

    #[test]
    fn a_rerun_map_output_is_read_once() {
        let locations = vec![location(0, 3, "a"), location(1, 3, "b"), location(0, 3, "c"), location(2, 3, "a")];
        let kept: Vec<(usize, String)> =
            newest_only(&locations).iter().map(|l| (l.map_partition_id, l.executor_meta.id.clone())).collect();
        assert_eq!(kept, vec![(1, "b".into()), (0, "c".into()), (2, "a".into())]);
    }
}
