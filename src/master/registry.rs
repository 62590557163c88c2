//! The master's view of its workers and applications, in Spark's terms.
//!
//! Ballista knows live executors only: one it has expired simply disappears. Spark users expect a
//! lost worker to stay listed as DEAD for a while, with its last heartbeat, so this registry
//! remembers every worker it has seen and marks it DEAD once Ballista drops it or its heartbeat
//! is older than the worker timeout. Applications are registered by drivers.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::json;

pub(crate) use crate::protocol::WorkerState;
use crate::protocol::{
    ApplicationRegistration, ApplicationState, WorkerAnnouncement, WorkerSummary, compact_timestamp, epoch_ms,
};

/// A worker as the master's `/json/` reports it.
#[derive(Debug, Clone)]
pub(crate) struct WorkerRecord {
    pub(crate) id: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) webui_address: String,
    pub(crate) cores: usize,
    pub(crate) memory_mb: u64,
    pub(crate) state: WorkerState,
    pub(crate) cores_used: usize,
    pub(crate) last_heartbeat_ms: u64,
    /// When the worker was declared DEAD, to forget it after a while as Spark does.
    dead_since: Option<SystemTime>,
}

/// What Ballista says about one live executor.
#[derive(Debug, Clone)]
pub(crate) struct ExecutorSighting {
    pub(crate) id: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) cores: usize,
    pub(crate) last_heartbeat_ms: u64,
    pub(crate) cores_used: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Capacity {
    pub(crate) cores: usize,
    pub(crate) memory_per_worker_mb: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct ApplicationRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) user: String,
    pub(crate) cores: usize,
    /// Memory per worker in MiB: every worker runs the application's tasks.
    pub(crate) memory_per_executor_mb: u64,
    pub(crate) webui_address: Option<String>,
    pub(crate) start_time_ms: u64,
    pub(crate) end_time_ms: Option<u64>,
    pub(crate) state: ApplicationState,
}

#[derive(Debug)]
pub(crate) struct Registry {
    worker_timeout: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    workers: BTreeMap<String, WorkerRecord>,
    announcements: BTreeMap<String, WorkerAnnouncement>,
    applications: Vec<ApplicationRecord>,
}

/// Spark keeps a dead worker in the UI for 15 + 1 worker-timeout periods.
const DEAD_WORKER_PERSISTENCE: u32 = 16;

