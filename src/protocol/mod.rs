//! What the roles say to each other: the messages of the master's own API (worker announcements,
//! application registration and end, job progress with its stages and tasks, the worker list),
//! the states they carry, and [`MasterClient`], the one client of that API that workers and
//! drivers use.
//!
//! Roles depend on this module; it depends on no role. Its JSON is also what the web UIs and
//! their `/json/` and `/api/v1` answers show, so every wire name here is fixed: states keep the
//! spelling Spark (or, for stages, Ballista) gives them.

mod client;
mod metrics;

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub(crate) use client::MasterClient;
pub(crate) use metrics::IoMetrics;

/// What a worker tells the master about itself beyond Ballista's registration (which carries its
/// host, data port and cores), repeated every heartbeat interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WorkerAnnouncement {
    pub(crate) id: String,
    /// `http://host:port` of the worker's web UI.
    pub(crate) webui_address: String,
    pub(crate) memory_mb: u64,
}

/// The master's answer to an announcement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WorkerAcknowledged {
    pub(crate) master_webui_url: String,
    #[serde(default)]
    pub(crate) console_url: Option<String>,
}

/// Whether the master hears from a worker, as Spark's master reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum WorkerState {
    Alive,
    Dead,
}

/// A worker as the master's `/json/` lists it (Spark's keys: lowercase, memory in MiB, the
/// heartbeat in epoch milliseconds); drivers read the same list from the master's API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WorkerSummary {
    pub(crate) id: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) webuiaddress: String,
    pub(crate) cores: usize,
    pub(crate) coresused: usize,
    pub(crate) coresfree: usize,
    pub(crate) memory: u64,
    pub(crate) memoryused: u64,
    pub(crate) memoryfree: u64,
    pub(crate) resources: serde_json::Value,
    pub(crate) resourcesused: serde_json::Value,
    pub(crate) resourcesfree: serde_json::Value,
    pub(crate) state: WorkerState,
    pub(crate) lastheartbeat: u64,
}

/// A driver registering its application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ApplicationRegistration {
    pub(crate) name: String,
    pub(crate) user: String,
    /// `http://host:port` of the application's UI, if it serves one.
    pub(crate) webui_address: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ApplicationRegistered {
    pub(crate) id: String,
    /// Task slots on the alive workers when the application registered.
    pub(crate) cores: usize,
    /// The master's and the storage console's web UIs, for the application UI's links.
    #[serde(default)]
    pub(crate) master_webui_url: Option<String>,
    #[serde(default)]
    pub(crate) console_url: Option<String>,
}

/// Where an application stands, with Spark's names: running while its driver runs, then how it
/// ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum ApplicationState {
    Running,
    Finished,
    Failed,
    Killed,
}

/// How an application ended: `Finished`, `Failed` or `Killed`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ApplicationFinished {
    pub(crate) state: ApplicationState,
}

/// Where a job stands, with the names of Spark's JobExecutionStatus (and the scheduler's queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobStatus {
    /// The wire name, e.g. `SUCCEEDED`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "QUEUED",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
        }
    }
}

/// A stage's state, with the names of Ballista's stage variants (the UIs show them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum StageState {
    Unresolved,
    Resolved,
    Running,
    Successful,
    Failed,
}

/// A task attempt's status, with the names of Spark's TaskData.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TaskStatus {
    Running,
    Success,
    Failed,
}

