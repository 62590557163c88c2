//! The storage role: an S3-compatible object store that replaces MinIO.
//!
//! s3s is the protocol layer (SigV4 and presigned auth, XML, chunked uploads); the backend is s3s-fs
//! for now, behind the `S3` trait so it can be swapped without touching the protocol. This module owns
//! the HTTP endpoint: MinIO's unauthenticated health probes next to the authenticated S3 API, the
//! root credentials, and the buckets every cluster expects (`spark-data`, `spark-output`).

use std::path::Path;

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

/// Buckets created at start, as the seed's MinIO client container did.
pub const DEFAULT_BUCKETS: [&str; 2] = ["spark-data", "spark-output"];

/// Starts the S3 API on `config.address` and returns once it accepts connections.
pub async fn start(config: &StorageConfig, shutdown: CancellationToken) -> Result<Service> {
    let data_dir = &config.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the storage directory {}", data_dir.display()))?;
    for bucket in DEFAULT_BUCKETS {
        ensure_bucket(data_dir, bucket)?;
    }
    let backend = s3s_fs::FileSystem::new(data_dir)
        .map_err(|e| anyhow::anyhow!("cannot open the storage directory {}: {e:?}", data_dir.display()))?;

    let mut builder = S3ServiceBuilder::new(backend);
    builder.set_auth(SimpleAuth::from_single(config.root_user.clone(), config.root_password.clone()));
    let s3 = HandleError::new(builder.build(), |err: s3s::HttpError| async move {
        tracing::error!(?err, "S3 request failed");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    });

    let router = Router::new()
        .route("/minio/health/live", get(healthy))
        .route("/minio/health/ready", get(healthy))
        .route("/minio/health/cluster", get(healthy))
        .fallback_service(s3);

    let listener = bind(config.address).await?;
    let service = serve_router("storage", listener, router, shutdown)?;
    tracing::info!(
        address = %service.address,
        data_dir = %data_dir.display(),
        "storage serving S3 (buckets: {})",
        DEFAULT_BUCKETS.join(", ")
    );
    Ok(service)
}

/// `minispark storage DATA_DIR`: serves until Ctrl-C or SIGTERM.
pub async fn run(config: StorageConfig) -> Result<()> {
    let shutdown = CancellationToken::new();
    let service = start(&config, shutdown.clone()).await?;
    println!(
        "S3 API at http://{} (root user {}), data in {}",
        service.address,
        config.root_user,
        config.data_dir.display()
    );
    crate::signals::wait_for_shutdown().await;
    shutdown.cancel();
    service.stopped().await
}

async fn healthy() -> StatusCode {
    StatusCode::OK
}

/// Creates a bucket directory if it is missing; existing buckets and their objects are left alone.
fn ensure_bucket(data_dir: &Path, bucket: &str) -> Result<()> {
    let path = data_dir.join(bucket);
    std::fs::create_dir_all(&path).with_context(|| format!("cannot create bucket directory {}", path.display()))
}
