//! The on-disk object store behind the S3 backend: buckets, objects and multipart uploads.
//!
//! A root directory holds `index.redb`, a redb database mapping (bucket, key) to object metadata,
//! and `data/`, where every object body and every uploaded part is an immutable file named by a
//! random id. Keys never become file paths, so `a`, `a/b`, `a/` and `a//b` coexist. A write streams
//! into a fresh data file and fsyncs it; only then does an index transaction make it visible, so a
//! crash leaves either the old object or the new one. Index writes go through one committer thread
//! that applies every queued write in one transaction and one fsync (group commit): concurrent PUTs
//! share fsyncs instead of queueing for them. Files that a commit made unreachable are unlinked after
//! it, and [`Store::open`] deletes any file the index does not name (a write cut short, an unlink
//! lost to a crash). A completed multipart upload keeps its parts as the object's segments, so no
//! byte is copied to assemble it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

pub(crate) use super::acl::CannedAcl;

/// Bucket name → creation time (milliseconds since the epoch).
const BUCKETS: TableDefinition<&str, u64> = TableDefinition::new("buckets");
/// Bucket name → its [`CannedAcl`] as JSON; a bucket without a row is private.
const BUCKET_ACLS: TableDefinition<&str, &[u8]> = TableDefinition::new("bucket_acls");
/// (bucket, key) → [`ObjectMeta`] as JSON.
const OBJECTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("objects");
/// (bucket, key, upload id) → [`UploadMeta`] as JSON; ordered as ListMultipartUploads answers.
const UPLOADS: TableDefinition<(&str, &str, &str), &[u8]> = TableDefinition::new("uploads");
/// (upload id, part number) → [`PartMeta`] as JSON.
const PARTS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("parts");

/// At most this many queued index writes share one transaction; bounds the latency of the first.
const MAX_BATCH: usize = 256;
/// redb's page cache (its default is 1 GiB); the OS page cache backs it, and the storage role
/// shares a machine with Spark workers.
const INDEX_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// Write batching for incoming bodies.
const WRITE_BUFFER: usize = 1024 * 1024;
/// S3's minimum size of every part of a multipart upload but the last.
pub(crate) const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("no such bucket")]
    NoSuchBucket,
    #[error("bucket already exists")]
    BucketExists,
    #[error("bucket is not empty")]
    BucketNotEmpty,
    #[error("no such key")]
    NoSuchKey,
    #[error("no such upload")]
    NoSuchUpload,
    #[error("part {0} was not uploaded or its ETag differs")]
    InvalidPart(u32),
    #[error("parts are not in ascending order")]
    InvalidPartOrder,
    #[error("part {0} is smaller than 5 MiB and not the last")]
    EntityTooSmall(u32),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("{0}")]
    BadDigest(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("index: {0}")]
    Index(String),
    #[error("another storage server is using this directory")]
    InUse,
}

pub(crate) type StoreResult<T> = Result<T, StoreError>;

macro_rules! index_error {
    ($($ty:ty),*) => {$(
        impl From<$ty> for StoreError {
            fn from(e: $ty) -> Self {
                StoreError::Index(e.to_string())
            }
        }
    )*};
}
index_error!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    serde_json::Error
);

impl StoreError {
    /// Errors raised before a write touched the transaction; others poison the whole batch.
    fn leaves_transaction_clean(&self) -> bool {
        !matches!(self, StoreError::Io(_) | StoreError::Index(_))
    }
}

/// Checksums as S3 headers carry them (base64), for the algorithms the client asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Checksums {
    pub(crate) crc32: Option<String>,
    pub(crate) crc32c: Option<String>,
    pub(crate) sha1: Option<String>,
    pub(crate) sha256: Option<String>,
    pub(crate) crc64nvme: Option<String>,
    /// `FULL_OBJECT` or `COMPOSITE`, for objects assembled from parts.
    pub(crate) kind: Option<String>,
}

/// The HTTP headers an object is stored with and served back with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Headers {
    pub(crate) content_type: Option<String>,
    pub(crate) content_encoding: Option<String>,
    pub(crate) content_disposition: Option<String>,
    pub(crate) content_language: Option<String>,
    pub(crate) cache_control: Option<String>,
    /// An HTTP date, as the client sent it.
    pub(crate) expires: Option<String>,
    pub(crate) website_redirect_location: Option<String>,
    /// `x-amz-meta-*` without the prefix.
    pub(crate) user: BTreeMap<String, String>,
}

/// One data file of an object; multipart objects have one per part, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Segment {
    pub(crate) file: String,
    pub(crate) size: u64,
    /// The part's own checksums (GET `partNumber` answers with them).
    #[serde(default)]
    pub(crate) checksums: Checksums,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    pub(crate) size: u64,
    /// Without quotes: hex MD5, or `md5-of-part-md5s-N` for multipart objects.
    pub(crate) etag: String,
    /// Milliseconds since the epoch.
    pub(crate) last_modified: u64,
    pub(crate) headers: Headers,
    pub(crate) checksums: Checksums,
    pub(crate) segments: Vec<Segment>,
    /// Number of parts of a multipart object (GET `partNumber` addresses its segments).
    pub(crate) parts_count: Option<u32>,
    /// The multipart upload that made this object: a repeated Complete answers with it.
    #[serde(default)]
    pub(crate) upload_id: Option<String>,
    #[serde(default)]
    pub(crate) acl: CannedAcl,
}

