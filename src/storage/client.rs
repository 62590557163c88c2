//! A small S3 client over plain HTTP for the console: the requests it makes on a user's behalf,
//! signed (SigV4, by object_store's signer) with the credentials the user logged in with, so the
//! console can do nothing the user's keys could not. It speaks the S3 API rather than calling the
//! store directly, as MinIO's console does, so it works against any S3 endpoint.
//!
//! object_store's own client is not used for objects: its paths cannot name every S3 key (keys
//! ending in `/` such as s3a's directory markers, empty segments), and the console must show and
//! delete exactly what is stored.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use object_store::aws::{AwsAuthorizer, AwsCredential};
use object_store::client::{HttpRequest, HttpRequestBody};
use serde::Deserialize;
use url::Url;

/// Parts of a multipart upload, and the size under which an upload is a single PUT.
pub(crate) const PART_SIZE: usize = 8 * 1024 * 1024;

#[derive(Clone)]
pub(crate) struct S3Client {
    endpoint: Url,
    credential: Arc<AwsCredential>,
    region: String,
    http: reqwest::Client,
}

/// An S3 error answer: its status, code and message.
#[derive(Debug)]
pub(crate) struct S3Failure {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl std::fmt::Display for S3Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() { write!(f, "{}", self.code) } else { write!(f, "{}", self.message) }
    }
}

