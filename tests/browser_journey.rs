//! What a person sees in a browser: the master's page lists the cluster's workers as ALIVE with
//! links to their own pages, and a worker's page names it and its master. Pages are rendered by
//! headless Chromium (Debian's `chromium`, which .ci/run installs); screenshots are kept under
//! `$CARGO_TARGET_DIR/screenshots/` (or `target/screenshots/`) for people to look at.
//!
//! Without Chromium the browser checks print "skipped" and pass, so `cargo test` works on a machine
//! with only the Rust toolchain; under CI (CI set) a missing Chromium fails the test.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use minispark::all::{LocalCluster, LocalClusterOptions};
use minispark::driver::Driver;
use tokio_util::sync::CancellationToken;

use common::{repo, reqwest_json};

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The browser to use; None (after saying so) where there is none, which CI does not accept.
fn chromium_or_skip() -> Option<&'static str> {
    let browser = chromium();
    if browser.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide chromium (.ci/run installs it)");
        eprintln!("skipped the browser checks: no chromium on this machine");
    }
    browser
}

fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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
