//! The storage role: an S3-compatible object store that replaces MinIO.
//!
//! s3s is the protocol layer (SigV4 and presigned auth, XML, chunked uploads, path-style addressing
//! only, so no Host header is ever taken for a bucket name); [`backend`] implements its `S3` trait
//! over our own on-disk [`store`] (a redb index and immutable data files, see there for crash
//! safety). This module owns the HTTP endpoint: MinIO's unauthenticated health probes and metrics
//! next to the S3 API (signed by the root user, or anonymous where an ACL allows, see [`acl`]), the
//! root credentials, the buckets every cluster expects (`spark-data`, `spark-output`), the sweep
//! of stale multipart uploads, and the web console on its own port.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub(crate) mod acl;
pub(crate) mod backend;
pub(crate) mod body;
pub(crate) mod client;
pub(crate) mod console;
pub(crate) mod guard;
pub(crate) mod listing;
pub(crate) mod metrics;
pub(crate) mod multipart;
pub(crate) mod store;

use anyhow::{Context, Result};
use axum::Router;
use axum::error_handling::HandleError;
use axum::http::StatusCode;
use axum::routing::get;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio_util::sync::CancellationToken;

use crate::config::StorageConfig;
use crate::service::{Service, bind, serve_router};

/// Starts the S3 API on `config.address` and returns once it accepts connections.
pub async fn start(config: &StorageConfig, shutdown: CancellationToken) -> Result<Service> {
    let data_dir = &config.data_dir;
    // A bad name is refused before the store is opened (opening scans its data files).
    let default_buckets: Vec<&str> =
        config.default_buckets.iter().map(String::as_str).filter(|b| !b.is_empty()).collect();
    if let Some(bad) = default_buckets.iter().find(|b| !backend::valid_bucket_name(b)) {
        anyhow::bail!(
            "--default-buckets: {bad:?} is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)"
        );
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the storage directory {}", data_dir.display()))?;
    refuse_foreign_directory(data_dir)?;
    // Opening scans the data files against the index: blocking work.
    let root = data_dir.clone();
    let store = tokio::task::spawn_blocking(move || store::Store::open(&root)).await?.map_err(|err| match err {
        store::StoreError::InUse => anyhow::anyhow!(
            "the storage directory {} is in use by another minispark storage server; stop it or pass another directory",
            data_dir.display()
        ),
        err => anyhow::Error::new(err).context(format!("cannot open the storage in {}", data_dir.display())),
    })?;
    for &bucket in &default_buckets {
        match store.create_bucket(bucket, store::CannedAcl::Private).await {
            Ok(()) | Err(store::StoreError::BucketExists) => {}
            Err(err) => return Err(err).with_context(|| format!("cannot create the bucket {bucket}")),
        }
    }

    let closed = store.closed();
    let sweeper = store.clone();
    let mut builder = S3ServiceBuilder::new(backend::Backend::new(store.clone(), &config.root_user));
    builder.set_auth(SimpleAuth::from_single(config.root_user.clone(), config.root_password.clone()));
    builder.set_access(acl::AccessControl::new(store, config.root_user.clone()));
    let s3 = HandleError::new(builder.build(), |err: s3s::HttpError| async move {
        tracing::error!(?err, "S3 request failed");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    });

    let metrics = Arc::new(metrics::S3Metrics::default());
    let render = {
        let metrics = metrics.clone();
        move || std::future::ready(metrics.render())
    };
    // Probes and metrics answer without credentials, as MinIO's do (GET and HEAD alike); they are
    // not counted as S3 requests.
    let router = Router::new()
        .fallback_service(s3)
        .layer(axum::middleware::from_fn(guard::check))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::record))
        .route("/minio/health/live", get(healthy))
        .route("/minio/health/ready", get(healthy))
        .route("/minio/health/cluster", get(healthy))
        .route("/minio/health/cluster/read", get(healthy))
        .route("/minio/v2/metrics/cluster", get(render.clone()))
        .route("/metrics", get(render));

    let listener = bind(config.address).await?;
    sweep_stale_uploads(sweeper, config, shutdown.clone());
    let service = serve_router("storage", listener, router, shutdown)?.releasing(closed);
    tracing::info!(
        address = %service.address,
        data_dir = %data_dir.display(),
        "storage serving S3 (buckets: {})",
        default_buckets.join(", ")
    );
    Ok(service)
}