impl Registry {
    pub(crate) fn new(worker_timeout: Duration) -> Self {
        Self { worker_timeout, inner: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn announce_worker(&self, announcement: WorkerAnnouncement) {
        let mut inner = self.lock();
        if let Some(worker) = inner.workers.get_mut(&announcement.id) {
            worker.memory_mb = announcement.memory_mb;
            worker.webui_address = announcement.webui_address.clone();
        }
        inner.announcements.insert(announcement.id.clone(), announcement);
    }

    /// Brings the registry in line with the executors Ballista currently has.
    pub(crate) fn observe(&self, executors: Vec<ExecutorSighting>) {
        let now = SystemTime::now();
        let now_ms = epoch_ms(now);
        let timeout_ms = self.worker_timeout.as_millis() as u64;
        let mut inner = self.lock();
        let Inner { workers, announcements, .. } = &mut *inner;
        let mut seen = Vec::with_capacity(executors.len());
        for executor in executors {
            let alive = now_ms.saturating_sub(executor.last_heartbeat_ms) <= timeout_ms;
            seen.push(executor.id.clone());
            let announced = announcements.get(&executor.id);
            let worker = workers.entry(executor.id.clone()).or_insert_with(|| WorkerRecord {
                id: executor.id.clone(),
                host: executor.host.clone(),
                port: executor.port,
                webui_address: announced.map(|a| a.webui_address.clone()).unwrap_or_default(),
                cores: executor.cores,
                memory_mb: announced.map_or(0, |a| a.memory_mb),
                state: WorkerState::Alive,
                cores_used: 0,
                last_heartbeat_ms: executor.last_heartbeat_ms,
                dead_since: None,
            });
            worker.cores = executor.cores;
            worker.cores_used = executor.cores_used.min(executor.cores);
            worker.last_heartbeat_ms = executor.last_heartbeat_ms;
            if let Some(announced) = announced {
                worker.memory_mb = announced.memory_mb;
                worker.webui_address = announced.webui_address.clone();
            }
            mark(worker, alive, now);
        }
        for worker in workers.values_mut().filter(|w| !seen.contains(&w.id)) {
            mark(worker, false, now);
        }
        let forget_after = self.worker_timeout * DEAD_WORKER_PERSISTENCE;
        workers.retain(|id, w| {
            let keep = w.dead_since.is_none_or(|t| now.duration_since(t).unwrap_or_default() < forget_after);
            if !keep {
                announcements.remove(id);
            }
            keep
        });
    }

    pub(crate) fn workers(&self) -> Vec<WorkerRecord> {
        self.lock().workers.values().cloned().collect()
    }

    /// Task slots on the alive workers, and the smallest memory one of them offers.
    pub(crate) fn alive_capacity(&self) -> Capacity {
        let inner = self.lock();
        let alive = inner.workers.values().filter(|w| w.state == WorkerState::Alive);
        Capacity {
            cores: alive.clone().map(|w| w.cores).sum(),
            memory_per_worker_mb: alive.map(|w| w.memory_mb).min().unwrap_or(0),
        }
    }

    /// Registers an application and returns its Spark-style id (`app-YYYYMMDDhhmmss-NNNN`).
    pub(crate) fn register_application(&self, registration: ApplicationRegistration, capacity: Capacity) -> String {
        let now = SystemTime::now();
        let mut inner = self.lock();
        let id = format!("app-{}-{:04}", compact_timestamp(now), inner.applications.len());
        inner.applications.push(ApplicationRecord {
            id: id.clone(),
            name: registration.name,
            user: registration.user,
            cores: capacity.cores,
            memory_per_executor_mb: capacity.memory_per_worker_mb,
            webui_address: registration.webui_address,
            start_time_ms: epoch_ms(now),
            end_time_ms: None,
            state: ApplicationState::Running,
        });
        id
    }

    /// Marks an application as ended; false if it is unknown.
    pub(crate) fn finish_application(&self, id: &str, state: ApplicationState) -> bool {
        let mut inner = self.lock();
        let Some(app) = inner.applications.iter_mut().find(|a| a.id == id) else {
            return false;
        };
        app.state = state;
        app.end_time_ms.get_or_insert(epoch_ms(SystemTime::now()));
        true
    }

    pub(crate) fn applications(&self) -> Vec<ApplicationRecord> {
        self.lock().applications.clone()
    }
}

fn mark(worker: &mut WorkerRecord, alive: bool, now: SystemTime) {
    if alive {
        worker.state = WorkerState::Alive;
        worker.dead_since = None;
    } else if worker.state == WorkerState::Alive {
        worker.state = WorkerState::Dead;
        worker.cores_used = 0;
        worker.dead_since = Some(now);
    }
}

impl WorkerRecord {
    /// The worker as the master's `/json/` and API list it.
    pub(crate) fn summary(&self) -> WorkerSummary {
        // Ballista does not account memory per task; a busy slot is counted as its share of the memory.
        let memoryused = if self.cores == 0 { 0 } else { self.memory_mb * self.cores_used as u64 / self.cores as u64 };
        WorkerSummary {
            id: self.id.clone(),
            host: self.host.clone(),
            port: self.port,
            webuiaddress: self.webui_address.clone(),
            cores: self.cores,
            coresused: self.cores_used,
            coresfree: self.cores - self.cores_used,
            memory: self.memory_mb,
            memoryused,
            memoryfree: self.memory_mb - memoryused,
            resources: json!({}),
            resourcesused: json!({}),
            resourcesfree: json!({}),
            state: self.state,
            lastheartbeat: self.last_heartbeat_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(id: &str, heartbeat_ms: u64) -> ExecutorSighting {
        ExecutorSighting {
            id: id.into(),
            host: "127.0.0.1".into(),
            port: 1,
            cores: 2,
            last_heartbeat_ms: heartbeat_ms,
            cores_used: 1,
        }
    }

    #[test]
    fn a_worker_that_disappears_or_goes_quiet_turns_dead() {
        let registry = Registry::new(Duration::from_secs(10));
        let now = epoch_ms(SystemTime::now());
        registry.announce_worker(WorkerAnnouncement {
            id: "w1".into(),
            webui_address: "http://127.0.0.1:8081".into(),
            memory_mb: 1024,
        });
        registry.observe(vec![sighting("w1", now), sighting("w2", now)]);
        let workers = registry.workers();
        assert_eq!(workers.len(), 2);
        assert!(workers.iter().all(|w| w.state == WorkerState::Alive));
        assert_eq!(workers[0].memory_mb, 1024);
        assert_eq!(workers[0].webui_address, "http://127.0.0.1:8081");
        assert_eq!(registry.alive_capacity(), Capacity { cores: 4, memory_per_worker_mb: 0 });

        // w1 is gone from Ballista, w2 has not been heard of for longer than the timeout.
        registry.observe(vec![sighting("w2", now - 11_000)]);
        let workers = registry.workers();
        assert_eq!(workers.iter().map(|w| w.state).collect::<Vec<_>>(), [WorkerState::Dead, WorkerState::Dead]);
        assert_eq!(workers[0].cores_used, 0);
        assert_eq!(registry.alive_capacity().cores, 0);

        // A worker that comes back is ALIVE again under the same id.
        registry.observe(vec![sighting("w1", epoch_ms(SystemTime::now()))]);
        assert_eq!(registry.workers()[0].state, WorkerState::Alive);
    }

    #[test]
    fn applications_get_spark_ids_and_end_states() {
        let registry = Registry::new(Duration::from_secs(10));
        let registration = ApplicationRegistration { name: "example".into(), user: "ada".into(), webui_address: None };
        let id = registry.register_application(registration, Capacity { cores: 6, memory_per_worker_mb: 512 });
        assert!(id.starts_with("app-") && id.ends_with("-0000") && id.len() == "app-20261125145738-0000".len());
        assert_eq!(registry.applications()[0].state, ApplicationState::Running);
        assert!(registry.finish_application(&id, ApplicationState::Finished));
        assert!(!registry.finish_application("app-x", ApplicationState::Finished));
        let app = &registry.applications()[0];
        assert_eq!(app.state, ApplicationState::Finished);
        assert!(app.end_time_ms.is_some());
    }
}