impl std::error::Error for S3Failure {}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Bucket {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) creation_date: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListAllMyBucketsResult {
    #[serde(default)]
    buckets: BucketList,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BucketList {
    #[serde(default)]
    bucket: Vec<Bucket>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ObjectEntry {
    pub(crate) key: String,
    pub(crate) size: u64,
    #[serde(default, rename = "ETag")]
    pub(crate) etag: String,
    #[serde(default)]
    pub(crate) last_modified: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListBucketResult {
    #[serde(default)]
    contents: Vec<ObjectEntry>,
    #[serde(default)]
    common_prefixes: Vec<CommonPrefix>,
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    next_continuation_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CommonPrefix {
    prefix: String,
}

#[derive(Debug, Deserialize)]
struct CompleteMultipartUploadResult {
    #[serde(rename = "ETag")]
    etag: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateMultipartUploadResult {
    upload_id: String,
}

/// What is under a prefix, one level deep.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub(crate) folders: Vec<String>,
    pub(crate) objects: Vec<ObjectEntry>,
}

impl S3Client {
    pub(crate) fn new(endpoint: &str, access_key: &str, secret_key: &str, http: reqwest::Client) -> Result<Self> {
        let endpoint = Url::parse(endpoint).with_context(|| format!("invalid S3 endpoint {endpoint}"))?;
        let credential =
            AwsCredential { key_id: access_key.to_string(), secret_key: secret_key.to_string(), token: None };
        Ok(Self { endpoint, credential: Arc::new(credential), region: "us-east-1".into(), http })
    }

    /// Path-style URL of a bucket or an object, with its query.
    fn url(&self, bucket: Option<&str>, key: Option<&str>, query: &[(&str, &str)]) -> Url {
        let mut url = self.endpoint.clone();
        {
            let mut segments = url.path_segments_mut().expect("an http URL has a path");
            segments.pop_if_empty();
            if let Some(bucket) = bucket {
                segments.push(bucket);
            }
            if let Some(key) = key {
                // Each `/`-separated part is one path segment, so every other byte is escaped.
                segments.extend(key.split('/'));
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends a signed request; an S3 error answer becomes an [`S3Failure`].
    async fn send(&self, method: Method, url: Url, headers: HeaderMap, body: Bytes) -> Result<reqwest::Response> {
        let mut request: HttpRequest = http::Request::builder()
            .method(method.clone())
            .uri(url.as_str())
            .body(HttpRequestBody::from(body.clone()))
            .context("cannot build an S3 request")?;
        request.headers_mut().extend(headers);
        AwsAuthorizer::new(&self.credential, "s3", &self.region).authorize(&mut request, None);
        let mut builder = self.http.request(method, url.as_str());
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        let response = builder
            .body(body)
            .send()
            .await
            .with_context(|| format!("cannot reach the S3 endpoint {}", self.endpoint))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let ErrorBody { code, message } = quick_xml::de::from_str(&text).unwrap_or_else(|_| ErrorBody {
            code: status.canonical_reason().unwrap_or("error").to_string(),
            message: String::new(),
        });
        Err(S3Failure { status, code, message }.into())
    }

    /// A bodiless request whose answer is an XML document.
    async fn xml<T: serde::de::DeserializeOwned>(&self, method: Method, url: Url, headers: HeaderMap) -> Result<T> {
        let text = self.send(method, url, headers, Bytes::new()).await?.text().await?;
        quick_xml::de::from_str(&text).with_context(|| format!("unexpected S3 answer: {text}"))
    }

    pub(crate) async fn list_buckets(&self) -> Result<Vec<Bucket>> {
        let result: ListAllMyBucketsResult = self.xml(Method::GET, self.url(None, None, &[]), HeaderMap::new()).await?;
        Ok(result.buckets.bucket)
    }

    pub(crate) async fn create_bucket(&self, bucket: &str) -> Result<()> {
        self.send(Method::PUT, self.url(Some(bucket), None, &[]), HeaderMap::new(), Bytes::new()).await?;
        Ok(())
    }

    pub(crate) async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.send(Method::DELETE, self.url(Some(bucket), None, &[]), HeaderMap::new(), Bytes::new()).await?;
        Ok(())
    }

    /// Every object under `prefix`, or with `delimiter` the objects and folders one level down.
    pub(crate) async fn list(&self, bucket: &str, prefix: &str, delimiter: Option<&str>) -> Result<Listing> {
        let mut listing = Listing::default();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("list-type", "2"), ("prefix", prefix)];
            if let Some(delimiter) = delimiter {
                query.push(("delimiter", delimiter));
            }
            if let Some(token) = &token {
                query.push(("continuation-token", token));
            }
            let page: ListBucketResult =
                self.xml(Method::GET, self.url(Some(bucket), None, &query), HeaderMap::new()).await?;
            listing.objects.extend(page.contents);
            listing.folders.extend(page.common_prefixes.into_iter().map(|p| p.prefix));
            match page.next_continuation_token {
                Some(next) if page.is_truncated => token = Some(next),
                _ => return Ok(listing),
            }
        }
    }

    /// HEAD of an object: its headers (size, ETag, type, last modified, `x-amz-meta-*`).
    pub(crate) async fn head(&self, bucket: &str, key: &str) -> Result<HeaderMap> {
        let response = self.send(Method::HEAD, self.url(Some(bucket), Some(key), &[]), HeaderMap::new(), Bytes::new());
        Ok(response.await?.headers().clone())
    }

    /// GET of an object, its body left to stream.
    pub(crate) async fn get(&self, bucket: &str, key: &str) -> Result<reqwest::Response> {
        self.send(Method::GET, self.url(Some(bucket), Some(key), &[]), HeaderMap::new(), Bytes::new()).await
    }

    pub(crate) async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        self.send(Method::DELETE, self.url(Some(bucket), Some(key), &[]), HeaderMap::new(), Bytes::new()).await?;
        Ok(())
    }

    /// Uploads what `next_chunk` yields: one PUT if it all fits in a part, else a multipart upload
    /// of [`PART_SIZE`] parts, aborted if anything fails. Returns the size and the ETag.
    pub(crate) async fn upload<F, Fut>(
        &self,
        bucket: &str,
        key: &str,
        content_type: &str,
        mut next_chunk: F,
    ) -> Result<(u64, String)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<Bytes>>>,
    {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, content_type.parse().context("invalid content type")?);
        let first = fill_part(&mut next_chunk).await?;
        if first.len() < PART_SIZE {
            let size = first.len() as u64;
            let response = self.send(Method::PUT, self.url(Some(bucket), Some(key), &[]), headers, first).await?;
            return Ok((size, etag_of(response.headers())));
        }
        let started: InitiateMultipartUploadResult =
            self.xml(Method::POST, self.url(Some(bucket), Some(key), &[("uploads", "")]), headers).await?;
        let upload_id = started.upload_id;
        let result = self.upload_parts(bucket, key, &upload_id, first, &mut next_chunk).await;
        if result.is_err() {
            let abort = self.url(Some(bucket), Some(key), &[("uploadId", &upload_id)]);
            if let Err(err) = self.send(Method::DELETE, abort, HeaderMap::new(), Bytes::new()).await {
                tracing::warn!("could not abort the failed upload {upload_id} of {bucket}/{key}: {err:#}");
            }
        }
        result
    }

    async fn upload_parts<F, Fut>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        first: Bytes,
        next_chunk: &mut F,
    ) -> Result<(u64, String)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<Bytes>>>,
    {
        let mut parts = Vec::new();
        let mut size = 0u64;
        let mut part = first;
        while !part.is_empty() {
            let number = (parts.len() + 1).to_string();
            let url = self.url(Some(bucket), Some(key), &[("partNumber", &number), ("uploadId", upload_id)]);
            size += part.len() as u64;
            let response = self.send(Method::PUT, url, HeaderMap::new(), part).await?;
            parts.push(etag_of(response.headers()));
            part = fill_part(next_chunk).await?;
        }
        let manifest: String = parts
            .iter()
            .enumerate()
            .map(|(i, etag)| {
                format!("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1, xml_escape(etag))
            })
            .collect();
        let body = Bytes::from(format!("<CompleteMultipartUpload>{manifest}</CompleteMultipartUpload>"));
        let url = self.url(Some(bucket), Some(key), &[("uploadId", upload_id)]);
        let response = self.send(Method::POST, url, HeaderMap::new(), body).await?;
        let text = response.text().await?;
        match quick_xml::de::from_str::<CompleteMultipartUploadResult>(&text) {
            Ok(done) => Ok((size, done.etag)),
            // S3 may answer 200 with an error document once completing has started.
            Err(_) => match quick_xml::de::from_str::<ErrorBody>(&text) {
                Ok(ErrorBody { code, message }) => Err(S3Failure { status: StatusCode::OK, code, message }.into()),
                Err(_) => bail!("unexpected S3 answer to CompleteMultipartUpload: {text}"),
            },
        }
    }
}

/// Reads chunks until a part is full or the input ends.
async fn fill_part<F, Fut>(next_chunk: &mut F) -> Result<Bytes>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Bytes>>>,
{
    let mut part = bytes::BytesMut::new();
    while part.len() < PART_SIZE {
        match next_chunk().await? {
            Some(chunk) => part.extend_from_slice(&chunk),
            None => break,
        }
    }
    Ok(part.freeze())
}

fn etag_of(headers: &HeaderMap) -> String {
    headers.get(http::header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The S3 failure behind an error, if the store answered with one.
pub(crate) fn s3_failure(err: &anyhow::Error) -> Option<&S3Failure> {
    err.downcast_ref::<S3Failure>()
}
