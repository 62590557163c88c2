//! The container user's journey, through `docker-distributed-utils.sh` exactly as the README tells
//! it: build the FROM-scratch image, start the six services and wait until all are healthy, check
//! the master's workers and the example application's results in S3, scale to five workers, kill a
//! worker container in the middle of a job, stop, and clean up.
//!
//! It needs a Docker engine with compose. Without one it says so and passes, so `cargo test` works
//! on a machine with only the Rust toolchain; under CI (CI set) a missing engine fails the test.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use minispark::config::S3Config;
use object_store::ObjectStore;

use crate::common::{
    alone_in_the_process, product_pairs_job, product_pairs_reference, repo, reqwest_json, succeeds, wait_for_json,
};

const SERVICES: [&str; 6] = [
    "spark-master",
    "spark-worker-1",
    "spark-worker-2",
    "spark-worker-3",
    "spark-app-distributed",
    "minio-distributed",
];
const PROJECT: &str = "minispark-journey";

/// Host ports for the published services, chosen free so the test never collides with a cluster
/// the user runs on the default ports.
struct Ports {
    master_webui: u16,
    master: u16,
    app_ui: u16,
    connect: u16,
    s3: u16,
    console: u16,
}

impl Ports {
    fn free() -> Self {
        let listeners: Vec<TcpListener> = (0..6).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
        let port = |i: usize| listeners[i].local_addr().unwrap().port();
        Ports {
            master_webui: port(0),
            master: port(1),
            app_ui: port(2),
            connect: port(3),
            s3: port(4),
            console: port(5),
        }
    }

    fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("MINISPARK_MASTER_WEBUI_PORT", self.master_webui.to_string()),
            ("MINISPARK_MASTER_PORT", self.master.to_string()),
            ("MINISPARK_APP_UI_PORT", self.app_ui.to_string()),
            ("MINISPARK_CONNECT_PORT", self.connect.to_string()),
            ("MINISPARK_S3_PORT", self.s3.to_string()),
            ("MINISPARK_CONSOLE_PORT", self.console.to_string()),
        ]
    }
}

/// Runs `docker-distributed-utils.sh ARGS` with the test's project, ports and the binary cargo
/// built for this test run (so the image holds exactly the code under test).
fn utils(ports: &Ports, args: &[&str]) -> Output {
    let output = Command::new("bash")
        .arg(repo().join("docker-distributed-utils.sh"))
        .args(args)
        .current_dir(repo())
        .env("COMPOSE_PROJECT_NAME", PROJECT)
        .env("MINISPARK_BINARY", env!("CARGO_BIN_EXE_minispark"))
        .env("MINISPARK_IMAGE", "minispark:journey-test")
        .env_remove("COMPOSE_FILE")
        .envs(ports.environment())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    eprintln!(
        "$ docker-distributed-utils.sh {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn utils_ok(ports: &Ports, args: &[&str]) -> String {
    let output = utils(ports, args);
    assert!(output.status.success(), "docker-distributed-utils.sh {} failed", args.join(" "));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).stdin(Stdio::null()).output().unwrap()
}

fn docker_available() -> bool {
    let engine = succeeds(Command::new("docker").arg("info"));
    let compose = ["docker compose version", "docker-compose version"].iter().any(|command| {
        let mut words = command.split(' ');
        succeeds(Command::new(words.next().unwrap()).args(words))
    });
    engine && compose
}

/// Names of this project's containers (running or not) and volumes.
fn leftovers() -> (String, String) {
    let label = format!("label=com.docker.compose.project={PROJECT}");
    let containers = docker(&["ps", "-a", "--filter", &label, "--format", "{{.Names}}"]);
    let volumes = docker(&["volume", "ls", "--filter", &label, "--format", "{{.Name}}"]);
    (String::from_utf8_lossy(&containers.stdout).trim().into(), String::from_utf8_lossy(&volumes.stdout).trim().into())
}

/// Volumes no container uses (anonymous ones left by removed containers among them).
fn dangling_volumes() -> usize {
    let volumes = docker(&["volume", "ls", "--quiet", "--filter", "dangling=true"]);
    String::from_utf8_lossy(&volumes.stdout).lines().count()
}

/// Cleans up even when an assertion fails half-way.
struct CleanUp<'a>(&'a Ports);