/// Aborts multipart uploads older than the configured expiry, at start and then periodically, as
/// MinIO does: a client killed mid-upload leaves parts that nobody will ever complete or abort.
fn sweep_stale_uploads(store: store::Store, config: &StorageConfig, shutdown: CancellationToken) {
    let (expiry, every) = (config.stale_uploads_expiry, config.stale_uploads_cleanup_interval);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            let cutoff = store::now_millis().saturating_sub(u64::try_from(expiry.as_millis()).unwrap_or(u64::MAX));
            match store.abort_uploads_initiated_before(cutoff).await {
                Ok(0) => {}
                Ok(count) => {
                    tracing::info!(count, "aborted multipart uploads older than {}", humantime::format_duration(expiry))
                }
                Err(err) => tracing::warn!(error = %err, "cannot abort stale multipart uploads"),
            }
        }
    });
}

/// Starts the web console on `config.console_address`, managing the S3 API at `s3_address`.
pub async fn start_console(
    config: &StorageConfig,
    s3_address: SocketAddr,
    shutdown: CancellationToken,
) -> Result<Service> {
    // The console reaches the S3 API over loopback when it listens on every interface.
    let ip = if s3_address.ip().is_unspecified() { IpAddr::from([127, 0, 0, 1]) } else { s3_address.ip() };
    let endpoint = format!("http://{}", SocketAddr::new(ip, s3_address.port()));
    let listener = bind(config.console_address).await?;
    serve_router("storage console", listener, console::routes(console::Console::new(endpoint)), shutdown)
}

/// `minispark storage DATA_DIR`: serves until Ctrl-C or SIGTERM.
pub async fn run(config: StorageConfig) -> Result<()> {
    let shutdown = CancellationToken::new();
    let service = start(&config, shutdown.clone()).await?;
    let console = start_console(&config, service.address, shutdown.clone()).await?;
    println!(
        "S3 API at http://{} (root user {}), data in {}",
        service.address,
        config.root_user,
        config.data_dir.display()
    );
    println!("Console at http://{}/", console.address);
    crate::signals::wait_for_shutdown().await;
    shutdown.cancel();
    service.stopped().await.and(console.stopped().await)
}

/// Opening a store deletes the files in its `data/` that its index does not name, so a directory
/// holding anything but a store (a project folder, an s3s-fs directory of an older minispark) is
/// refused rather than cleaned.
fn refuse_foreign_directory(dir: &std::path::Path) -> Result<()> {
    if dir.join("index.redb").exists() {
        return Ok(());
    }
    let is_empty = |path: &std::path::Path| std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none());
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read the storage directory {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        if !(entry.file_name() == "data" && is_empty(&entry.path())) {
            anyhow::bail!(
                "{} is not empty and holds no minispark store (no index.redb): refusing to use it, so that \
                 nothing in it is deleted; give an empty or new directory (an older minispark's storage \
                 directory is not converted: copy its objects over with aws s3 sync)",
                dir.display()
            );
        }
    }
    Ok(())
}

async fn healthy() -> StatusCode {
    StatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_holding_other_files_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/orders.csv"), "id\n1\n").unwrap();
        let refused = refuse_foreign_directory(dir.path()).unwrap_err().to_string();
        assert!(refused.contains("holds no minispark store"), "{refused}");
        assert!(dir.path().join("data/orders.csv").exists());

        let fresh = tempfile::tempdir().unwrap();
        refuse_foreign_directory(fresh.path()).unwrap();
        std::fs::create_dir(fresh.path().join("data")).unwrap();
        refuse_foreign_directory(fresh.path()).unwrap();
        store::Store::open(fresh.path()).unwrap();
        refuse_foreign_directory(fresh.path()).unwrap();
    }
}
