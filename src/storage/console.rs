//! The storage console (MinIO's, on port 9001): a browser page to log in with the root
//! credentials, list, create and delete buckets, browse objects by prefix, upload, download,
//! delete, and look at an object's details and the store's health.
//!
//! The page (`web/console.html`) talks to the JSON API below. Logging in checks the keys against
//! the S3 endpoint itself and keeps them server-side for the session; the browser holds only a
//! random session id in an HttpOnly, SameSite=Strict cookie. Every action is an S3 request signed
//! with the user's keys ([`super::client`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{S3Client, s3_failure};

const COOKIE_NAME: &str = "minispark_console";
/// A session ends after this long, as MinIO's console sessions do.
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

#[derive(Clone)]
pub(crate) struct Console {
    /// The S3 endpoint the console manages, e.g. `http://127.0.0.1:9000`.
    pub(crate) endpoint: String,
    pub(crate) http: reqwest::Client,
    pub(crate) started: Instant,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
}

struct Session {
    user: String,
    client: S3Client,
    expires: Instant,
}

impl Console {
    pub(crate) fn new(endpoint: String) -> Self {
        Self { endpoint, http: reqwest::Client::new(), started: Instant::now(), sessions: Arc::default() }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The logged-in user's name and S3 client, from the request's session cookie.
    fn session(&self, headers: &HeaderMap) -> Result<(String, S3Client), ApiError> {
        let id = session_id(headers).ok_or_else(not_logged_in)?;
        let mut sessions = self.sessions();
        sessions.retain(|_, s| s.expires > Instant::now());
        sessions.get(&id).map(|s| (s.user.clone(), s.client.clone())).ok_or_else(not_logged_in)
    }
}

pub(crate) fn routes(console: Console) -> Router {
    Router::new()
        .route("/", get(|| async { crate::web::page(&crate::web::CONSOLE_PAGE) }))
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/session", get(session))
        .route("/api/v1/health", get(health))
        .route("/api/v1/buckets", get(list_buckets).post(create_bucket))
        .route("/api/v1/buckets/{bucket}", axum::routing::delete(delete_bucket))
        .route("/api/v1/buckets/{bucket}/objects", get(list_objects).put(upload).delete(delete_object))
        .route("/api/v1/buckets/{bucket}/objects/download", get(download))
        .route("/api/v1/buckets/{bucket}/objects/details", get(details))
        .merge(crate::web::assets())
        .with_state(console)
}

/// An API error: its status and the message the page shows.
pub(crate) struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    /// S3's own answers keep their status and message; anything else means the store was not
    /// reachable or answered nonsense.
    fn from(err: anyhow::Error) -> Self {
        match s3_failure(&err) {
            Some(failure) if failure.status.is_client_error() => ApiError(failure.status, failure.to_string()),
            _ => ApiError(StatusCode::BAD_GATEWAY, format!("{err:#}")),
        }
    }
}

fn not_logged_in() -> ApiError {
    ApiError(StatusCode::UNAUTHORIZED, "Not logged in.".into())
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Credentials {
    access_key: String,
    secret_key: String,
}

/// Checks the keys with a signed ListBuckets: the store, not the console, decides who gets in.
async fn login(State(console): State<Console>, Json(credentials): Json<Credentials>) -> Result<Response, ApiError> {
    let client =
        S3Client::new(&console.endpoint, &credentials.access_key, &credentials.secret_key, console.http.clone())?;
    if let Err(err) = client.list_buckets().await {
        return Err(match s3_failure(&err) {
            Some(failure) if failure.status == StatusCode::FORBIDDEN => {
                ApiError(StatusCode::UNAUTHORIZED, "Wrong access key or secret key.".into())
            }
            _ => ApiError(StatusCode::BAD_GATEWAY, format!("Cannot reach the storage: {err:#}")),
        });
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let session = Session { user: credentials.access_key, client, expires: Instant::now() + SESSION_LIFETIME };
    console.sessions().insert(id.clone(), session);
    let cookie =
        format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_LIFETIME.as_secs());
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}

async fn logout(State(console): State<Console>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        console.sessions().remove(&id);
    }
    let expired = format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    (StatusCode::NO_CONTENT, [(SET_COOKIE, expired)]).into_response()
}

async fn session(State(console): State<Console>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let (user, _) = console.session(&headers)?;
    Ok(Json(json!({ "user": user, "endpoint": console.endpoint })))
}

/// MinIO's health probes as seen from the console, which needs no login to show them.
async fn health(State(console): State<Console>) -> Json<Value> {
    let probe = |path: &'static str| {
        let url = format!("{}/minio/health/{path}", console.endpoint.trim_end_matches('/'));
        let http = console.http.clone();
        async move { http.get(url).send().await.is_ok_and(|r| r.status().is_success()) }
    };
    let (live, ready) = futures::join!(probe("live"), probe("ready"));
    Json(json!({
        "live": live,
        "ready": ready,
        "endpoint": console.endpoint,
        "version": env!("CARGO_PKG_VERSION"),
        "uptimeSeconds": console.started.elapsed().as_secs(),
    }))
}

