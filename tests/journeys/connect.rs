//! A PySpark user's journey: unchanged PySpark programs, with only `.remote("sc://…")` pointing
//! at minispark, run on a cluster of three workers through Spark Connect.
//!
//! The real clients run here: `pyspark-client` 4.2 runs the pytest suite in tests/connect (each
//! DataFrame, SQL, write and error family, with expectations computed independently of the
//! server), `minispark submit examples/main.py` runs the example application (its results must
//! equal the SQL example's, computed by single-process DataFusion), and a PySpark 3.5 client runs
//! a smoke script. The clients live in virtualenvs under the cargo target directory, installed
//! from PyPI on first use. Without python3 the test prints "skipped", except under CI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use minispark::all::{LocalCluster, LocalClusterOptions};
use minispark::driver::Driver;
use tokio_util::sync::CancellationToken;

use crate::common::{example_job_local, repo, run, run_locally, sharing_the_process, virtualenv};

/// The PySpark 3.5 client, with the pins its dependencies need on Python 3.11.
const PYSPARK_35: &str = "pyspark[connect]==3.5.9\npyarrow<19\nprotobuf<6\ngrpcio<1.68\ngrpcio-status<1.68\n\
                          googleapis-common-protos<1.66\nnumpy<2\npandas<2.3\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pyspark_programs_run_unchanged_on_the_cluster() {
    let _process = sharing_the_process().await;
    let requirements = std::fs::read_to_string(repo().join("tests/connect/requirements.txt")).unwrap();
    let Some(venv) = virtualenv("connect-venv", &requirements) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let cluster = LocalCluster::start(LocalClusterOptions::ephemeral(&tmp.path().join("storage"))).await.unwrap();
    cluster.upload_data(&repo().join("data")).await.unwrap();
    let driver = Arc::new(Driver::connect(&cluster.driver_config(true), "connect-suite").await.unwrap());
    let stop = CancellationToken::new();
    let listener = minispark::service::bind_host("127.0.0.1", 0).await.unwrap();
    let connect = minispark::connect::serve(driver.clone(), listener, stop.clone()).unwrap();
    let url = format!("sc://127.0.0.1:{}", connect.address.port());

    // The suite, by the real client, from a blocking thread: the cluster runs on this runtime.
    let python = venv.join("bin/python");
    let suite = {
        let (python, url, secret) = (python.clone(), url.clone(), cluster.s3.secret_key.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(&python)
                .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/connect"])
                .current_dir(repo())
                .env("MINISPARK_CONNECT_URL", &url)
                .env("MINISPARK_S3_SECRET", &secret)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let report = String::from_utf8_lossy(&suite.stdout);
    println!("{report}");
    assert!(suite.status.success(), "the PySpark suite failed:\n{report}\n{}", String::from_utf8_lossy(&suite.stderr));

    // The example application, submitted as a user would, writes what the SQL example computes.
    let example = example_writing_to(tmp.path());
    let binary = env!("CARGO_BIN_EXE_minispark");
    let submitted = {
        let mut command = Command::new(binary);
        command
            .args([
                "submit",
                "--quiet",
                "--master",
                &cluster.master_url().to_string(),
                "--s3-endpoint",
                &cluster.s3.endpoint,
            ])
            .arg(&example)
            .env("PYSPARK_PYTHON", &python);
        tokio::task::spawn_blocking(move || run(&mut command)).await.unwrap()
    };
    let reference = run_locally(&example_job_local(tmp.path())).await;
    let top = "SELECT country, category, orders, customers, units, revenue FROM sales_by_country_category \
               ORDER BY revenue DESC, country, category LIMIT 1";
    let best = reference.sql(top).await.unwrap().collect().await.unwrap();
    let best = pretty_format_batches(&best).unwrap().to_string();
    let best_row = best.lines().nth(3).unwrap_or_default();
    let best_revenue = best_row.split('|').nth(6).unwrap_or_default().trim();
    assert!(submitted.contains("|country|category|orders|customers|units|"), "{submitted}");
    assert!(
        !best_revenue.is_empty() && submitted.contains(best_revenue),
        "the top row {best_row} is not in:\n{submitted}"
    );
    let ordered = "SELECT * FROM t ORDER BY country, category";
    let check = SessionContext::new();
    let store = minispark::s3::bucket_client(&cluster.s3, "spark-output").unwrap();
    check.register_object_store(&url::Url::parse("s3://spark-output").unwrap(), Arc::new(store));
    check.register_parquet("t", "s3://spark-output/sales_by_country_category/", Default::default()).await.unwrap();
    let from_pyspark = check.sql(ordered).await.unwrap().collect().await.unwrap();
    let local_output = tmp.path().join("reference/sales_by_country_category/");
    reference.register_parquet("t", local_output.to_str().unwrap(), Default::default()).await.unwrap();
    let expected = reference.sql(ordered).await.unwrap().collect().await.unwrap();
    assert_eq!(
        pretty_format_batches(&from_pyspark).unwrap().to_string(),
        pretty_format_batches(&expected).unwrap().to_string()
    );
    let csv = std::fs::read_dir(tmp.path().join("output/sales_by_country_category")).unwrap().count();
    assert_eq!(csv, 1, "one CSV file in output/");

    // A PySpark 3.5 client speaks an older dialect of the same protocol.
    if let Some(venv35) = virtualenv("connect35-venv", PYSPARK_35) {
        let mut smoke = Command::new(venv35.join("bin/python"));
        smoke.arg(repo().join("tests/connect/smoke_35.py")).env("MINISPARK_CONNECT_URL", &url);
        let output = tokio::task::spawn_blocking(move || run(&mut smoke)).await.unwrap();
        assert!(output.contains("smoke 3.5 ok"), "{output}");
    }

    stop.cancel();
    connect.stopped().await.unwrap();
    driver.finish(true).await;
    cluster.stop().await.unwrap();
}

/// examples/main.py with its local output directory moved into `dir`.
fn example_writing_to(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("examples/main.py")).unwrap();
    let moved = text.replace("\"output/", &format!("\"{}/output/", dir.display()));
    assert_ne!(moved, text, "examples/main.py writes to output/");
    let path = dir.join("main.py");
    std::fs::write(&path, moved).unwrap();
    path
}