impl ObjectMeta {
    fn into_files(self) -> Vec<String> {
        self.segments.into_iter().map(|s| s.file).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UploadMeta {
    /// Milliseconds since the epoch.
    pub(crate) initiated: u64,
    pub(crate) headers: Headers,
    /// The checksum algorithm announced at creation (e.g. `CRC32`), echoed by ListParts.
    pub(crate) checksum_algorithm: Option<String>,
    pub(crate) checksum_type: Option<String>,
    /// The completed object's ACL.
    #[serde(default)]
    pub(crate) acl: CannedAcl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PartMeta {
    pub(crate) file: String,
    pub(crate) size: u64,
    /// Hex MD5 of the part, without quotes.
    pub(crate) etag: String,
    pub(crate) last_modified: u64,
    pub(crate) checksums: Checksums,
}

/// A data file written and fsynced but not yet referenced by the index. Dropping it unlinks the
/// file, so every error path between writing and committing cleans up after itself.
#[derive(Debug)]
pub(crate) struct NewFile {
    pub(crate) id: String,
    pub(crate) size: u64,
    path: PathBuf,
    committed: bool,
}

impl NewFile {
    pub(crate) fn segment(&self) -> Segment {
        Segment { file: self.id.clone(), size: self.size, checksums: Checksums::default() }
    }
}

impl Drop for NewFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// An uploaded part, written but not yet recorded.
pub(crate) struct NewPart {
    pub(crate) number: u32,
    pub(crate) file: NewFile,
    /// Hex MD5 of the part.
    pub(crate) etag: String,
    pub(crate) checksums: Checksums,
}

/// A multipart upload as ListMultipartUploads reports it.
pub(crate) struct ListedUpload {
    pub(crate) key: String,
    pub(crate) upload_id: String,
    pub(crate) meta: UploadMeta,
}

/// Receives the commit's outcome after the batch holding this write is durable (or failed), and
/// returns the data files the write made unreachable, for the committer to unlink.
type Completion = Box<dyn FnOnce(StoreResult<()>) -> Vec<String> + Send>;
/// A write applied inside the committer's transaction.
type Job = Box<dyn FnOnce(&WriteTransaction) -> (bool, Completion) + Send>;

/// Cheap to clone; every clone shares the index and the committer.
#[derive(Clone)]
pub(crate) struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Index>,
    data_dir: PathBuf,
    pins: Arc<Pins>,
    /// `None` only while dropping.
    jobs: Option<mpsc::Sender<Job>>,
    committer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Inner {
    /// Stops the committer after its last batch, so the database is closed (and can be opened
    /// again) once the last clone of the store is gone.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(committer) = self.committer.take() {
            let _ = committer.join();
        }
    }
}

/// Data files that open downloads still read. A download opens a multipart object's files one
/// after another, so a file an overwrite or delete made unreachable is unlinked only once its last
/// reader lets go; otherwise the download would end short.
#[derive(Default)]
struct Pins {
    state: std::sync::Mutex<PinState>,
}

#[derive(Default)]
struct PinState {
    readers: HashMap<String, usize>,
    /// Unreachable files waiting for their readers.
    doomed: HashSet<String>,
}

impl Pins {
    /// Unlinks `id` now, or when its last reader lets go. The decision and the unlink happen
    /// under the lock, so a reader that pins after this sees the file gone and retries.
    fn unlink(&self, data_dir: &Path, id: String) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.readers.contains_key(&id) {
            state.doomed.insert(id);
        } else {
            let _ = std::fs::remove_file(data_dir.join(id));
        }
    }
}

/// Keeps the data files of one download from being unlinked until it is dropped.
pub(crate) struct ReadLease {
    pins: Arc<Pins>,
    data_dir: PathBuf,
    files: Vec<String>,
}

impl Drop for ReadLease {
    fn drop(&mut self) {
        let mut state = self.pins.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in self.files.drain(..) {
            let Some(count) = state.readers.get_mut(&id) else { continue };
            *count -= 1;
            if *count == 0 {
                state.readers.remove(&id);
                if state.doomed.remove(&id) {
                    let _ = std::fs::remove_file(self.data_dir.join(&id));
                }
            }
        }
    }
}

/// The index database plus a signal for when it is closed. Fields drop in declaration order, so
/// the database (and its file lock) is released before `closed` tells the waiters.
struct Index {
    db: Database,
    closed: tokio::sync::watch::Sender<()>,
}

impl std::ops::Deref for Index {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

pub(crate) fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Store {
    /// Opens (or creates) the store under `root` and removes what a crash may have left behind:
    /// data files the index does not reference.
    pub(crate) fn open(root: &Path) -> StoreResult<Store> {
        let data_dir = root.join("data");
        std::fs::create_dir_all(&data_dir)?;
        let db = match redb::Builder::new().set_cache_size(INDEX_CACHE_BYTES).create(root.join("index.redb")) {
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(StoreError::InUse),
            opened => Arc::new(Index { db: opened?, closed: tokio::sync::watch::Sender::new(()) }),
        };
        {
            let txn = db.begin_write()?;
            txn.open_table(BUCKETS)?;
            txn.open_table(BUCKET_ACLS)?;
            txn.open_table(OBJECTS)?;
            txn.open_table(UPLOADS)?;
            txn.open_table(PARTS)?;
            txn.commit()?;
        }
        remove_unreferenced_files(&db, &data_dir)?;

        let (jobs, queue) = mpsc::channel();
        let pins = Arc::new(Pins::default());
        let committer = {
            let (db, data_dir, pins) = (db.clone(), data_dir.clone(), pins.clone());
            std::thread::Builder::new()
                .name("store-committer".into())
                .spawn(move || run_committer(&db, &data_dir, &pins, &queue))?
        };
        Ok(Store { inner: Arc::new(Inner { db, data_dir, pins, jobs: Some(jobs), committer: Some(committer) }) })
    }

    /// Resolves once every clone of this store is gone and its directory can be opened again:
    /// in-flight readers and the committer hold the index a little longer than the last request.
    pub(crate) fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closed = self.inner.db.closed.subscribe();
        async move { while closed.changed().await.is_ok() {} }
    }