/// Every bucket with its object count and total size.
async fn list_buckets(State(console): State<Console>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let (_, client) = console.session(&headers)?;
    let buckets = client.list_buckets().await?;
    let mut answer = Vec::with_capacity(buckets.len());
    for bucket in buckets {
        let listing = client.list(&bucket.name, "", None).await?;
        answer.push(json!({
            "name": bucket.name,
            "creationDate": bucket.creation_date,
            "objects": listing.objects.len(),
            "size": listing.objects.iter().map(|o| o.size).sum::<u64>(),
        }));
    }
    Ok(Json(json!({ "buckets": answer })))
}

#[derive(Deserialize)]
struct NewBucket {
    name: String,
}

async fn create_bucket(
    State(console): State<Console>,
    headers: HeaderMap,
    Json(bucket): Json<NewBucket>,
) -> Result<StatusCode, ApiError> {
    let (_, client) = console.session(&headers)?;
    client.create_bucket(bucket.name.trim()).await?;
    Ok(StatusCode::CREATED)
}

async fn delete_bucket(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(bucket): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (_, client) = console.session(&headers)?;
    client.delete_bucket(&bucket).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PrefixQuery {
    #[serde(default)]
    prefix: String,
}

/// One level of a bucket under a prefix: its folders (common prefixes) and objects.
async fn list_objects(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(bucket): Path<String>,
    Query(query): Query<PrefixQuery>,
) -> Result<Json<Value>, ApiError> {
    let (_, client) = console.session(&headers)?;
    let listing = client.list(&bucket, &query.prefix, Some("/")).await?;
    let objects: Vec<Value> = listing
        .objects
        .iter()
        .map(|object| {
            json!({
                "key": object.key,
                "name": object.key.strip_prefix(&query.prefix).unwrap_or(&object.key),
                "size": object.size,
                "etag": object.etag,
                "lastModified": object.last_modified,
            })
        })
        .collect();
    Ok(Json(json!({ "bucket": bucket, "prefix": query.prefix, "folders": listing.folders, "objects": objects })))
}

#[derive(Deserialize)]
struct KeyQuery {
    key: String,
}

/// Streams the request body into the store: one PUT for small files, a multipart upload for big
/// ones, never more than a part in memory.
async fn upload(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(bucket): Path<String>,
    Query(query): Query<KeyQuery>,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (_, client) = console.session(&headers)?;
    if query.key.is_empty() {
        return Err(ApiError(StatusCode::BAD_REQUEST, "An object needs a name.".into()));
    }
    let content_type =
        headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/octet-stream").to_string();
    let stream = Arc::new(tokio::sync::Mutex::new(body.into_data_stream()));
    let next_chunk = || {
        let stream = stream.clone();
        async move {
            match stream.lock().await.next().await {
                Some(Ok(chunk)) => Ok(Some(chunk)),
                Some(Err(err)) => Err(anyhow::anyhow!("the upload was interrupted: {err}")),
                None => Ok(None),
            }
        }
    };
    let (size, etag) = client.upload(&bucket, &query.key, &content_type, next_chunk).await?;
    Ok((StatusCode::CREATED, Json(json!({ "key": query.key, "size": size, "etag": etag }))))
}

/// The object's bytes, streamed from the store, as an attachment named after the key's last part.
async fn download(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(bucket): Path<String>,
    Query(query): Query<KeyQuery>,
) -> Result<Response, ApiError> {
    let (_, client) = console.session(&headers)?;
    let response = client.get(&bucket, &query.key).await?;
    let name = query.key.rsplit('/').find(|part| !part.is_empty()).unwrap_or("download");
    let mut answer = Response::builder()
        .header(CONTENT_TYPE, "application/octet-stream")
        .header(CONTENT_DISPOSITION, content_disposition(name));
    if let Some(length) = response.headers().get(CONTENT_LENGTH) {
        answer = answer.header(CONTENT_LENGTH, length);
    }
    let body = futures::stream::unfold(response, |mut response| async move {
        match response.chunk().await {
            Ok(Some(chunk)) => Some((Ok::<_, reqwest::Error>(chunk), response)),
            Ok(None) => None,
            Err(err) => Some((Err(err), response)),
        }
    });
    answer.body(Body::from_stream(body)).map_err(|err| ApiError(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))
}

/// `attachment; filename="…"` with a UTF-8 fallback for names that are not plain ASCII.
fn content_disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
    let encoded = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Size, ETag, content type, last modified and user metadata, from a HEAD of the object.
async fn details(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(bucket): Path<String>,
    Query(query): Query<KeyQuery>,
) -> Result<Json<Value>, ApiError> {
    let (_, client) = console.session(&headers)?;
    let head = client.head(&bucket, &query.key).await?;
    let text = |name: &str| head.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let metadata: serde_json::Map<String, Value> = head
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix("x-amz-meta-")?;
            Some((key.to_string(), Value::String(value.to_str().unwrap_or_default().to_string())))
        })
        .collect();
    Ok(Json(json!({
        "bucket": bucket,
        "key": query.key,
        "size": text("content-length").parse::<u64>().unwrap_or_default(),
        "etag": text("etag"),
        "contentType": text("content-type"),
        "lastModified": text("last-modified"),
        "metadata": metadata,
    })))
}

async fn delete_object(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(bucket): Path<String>,
    Query(query): Query<KeyQuery>,
) -> Result<StatusCode, ApiError> {
    let (_, client) = console.session(&headers)?;
    client.delete(&bucket, &query.key).await?;
    Ok(StatusCode::NO_CONTENT)
}
