//! PySpark applications: `minispark submit app.py` runs a Python program against this driver's
//! Spark Connect server, as `spark-submit app.py` runs one against a JVM driver.
//!
//! The program is started with `SPARK_REMOTE=sc://HOST:PORT` (PySpark's own variable), so a
//! program that builds its session with `SparkSession.builder.getOrCreate()`, or reads
//! `SPARK_REMOTE` for `.remote(...)`, reaches the cluster unchanged. The interpreter is
//! `PYSPARK_PYTHON`, else `python3`, as with Spark.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Whether `path` names a PySpark program rather than a SQL job file.
pub(crate) fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
}

/// Runs `program` with `arguments` against the Spark Connect server at `connect`; fails unless
/// it exits with status 0.
pub(crate) async fn run(program: &Path, arguments: &[String], connect: SocketAddr) -> Result<()> {
    if !program.is_file() {
        bail!("cannot read the application {} (no such file)", program.display());
    }
    let python = std::env::var("PYSPARK_PYTHON").unwrap_or_else(|_| "python3".into());
    let remote = format!("sc://{}:{}", connect_host(connect), connect.port());
    let status = tokio::process::Command::new(&python)
        .arg(program)
        .args(arguments)
        .env("SPARK_REMOTE", &remote)
        .env("SPARK_CONNECT_MODE_ENABLED", "1")
        .kill_on_drop(true)
        .status()
        .await
        .with_context(|| format!("cannot run {python} (set PYSPARK_PYTHON to a Python that has pyspark-client)"))?;
    if !status.success() {
        bail!("{} failed ({status})", program.display());
    }
    Ok(())
}

/// The address a local program reaches a server bound to `address` at.
fn connect_host(address: SocketAddr) -> String {
    match address.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".into(),
        ip => ip.to_string(),
    }
}
