//! Helpers the user journeys share: where the repository is, polling JSON endpoints, a job long
//! enough to lose a worker in the middle of, and the lock that keeps apart journeys which must not
//! overlap in one process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use minispark::config::{S3Config, StorageConfig};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Every journey holds this while it runs: most share it, and a journey that needs the process to
/// itself takes it alone, so it neither waits for nor is overlapped by any other. tokio's lock,
/// unlike std's, is not poisoned when a journey fails while holding it, so one failure stays one.
static PROCESS: RwLock<()> = RwLock::const_new(());

/// For a journey that may overlap the others.
pub async fn sharing_the_process() -> RwLockReadGuard<'static, ()> {
    PROCESS.read().await
}

/// `sharing_the_process` for a test without a runtime.
pub fn sharing_the_process_blocking() -> RwLockReadGuard<'static, ()> {
    PROCESS.blocking_read()
}

/// For a journey that must not overlap any other; it says why where it takes this.
pub async fn alone_in_the_process() -> RwLockWriteGuard<'static, ()> {
    PROCESS.write().await
}

/// The root user the storage journeys give their servers: not the default (minioadmin), so the
/// journeys see that the configured credentials are the ones in force.
pub const ROOT_USER: &str = "ada";
pub const ROOT_PASSWORD: &str = "lovelace-secret";

/// An in-process storage server's settings: data in `dir`, free ports, the journeys' root user.
pub fn storage_config(dir: PathBuf) -> StorageConfig {
    let any_port = "127.0.0.1:0".parse().unwrap();
    StorageConfig {
        root_user: ROOT_USER.into(),
        root_password: ROOT_PASSWORD.into(),
        ..StorageConfig::new(dir, any_port, any_port)
    }
}

/// An S3 client's settings for the storage at `endpoint`, as the journeys' root user.
pub fn root_s3(endpoint: String) -> S3Config {
    S3Config { endpoint, access_key: ROOT_USER.into(), secret_key: ROOT_PASSWORD.into(), region: "us-east-1".into() }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub async fn reqwest_json(url: &str) -> serde_json::Value {
    let body = reqwest::get(url).await.unwrap().error_for_status().unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// Polls a JSON endpoint until `done` holds; the bound is generous, the test is not about timing.
pub async fn wait_for_json(url: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    for _ in 0..600 {
        if let Ok(response) = reqwest::get(url).await
            && let Ok(body) = response.bytes().await
            && let Ok(status) = serde_json::from_slice::<serde_json::Value>(&body)
            && done(&status)
        {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never reached the expected state: {}", reqwest_json(url).await);
}

/// A job of several seconds on a small cluster: every pair of orders whose products share the
/// last digit (360 million rows from 60,000 orders), aggregated into seven rows.
pub fn product_pairs_job(orders_location: &str) -> String {
    format!(
        "CREATE EXTERNAL TABLE orders STORED AS CSV LOCATION '{orders_location}' OPTIONS ('format.has_header' 'true');\n\
         SELECT a.customer_id % 7 AS bucket, COUNT(*) AS pairs, SUM(b.quantity) AS units \
         FROM orders a JOIN orders b ON a.product_id % 10 = b.product_id % 10 GROUP BY 1 ORDER BY 1;\n"
    )
}

/// The product-pairs result as single-process DataFusion prints it from data/.
pub async fn product_pairs_reference() -> String {
    let ctx = SessionContext::new();
    let orders = format!("{}/", repo().join("data/orders").display());
    let job = product_pairs_job(&orders);
    let statements = minispark::sql_text::split_statements(&job).unwrap();
    ctx.sql(&statements[0].sql).await.unwrap().collect().await.unwrap();
    let batches = ctx.sql(&statements[1].sql).await.unwrap().collect().await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

/// The example job with its local output directory moved into `dir`.
pub fn example_job_writing_to(dir: &Path) -> String {
    let text = std::fs::read_to_string(repo().join("jobs/example.sql")).unwrap();
    text.replace("'output/", &format!("'{}/output/", dir.display()))
}

/// The example job as plain single-process DataFusion runs it: local files in, local files out.
pub fn example_job_local(dir: &Path) -> String {
    let data = repo().join("data");
    example_job_writing_to(&dir.join("reference"))
        .replace("s3://spark-data/", &format!("{}/", data.display()))
        .replace("s3a://spark-data/", &format!("{}/", data.display()))
        .replace("s3://spark-output/", &format!("{}/reference/", dir.display()))
}

pub async fn run_locally(script: &str) -> SessionContext {
    let ctx = SessionContext::new();
    let statements = minispark::sql_text::split_statements(script).unwrap();
    for statement in &statements[..statements.len() - 1] {
        ctx.sql(&statement.sql).await.unwrap().collect().await.unwrap();
    }
    ctx
}

/// Whether `command` runs and exits 0, its output discarded: a probe for a tool.
pub fn succeeds(command: &mut Command) -> bool {
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| succeeds(Command::new(name).arg("--version")))
}

/// The browser to use; None (after saying so) where there is none, which CI does not accept.
pub fn chromium_or_skip() -> Option<&'static str> {
    let browser = chromium();
    if browser.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide chromium (.ci/run installs it)");
        eprintln!("skipped the browser checks: no chromium on this machine");
    }
    browser
}

/// `target/screenshots/` in the repository (even when cargo builds elsewhere), where CI collects them.
pub fn screenshots() -> PathBuf {
    let dir = repo().join("target").join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("target"))
}

/// A virtualenv at `$target/name` holding `requirements`; rebuilt when they change.
pub fn virtualenv(name: &str, requirements: &str) -> Option<PathBuf> {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide python3");
        eprintln!("skipped the checks that need python3: there is none on this machine");
        return None;
    }
    let venv = target_dir().join(name);
    let stamp = venv.join("minispark-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(requirements) {
        return Some(venv);
    }
    let _ = std::fs::remove_dir_all(&venv);
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    let file = venv.join("requirements.txt");
    std::fs::write(&file, requirements).unwrap();
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&file));
    std::fs::write(&stamp, requirements).unwrap();
    Some(venv)
}

pub fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{command:?} failed ({}):\n{stdout}\n{stderr}", output.status);
    stdout
}
