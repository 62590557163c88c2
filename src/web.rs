//! The pages and assets of every web UI, embedded from `web/` at compile time so the binary serves
//! them offline and alone (no CDN, no files next to it). Each role's router adds its page at `/`
//! and these shared assets under `/static/`.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

pub const MASTER_PAGE: &str = include_str!("../web/master.html");
pub const WORKER_PAGE: &str = include_str!("../web/worker.html");
pub const APPLICATION_PAGE: &str = include_str!("../web/app.html");
pub const JOB_PAGE: &str = include_str!("../web/job.html");
pub const EXECUTORS_PAGE: &str = include_str!("../web/executors.html");
pub const ENVIRONMENT_PAGE: &str = include_str!("../web/environment.html");
const STYLE: &str = include_str!("../web/style.css");
const COMMON_SCRIPT: &str = include_str!("../web/common.js");

/// `/static/style.css` and `/static/common.js`.
pub fn assets<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/static/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/static/common.js", get(|| async { asset("text/javascript; charset=utf-8", COMMON_SCRIPT) }))
}

/// An HTML page (not cached: it is small, and a new binary may serve a new one).
pub fn page(html: &'static str) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/html; charset=utf-8"), (CACHE_CONTROL, "no-cache")], html)
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "max-age=300")], body)
}
