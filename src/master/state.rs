//! The state the master's servers share (the scheduler and the registry), and how the registry is
//! brought in line with the executors and running tasks the scheduler knows.

use std::collections::HashMap;

use anyhow::Result;
use ballista_core::serde::protobuf::task_status::Status as TaskStatus;

use super::registry::{ExecutorSighting, Registry};
use super::scheduler::EmbeddedScheduler;
use crate::config::MasterUrl;

/// State shared by the master's servers.
pub struct Master {
    pub(crate) url: MasterUrl,
    /// `http://host:port` of the web UI, handed to workers for their `/json/`.
    pub(crate) webui_url: String,
    /// The storage console's URL, for links from every web UI.
    pub(crate) console_url: Option<String>,
    pub(crate) scheduler: EmbeddedScheduler,
    pub(crate) registry: Registry,
}

impl Master {
    /// Reads the live executors and their running tasks from the scheduler into the registry.
    pub(crate) async fn refresh_registry(&self) -> Result<()> {
        let state = &self.scheduler.server.state;
        let busy = self.cores_in_use().await;
        let executors = state.executor_manager.get_executors_state().await?;
        let sightings = executors
            .into_iter()
            .map(|(metadata, last_seen, _metrics)| ExecutorSighting {
                cores_used: busy.get(&metadata.id).copied().unwrap_or(0),
                last_heartbeat_ms: last_seen.map_or(0, |d| d.as_millis() as u64),
                cores: metadata.specification.vcores as usize,
                host: metadata.host,
                port: metadata.port,
                id: metadata.id,
            })
            .collect();
        self.registry.observe(sightings);
        Ok(())
    }

    /// Task slots in use per worker, from the running jobs' task lists.
    async fn cores_in_use(&self) -> HashMap<String, usize> {
        let mut busy = HashMap::new();
        let jobs = self.scheduler.server.state.task_manager.get_running_job_cache();
        for job in jobs.values() {
            let graph = job.execution_graph.read().await;
            for stage in graph.stages().values() {
                for task in stage.task_infos().unwrap_or(&[]) {
                    if let TaskStatus::Running(running) = &task.task_status {
                        *busy.entry(running.executor_id.clone()).or_insert(0) += task.vcores_consumed.max(1) as usize;
                    }
                }
            }
        }
        busy
    }
}
