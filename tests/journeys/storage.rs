//! The storage role as S3 clients rely on it, through a real S3 client (object_store) against
//! `minispark storage`, the binary, on free ports. (Each S3 behaviour, through the protocol layer,
//! is also covered by the unit tests in src/storage/backend.rs.)
//!
//! The real aws-cli (from PyPI, in a virtualenv under the target directory) runs
//! scripts/aws-cli-smoke.sh: mb, a 20 MiB multipart cp, ls, sync, a ranged get, rm, rb.
//!
//! Crash safety: the process is killed with SIGKILL while clients stream single PUTs and multipart
//! uploads into it; after a restart every object it acknowledged reads back byte for byte, nothing
//! half-written is visible, and no temporary file shows in a listing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use object_store::aws::AmazonS3;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::common::{
    ROOT_PASSWORD, ROOT_USER, repo, root_s3, run, sharing_the_process, sharing_the_process_blocking, virtualenv,
};

/// `minispark storage` on a free port; killed (SIGKILL) when dropped.
struct StorageProcess {
    child: Child,
    endpoint: String,
}

impl StorageProcess {
    fn start(dir: &Path) -> Self {
        Self::start_with(dir, &[])
    }

    /// Starts it with extra environment variables.
    fn start_with(dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minispark"))
            .args(["storage", "--address", "127.0.0.1:0", "--console-address", "127.0.0.1:0"])
            .arg(dir)
            .envs(env.iter().copied())
            .env("MINIO_ROOT_USER", ROOT_USER)
            .env("MINIO_ROOT_PASSWORD", ROOT_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // It prints "S3 API at http://127.0.0.1:PORT …" once it accepts connections.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let endpoint = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("unexpected first line from minispark storage: {line:?}"))
            .to_string();
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Self { child, endpoint }
    }

    fn bucket(&self, bucket: &str) -> AmazonS3 {
        minispark::s3::bucket_client(&root_s3(self.endpoint.clone()), bucket).unwrap()
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for StorageProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bytes of one version of an object: its size and content follow from `version` alone, so a
/// reader can tell a whole version from a torn one.
fn content(version: u64) -> Vec<u8> {
    let mut state = version.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..size(version))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn size(version: u64) -> usize {
    match version % 5 {
        0 => 11 * 1024 * 1024 + (version % 7) as usize * 1000, // multipart: three parts
        _ => 1 + (version as usize * 7919) % (192 * 1024),
    }
}

async fn write(store: &AmazonS3, key: &Key, version: u64) -> object_store::Result<()> {
    let bytes = content(version);
    if bytes.len() > 8 * 1024 * 1024 {
        let mut upload = WriteMultipart::new_with_chunk_size(store.put_multipart(key).await?, 5 * 1024 * 1024);
        upload.write(&bytes);
        upload.finish().await?;
    } else {
        store.put(key, PutPayload::from(bytes)).await?;
    }
    Ok(())
}

/// What the writers did: every version each key was given (in order), and the last one the
/// store acknowledged.
#[derive(Default)]
struct Ledger {
    attempted: HashMap<String, Vec<u64>>,
    acknowledged: HashMap<String, u64>,
    multipart_acknowledged: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_storage_keeps_every_acknowledged_object_and_shows_nothing_half_written() {
    let _process = sharing_the_process().await;
    let dir = tempfile::tempdir().unwrap();
    let storage = StorageProcess::start(dir.path());
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    // Eight clients write and overwrite keys (including `a`-and-`a/b` shaped ones) until killed.
    let mut writers = Vec::new();
    for writer in 0..8u64 {
        let store = storage.bucket("spark-data");
        let ledger = ledger.clone();
        writers.push(tokio::spawn(async move {
            for n in 0u64.. {
                let name = match n % 3 {
                    0 => format!("w{writer}/obj-{}", n % 10),
                    1 => format!("w{writer}/obj-{}/part", n % 10),
                    _ => format!("w{writer}/big-{n}"),
                };
                let version = writer * 1_000_000 + n;
                ledger.lock().unwrap().attempted.entry(name.clone()).or_default().push(version);
                if write(&store, &Key::from(name.as_str()), version).await.is_err() {
                    return; // the server is gone
                }
                let mut ledger = ledger.lock().unwrap();
                ledger.acknowledged.insert(name, version);
                if size(version) > 8 * 1024 * 1024 {
                    ledger.multipart_acknowledged += 1;
                }
            }
        }));
    }
    // Kill it mid-stream, once both kinds of upload have been acknowledged a few times.
    for _ in 0..600 {
        let enough = {
            let ledger = ledger.lock().unwrap();
            ledger.acknowledged.len() >= 60 && ledger.multipart_acknowledged >= 3
        };
        if enough {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    storage.kill();
    for writer in writers {
        writer.await.unwrap();
    }

    let storage = StorageProcess::start(dir.path());
    let store = storage.bucket("spark-data");
    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    assert!(ledger.multipart_acknowledged >= 3, "the writers never got going");
    for (name, acknowledged) in &ledger.acknowledged {
        let versions = &ledger.attempted[name];
        let stored = store.get(&Key::from(name.as_str())).await.unwrap().bytes().await.unwrap();
        // The acknowledged version, or a later one whose answer the kill cut off; never a mix.
        let later = versions.iter().skip_while(|v| *v != acknowledged);
        assert!(later.clone().any(|v| content(*v) == stored), "{name}: lost or torn after the kill");
    }
    let listed: Vec<_> = store.list(None).try_collect().await.unwrap();
    for object in &listed {
        let name = object.location.as_ref();
        let versions = ledger.attempted.get(name).unwrap_or_else(|| panic!("unexpected object {name} in the listing"));
        let stored = store.get(&object.location).await.unwrap().bytes().await.unwrap();
        assert_eq!(object.size, stored.len() as u64, "{name}: listed size differs from the body");
        assert!(versions.iter().any(|v| content(*v) == stored), "{name}: a half-written object is visible");
    }
    assert!(listed.len() >= ledger.acknowledged.len());
}

/// A client killed mid-upload never completes or aborts it; the storage aborts uploads older than
/// MINIO_API_STALE_UPLOADS_EXPIRY and deletes their parts, as MinIO does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_multipart_uploads_are_aborted_and_their_parts_deleted() {
    use object_store::MultipartUpload;

    let _process = sharing_the_process().await;
    let dir = tempfile::tempdir().unwrap();
    let storage = StorageProcess::start_with(
        dir.path(),
        &[("MINIO_API_STALE_UPLOADS_EXPIRY", "3s"), ("MINIO_API_STALE_UPLOADS_CLEANUP_INTERVAL", "1s")],
    );
    let store = storage.bucket("spark-data");
    let mut upload = store.put_multipart(&Key::from("abandoned")).await.unwrap();
    upload.put_part(PutPayload::from(vec![1u8; 5 * 1024 * 1024])).await.unwrap();
    drop(upload); // the client goes away without CompleteMultipartUpload or AbortMultipartUpload
    let data_files = || std::fs::read_dir(dir.path().join("data")).unwrap().count();
    assert_eq!(data_files(), 1, "the uploaded part is on disk");

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while data_files() > 0 {
        assert!(std::time::Instant::now() < deadline, "the stale upload's part is still on disk");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(matches!(store.head(&Key::from("abandoned")).await, Err(object_store::Error::NotFound { .. })));
}

#[test]
fn the_real_aws_cli_makes_copies_lists_syncs_reads_ranges_and_removes() {
    let _process = sharing_the_process_blocking();
    let Some(venv) = virtualenv("awscli-venv", "awscli==1.46.3\n") else { return };
    let output = run(Command::new("bash")
        .arg(repo().join("scripts/aws-cli-smoke.sh"))
        .arg(env!("CARGO_BIN_EXE_minispark"))
        .arg(venv.join("bin/aws")));
    assert!(output.contains("aws-cli smoke: every step passed"), "{output}");
}

/// What Spark's s3a and other clients rely on, through object_store over the network: keys that
/// look like files and directories at once, listings by delimiter, a clean 404 for a directory
/// name, conditional reads and writes, multipart uploads refused for undersized parts, probes and
/// metrics without credentials, and private objects refused to unsigned requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_clients_get_s3s_answers_over_the_network() {
    use object_store::{GetOptions, PutMode, PutOptions};

    let _process = sharing_the_process().await;
    let dir = tempfile::tempdir().unwrap();
    let storage = StorageProcess::start(dir.path());
    let store = storage.bucket("spark-data");
    for (name, body) in [("a", "file a"), ("a/b", "file a/b"), ("a/c/d", "deep")] {
        store.put(&Key::from(name), PutPayload::from_static(body.as_bytes())).await.unwrap();
    }
    let read = |name: &'static str| {
        let store = store.clone();
        async move { store.get(&Key::from(name)).await.unwrap().bytes().await.unwrap() }
    };
    assert_eq!(&read("a").await[..], b"file a");
    assert_eq!(&read("a/b").await[..], b"file a/b");
    let top = store.list_with_delimiter(None).await.unwrap();
    assert_eq!(top.objects.iter().map(|o| o.location.as_ref()).collect::<Vec<_>>(), ["a"]);
    assert_eq!(top.common_prefixes.iter().map(|p| p.as_ref()).collect::<Vec<_>>(), ["a"]);
    assert!(top.objects[0].e_tag.is_some(), "listings carry ETags");
    let inside = store.list_with_delimiter(Some(&Key::from("a"))).await.unwrap();
    assert_eq!(inside.objects.iter().map(|o| o.location.as_ref()).collect::<Vec<_>>(), ["a/b"]);
    assert_eq!(inside.common_prefixes.iter().map(|p| p.as_ref()).collect::<Vec<_>>(), ["a/c"]);
    // A "directory" is not an object: 404, never a server error (s3a retries those).
    assert!(matches!(store.head(&Key::from("a/c")).await, Err(object_store::Error::NotFound { .. })));

    let meta = store.head(&Key::from("a")).await.unwrap();
    let unchanged = GetOptions { if_none_match: meta.e_tag.clone(), ..Default::default() };
    assert!(matches!(store.get_opts(&Key::from("a"), unchanged).await, Err(object_store::Error::NotModified { .. })));
    let stale = GetOptions { if_match: Some("\"not-the-etag\"".into()), ..Default::default() };
    assert!(matches!(store.get_opts(&Key::from("a"), stale).await, Err(object_store::Error::Precondition { .. })));
    let create = PutOptions { mode: PutMode::Create, ..Default::default() };
    let again = store.put_opts(&Key::from("a"), PutPayload::from_static(b"clobber"), create).await;
    assert!(matches!(again, Err(object_store::Error::AlreadyExists { .. })), "{again:?}");
    assert_eq!(&read("a").await[..], b"file a");

    // Parts under 5 MiB (but the last) are refused when the upload completes; nothing appears.
    let mut upload =
        WriteMultipart::new_with_chunk_size(store.put_multipart(&Key::from("small-parts")).await.unwrap(), 1024);
    upload.write(&[7u8; 3000]);
    assert!(upload.finish().await.is_err(), "an upload of 1 KiB parts completed");
    assert!(matches!(store.head(&Key::from("small-parts")).await, Err(object_store::Error::NotFound { .. })));
    let missing = storage.bucket("no-such-bucket");
    assert!(missing.put(&Key::from("k"), PutPayload::from_static(b"x")).await.is_err(), "a PUT created a bucket");

    // MinIO's probes (GET and HEAD) and Prometheus metrics answer without credentials.
    let http = reqwest::Client::new();
    for probe in ["live", "ready", "cluster"] {
        let url = format!("{}/minio/health/{probe}", storage.endpoint);
        assert_eq!(http.get(&url).send().await.unwrap().status(), 200, "{url}");
        assert_eq!(http.head(&url).send().await.unwrap().status(), 200, "{url}");
    }
    let metrics = http.get(format!("{}/minio/v2/metrics/cluster", storage.endpoint)).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let metrics = metrics.text().await.unwrap();
    assert!(metrics.contains(r#"minio_s3_requests_total{method="PUT"}"#), "{metrics}");
    assert!(metrics.contains("minio_s3_requests_errors_total"), "the refused PUT is counted: {metrics}");
    assert!(metrics.contains("minio_s3_request_duration_seconds_bucket"), "{metrics}");

    // Unsigned requests get only what a public ACL opens (the aws-cli smoke opens some); these
    // objects and the bucket are private.
    let url = |path: &str| format!("{}/spark-data/{path}", storage.endpoint);
    let read = http.get(url("a")).send().await.unwrap();
    assert_eq!(read.status(), 403);
    assert!(read.text().await.unwrap().contains("<Code>AccessDenied</Code>"));
    assert_eq!(http.get(url("")).send().await.unwrap().status(), 403, "an anonymous listing");
    assert_eq!(http.put(url("anonymous")).body("x").send().await.unwrap().status(), 403);
    assert!(matches!(store.head(&Key::from("anonymous")).await, Err(object_store::Error::NotFound { .. })));
}
