//! What a person sees in a browser: the master's page lists the cluster's workers as ALIVE with
//! links to their own pages, and a worker's page names it and its master. Pages are rendered by
//! headless Chromium (Debian's `chromium`, which .ci/run installs); screenshots are kept under
//! `target/screenshots/` for people to look at.
//!
//! Without Chromium the browser checks print "skipped" and pass, so `cargo test` works on a machine
//! with only the Rust toolchain; under CI (CI set) a missing Chromium fails the test.

use std::process::{Command, Stdio};

use minispark::all::{LocalCluster, LocalClusterOptions};
use minispark::driver::Driver;
use tokio_util::sync::CancellationToken;

use crate::common::{
    alone_in_the_process, chromium, chromium_or_skip, repo, reqwest_json, screenshots, sharing_the_process,
};

/// Loads `url` headless, lets its scripts run, and returns the resulting DOM; also saves a
/// screenshot named `name`.png.
fn render(browser: &str, url: &str, name: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let run = |extra: &[String]| {
        let output = Command::new("timeout")
            .arg("60")
            .arg(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=5000",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(url)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(output.status.success(), "{browser} failed on {url}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let shot = screenshots().join(format!("{name}.png"));
    run(&[format!("--screenshot={}", shot.display())]);
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1000), "no screenshot at {}", shot.display());
    run(&["--dump-dom".to_string()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_master_page_shows_three_alive_workers_linked_to_their_pages() {
    // The worker page shows the log tail, the last 500 lines of this whole process, and must show
    // this cluster's registration line among them; the other journeys' clusters log into the same
    // tail and could push it out. (logging::init installs the one process-wide subscriber, so the
    // journeys that run after this one log to stderr too.)
    let _process = alone_in_the_process().await;
    minispark::logging::init(0);
    let tmp = tempfile::tempdir().unwrap();
    let cluster = LocalCluster::start(LocalClusterOptions::ephemeral(&tmp.path().join("storage"))).await.unwrap();
    let master_page = format!("http://{}/", cluster.master.webui.address);
    let worker = cluster.workers[0].as_ref().unwrap();
    let worker_page = format!("http://{}/", worker.info.webui_address);

    // Pages and their assets are served by the binary itself, with the right types.
    for (url, content_type) in [
        (master_page.clone(), "text/html"),
        (worker_page.clone(), "text/html"),
        (format!("{master_page}static/style.css"), "text/css"),
        (format!("{worker_page}static/common.js"), "text/javascript"),
    ] {
        let response = reqwest::get(&url).await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let served = response.headers()["content-type"].to_str().unwrap().to_string();
        assert!(served.starts_with(content_type), "{url}: {served}");
    }

    let Some(browser) = chromium_or_skip() else {
        cluster.stop().await.unwrap();
        return;
    };
    let master_url = master_page.clone();
    let dom = tokio::task::spawn_blocking(move || render(browser, &master_url, "master")).await.unwrap();
    assert!(dom.contains(&format!("Spark Master at {}", cluster.master_url())), "{dom}");
    assert!(dom.contains("Workers (3)"), "{dom}");
    for worker in cluster.workers.iter().flatten() {
        let row = dom.split("<tr>").find(|row| row.contains(&worker.info.id)).unwrap_or_else(|| panic!("{dom}"));
        assert!(row.contains(r#"class="state ALIVE""#), "{row}");
        let link = format!(r#"href="http://127.0.0.1:{}""#, worker.info.webui_address.port());
        assert!(row.contains(&link), "{row}");
    }

    let browser = chromium().unwrap();
    let dom = tokio::task::spawn_blocking(move || render(browser, &worker_page, "worker")).await.unwrap();
    assert!(dom.contains(&format!("Spark Worker {}", worker.info.id)), "{dom}");
    assert!(dom.contains(&cluster.master_url().to_string()), "{dom}");
    // Its log tail: the process's own lines, the worker's registration among them.
    assert!(dom.contains(&format!("worker registered with {}", cluster.master_url())), "{dom}");
    cluster.stop().await.unwrap();
}

/// The application UI lists the jobs the application ran, with Spark's REST field names, and the
/// page shows them finished with all their stages and tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_application_page_shows_the_finished_jobs_with_their_stages_and_tasks() {
    let _process = sharing_the_process().await;
    let tmp = tempfile::tempdir().unwrap();
    let cluster = LocalCluster::start(LocalClusterOptions::ephemeral(&tmp.path().join("storage"))).await.unwrap();
    cluster.upload_data(&repo().join("data")).await.unwrap();
    let job = tmp.path().join("statuses.sql");
    std::fs::write(
        &job,
        "CREATE EXTERNAL TABLE orders STORED AS CSV LOCATION 's3://spark-data/orders/' OPTIONS ('format.has_header' 'true');\n\
         SELECT status, COUNT(*) AS orders FROM orders GROUP BY status ORDER BY status;\n\
         SELECT COUNT(DISTINCT customer_id) AS customers FROM orders;\n",
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ui_url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = cluster.driver_config(true);
    config.ui_url = Some(ui_url.clone());
    let driver = Driver::connect(&config, "statuses").await.unwrap();
    driver.run_script(&job).await.unwrap();
    let ui = driver.serve_ui(listener, CancellationToken::new()).unwrap();

    let base = format!("http://{}/api/v1/applications/{}", ui.address, driver.app.id);
    let jobs = reqwest_json(&format!("{base}/jobs")).await;
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let first = &jobs[1];
    for key in [
        "jobId",
        "name",
        "description",
        "submissionTime",
        "completionTime",
        "stageIds",
        "status",
        "numTasks",
        "numActiveTasks",
        "numCompletedTasks",
        "numFailedTasks",
        "numActiveStages",
        "numCompletedStages",
        "numFailedStages",
    ] {
        assert!(first.get(key).is_some(), "job lacks {key}: {first}");
    }
    assert_eq!((first["jobId"].as_u64(), first["status"].as_str()), (Some(0), Some("SUCCEEDED")));
    assert!(first["description"].as_str().unwrap().starts_with("SELECT status"));
    let stages = first["stageIds"].as_array().unwrap().len() as u64;
    assert!(stages >= 2 && first["numCompletedStages"].as_u64() == Some(stages), "{first}");
    assert!(first["numTasks"].as_u64() > Some(0) && first["numCompletedTasks"] == first["numTasks"], "{first}");
    assert_eq!(reqwest_json(&format!("{base}/jobs/1")).await["jobId"], 1);
    assert_eq!(reqwest::get(format!("{base}/jobs/7")).await.unwrap().status(), 404);
    assert_eq!(
        reqwest::get(format!("http://{}/api/v1/applications/app-0/jobs", ui.address)).await.unwrap().status(),
        404
    );

    let Some(browser) = chromium_or_skip() else {
        cluster.stop().await.unwrap();
        return;
    };
    let page = format!("http://{}/", ui.address);
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "application")).await.unwrap();
    assert!(dom.contains("Spark Jobs of statuses"), "{dom}");
    assert!(dom.contains("Jobs (2)"), "{dom}");
    assert_eq!(dom.matches(r#"class="state SUCCEEDED""#).count(), 2, "{dom}");
    assert!(dom.contains(&format!("{stages}/{stages}")), "stages done/total: {dom}");
    assert!(dom.contains(r#"href="/jobs/job/?id=0""#), "jobs link to their pages: {dom}");

    // A job's page: its stages as a DAG, each stage's plan, and every task with its worker.
    let detail = reqwest_json(&format!("{base}/jobs/0")).await;
    let stage_list = detail["stages"].as_array().unwrap();
    assert_eq!(stage_list.len() as u64, stages);
    assert!(stage_list.iter().all(|s| s["status"] == "COMPLETE" && s["details"].as_str().unwrap().contains("Exec")));
    assert!(stage_list.iter().any(|s| !s["parentIds"].as_array().unwrap().is_empty()), "stages read stages: {detail}");
    let workers: Vec<String> = cluster.workers.iter().flatten().map(|w| w.info.id.clone()).collect();
    let tasks = detail["tasks"].as_array().unwrap();
    assert_eq!(tasks.len() as u64, first["numTasks"].as_u64().unwrap());
    assert!(tasks.iter().all(|t| t["status"] == "SUCCESS" && workers.iter().any(|w| t["executorId"] == w.as_str())));
    let page = format!("{ui_url}/jobs/job/?id=0");
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "job")).await.unwrap();
    assert!(dom.contains("Details for Job 0"), "{dom}");
    assert_eq!(dom.matches("<rect class=\"COMPLETE\"").count() as u64, stages, "one DAG box per stage: {dom}");
    assert!(dom.contains(&format!("Tasks ({})", tasks.len())), "{dom}");

    // Stages, numbered across the application, with Spark's StageData names and their tasks.
    let all_stages = reqwest_json(&format!("{base}/stages")).await;
    let all_stages = all_stages.as_array().unwrap();
    let total_stages: u64 = jobs.iter().map(|j| j["stageIds"].as_array().unwrap().len() as u64).sum();
    assert_eq!(all_stages.len() as u64, total_stages);
    for key in [
        "stageId",
        "attemptId",
        "status",
        "name",
        "details",
        "jobIds",
        "numTasks",
        "numCompleteTasks",
        "numFailedTasks",
        "submissionTime",
        "completionTime",
        "executorRunTime",
        "inputBytes",
        "inputRecords",
        "outputRecords",
        "shuffleReadBytes",
        "shuffleReadRecords",
        "shuffleWriteBytes",
        "shuffleWriteRecords",
    ] {
        assert!(all_stages[0].get(key).is_some(), "stage lacks {key}: {}", all_stages[0]);
    }
    let mut stage_ids: Vec<u64> = all_stages.iter().map(|s| s["stageId"].as_u64().unwrap()).collect();
    stage_ids.sort();
    assert_eq!(stage_ids, (0..total_stages).collect::<Vec<_>>(), "Spark numbers stages 0, 1, … across jobs");
    // The scans read the orders: every CSV row once, in the stages without parents.
    let scanned: u64 = all_stages
        .iter()
        .filter(|s| s["jobIds"] == serde_json::json!([0]) && s["parentIds"].as_array().unwrap().is_empty())
        .map(|s| s["inputRecords"].as_u64().unwrap())
        .sum();
    assert_eq!(scanned, 60_000, "rows read by job 0's scans");
    // What a stage's tasks wrote is what the stages after it read.
    let reader = stage_list.iter().find(|s| !s["parentIds"].as_array().unwrap().is_empty()).unwrap();
    let read: u64 = reader["shuffleReadRecords"].as_u64().unwrap();
    let written: u64 = stage_list
        .iter()
        .filter(|s| reader["parentIds"].as_array().unwrap().contains(&s["stageId"]))
        .map(|s| s["shuffleWriteRecords"].as_u64().unwrap())
        .sum();
    assert!(read > 0 && read == written, "shuffle read {read} vs written {written}");
    let stage_id = reader["stageId"].as_u64().unwrap();
    let stage = reqwest_json(&format!("{base}/stages/{stage_id}")).await;
    let stage = &stage.as_array().unwrap()[0];
    let stage_tasks = stage["tasks"].as_object().unwrap();
    assert_eq!(stage_tasks.len() as u64, reader["numTasks"].as_u64().unwrap());
    for task in stage_tasks.values() {
        for key in
            ["taskId", "index", "attempt", "launchTime", "duration", "executorId", "host", "status", "taskMetrics"]
        {
            assert!(task.get(key).is_some(), "task lacks {key}: {task}");
        }
        assert!(task["taskMetrics"]["shuffleReadMetrics"].get("recordsRead").is_some(), "{task}");
        assert!(task["executorWebUi"].as_str().is_some_and(|url| url.starts_with("http://")), "{task}");
    }
    assert_eq!(reqwest::get(format!("{base}/stages/999")).await.unwrap().status(), 404);

    // SQL: each statement as an execution, with its plans and its stages as a DAG.
    let executions = reqwest_json(&format!("{base}/sql")).await;
    let executions = executions.as_array().unwrap();
    assert_eq!(executions.len(), 2);
    let execution = reqwest_json(&format!("{base}/sql/0")).await;
    for key in [
        "id",
        "status",
        "description",
        "planDescription",
        "submissionTime",
        "duration",
        "successJobIds",
        "nodes",
        "edges",
    ] {
        assert!(execution.get(key).is_some(), "execution lacks {key}: {execution}");
    }
    assert_eq!(execution["status"], "COMPLETED");
    assert_eq!(execution["successJobIds"], serde_json::json!([0]));
    let plan = execution["planDescription"].as_str().unwrap();
    assert!(
        plan.contains("== Physical Plan") && plan.contains("AggregateExec") && plan.contains("Aggregate:"),
        "{plan}"
    );
    assert_eq!(execution["nodes"].as_array().unwrap().len() as u64, stages);
    assert!(!execution["edges"].as_array().unwrap().is_empty(), "{execution}");

    let page = format!("{ui_url}/stages/");
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "stages")).await.unwrap();
    assert!(dom.contains(&format!("Completed Stages ({total_stages})")), "{dom}");
    assert!(dom.contains(r#"href="/stages/stage/?id=0""#), "stages link to their pages: {dom}");
    let page = format!("{ui_url}/stages/stage/?id={stage_id}");
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "stage")).await.unwrap();
    assert!(dom.contains(&format!("Details for Stage {stage_id}")), "{dom}");
    assert!(dom.contains(&format!("Tasks ({})", stage_tasks.len())), "{dom}");
    assert!(dom.contains("ShuffleReaderExec"), "the stage's plan: {dom}");
    let page = format!("{ui_url}/SQL/");
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "sql")).await.unwrap();
    assert!(dom.contains("Completed Queries (2)") && dom.contains(r#"href="/SQL/execution/?id=0""#), "{dom}");
    let page = format!("{ui_url}/SQL/execution/?id=0");
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "sql-execution")).await.unwrap();
    assert!(dom.contains("Details for Query 0") && dom.contains("SELECT status"), "{dom}");
    assert!(dom.contains("== Physical Plan") && dom.contains("AggregateExec"), "the query's plan: {dom}");
    assert_eq!(dom.matches("<rect class=\"COMPLETE\"").count() as u64, stages, "one DAG box per stage: {dom}");

    // Executors: every worker, with this application's task counts on it; Environment: the
    // application's properties with secrets redacted.
    let executors = reqwest_json(&format!("{base}/executors")).await;
    let executors = executors.as_array().unwrap();
    assert_eq!(executors.len(), 3);
    for key in [
        "id",
        "hostPort",
        "isActive",
        "totalCores",
        "maxTasks",
        "activeTasks",
        "failedTasks",
        "completedTasks",
        "totalTasks",
        "totalDuration",
        "maxMemory",
    ] {
        assert!(executors[0].get(key).is_some(), "executor lacks {key}: {}", executors[0]);
    }
    let all_tasks: u64 = jobs.iter().map(|j| j["numTasks"].as_u64().unwrap()).sum();
    assert_eq!(executors.iter().map(|e| e["completedTasks"].as_u64().unwrap()).sum::<u64>(), all_tasks);
    let environment = reqwest_json(&format!("{base}/environment")).await;
    let properties = environment["sparkProperties"].as_array().unwrap();
    assert!(properties.iter().any(|p| p[0] == "spark.app.name" && p[1] == "statuses"), "{environment}");
    assert!(properties.iter().any(|p| p[0].as_str().unwrap().contains("secret") && p[1] == "*********(redacted)"));
    assert!(!environment.to_string().contains("minioadmin"), "credentials must not show: {environment}");
    let page = format!("{ui_url}/executors/");
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "executors")).await.unwrap();
    assert!(dom.contains("Executors (3)"), "{dom}");
    assert_eq!(dom.matches(r#"class="state ALIVE""#).count(), 3, "{dom}");
    let page = format!("{ui_url}/environment/");
    let dom = tokio::task::spawn_blocking(move || render(browser, &page, "environment")).await.unwrap();
    assert!(dom.contains("spark.app.name") && dom.contains("(redacted)") && !dom.contains("minioadmin"), "{dom}");

    // The master's page links the application to its UI.
    let master_page = format!("http://{}/", cluster.master.webui.address);
    let dom =
        tokio::task::spawn_blocking(move || render(browser, &master_page, "master-with-application")).await.unwrap();
    assert!(dom.contains(&format!(r#"<a href="{ui_url}">{}</a>"#, driver.app.id)), "{dom}");
    driver.finish(true).await;
    cluster.stop().await.unwrap();
}