/// Where a job stands: its stages and every task attempt with the worker that ran it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobProgress {
    pub(crate) job_id: String,
    pub(crate) job_name: String,
    pub status: JobStatus,
    pub stages: Vec<StageProgress>,
    pub tasks: Vec<TaskProgress>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageProgress {
    pub(crate) stage_id: usize,
    pub(crate) state: StageState,
    /// Number of partitions (tasks at one partition per task); unknown until the stage is resolved.
    pub(crate) partitions: Option<usize>,
    pub(crate) completed_partitions: usize,
    pub(crate) running_partitions: usize,
    /// The stage's physical plan, one operator per line.
    #[serde(default)]
    pub(crate) plan: String,
    /// Stages that read this stage's output (empty for the final stage).
    #[serde(default)]
    pub(crate) output_links: Vec<usize>,
    /// Rows the stage wrote, once it has finished.
    #[serde(default)]
    pub(crate) output_rows: Option<u64>,
    /// Rows and bytes its scans read from files, from the stage's operator metrics (bytes only
    /// where the format reports them, as Parquet does).
    #[serde(default)]
    pub(crate) input: IoMetrics,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskProgress {
    pub(crate) stage_id: usize,
    pub(crate) task_id: usize,
    pub(crate) partitions: Vec<usize>,
    /// The worker that ran (or runs) the task; unknown for failed attempts.
    pub worker_id: Option<String>,
    pub status: TaskStatus,
    pub(crate) launch_time_ms: u64,
    pub(crate) finish_time_ms: u64,
    /// Time spent executing on the worker (Ballista's start and end of execution).
    #[serde(default)]
    pub(crate) run_time_ms: u64,
    /// What the task read from the shuffle files of the stages its stage reads.
    #[serde(default)]
    pub(crate) shuffle_read: IoMetrics,
    /// What the task wrote to its shuffle files (every stage ends in a shuffle write).
    #[serde(default)]
    pub(crate) shuffle_write: IoMetrics,
    /// Why the attempt failed.
    #[serde(default)]
    pub(crate) error: Option<String>,
}

/// Milliseconds since the Unix epoch: every time on the wire and in the UIs.
pub(crate) fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// `YYYYMMDDhhmmss` in UTC, the timestamp Spark puts in worker and application ids.
pub(crate) fn compact_timestamp(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).format("%Y%m%d%H%M%S").to_string()
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use serde::de::DeserializeOwned;

    use super::*;

    /// Each value serializes to exactly its wire name and reads back from it.
    fn assert_wire_names<T: Serialize + DeserializeOwned + PartialEq + Debug>(cases: &[(T, &str)]) {
        for (value, name) in cases {
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(json, format!("\"{name}\""), "{value:?}");
            assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value);
        }
    }

    #[test]
    fn protocol_states_keep_their_wire_names() {
        assert_wire_names(&[(WorkerState::Alive, "ALIVE"), (WorkerState::Dead, "DEAD")]);
        assert_wire_names(&[
            (ApplicationState::Running, "RUNNING"),
            (ApplicationState::Finished, "FINISHED"),
            (ApplicationState::Failed, "FAILED"),
            (ApplicationState::Killed, "KILLED"),
        ]);
        let jobs = [
            (JobStatus::Queued, "QUEUED"),
            (JobStatus::Running, "RUNNING"),
            (JobStatus::Succeeded, "SUCCEEDED"),
            (JobStatus::Failed, "FAILED"),
        ];
        assert_wire_names(&jobs);
        assert!(jobs.iter().all(|(status, name)| status.as_str() == *name));
        assert_wire_names(&[
            (StageState::Unresolved, "Unresolved"),
            (StageState::Resolved, "Resolved"),
            (StageState::Running, "Running"),
            (StageState::Successful, "Successful"),
            (StageState::Failed, "Failed"),
        ]);
        assert_wire_names(&[
            (TaskStatus::Running, "RUNNING"),
            (TaskStatus::Success, "SUCCESS"),
            (TaskStatus::Failed, "FAILED"),
        ]);
    }

    #[test]
    fn protocol_messages_keep_their_json() {
        let finished = ApplicationFinished { state: ApplicationState::Killed };
        assert_eq!(serde_json::to_string(&finished).unwrap(), r#"{"state":"KILLED"}"#);
        assert!(serde_json::from_str::<ApplicationFinished>(r#"{"state":"DONE"}"#).is_err());

        let task = TaskProgress {
            stage_id: 1,
            task_id: 7,
            partitions: vec![3],
            worker_id: Some("worker-1".into()),
            status: TaskStatus::Success,
            launch_time_ms: 10,
            finish_time_ms: 20,
            run_time_ms: 5,
            shuffle_read: IoMetrics { rows: 1, bytes: 2 },
            shuffle_write: IoMetrics { rows: 3, bytes: 4 },
            error: None,
        };
        let json = serde_json::to_string(&task).unwrap();
        assert_eq!(
            json,
            r#"{"stage_id":1,"task_id":7,"partitions":[3],"worker_id":"worker-1","status":"SUCCESS","launch_time_ms":10,"finish_time_ms":20,"run_time_ms":5,"shuffle_read":{"rows":1,"bytes":2},"shuffle_write":{"rows":3,"bytes":4},"error":null}"#
        );
        assert_eq!(serde_json::to_string(&serde_json::from_str::<TaskProgress>(&json).unwrap()).unwrap(), json);
    }

    #[test]
    fn protocol_times_are_epoch_milliseconds_and_compact_utc() {
        let time = UNIX_EPOCH + std::time::Duration::from_millis(1_764_345_458_123);
        assert_eq!(epoch_ms(time), 1_764_345_458_123);
        assert_eq!(compact_timestamp(time), "20251128155738");
    }
}