    /// Runs `f` in a read transaction on a blocking thread: a consistent snapshot of the index.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let db = self.inner.db.clone();
        tokio::task::spawn_blocking(move || f(&db.begin_read()?))
            .await
            .map_err(|e| StoreError::Index(format!("reader panicked: {e}")))?
    }

    /// Resolves once every write sent before it has finished, unlinks included: the committer
    /// takes batches in order and unlinks a batch's garbage after its replies, before the next.
    #[cfg(test)]
    pub(crate) async fn settled(&self) {
        self.write(Vec::new(), |_| Ok(((), Vec::new()))).await.unwrap();
    }

    /// Queues `f` for the committer and returns its result once the transaction holding it is
    /// durable. `f` returns its result and the data files it made unreachable (unlinked after the
    /// commit). `f` must check everything before it changes anything: an error it returns other
    /// than I/O leaves the rest of its batch to commit.
    ///
    /// The committer owns `new_files` from here on: they are kept if the write commits and
    /// unlinked otherwise, even if the request that made them is cancelled meanwhile.
    async fn write<T: Send + 'static>(
        &self,
        new_files: Vec<NewFile>,
        f: impl FnOnce(&WriteTransaction) -> StoreResult<(T, Vec<String>)> + Send + 'static,
    ) -> StoreResult<T> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |txn| {
            let result = f(txn);
            let clean = result.as_ref().err().is_none_or(StoreError::leaves_transaction_clean);
            let completion: Completion = Box::new(move |commit| {
                let mut new_files = new_files;
                match commit.and(result) {
                    Ok((value, garbage)) => {
                        new_files.iter_mut().for_each(|f| f.committed = true);
                        let _ = done.send(Ok(value));
                        garbage
                    }
                    Err(e) => {
                        drop(new_files); // unlinked before the writer hears of the failure
                        let _ = done.send(Err(e));
                        Vec::new()
                    }
                }
            });
            (clean, completion)
        });
        let jobs = self.inner.jobs.as_ref().ok_or_else(|| StoreError::Index("the store is closing".into()))?;
        jobs.send(job).map_err(|_| StoreError::Index("the committer has stopped".into()))?;
        outcome.await.map_err(|_| StoreError::Index("the committer dropped a write".into()))?
    }

    pub(crate) fn file_path(&self, id: &str) -> PathBuf {
        self.inner.data_dir.join(id)
    }

    /// Keeps `files` on disk while the lease lives. A file a commit unlinked just before this may
    /// already be gone: the caller checks that its files exist after pinning them.
    pub(crate) fn pin(&self, files: Vec<String>) -> ReadLease {
        let mut state = self.inner.pins.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in &files {
            *state.readers.entry(id.clone()).or_default() += 1;
        }
        ReadLease { pins: self.inner.pins.clone(), data_dir: self.inner.data_dir.clone(), files }
    }

    /// Streams `body` into a new data file, feeding every chunk to `inspect` (hashes), and fsyncs it.
    pub(crate) async fn write_file<S, E>(&self, body: S, mut inspect: impl FnMut(&[u8])) -> StoreResult<NewFile>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut new = self.create_file();
        // Bodies arrive in small chunks; batching them saves a blocking-pool trip per chunk.
        let mut file = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::create_new(&new.path).await?);
        let mut body = body;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()))?;
            inspect(&chunk);
            file.write_all(&chunk).await?;
            new.size += chunk.len() as u64;
        }
        file.flush().await?;
        file.get_ref().sync_all().await?;
        Ok(new)
    }

    /// A new, immutable name for `existing`'s bytes: a hard link where the filesystem has them,
    /// else a copy. Lets CopyObject share data files instead of copying them.
    pub(crate) async fn link_file(&self, existing: &Segment) -> StoreResult<NewFile> {
        let mut new = self.create_file();
        new.size = existing.size;
        let from = self.file_path(&existing.file);
        if tokio::fs::hard_link(&from, &new.path).await.is_err() {
            tokio::fs::copy(&from, &new.path).await?;
            tokio::fs::File::open(&new.path).await?.sync_all().await?;
        }
        Ok(new)
    }

    fn create_file(&self) -> NewFile {
        let id = uuid::Uuid::new_v4().simple().to_string();
        NewFile { path: self.file_path(&id), id, size: 0, committed: false }
    }

    // Buckets.

    pub(crate) async fn create_bucket(&self, bucket: &str, acl: CannedAcl) -> StoreResult<()> {
        let bucket = bucket.to_owned();
        self.write(Vec::new(), move |txn| {
            let mut buckets = txn.open_table(BUCKETS)?;
            if buckets.get(bucket.as_str())?.is_some() {
                return Err(StoreError::BucketExists);
            }
            buckets.insert(bucket.as_str(), now_millis())?;
            write_bucket_acl(txn, &bucket, acl)?;
            Ok(((), Vec::new()))
        })
        .await
    }

    /// The bucket's ACL, or `None` if there is no such bucket.
    pub(crate) async fn bucket_acl(&self, bucket: &str) -> StoreResult<Option<CannedAcl>> {
        let bucket = bucket.to_owned();
        self.read(move |txn| {
            if txn.open_table(BUCKETS)?.get(bucket.as_str())?.is_none() {
                return Ok(None);
            }
            match txn.open_table(BUCKET_ACLS)?.get(bucket.as_str())? {
                Some(acl) => Ok(Some(serde_json::from_slice(acl.value())?)),
                None => Ok(Some(CannedAcl::Private)),
            }
        })
        .await
    }

    pub(crate) async fn set_bucket_acl(&self, bucket: &str, acl: CannedAcl) -> StoreResult<()> {
        let bucket = bucket.to_owned();
        self.write(Vec::new(), move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            write_bucket_acl(txn, &bucket, acl)?;
            Ok(((), Vec::new()))
        })
        .await
    }

    /// Changes only the ACL of an object: its body and metadata stay as they are.
    pub(crate) async fn set_object_acl(&self, bucket: &str, key: &str, acl: CannedAcl) -> StoreResult<()> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.write(Vec::new(), move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            let mut objects = txn.open_table(OBJECTS)?;
            let mut meta: ObjectMeta = match objects.get((bucket.as_str(), key.as_str()))? {
                Some(meta) => serde_json::from_slice(meta.value())?,
                None => return Err(StoreError::NoSuchKey),
            };
            meta.acl = acl;
            objects.insert((bucket.as_str(), key.as_str()), serde_json::to_vec(&meta)?.as_slice())?;
            Ok(((), Vec::new()))
        })
        .await
    }

    /// Deletes an empty bucket; pending multipart uploads go with it.
    pub(crate) async fn delete_bucket(&self, bucket: &str) -> StoreResult<()> {
        let bucket = bucket.to_owned();
        self.write(Vec::new(), move |txn| {
            let mut buckets = txn.open_table(BUCKETS)?;
            if buckets.get(bucket.as_str())?.is_none() {
                return Err(StoreError::NoSuchBucket);
            }
            if first_object(&txn.open_table(OBJECTS)?, &bucket, "")?.is_some() {
                return Err(StoreError::BucketNotEmpty);
            }
            let mut uploads = txn.open_table(UPLOADS)?;
            let ids: Vec<(String, String)> = uploads
                .range((bucket.as_str(), "", "")..)?
                .map_while(|entry| {
                    let entry = entry.ok()?;
                    let (b, key, id) = entry.0.value();
                    (b == bucket).then(|| (key.to_owned(), id.to_owned()))
                })
                .collect();
            let mut parts = txn.open_table(PARTS)?;
            let mut garbage = Vec::new();
            for (key, id) in ids {
                uploads.remove((bucket.as_str(), key.as_str(), id.as_str()))?;
                garbage.extend(remove_parts(&mut parts, &id)?);
            }
            buckets.remove(bucket.as_str())?;
            txn.open_table(BUCKET_ACLS)?.remove(bucket.as_str())?;
            Ok(((), garbage))
        })
        .await
    }

    pub(crate) async fn bucket_exists(&self, bucket: &str) -> StoreResult<bool> {
        let bucket = bucket.to_owned();
        self.read(move |txn| Ok(txn.open_table(BUCKETS)?.get(bucket.as_str())?.is_some())).await
    }

    /// Every bucket with its creation time, by name.
    pub(crate) async fn list_buckets(&self) -> StoreResult<Vec<(String, SystemTime)>> {
        self.read(|txn| {
            let mut out = Vec::new();
            for entry in txn.open_table(BUCKETS)?.iter()? {
                let (name, created) = entry?;
                out.push((name.value().to_owned(), UNIX_EPOCH + Duration::from_millis(created.value())));
            }
            Ok(out)
        })
        .await
    }

    // Objects.

    pub(crate) async fn get_object(&self, bucket: &str, key: &str) -> StoreResult<ObjectMeta> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.read(move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            let objects = txn.open_table(OBJECTS)?;
            let meta = objects.get((bucket.as_str(), key.as_str()))?.ok_or(StoreError::NoSuchKey)?;
            Ok(serde_json::from_slice(meta.value())?)
        })
        .await
    }

    /// Makes `files` the body of `bucket/key` with `meta`, atomically replacing any previous
    /// version, if `check` accepts the current version (conditional writes). `meta.segments`
    /// describes `files` (the backend sets their checksums).
    pub(crate) async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        files: Vec<NewFile>,
        check: impl FnOnce(Option<&ObjectMeta>) -> StoreResult<()> + Send + 'static,
    ) -> StoreResult<ObjectMeta> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        let stored = meta.clone();
        self.write(files, move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            let mut objects = txn.open_table(OBJECTS)?;
            let old = read_object(&objects, &bucket, &key)?;
            check(old.as_ref())?;
            objects.insert((bucket.as_str(), key.as_str()), serde_json::to_vec(&stored)?.as_slice())?;
            Ok(((), old.map(ObjectMeta::into_files).unwrap_or_default()))
        })
        .await?;
        Ok(meta)
    }

    /// Deletes `bucket/key`; a missing key is not an error (S3 answers 204 either way).
    pub(crate) async fn delete_object(&self, bucket: &str, key: &str) -> StoreResult<()> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.write(Vec::new(), move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            let mut objects = txn.open_table(OBJECTS)?;
            let old = read_object(&objects, &bucket, &key)?;
            if old.is_some() {
                objects.remove((bucket.as_str(), key.as_str()))?;
            }
            Ok(((), old.map(ObjectMeta::into_files).unwrap_or_default()))
        })
        .await
    }

    /// Up to `limit` objects of `bucket` whose keys start with `prefix` and sort after `after`,
    /// in key order. With a `delimiter`, keys sharing a prefix up to the delimiter's next
    /// occurrence after `prefix` fold into one entry whose key is that common prefix and whose
    /// metadata is `None`; the scan skips the rest of such a group instead of reading it.
    pub(crate) async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<&str>,
        delimiter: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, Option<ObjectMeta>)>> {
        let (bucket, prefix) = (bucket.to_owned(), prefix.to_owned());
        let after = after.map(str::to_owned);
        let delimiter = delimiter.filter(|d| !d.is_empty()).map(str::to_owned);
        self.read(move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            let objects = txn.open_table(OBJECTS)?;
            let mut out = Vec::new();
            // The common prefix `key` folds into, if any.
            let fold = |key: &str| {
                let d = delimiter.as_deref()?;
                let at = key.get(prefix.len()..)?.find(d)?;
                Some(key[..prefix.len() + at + d.len()].to_owned())
            };
            // Keys before the prefix can't match; start at whichever of prefix and `after` is later,
            // and past the whole group when `after` is (or falls in) a common prefix.
            let mut from = match after {
                Some(after) if after.as_str() >= prefix.as_str() => {
                    match fold(&after).filter(|_| after.starts_with(prefix.as_str())) {
                        Some(common) => match successor(&common) {
                            Some(next) => Bound::Included(next),
                            None => return Ok(out),
                        },
                        None => Bound::Excluded(after),
                    }
                }
                _ => Bound::Included(prefix.clone()),
            };
            'scan: while out.len() < limit {
                let range = match &from {
                    Bound::Included(k) => objects.range((bucket.as_str(), k.as_str())..)?,
                    Bound::Excluded(k) => objects
                        .range::<(&str, &str)>((Bound::Excluded((bucket.as_str(), k.as_str())), Bound::Unbounded))?,
                    Bound::Unbounded => unreachable!("scans start at a key"),
                };
                for entry in range {
                    let (k, v) = entry?;
                    let (b, key) = k.value();
                    if b != bucket || !key.starts_with(prefix.as_str()) {
                        break 'scan;
                    }
                    match fold(key) {
                        Some(common) => {
                            // Resume after every key that starts with `common`.
                            let resume = successor(&common);
                            out.push((common, None));
                            match resume {
                                Some(next) => {
                                    from = Bound::Included(next);
                                    continue 'scan;
                                }
                                None => break 'scan,
                            }
                        }
                        None => {
                            out.push((key.to_owned(), Some(serde_json::from_slice(v.value())?)));
                            if out.len() >= limit {
                                break 'scan;
                            }
                        }
                    }
                }
                break;
            }
            Ok(out)
        })
        .await
    }

    // Multipart uploads.

    pub(crate) async fn create_upload(&self, bucket: &str, key: &str, meta: UploadMeta) -> StoreResult<String> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        let upload_id = uuid::Uuid::new_v4().simple().to_string();
        let id = upload_id.clone();
        self.write(Vec::new(), move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            let value = serde_json::to_vec(&meta)?;
            txn.open_table(UPLOADS)?.insert((bucket.as_str(), key.as_str(), id.as_str()), value.as_slice())?;
            Ok(((), Vec::new()))
        })
        .await?;
        Ok(upload_id)
    }

    pub(crate) async fn get_upload(&self, bucket: &str, key: &str, upload_id: &str) -> StoreResult<UploadMeta> {
        let (bucket, key, upload_id) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.read(move |txn| read_upload(&txn.open_table(UPLOADS)?, &bucket, &key, &upload_id)).await
    }

    /// Records a part (replacing one with the same number) if the upload still exists.
    pub(crate) async fn put_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        new: NewPart,
    ) -> StoreResult<PartMeta> {
        let (bucket, key, upload_id) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        let NewPart { number, file, etag, checksums } = new;
        let part = PartMeta { file: file.id.clone(), size: file.size, etag, last_modified: now_millis(), checksums };
        let stored = part.clone();
        self.write(vec![file], move |txn| {
            read_upload(&txn.open_table(UPLOADS)?, &bucket, &key, &upload_id)?;
            let mut parts = txn.open_table(PARTS)?;
            let old: Option<PartMeta> = match parts.get((upload_id.as_str(), number))? {
                Some(v) => Some(serde_json::from_slice(v.value())?),
                None => None,
            };
            parts.insert((upload_id.as_str(), number), serde_json::to_vec(&stored)?.as_slice())?;
            Ok(((), old.map(|p| p.file).into_iter().collect()))
        })
        .await?;
        Ok(part)
    }

    /// Parts of an upload numbered above `after`, in order, at most `limit`.
    pub(crate) async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        after: u32,
        limit: usize,
    ) -> StoreResult<(UploadMeta, Vec<(u32, PartMeta)>)> {
        let (bucket, key, upload_id) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.read(move |txn| {
            let upload = read_upload(&txn.open_table(UPLOADS)?, &bucket, &key, &upload_id)?;
            let parts = txn.open_table(PARTS)?;
            let mut out = Vec::new();
            for entry in parts.range((upload_id.as_str(), after.saturating_add(1))..=(upload_id.as_str(), u32::MAX))? {
                if out.len() >= limit {
                    break;
                }
                let (k, v) = entry?;
                out.push((k.value().1, serde_json::from_slice(v.value())?));
            }
            Ok((upload, out))
        })
        .await
    }

    /// Pending uploads of `bucket` under `prefix`, ordered by key then upload id, after the
    /// (key, upload id) marker, at most `limit`.
    pub(crate) async fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<(String, String)>,
        limit: usize,
    ) -> StoreResult<Vec<ListedUpload>> {
        let (bucket, prefix) = (bucket.to_owned(), prefix.to_owned());
        self.read(move |txn| {
            require_bucket(&txn.open_table(BUCKETS)?, &bucket)?;
            let uploads = txn.open_table(UPLOADS)?;
            // Start at the marker, or at the prefix when the marker sorts before it.
            let (start_key, start_id) = match &after {
                Some((key, id)) if *key >= prefix => (key.clone(), id.clone()),
                _ => (prefix.clone(), String::new()),
            };
            let mut out = Vec::new();
            for entry in uploads.range((bucket.as_str(), start_key.as_str(), start_id.as_str())..)? {
                let (k, v) = entry?;
                let (b, key, id) = k.value();
                if b != bucket || !key.starts_with(prefix.as_str()) || out.len() >= limit {
                    break;
                }
                if after.as_ref().is_some_and(|(ak, ai)| (key, id) <= (ak.as_str(), ai.as_str())) {
                    continue;
                }
                out.push(ListedUpload {
                    key: key.to_owned(),
                    upload_id: id.to_owned(),
                    meta: serde_json::from_slice(v.value())?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Completes an upload with the `chosen` parts (number, ETag as the client sent it, if any):
    /// checks they exist with those ETags, ascend, and all but the last reach 5 MiB; then, in
    /// one transaction, makes them the object's segments and forgets the upload. On any error the
    /// upload is left as it was. `build` turns the chosen parts into the object's metadata (and
    /// may refuse them). Completing an upload again answers with the object it made.
    pub(crate) async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        chosen: Vec<(u32, Option<String>)>,
        build: impl FnOnce(&UploadMeta, &[PartMeta]) -> StoreResult<ObjectMeta> + Send + 'static,
        check: impl FnOnce(Option<&ObjectMeta>) -> StoreResult<()> + Send + 'static,
    ) -> StoreResult<ObjectMeta> {
        let (bucket, key, upload_id) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.write(Vec::new(), move |txn| {
            let mut uploads = txn.open_table(UPLOADS)?;
            let upload = match read_upload(&uploads, &bucket, &key, &upload_id) {
                Err(StoreError::NoSuchUpload) => {
                    let current = read_object(&txn.open_table(OBJECTS)?, &bucket, &key)?;
                    return match current {
                        Some(meta) if meta.upload_id.as_deref() == Some(upload_id.as_str()) => Ok((meta, Vec::new())),
                        _ => Err(StoreError::NoSuchUpload),
                    };
                }
                other => other?,
            };
            let mut parts = txn.open_table(PARTS)?;
            let mut selected = Vec::with_capacity(chosen.len());
            let mut previous = 0;
            for (index, (number, etag)) in chosen.iter().enumerate() {
                if *number <= previous {
                    return Err(StoreError::InvalidPartOrder);
                }
                previous = *number;
                let part: PartMeta = match parts.get((upload_id.as_str(), *number))? {
                    Some(v) => serde_json::from_slice(v.value())?,
                    None => return Err(StoreError::InvalidPart(*number)),
                };
                if etag.as_ref().is_some_and(|e| e.trim_matches('"') != part.etag) {
                    return Err(StoreError::InvalidPart(*number));
                }
                if index + 1 < chosen.len() && part.size < MIN_PART_SIZE {
                    return Err(StoreError::EntityTooSmall(*number));
                }
                selected.push(part);
            }
            let mut objects = txn.open_table(OBJECTS)?;
            let old = read_object(&objects, &bucket, &key)?;
            check(old.as_ref())?;
            let mut meta = build(&upload, &selected)?;
            meta.upload_id = Some(upload_id.clone());
            meta.segments = selected
                .iter()
                .map(|p| Segment { file: p.file.clone(), size: p.size, checksums: p.checksums.clone() })
                .collect();
            objects.insert((bucket.as_str(), key.as_str()), serde_json::to_vec(&meta)?.as_slice())?;
            uploads.remove((bucket.as_str(), key.as_str(), upload_id.as_str()))?;
            let used: HashSet<&str> = selected.iter().map(|p| p.file.as_str()).collect();
            let mut garbage: Vec<String> =
                remove_parts(&mut parts, &upload_id)?.into_iter().filter(|f| !used.contains(f.as_str())).collect();
            garbage.extend(old.map(ObjectMeta::into_files).unwrap_or_default());
            Ok((meta, garbage))
        })
        .await
    }

    /// Aborts every multipart upload initiated before `cutoff` (milliseconds since the epoch) and
    /// deletes its parts: clients that die mid-upload never abort, and their parts would stay
    /// forever. Returns how many uploads went.
    pub(crate) async fn abort_uploads_initiated_before(&self, cutoff: u64) -> StoreResult<usize> {
        self.write(Vec::new(), move |txn| {
            let mut uploads = txn.open_table(UPLOADS)?;
            let mut stale = Vec::new();
            for entry in uploads.iter()? {
                let (k, v) = entry?;
                let meta: UploadMeta = serde_json::from_slice(v.value())?;
                if meta.initiated < cutoff {
                    let (bucket, key, id) = k.value();
                    stale.push((bucket.to_owned(), key.to_owned(), id.to_owned()));
                }
            }
            let mut parts = txn.open_table(PARTS)?;
            let mut garbage = Vec::new();
            for (bucket, key, id) in &stale {
                uploads.remove((bucket.as_str(), key.as_str(), id.as_str()))?;
                garbage.extend(remove_parts(&mut parts, id)?);
            }
            Ok((stale.len(), garbage))
        })
        .await
    }

    pub(crate) async fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> StoreResult<()> {
        let (bucket, key, upload_id) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.write(Vec::new(), move |txn| {
            let mut uploads = txn.open_table(UPLOADS)?;
            read_upload(&uploads, &bucket, &key, &upload_id)?;
            uploads.remove((bucket.as_str(), key.as_str(), upload_id.as_str()))?;
            Ok(((), remove_parts(&mut txn.open_table(PARTS)?, &upload_id)?))
        })
        .await
    }
}

/// The smallest string greater than every string starting with `prefix`, if there is one.
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        while next <= char::MAX as u32 {
            if let Some(c) = char::from_u32(next) {
                chars.push(c);
                return Some(chars.into_iter().collect());
            }
            next += 1;
        }
    }
    None
}

fn first_object(
    objects: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    bucket: &str,
    from: &str,
) -> StoreResult<Option<String>> {
    let mut range = objects.range((bucket, from)..)?;
    Ok(match range.next() {
        Some(entry) => {
            let (k, _) = entry?;
            let (b, key) = k.value();
            (b == bucket).then(|| key.to_owned())
        }
        None => None,
    })
}

fn read_object(
    objects: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    bucket: &str,
    key: &str,
) -> StoreResult<Option<ObjectMeta>> {
    match objects.get((bucket, key))? {
        Some(v) => Ok(Some(serde_json::from_slice(v.value())?)),
        None => Ok(None),
    }
}

fn read_upload(
    uploads: &impl ReadableTable<(&'static str, &'static str, &'static str), &'static [u8]>,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> StoreResult<UploadMeta> {
    match uploads.get((bucket, key, upload_id))? {
        Some(v) => Ok(serde_json::from_slice(v.value())?),
        None => Err(StoreError::NoSuchUpload),
    }
}

/// Removes every part of `upload_id` from the index and returns their data files.
fn remove_parts(
    parts: &mut redb::Table<(&'static str, u32), &'static [u8]>,
    upload_id: &str,
) -> StoreResult<Vec<String>> {
    let mut files = Vec::new();
    for entry in parts.extract_from_if((upload_id, 0)..=(upload_id, u32::MAX), |_, _| true)? {
        let (_, v) = entry?;
        let part: PartMeta = serde_json::from_slice(v.value())?;
        files.push(part.file);
    }
    Ok(files)
}

/// NoSuchBucket unless `bucket` exists; works in read and write transactions alike.
fn require_bucket(buckets: &impl ReadableTable<&'static str, u64>, bucket: &str) -> StoreResult<()> {
    match buckets.get(bucket)? {
        Some(_) => Ok(()),
        None => Err(StoreError::NoSuchBucket),
    }
}

fn write_bucket_acl(txn: &WriteTransaction, bucket: &str, acl: CannedAcl) -> StoreResult<()> {
    let mut acls = txn.open_table(BUCKET_ACLS)?;
    if acl == CannedAcl::Private {
        acls.remove(bucket)?;
    } else {
        acls.insert(bucket, serde_json::to_vec(&acl)?.as_slice())?;
    }
    Ok(())
}

/// Applies queued writes in batches: one transaction, one directory fsync and one commit fsync
/// for everything that queued up while the previous batch was committing.
fn run_committer(db: &Database, data_dir: &Path, pins: &Pins, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let txn = match db.begin_write() {
            Ok(txn) => txn,
            Err(e) => {
                // Dropping the jobs unrun drops their reply channels: each writer gets an error.
                tracing::error!(error = %e, "cannot start an index transaction");
                continue;
            }
        };
        let mut clean = true;
        let mut completions = Vec::with_capacity(batch.len());
        for job in batch {
            // A panicking write leaves the transaction in an unknown state: fail the batch, keep
            // the committer (its writer sees its reply channel dropped).
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&txn))) {
                Ok((job_clean, completion)) => {
                    clean &= job_clean;
                    completions.push(completion);
                }
                Err(_) => clean = false,
            }
        }
        let outcome: StoreResult<()> = if clean {
            // New data files' directory entries must be durable before the index names them.
            sync_dir(data_dir).map_err(StoreError::from).and_then(|()| txn.commit().map_err(StoreError::from))
        } else {
            let _ = txn.abort();
            Err(StoreError::Index("a write in the same batch failed; retry".into()))
        };
        let message = outcome.as_ref().err().map(ToString::to_string);
        let mut garbage = Vec::new();
        for completion in completions {
            garbage.extend(completion(match &message {
                None => Ok(()),
                Some(m) => Err(StoreError::Index(m.clone())),
            }));
        }
        // After the replies: unlinking is not on any writer's path. A lost unlink only leaves a
        // file for the next start to remove.
        for id in garbage {
            pins.unlink(data_dir, id);
        }
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Deletes data files no object or part references: writes a crash interrupted, and files whose
/// unlink after a commit was lost.
fn remove_unreferenced_files(db: &Database, data_dir: &Path) -> StoreResult<()> {
    let txn = db.begin_read()?;
    let mut referenced = HashSet::new();
    for entry in txn.open_table(OBJECTS)?.iter()? {
        let (_, v) = entry?;
        let meta: ObjectMeta = serde_json::from_slice(v.value())?;
        referenced.extend(meta.segments.into_iter().map(|s| s.file));
    }
    for entry in txn.open_table(PARTS)?.iter()? {
        let (_, v) = entry?;
        let part: PartMeta = serde_json::from_slice(v.value())?;
        referenced.insert(part.file);
    }
    let mut removed = 0;
    for entry in std::fs::read_dir(data_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if !name.to_str().is_some_and(|n| referenced.contains(n)) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "removed data files left by an interrupted write");
        sync_dir(data_dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(data: &'static [u8]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures::stream::iter(data.chunks(3).map(|c| Ok(Bytes::from_static(c))).collect::<Vec<_>>())
    }

    fn meta(size: u64) -> ObjectMeta {
        ObjectMeta {
            size,
            etag: "e".into(),
            last_modified: now_millis(),
            headers: Headers::default(),
            checksums: Checksums::default(),
            segments: Vec::new(),
            parts_count: None,
            upload_id: None,
            acl: CannedAcl::Private,
        }
    }

    async fn put(store: &Store, key: &str, data: &'static [u8]) {
        let file = store.write_file(body(data), |_| {}).await.unwrap();
        let meta = ObjectMeta { segments: vec![file.segment()], ..meta(data.len() as u64) };
        store.put_object("b", key, meta, vec![file], |_| Ok(())).await.unwrap();
    }

    async fn keys(store: &Store, prefix: &str, after: Option<&str>, delimiter: Option<&str>) -> Vec<String> {
        store.list_objects("b", prefix, after, delimiter, 1000).await.unwrap().into_iter().map(|(k, _)| k).collect()
    }

    #[tokio::test]
    async fn keys_that_are_prefixes_of_each_other_coexist_and_fold() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_bucket("b", CannedAcl::Private).await.unwrap();
        for key in ["a", "a/b", "a/", "a//b", "b%2B c", "é"] {
            put(&store, key, b"x").await;
        }
        assert_eq!(keys(&store, "", None, None).await, ["a", "a/", "a//b", "a/b", "b%2B c", "é"]);
        assert_eq!(keys(&store, "", None, Some("/")).await, ["a", "a/", "b%2B c", "é"]);
        assert_eq!(keys(&store, "a/", None, Some("/")).await, ["a/", "a//", "a/b"]);
        assert_eq!(keys(&store, "a", Some("a/"), None).await, ["a//b", "a/b"]);
        // Resuming after a common prefix skips the keys folded into it.
        assert_eq!(keys(&store, "", Some("a/"), Some("/")).await, ["b%2B c", "é"]);
        assert!(matches!(store.get_object("b", "a/b/").await, Err(StoreError::NoSuchKey)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_share_commits_and_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_bucket("b", CannedAcl::Private).await.unwrap();
        let writes = (0..64).map(|i| {
            let store = store.clone();
            tokio::spawn(async move { put(&store, &format!("k{i:02}"), b"data").await })
        });
        for write in futures::future::join_all(writes).await {
            write.unwrap();
        }
        assert_eq!(keys(&store, "k", None, None).await.len(), 64);
        assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 64);
    }

    #[tokio::test]
    async fn reopening_keeps_objects_and_removes_stray_files() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store.create_bucket("b", CannedAcl::Private).await.unwrap();
            put(&store, "k", b"hello world").await;
            put(&store, "k", b"replaced").await;
        }
        std::fs::write(dir.path().join("data/stray"), b"partial").unwrap();
        let store = Store::open(dir.path()).unwrap();
        let meta = store.get_object("b", "k").await.unwrap();
        assert_eq!(meta.size, 8);
        let files: Vec<_> = std::fs::read_dir(dir.path().join("data")).unwrap().collect();
        assert_eq!(files.len(), 1, "only the live object's file remains");
    }

    #[tokio::test]
    async fn failed_condition_leaves_old_object_and_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_bucket("b", CannedAcl::Private).await.unwrap();
        put(&store, "k", b"old").await;
        let file = store.write_file(body(b"new"), |_| {}).await.unwrap();
        let result = store.put_object("b", "k", meta(3), vec![file], |_| Err(StoreError::PreconditionFailed)).await;
        assert!(matches!(result, Err(StoreError::PreconditionFailed)));
        assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1);
        assert!(matches!(store.delete_bucket("b").await, Err(StoreError::BucketNotEmpty)));
    }

    #[tokio::test]
    async fn multipart_checks_parts_and_keeps_them_as_segments() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_bucket("b", CannedAcl::Private).await.unwrap();
        let upload = UploadMeta {
            initiated: now_millis(),
            headers: Headers::default(),
            checksum_algorithm: None,
            checksum_type: None,
            acl: CannedAcl::Private,
        };
        let id = store.create_upload("b", "k", upload).await.unwrap();
        for (n, data) in [(1, b"one" as &'static [u8]), (3, b"three")] {
            let file = store.write_file(body(data), |_| {}).await.unwrap();
            let part = NewPart { number: n, file, etag: format!("etag{n}"), checksums: Checksums::default() };
            store.put_part("b", "k", &id, part).await.unwrap();
        }
        let build = |_: &UploadMeta, parts: &[PartMeta]| Ok(meta(parts.iter().map(|p| p.size).sum()));
        let wrong_etag = store.complete_upload("b", "k", &id, vec![(1, Some("nope".into()))], build, |_| Ok(())).await;
        assert!(matches!(wrong_etag, Err(StoreError::InvalidPart(1))));
        let too_small = store.complete_upload("b", "k", &id, vec![(1, None), (3, None)], build, |_| Ok(())).await;
        assert!(matches!(too_small, Err(StoreError::EntityTooSmall(1))));
        let done = store.complete_upload("b", "k", &id, vec![(3, Some("\"etag3\"".into()))], build, |_| Ok(())).await;
        assert_eq!(done.unwrap().size, 5);
        assert!(matches!(store.abort_upload("b", "k", &id).await, Err(StoreError::NoSuchUpload)));
        store.settled().await;
        assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1, "unused part removed");
    }

    #[tokio::test]
    async fn stale_uploads_are_aborted_with_their_parts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_bucket("b", CannedAcl::Private).await.unwrap();
        let upload = |initiated| UploadMeta {
            initiated,
            headers: Headers::default(),
            checksum_algorithm: None,
            checksum_type: None,
            acl: CannedAcl::Private,
        };
        let now = now_millis();
        let old = store.create_upload("b", "old", upload(now - 10_000)).await.unwrap();
        let fresh = store.create_upload("b", "fresh", upload(now)).await.unwrap();
        for (key, id) in [("old", &old), ("fresh", &fresh)] {
            let file = store.write_file(body(b"part"), |_| {}).await.unwrap();
            let part = NewPart { number: 1, file, etag: "e".into(), checksums: Checksums::default() };
            store.put_part("b", key, id, part).await.unwrap();
        }

        assert_eq!(store.abort_uploads_initiated_before(now - 5_000).await.unwrap(), 1);
        assert!(matches!(store.get_upload("b", "old", &old).await, Err(StoreError::NoSuchUpload)));
        assert!(store.get_upload("b", "fresh", &fresh).await.is_ok());
        store.settled().await;
        assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1, "the stale part is deleted");
        assert_eq!(store.abort_uploads_initiated_before(now - 5_000).await.unwrap(), 0);
    }
}
