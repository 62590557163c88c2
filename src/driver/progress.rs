//! Progress of a running job in the terminal, like spark-shell's progress bar: stages and tasks
//! done, read from the master while the job runs, ending with one summary line per job.
//!
//! On a terminal the line is redrawn in place; otherwise (logs, CI) a line is printed each time a
//! stage completes, so the output stays readable.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::protocol::{JobProgress, MasterClient, StageState, TaskStatus};

const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Like Spark's "Initial job has not accepted any resources" warning: after this long without a
/// single task started, the user is told why the job may be waiting.
const NO_RESOURCES_WARNING: Duration = Duration::from_secs(15);

pub(crate) struct Reporter {
    master: MasterClient,
    label: String,
    quiet: bool,
    interactive: bool,
}

impl Reporter {
    /// `label` names the job in progress lines, e.g. "statement 4".
    pub(crate) fn new(master: MasterClient, label: String, quiet: bool) -> Self {
        Self { master, label, quiet, interactive: std::io::stderr().is_terminal() }
    }

    /// Follows the job until `running` finishes, handing each progress report to `observe`;
    /// returns the job id once the scheduler gave one.
    pub(crate) async fn follow<T>(
        &self,
        job_id: impl Fn() -> Option<String>,
        running: &JoinHandle<T>,
        observe: impl Fn(&JobProgress),
    ) -> Option<String> {
        let started = Instant::now();
        let mut id = None;
        let mut last = None;
        let mut reported_stages = BTreeSet::new();
        let mut warned = false;
        loop {
            let finished = running.is_finished();
            if id.is_none() {
                id = job_id();
            }
            if let Some(job) = &id
                && let Some(progress) = self.fetch(job).await
            {
                observe(&progress);
                self.show(&progress, &mut reported_stages);
                last = Some(progress);
            }
            if finished {
                break;
            }
            let started_a_task = last.as_ref().is_some_and(|p: &JobProgress| !p.tasks.is_empty());
            if !warned && !started_a_task && started.elapsed() > NO_RESOURCES_WARNING {
                warned = true;
                eprintln!(
                    "\n[{}] the job has not started any task for {}s: are workers registered and ALIVE? \
                     (see the master's /json/)",
                    self.label,
                    NO_RESOURCES_WARNING.as_secs()
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        if let Some(progress) = &last {
            self.summarize(progress, started.elapsed());
        }
        id
    }

    /// The job's progress; a missed report only delays the next line, so failures are logged, not raised.
    async fn fetch(&self, job_id: &str) -> Option<JobProgress> {
        match self.master.job_progress(job_id).await {
            Ok(progress) => progress,
            Err(err) => {
                tracing::debug!("cannot read the progress of job {job_id}: {err:#}");
                None
            }
        }
    }

    fn show(&self, progress: &JobProgress, reported_stages: &mut BTreeSet<usize>) {
        if self.quiet {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        if self.interactive {
            let _ = write!(stderr, "\r\x1b[2K{}", progress_line(&self.label, progress));
            let _ = stderr.flush();
            return;
        }
        for stage in progress.stages.iter().filter(|s| s.state == StageState::Successful) {
            if reported_stages.insert(stage.stage_id) {
                let _ = writeln!(
                    stderr,
                    "[{}] job {} stage {} done ({} tasks)",
                    self.label,
                    progress.job_id,
                    stage.stage_id,
                    stage.partitions.unwrap_or(stage.completed_partitions)
                );
            }
        }
    }

    fn summarize(&self, progress: &JobProgress, elapsed: Duration) {
        if self.quiet {
            return;
        }
        let succeeded = || progress.tasks.iter().filter(|t| t.status == TaskStatus::Success);
        let workers: BTreeSet<&str> = succeeded().filter_map(|t| t.worker_id.as_deref()).collect();
        let tasks = succeeded().count();
        let failed = progress.tasks.iter().filter(|t| t.status == TaskStatus::Failed).count();
        let retried = if failed > 0 { format!(", {failed} failed and retried") } else { String::new() };
        let clear = if self.interactive { "\r\x1b[2K" } else { "" };
        eprintln!(
            "{clear}[{}] job {} {}: {} stages, {tasks} tasks on {} workers{retried} in {:.1}s",
            self.label,
            progress.job_id,
            progress.status.as_str().to_lowercase(),
            progress.stages.len(),
            workers.len(),
            elapsed.as_secs_f64()
        );
    }
}

/// `[statement 4] job abc: stage 2/3, tasks 14/22 ▕███████░░░░░▏`
pub(crate) fn progress_line(label: &str, progress: &JobProgress) -> String {
    let stages_done = progress.stages.iter().filter(|s| s.state == StageState::Successful).count();
    let total: usize = progress.stages.iter().map(|s| s.partitions.unwrap_or(0)).sum();
    let done: usize = progress.stages.iter().map(|s| s.completed_partitions).sum();
    const WIDTH: usize = 20;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(0).min(WIDTH);
    format!(
        "[{label}] job {}: stages {stages_done}/{}, tasks {done}/{total} [{}{}]",
        progress.job_id,
        progress.stages.len(),
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{JobStatus, StageProgress};

    #[test]
    fn progress_line_counts_stages_and_tasks() {
        let stage = |id, state, partitions, done| StageProgress {
            stage_id: id,
            state,
            partitions,
            completed_partitions: done,
            running_partitions: 0,
            plan: String::new(),
            output_links: vec![],
            output_rows: None,
            input: Default::default(),
        };
        let progress = JobProgress {
            job_id: "j1".into(),
            job_name: "example".into(),
            status: JobStatus::Running,
            stages: vec![
                stage(1, StageState::Successful, Some(6), 6),
                stage(2, StageState::Running, Some(4), 1),
                stage(3, StageState::Unresolved, None, 0),
            ],
            tasks: vec![],
        };
        assert_eq!(
            progress_line("statement 4", &progress),
            "[statement 4] job j1: stages 1/3, tasks 7/10 [##############------]"
        );
    }
}