impl Drop for CleanUp<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            utils(self.0, &["logs"]);
            utils(self.0, &["cleanup"]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_containers_run_the_example_scale_and_survive_a_killed_worker() {
    if !docker_available() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide a Docker engine with compose");
        eprintln!("skipped: no Docker engine with compose on this machine");
        return;
    }
    // The free ports below are only reserved until the services publish them, minutes later: any
    // other journey's listener or client connection could take one meanwhile. And the compose
    // health checks have deadlines that other journeys' clusters must not eat into.
    let _process = alone_in_the_process().await;
    let ports = Ports::free();
    let _cleanup = CleanUp(&ports);
    let conflicting = docker(&["ps", "-a", "--format", "{{.Names}}"]);
    let conflicting = String::from_utf8_lossy(&conflicting.stdout);
    assert!(
        !SERVICES.iter().any(|s| conflicting.lines().any(|name| name == *s)),
        "containers named like the cluster's services exist already (run ./docker-distributed-utils.sh cleanup):\n{conflicting}"
    );

    let dangling_before = dangling_volumes();

    // start: image built, six services up and healthy, access points printed.
    let started = utils_ok(&ports, &["start"]);
    assert!(started.contains("all services healthy"), "{started}");
    assert!(started.contains(&format!("http://localhost:{}/", ports.master_webui)), "{started}");
    let size = docker(&["image", "inspect", "--format", "{{.Size}}", "minispark:journey-test"]);
    let size: u64 = String::from_utf8_lossy(&size.stdout).trim().parse().unwrap();
    let binary = std::fs::metadata(env!("CARGO_BIN_EXE_minispark")).unwrap().len();
    assert!(size < binary + 1_000_000, "the image is the binary and nothing else: {size} vs {binary} bytes");

    let status = utils_ok(&ports, &["status"]);
    for service in SERVICES {
        assert!(status.lines().any(|l| l.starts_with(service) && l.contains("healthy")), "{service}: {status}");
    }

    // The master sees three ALIVE workers, named after their containers.
    let master_json = format!("http://127.0.0.1:{}/json/", ports.master_webui);
    let master = reqwest_json(&master_json).await;
    assert_eq!(master["aliveworkers"], 3, "{master}");
    assert_eq!(master["url"], "spark://spark-master:7077");
    let hosts: Vec<&str> = master["workers"].as_array().unwrap().iter().filter_map(|w| w["host"].as_str()).collect();
    for worker in ["spark-worker-1", "spark-worker-2", "spark-worker-3"] {
        assert!(hosts.contains(&worker), "{hosts:?}");
    }
    let app = reqwest_json(&format!("http://127.0.0.1:{}/api/v1/applications", ports.app_ui)).await;
    assert_eq!(app[0]["name"], "example", "{app}");

    // The driver ran the example at start; submitting it again through the driver container
    // replaces the results in s3://spark-output, which an S3 client reads back.
    let submitted = utils_ok(&ports, &["submit", "jobs/example.sql"]);
    assert!(submitted.contains("wrote 12 rows to s3://spark-output/monthly_revenue/"), "{submitted}");
    check_results_in_s3(ports.s3).await;

    // scale 5: two more workers register and take work.
    let scaled = utils_ok(&ports, &["scale", "5"]);
    assert!(scaled.contains("5 workers ALIVE"), "{scaled}");
    let master = wait_for_json(&master_json, |s| s["aliveworkers"] == 5).await;
    assert_eq!(master["cores"], 10);

    // A worker container killed while the job runs: the job completes with the right result.
    let job = product_pairs_job("s3://spark-data/orders/");
    let mut pairs = Command::new("docker")
        .args(["exec", "spark-app-distributed", "/minispark", "sql", "--quiet", "--name", "pairs", "-e", &job])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let busy = wait_for_json(&master_json, |s| busy_named_worker(s).is_some()).await;
    let victim = busy_named_worker(&busy).unwrap();
    assert!(pairs.try_wait().unwrap().is_none(), "the job must still be running when the worker dies");
    let killed = docker(&["kill", &victim]);
    assert!(killed.status.success(), "{}", String::from_utf8_lossy(&killed.stderr));
    let output = tokio::task::spawn_blocking(move || pairs.wait_with_output()).await.unwrap().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(printed.trim_end().trim_end_matches("(7 rows)").trim(), product_pairs_reference().await);
    let master = reqwest_json(&master_json).await;
    assert!(
        master["workers"].as_array().unwrap().iter().any(|w| w["host"] == victim.as_str() && w["state"] == "DEAD"),
        "{master}"
    );

    // stop removes the containers; cleanup the volumes (and the image) too.
    utils_ok(&ports, &["stop"]);
    assert_eq!(leftovers().0, "", "stop leaves no containers");
    assert_eq!(leftovers().1, format!("{PROJECT}_minio-data"), "stop keeps the stored objects");
    assert_eq!(dangling_volumes(), dangling_before + 1, "stop leaves no anonymous volumes, only minio-data");
    utils_ok(&ports, &["cleanup"]);
    assert_eq!(leftovers(), (String::new(), String::new()), "cleanup leaves no containers or volumes");
    assert!(!docker(&["image", "inspect", "minispark:journey-test"]).status.success());
}

/// A named worker (spark-worker-N) running a task, as the master's /json/ shows it.
fn busy_named_worker(status: &serde_json::Value) -> Option<String> {
    status["workers"].as_array()?.iter().find_map(|w| {
        let host = w["host"].as_str()?;
        (host.starts_with("spark-worker-") && w["state"] == "ALIVE" && w["coresused"].as_u64() > Some(0))
            .then(|| host.to_string())
    })
}

/// Both Parquet outputs of the example are in s3://spark-output, once each, with the rows the job
/// reported.
async fn check_results_in_s3(port: u16) {
    let s3 = S3Config {
        endpoint: format!("http://127.0.0.1:{port}"),
        access_key: "minioadmin".into(),
        secret_key: "minioadmin".into(),
        region: "us-east-1".into(),
    };
    let store = minispark::s3::bucket_client(&s3, "spark-output").unwrap();
    let keys: Vec<String> = store.list(None).map_ok(|o| o.location.to_string()).try_collect().await.unwrap();
    let ctx = SessionContext::new();
    ctx.register_object_store(&url::Url::parse("s3://spark-output").unwrap(), Arc::new(store));
    for (prefix, rows) in [("sales_by_country_category", None), ("monthly_revenue", Some(12))] {
        let files: Vec<_> = keys.iter().filter(|k| k.starts_with(&format!("{prefix}/"))).collect();
        assert!(files.len() == 1 && Path::new(files[0]).extension().unwrap() == "parquet", "{keys:?}");
        let table = format!("s3://spark-output/{prefix}/");
        let count = ctx.read_parquet(&table, Default::default()).await.unwrap().count().await.unwrap();
        assert!(rows.is_none_or(|rows| count == rows) && count > 0, "{prefix}: {count} rows");
    }
}
