//! Rows and bytes that went through a task or stage, and how both the master (per stage) and the
//! workers (per task) read a plan's scan figures from DataFusion's operator metrics, so the two
//! count the same way.

use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::MetricsSet;
use serde::{Deserialize, Serialize};

/// Rows and bytes that went through one side of a task or stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IoMetrics {
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
}

impl std::ops::AddAssign for IoMetrics {
    fn add_assign(&mut self, other: Self) {
        self.rows += other.rows;
        self.bytes += other.bytes;
    }
}

impl IoMetrics {
    /// What the file scans of `plan` read, from its operators' metrics. Ballista lists one
    /// metrics set per operator that has metrics, in pre-order, so walking the plan the same way
    /// finds the sets of its leaves. Shuffle readers are leaves too, but they read shuffle files,
    /// which the tasks account for.
    pub(crate) fn scanned(plan: &dyn ExecutionPlan, metrics: &[MetricsSet]) -> IoMetrics {
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
}
