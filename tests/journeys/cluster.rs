//! A user's first hour with minispark: start the cluster (storage, master, 3 workers) in one
//! process on free ports, upload data/, run the example application through a driver, and check
//! what it printed and wrote against single-process DataFusion over the same files.

use std::collections::BTreeSet;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use minispark::all::{LocalCluster, LocalClusterOptions};
use minispark::driver::{Driver, Outcome};
use minispark::protocol::{JobStatus, TaskStatus};
use object_store::ObjectStore;

use crate::common::{
    example_job_local, example_job_writing_to, repo, reqwest_json, root_s3, run_locally, sharing_the_process,
    storage_config, wait_for_json,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn example_application_runs_on_three_workers_and_matches_datafusion() {
    let _process = sharing_the_process().await;
    let tmp = tempfile::tempdir().unwrap();
    let cluster = LocalCluster::start(LocalClusterOptions::ephemeral(&tmp.path().join("storage"))).await.unwrap();

    // The master's /json/ lists the three workers as ALIVE, with Spark's keys.
    let status: serde_json::Value = reqwest_json(&format!("http://{}/json/", cluster.master.webui.address)).await;
    assert_eq!(status["aliveworkers"], 3, "{status}");
    assert_eq!(status["status"], "ALIVE");
    assert_eq!(status["url"], cluster.master_url().to_string());
    assert_eq!(status["cores"], 6);
    assert_eq!(status["memory"], 3 * 512);
    for worker in status["workers"].as_array().unwrap() {
        for key in ["id", "host", "port", "cores", "coresused", "memory", "memoryused", "state", "lastheartbeat"] {
            assert!(worker.get(key).is_some(), "worker lacks {key}: {worker}");
        }
        assert_eq!(worker["state"], "ALIVE");
        assert!(worker["id"].as_str().unwrap().starts_with("worker-"));
        assert!(worker["lastheartbeat"].as_u64().unwrap() > 0);
    }

    // Each worker's /json/ names its master and the master's web UI.
    let worker = cluster.workers[0].as_ref().unwrap();
    let worker_url = format!("http://{}/json/", worker.info.webui_address);
    let worker_status = wait_for_json(&worker_url, |w| w["masterwebuiurl"] != "").await;
    assert_eq!(worker_status["id"], worker.info.id.as_str());
    assert_eq!(worker_status["masterurl"], cluster.master_url().to_string());
    assert_eq!(worker_status["masterwebuiurl"], format!("http://{}", cluster.master.webui.address));
    assert_eq!((worker_status["cores"].as_u64(), worker_status["memory"].as_u64()), (Some(2), Some(512)));

    let (files, _) = cluster.upload_data(&repo().join("data")).await.unwrap();
    assert_eq!(files, 14, "customers.csv, products.json and 12 order files");

    let job = tmp.path().join("example.sql");
    std::fs::write(&job, example_job_writing_to(tmp.path())).unwrap();
    let driver = Driver::connect(&cluster.driver_config(true), "example").await.unwrap();
    let results = driver.run_script(&job).await.unwrap();
    driver.finish(true).await;
    // Submitting the application again replaces its outputs instead of adding a second copy.
    let again = Driver::connect(&cluster.driver_config(true), "example").await.unwrap();
    assert_eq!(again.run_script(&job).await.unwrap().len(), results.len());
    again.finish(true).await;

    // The printed table is what single-process DataFusion computes from the local files.
    let reference = run_locally(&example_job_local(tmp.path())).await;
    let Outcome::Rows(top) = &results.last().unwrap().outcome else { panic!("the last statement is a query") };
    let last_sql = &results.last().unwrap().statement.sql;
    let expected_top = reference.sql(last_sql).await.unwrap().collect().await.unwrap();
    assert_eq!(
        pretty_format_batches(top).unwrap().to_string(),
        pretty_format_batches(&expected_top).unwrap().to_string()
    );
    assert_eq!(top.iter().map(|b| b.num_rows()).sum::<usize>(), 10);

    // Every write reports its rows and target.
    let writes: Vec<(u64, &str)> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Wrote { rows, target } => Some((*rows, target.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(writes.len(), 3);
    assert_eq!(writes[0].1, "s3://spark-output/sales_by_country_category/");
    assert_eq!(writes[2], (12, "s3://spark-output/monthly_revenue/"));
    assert!(writes[0].0 > 50 && writes[0].0 == writes[1].0, "{writes:?}");

    // The Parquet in s3://spark-output holds exactly the rows DataFusion computes locally.
    let store = minispark::s3::bucket_client(&cluster.s3, "spark-output").unwrap();
    let written: Vec<String> =
        store.list(None).map_ok(|o| o.location.to_string()).try_collect::<Vec<_>>().await.unwrap();
    for prefix in ["sales_by_country_category/", "monthly_revenue/"] {
        let files: Vec<_> = written.iter().filter(|k| k.starts_with(prefix)).collect();
        assert!(files.len() == 1 && files[0].ends_with(".parquet"), "{written:?}");
    }
    let check = SessionContext::new();
    check.register_object_store(&url::Url::parse("s3://spark-output").unwrap(), std::sync::Arc::new(store));
    let ordered = "SELECT * FROM t ORDER BY country, category";
    check.register_parquet("t", "s3://spark-output/sales_by_country_category/", Default::default()).await.unwrap();
    let from_cluster = check.sql(ordered).await.unwrap().collect().await.unwrap();
    reference
        .register_parquet(
            "t",
            tmp.path().join("reference/sales_by_country_category/").to_str().unwrap(),
            Default::default(),
        )
        .await
        .unwrap();
    let from_reference = reference.sql(ordered).await.unwrap().collect().await.unwrap();
    assert_eq!(
        pretty_format_batches(&from_cluster).unwrap().to_string(),
        pretty_format_batches(&from_reference).unwrap().to_string()
    );

    // The CSV went to the local output directory.
    let csv_dir = tmp.path().join("output/sales_by_country_category");
    let csv_files: Vec<_> = std::fs::read_dir(&csv_dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(csv_files.len() == 1 && csv_files[0].extension().unwrap() == "csv", "{csv_files:?}");
    let csv = std::fs::read_to_string(&csv_files[0]).unwrap();
    let header = csv.lines().next().unwrap_or_default().replace('"', "");
    assert_eq!(header, "country,category,orders,customers,units,revenue,avg_unit_price");
    assert_eq!(csv.lines().count() as u64, 1 + writes[1].0);

    // The work was spread: the aggregation's tasks ran on more than one worker.
    let mut workers = BTreeSet::new();
    for job_id in results.iter().filter_map(|r| r.job_id.as_deref()) {
        let progress = cluster.master.master.job_progress(job_id).await.unwrap().expect("job known to the master");
        assert_eq!(progress.status, JobStatus::Succeeded);
        assert!(progress.stages.len() >= 2, "a join or aggregate has a shuffle: {progress:?}");
        workers.extend(
            progress.tasks.iter().filter(|t| t.status == TaskStatus::Success).filter_map(|t| t.worker_id.clone()),
        );
    }
    assert!(workers.len() >= 2, "tasks ran on {workers:?}");

    // The master shows the application as completed.
    let status: serde_json::Value = reqwest_json(&format!("http://{}/json/", cluster.master.webui.address)).await;
    assert_eq!(status["completedapps"].as_array().unwrap().len(), 2);
    for app in status["completedapps"].as_array().unwrap() {
        assert_eq!((app["name"].as_str(), app["state"].as_str()), (Some("example"), Some("FINISHED")));
        assert_eq!((app["cores"].as_u64(), app["memoryperexecutor"].as_u64()), (Some(6), Some(512)));
    }
    assert!(status["activeapps"].as_array().unwrap().is_empty());

    cluster.stop().await.unwrap();
}

/// Bad input gets a clear error, a non-zero exit and no output: wrong credentials, bad SQL
/// (syntax or an unknown column in the last statement), a missing input path.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_is_refused_clearly_and_writes_nothing() {
    let _process = sharing_the_process().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut options = LocalClusterOptions::ephemeral(&tmp.path().join("storage"));
    options.workers = 2;
    let cluster = LocalCluster::start(options).await.unwrap();
    cluster.upload_data(&repo().join("data")).await.unwrap();

    // Anonymous and wrongly signed requests get 403; health probes need no credentials.
    let endpoint = &cluster.s3.endpoint;
    let anonymous = reqwest::get(format!("{endpoint}/spark-data?list-type=2")).await.unwrap();
    assert_eq!(anonymous.status(), 403);
    for probe in ["live", "ready"] {
        assert_eq!(reqwest::get(format!("{endpoint}/minio/health/{probe}")).await.unwrap().status(), 200);
    }
    let mut wrong = cluster.s3.clone();
    wrong.secret_key = "not-the-password".into();
    let err = minispark::s3::bucket_client(&wrong, "spark-data")
        .unwrap()
        .list(None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");

    let binary = env!("CARGO_BIN_EXE_minispark");
    let submit = |name: &str, sql: &str| {
        let job = tmp.path().join(name);
        std::fs::write(&job, sql).unwrap();
        std::process::Command::new(binary)
            .args(["submit", "--quiet", "--master", &cluster.master_url().to_string(), "--s3-endpoint", endpoint])
            .arg(&job)
            .output()
            .unwrap()
    };
    let orders = "CREATE EXTERNAL TABLE orders STORED AS CSV LOCATION 's3://spark-data/orders/' OPTIONS ('format.has_header' 'true');\n";
    let write = "COPY (SELECT * FROM orders) TO 's3://spark-output/must-not-exist/' STORED AS PARQUET;\n";

    let syntax = submit("syntax.sql", &format!("{orders}{write}SELEC 1;\n"));
    let stderr = String::from_utf8_lossy(&syntax.stderr);
    assert!(!syntax.status.success());
    assert!(stderr.contains("syntax.sql:3 (statement 3): syntax error"), "{stderr}");

    let column = submit("column.sql", &format!("{orders}{write}SELECT no_such_column FROM orders;\n"));
    let stderr = String::from_utf8_lossy(&column.stderr);
    assert!(!column.status.success());
    assert!(stderr.contains("column.sql:3 (statement 3)") && stderr.contains("no_such_column"), "{stderr}");

    let missing = submit(
        "missing.sql",
        "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION 's3://spark-data/no/such/dir/' OPTIONS ('format.has_header' 'true');\nSELECT * FROM t;\n",
    );
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(stderr.contains("input path s3://spark-data/no/such/dir/ does not exist"), "{stderr}");

    let no_file = std::process::Command::new(binary)
        .args(["submit", "--master", &cluster.master_url().to_string(), "no-such-job.sql"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&no_file.stderr);
    assert!(!no_file.status.success());
    assert!(stderr.contains("cannot read the job file no-such-job.sql"), "{stderr}");

    let store = minispark::s3::bucket_client(&cluster.s3, "spark-output").unwrap();
    let written = store.list(None).try_collect::<Vec<_>>().await.unwrap();
    assert!(written.is_empty(), "failed jobs wrote {written:?}");

    cluster.stop().await.unwrap();
}

/// A worker that leaves turns DEAD in the master's /json/: at once when it says goodbye, after
/// the worker timeout when it just stops heartbeating.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stopped_and_killed_workers_turn_dead() {
    let _process = sharing_the_process().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cluster = LocalCluster::start(LocalClusterOptions::ephemeral(&tmp.path().join("storage"))).await.unwrap();
    let url = format!("http://{}/json/", cluster.master.webui.address);
    let stopped_id = cluster.workers[0].as_ref().unwrap().info.id.clone();
    let killed_id = cluster.workers[1].as_ref().unwrap().info.id.clone();

    cluster.stop_worker(0).await.unwrap();
    let status = wait_for_json(&url, |s| worker_field(s, &stopped_id, "state") == "DEAD").await;
    assert_eq!(status["aliveworkers"], 2);

    cluster.kill_worker(1).unwrap();
    let status = wait_for_json(&url, |s| worker_field(s, &killed_id, "state") == "DEAD").await;
    assert_eq!(status["aliveworkers"], 1);
    assert_eq!(status["workers"].as_array().unwrap().len(), 3, "dead workers stay listed");

    cluster.stop().await.unwrap();
}

fn worker_field(status: &serde_json::Value, id: &str, field: &str) -> serde_json::Value {
    status["workers"]
        .as_array()
        .and_then(|workers| workers.iter().find(|w| w["id"] == id))
        .map(|w| w[field].clone())
        .unwrap_or_default()
}

/// The storage role keeps acknowledged objects across a restart, and creating its default buckets
/// again on start leaves them alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_keeps_objects_across_restarts() {
    use object_store::{ObjectStoreExt, PutPayload};

    let _process = sharing_the_process().await;
    let tmp = tempfile::tempdir().unwrap();
    let config = storage_config(tmp.path().join("storage"));
    let start = || async {
        let shutdown = tokio_util::sync::CancellationToken::new();
        let service = minispark::storage::start(&config, shutdown.clone()).await.unwrap();
        let s3 = root_s3(format!("http://{}", service.address));
        (service, shutdown, s3)
    };

    let (service, shutdown, s3) = start().await;
    let store = minispark::s3::bucket_client(&s3, "spark-data").unwrap();
    let key = object_store::path::Path::from("dir/hello.txt");
    store.put(&key, PutPayload::from_static(b"hello, spark")).await.unwrap();
    let second = minispark::storage::start(&config, tokio_util::sync::CancellationToken::new()).await.unwrap_err();
    assert!(format!("{second:#}").contains("is in use by another minispark storage server"), "{second:#}");
    // Stopping returns once the directory is free again, so the restart below cannot race the
    // last request's hold on the index.
    shutdown.cancel();
    service.stopped().await.unwrap();

    let (service, shutdown, s3) = start().await;
    let store = minispark::s3::bucket_client(&s3, "spark-data").unwrap();
    let bytes = store.get(&key).await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"hello, spark");
    let output = minispark::s3::bucket_client(&s3, "spark-output").unwrap();
    assert!(output.list(None).try_collect::<Vec<_>>().await.unwrap().is_empty());
    shutdown.cancel();
    service.stopped().await.unwrap();
}
