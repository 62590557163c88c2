//! How jobs reach `s3://` and `s3a://` paths, on the driver, the master and every worker.
//!
//! The endpoint and credentials are set once, on the driver, as the session options `s3.endpoint`,
//! `s3.access_key_id`, … (Ballista's `S3Options`). Ballista ships those options with every job, so
//! the master (which lists files while planning) and the workers (which read and write) build the
//! same S3 clients from them. Ballista's own registry knows only `s3://`; Spark users write `s3a://`,
//! so this registry serves both schemes, path-style, with one cached client per bucket.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use ballista_core::object_store::S3Options;
use datafusion::common::{DataFusionError, exec_err};
use datafusion::config::ExtensionOptions;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use crate::config::S3Config;

/// URL schemes that name the S3 store.
pub(crate) const S3_SCHEMES: [&str; 2] = ["s3", "s3a"];

/// Sets the driver's S3 endpoint and credentials as session options, so they travel with each job.
pub(crate) fn set_session_options(config: &mut SessionConfig, s3: &S3Config) -> datafusion::common::Result<()> {
    let options = config.options_mut();
    options.set("s3.endpoint", &s3.endpoint)?;
    options.set("s3.allow_http", if s3.endpoint.starts_with("http://") { "true" } else { "false" })?;
    options.set("s3.access_key_id", &s3.access_key)?;
    options.set("s3.secret_access_key", &s3.secret_key)?;
    options.set("s3.region", &s3.region)?;
    Ok(())
}

/// A runtime whose object stores follow the session's `s3.*` options; spill files go to `temp_dir`.
pub(crate) fn runtime_env(
    config: &SessionConfig,
    temp_dir: Option<&Path>,
) -> datafusion::common::Result<Arc<RuntimeEnv>> {
    runtime_env_with_stores(config, temp_dir).map(|(runtime, _)| runtime)
}

/// Like [`runtime_env`], also returning the object stores, for a session whose S3 settings change
/// while it is open (Spark Connect's `spark.hadoop.fs.s3a.*`).
pub(crate) fn runtime_env_with_stores(
    config: &SessionConfig,
    temp_dir: Option<&Path>,
) -> datafusion::common::Result<(Arc<RuntimeEnv>, Arc<ClusterObjectStores>)> {
    let stores = Arc::new(ClusterObjectStores::new(s3_options(config)));
    let mut builder = RuntimeEnvBuilder::new().with_object_store_registry(stores.clone());
    if let Some(dir) = temp_dir {
        builder = builder.with_temp_file_path(PathBuf::from(dir));
    }
    Ok((builder.build_arc()?, stores))
}

/// The session's `s3.*` options.
pub(crate) fn s3_options(config: &SessionConfig) -> S3Options {
    config.options().extensions.get::<S3Options>().cloned().unwrap_or_default()
}

/// An S3 client for one bucket, for code that talks to the store directly (uploads, checks).
pub fn bucket_client(s3: &S3Config, bucket: &str) -> Result<AmazonS3> {
    AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(&s3.endpoint)
        .with_allow_http(s3.endpoint.starts_with("http://"))
        .with_access_key_id(&s3.access_key)
        .with_secret_access_key(&s3.secret_key)
        .with_region(&s3.region)
        .with_virtual_hosted_style_request(false)
        .build()
        .with_context(|| format!("cannot configure an S3 client for {} at {}", bucket, s3.endpoint))
}

/// Object stores for local paths and for `s3://` / `s3a://` buckets.
#[derive(Debug)]
pub struct ClusterObjectStores {
    registered: DefaultObjectStoreRegistry,
    options: Mutex<S3Options>,
    buckets: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl ClusterObjectStores {
    pub(crate) fn new(options: S3Options) -> Self {
        Self { registered: DefaultObjectStoreRegistry::new(), options: Mutex::new(options), buckets: Mutex::default() }
    }

    /// New settings for the buckets looked up from now on.
    pub(crate) fn update(&self, options: S3Options) {
        *self.options.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = options;
    }

    fn settings(&self) -> HashMap<String, String> {
        let options = self.options.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        options
            .entries()
            .into_iter()
            .filter_map(|entry| Some((entry.key.trim_start_matches("s3.").to_string(), entry.value?)))
            .collect()
    }

    fn bucket_store(&self, bucket: &str) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        let settings = self.settings();
        // The settings are part of the key: a `SET s3.endpoint` must not reuse the old client.
        let mut key_parts: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        key_parts.sort();
        let key = format!("{bucket}\n{}", key_parts.join("\n"));
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(store) = buckets.get(&key) {
            return Ok(store.clone());
        }
        // from_env first, so AWS_* variables work as users expect; explicit session options win.
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket).with_virtual_hosted_style_request(false);
        if let Some(endpoint) = settings.get("endpoint") {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(value) = settings.get("access_key_id") {
            builder = builder.with_access_key_id(value);
        }
        if let Some(value) = settings.get("secret_access_key") {
            builder = builder.with_secret_access_key(value);
        }
        if let Some(value) = settings.get("session_token") {
            builder = builder.with_token(value);
        }
        if let Some(value) = settings.get("region") {
            builder = builder.with_region(value);
        }
        let store: Arc<dyn ObjectStore> = Arc::new(builder.build()?);
        buckets.insert(key, store.clone());
        Ok(store)
    }
}

impl ObjectStoreRegistry for ClusterObjectStores {
    fn register_store(&self, url: &Url, store: Arc<dyn ObjectStore>) -> Option<Arc<dyn ObjectStore>> {
        self.registered.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        self.registered.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.registered.get_store(url) {
            return Ok(store);
        }
        match url.scheme() {
            "" | "file" => Ok(Arc::new(LocalFileSystem::new())),
            scheme if S3_SCHEMES.contains(&scheme) => {
                let Some(bucket) = url.host_str().filter(|b| !b.is_empty()) else {
                    return exec_err!("{url} names no bucket; write {scheme}://BUCKET/KEY");
                };
                self.bucket_store(bucket)
            }
            scheme => Err(DataFusionError::Configuration(format!(
                "unsupported path scheme {scheme:?} in {url}: use a local path, s3:// or s3a://"
            ))),
        }
    }
}

/// Copies a local directory into the root of `bucket`.
pub(crate) async fn upload_dir_to_bucket(s3: &S3Config, bucket: &str, dir: &Path) -> Result<(usize, u64)> {
    let store = bucket_client(s3, bucket)?;
    upload_dir(&store, dir).await.with_context(|| format!("cannot upload {} to s3://{bucket}", dir.display()))
}

/// Uploads every file under `dir` to `bucket`, keyed by its path relative to `dir`. Returns the
/// number of files and bytes sent.
pub(crate) async fn upload_dir(store: &dyn ObjectStore, dir: &Path) -> Result<(usize, u64)> {
    let mut pending = vec![dir.to_path_buf()];
    let (mut files, mut bytes) = (0, 0);
    while let Some(current) = pending.pop() {
        let entries =
            std::fs::read_dir(&current).with_context(|| format!("cannot read directory {}", current.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            let key = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let data = tokio::fs::read(&path).await.with_context(|| format!("cannot read {}", path.display()))?;
            bytes += data.len() as u64;
            store
                .put(&object_store::path::Path::from(key.as_str()), data.into())
                .await
                .with_context(|| format!("cannot upload {} to the store", path.display()))?;
            files += 1;
        }
    }
    Ok((files, bytes))
}
