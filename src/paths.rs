//! Where a session's data lives: checking that an input path holds something before a job reads
//! it, and finding the files an overwrite replaces. Used by SQL jobs and by Spark Connect writes,
//! on whichever object store (local, `s3://`, `s3a://`) the session resolves the path to.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use object_store::ObjectStoreExt;

/// Fails unless something is stored at `location`: the file, or files under the directory.
pub(crate) async fn check_input_exists(ctx: &SessionContext, location: &str) -> Result<()> {
    let (url, store) = store_for(ctx, location)?;
    let prefix = url.prefix();
    if !url.is_collection() && store.head(prefix).await.is_ok() {
        return Ok(());
    }
    match store.list(Some(prefix)).next().await {
        Some(Ok(_)) => Ok(()),
        Some(Err(err)) => Err(anyhow!("cannot read input path {location}: {err}")),
        None => Err(anyhow!("input path {location} does not exist (nothing is stored under it)")),
    }
}

/// The object store holding a table or output location, and the location as a URL.
pub(crate) fn store_for(
    ctx: &SessionContext,
    location: &str,
) -> Result<(ListingTableUrl, Arc<dyn object_store::ObjectStore>)> {
    let url = ListingTableUrl::parse(location).with_context(|| format!("invalid location {location:?}"))?;
    let store = ctx.runtime_env().object_store(&url)?;
    Ok((url, store))
}

/// The files a write into `directory` replaces. They are removed only after the new files are
/// written, so a failed write leaves the previous result in place.
pub(crate) async fn existing_files(ctx: &SessionContext, directory: &str) -> Result<ReplacedFiles> {
    let (url, store) = store_for(ctx, directory)?;
    let mut files = Vec::new();
    let mut listing = store.list(Some(url.prefix()));
    while let Some(entry) = listing.next().await {
        match entry {
            Ok(meta) => files.push(meta.location),
            Err(object_store::Error::NotFound { .. }) => break,
            Err(err) => return Err(anyhow!("cannot list {directory}: {err}")),
        }
    }
    drop(listing);
    Ok(ReplacedFiles { directory: directory.to_string(), store, files })
}

/// Files of a previous result, to be removed once the new one is written.
pub(crate) struct ReplacedFiles {
    directory: String,
    store: Arc<dyn object_store::ObjectStore>,
    files: Vec<object_store::path::Path>,
}

impl ReplacedFiles {
    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub(crate) async fn remove(self) -> Result<()> {
        for file in &self.files {
            self.store
                .delete(file)
                .await
                .with_context(|| format!("wrote {} but cannot remove the previous file {file}", self.directory))?;
        }
        Ok(())
    }
}
