//! The S3 client half of bench/storage.sh, in Rust. aws-cli and botocore spend more CPU per byte
//! than the server does, so on a 2-core machine they measure mostly themselves; this client
//! (object_store, as the driver and workers use it) leaves the server the cores.
//!
//!     cargo bench --bench s3_client -- ENDPOINT ACCESS_KEY SECRET_KEY BUCKET [SECONDS]
//!
//! Measures, in this order: a 1 GiB object in one PUT, the same in 16 MiB parts (4 in flight), a
//! 1 GiB GET, then 4 KiB PUTs and GETs from 16 concurrent tasks for SECONDS each (default 10).
//! Bodies are sent with UNSIGNED-PAYLOAD, as S3 clients do over TLS, so the server hashes each
//! body once (MD5 for the ETag) instead of twice. Prints one line of figures; not a test.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload, WriteMultipart};

const LARGE: usize = 1 << 30;
const PART: usize = 16 << 20;
const SMALL: usize = 4096;
const CLIENTS: usize = 16;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [endpoint, access_key, secret_key, bucket, rest @ ..] = args.as_slice() else {
        eprintln!("usage: s3_client ENDPOINT ACCESS_KEY SECRET_KEY BUCKET [SECONDS]");
        std::process::exit(2);
    };
    let seconds = rest.first().map_or(10, |s| s.parse().expect("SECONDS must be a whole number"));
    let store = AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_access_key_id(access_key)
        .with_secret_access_key(secret_key)
        .with_region("us-east-1")
        .with_bucket_name(bucket)
        .with_unsigned_payload(true)
        .build()
        .expect("an S3 client");

    let body = pseudo_random(LARGE);
    let single = timed(LARGE, async {
        store.put(&Path::from("large/single"), PutPayload::from(body.clone())).await.expect("PUT")
    })
    .await;
    let parts = timed(LARGE, async {
        let upload = store.put_multipart(&Path::from("large/parts")).await.expect("CreateMultipartUpload");
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        for chunk in body.chunks(PART) {
            writer.wait_for_capacity(4).await.expect("UploadPart");
            writer.put(body.slice_ref(chunk));
        }
        writer.finish().await.expect("CompleteMultipartUpload")
    })
    .await;
    let get = timed(LARGE, async {
        let mut stream = store.get(&Path::from("large/single")).await.expect("GET").into_stream();
        let mut received = 0;
        while let Some(chunk) = stream.next().await {
            received += chunk.expect("GET body").len();
        }
        assert_eq!(received, LARGE, "GET returned a different size");
    })
    .await;

    let small = Bytes::from(vec![7u8; SMALL]);
    let put_ops = for_seconds(&store, seconds, move |store, client, n| {
        let small = small.clone();
        async move {
            store.put(&small_key(client, n), PutPayload::from(small)).await.expect("small PUT");
        }
    })
    .await;
    let written = put_ops.written_per_client.clone();
    let get_ops = for_seconds(&store, seconds, move |store, client, n| {
        let key = small_key(client, n % written[client].load(Ordering::Relaxed).max(1));
        async move {
            store.get(&key).await.expect("small GET").bytes().await.expect("small GET body");
        }
    })
    .await;

    println!(
        "1 GiB single PUT {single:.0} MB/s, 16 MiB parts x4 {parts:.0} MB/s, GET {get:.0} MB/s; \
         4 KiB x {CLIENTS} tasks: PUT {:.0} ops/s, GET {:.0} ops/s",
        put_ops.per_second, get_ops.per_second
    );
}

/// Incompressible bytes, made faster than /dev/urandom gives them (xorshift).
fn pseudo_random(len: usize) -> Bytes {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

/// Runs `work` and returns its throughput for `bytes`, in MB/s.
async fn timed<T>(bytes: usize, work: impl Future<Output = T>) -> f64 {
    let start = Instant::now();
    work.await;
    bytes as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn small_key(client: usize, n: u64) -> Path {
    Path::from(format!("small/{client}/{n}"))
}

struct Rate {
    per_second: f64,
    written_per_client: Arc<Vec<AtomicU64>>,
}

/// Runs `op` in a loop on each of [`CLIENTS`] tasks for `seconds`, and counts.
async fn for_seconds<F, Fut>(store: &AmazonS3, seconds: u64, op: F) -> Rate
where
    F: Fn(AmazonS3, usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let counts: Arc<Vec<AtomicU64>> = Arc::new((0..CLIENTS).map(|_| AtomicU64::new(0)).collect());
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (store, op, counts) = (store.clone(), op.clone(), counts.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let n = counts[client].load(Ordering::Relaxed);
                    op(store.clone(), client, n).await;
                    counts[client].fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a client task panicked");
    }
    let total: u64 = counts.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    Rate { per_second: total as f64 / start.elapsed().as_secs_f64(), written_per_client: counts }
}
