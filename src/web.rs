//! The pages and assets of every web UI, embedded from `web/` at compile time so the binary serves
//! them offline and alone (no CDN, no files next to it). Each page file holds only its body;
//! `web/layout.html` gives every page the same head, style and header. Each role's router adds its
//! pages and these shared assets under `/static/`.

use std::sync::LazyLock;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

const LAYOUT: &str = include_str!("../web/layout.html");
const APPLICATION_HEADER: &str = r#"<span id="app-name">Application</span> <nav><a href="/">Jobs</a> <a href="/stages/">Stages</a> <a href="/SQL/">SQL</a> <a href="/executors/">Executors</a> <a href="/environment/">Environment</a></nav>"#;

/// Every page: the shared layout (head, style, header) around the page's own body from `web/`.
pub(crate) static MASTER_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("master", "<span>Master</span>", include_str!("../web/master.html")));
pub(crate) static WORKER_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("worker", "<span>Worker</span>", include_str!("../web/worker.html")));
pub(crate) static APPLICATION_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("application", APPLICATION_HEADER, include_str!("../web/app.html")));
pub(crate) static JOB_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("job", APPLICATION_HEADER, include_str!("../web/job.html")));
pub(crate) static STAGES_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("stages", APPLICATION_HEADER, include_str!("../web/stages.html")));
pub(crate) static STAGE_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("stage", APPLICATION_HEADER, include_str!("../web/stage.html")));
pub(crate) static SQL_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("SQL", APPLICATION_HEADER, include_str!("../web/sql.html")));
pub(crate) static SQL_EXECUTION_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("query", APPLICATION_HEADER, include_str!("../web/sql-execution.html")));
pub(crate) static CONSOLE_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("storage console", "", include_str!("../web/console.html")));
pub(crate) static EXECUTORS_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("executors", APPLICATION_HEADER, include_str!("../web/executors.html")));
pub(crate) static ENVIRONMENT_PAGE: LazyLock<String> =
    LazyLock::new(|| layout("environment", APPLICATION_HEADER, include_str!("../web/environment.html")));

fn layout(title: &str, header: &str, body: &str) -> String {
    LAYOUT.replace("{title}", title).replace("{header}", header).replace("{body}", body)
}

const STYLE: &str = include_str!("../web/style.css");
const COMMON_SCRIPT: &str = include_str!("../web/common.js");
const CONSOLE_SCRIPT: &str = include_str!("../web/console.js");

/// The other web UIs a page links to in its header (`/links`, read by common.js).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct Links {
    pub(crate) master: Option<String>,
    pub(crate) console: Option<String>,
}

/// `/links`: where the master's and the storage console's pages are.
pub(crate) fn links<S: Clone + Send + Sync + 'static>(links: Links) -> Router<S> {
    Router::new().route("/links", get(move || std::future::ready(axum::Json(links.clone()))))
}

/// `/static/style.css`, `/static/common.js` and the console's `/static/console.js`.
pub(crate) fn assets<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/static/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/static/common.js", get(|| async { asset("text/javascript; charset=utf-8", COMMON_SCRIPT) }))
        .route("/static/console.js", get(|| async { asset("text/javascript; charset=utf-8", CONSOLE_SCRIPT) }))
}

/// An HTML page (not cached: it is small, and a new binary may serve a new one).
pub(crate) fn page(html: &'static LazyLock<String>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/html; charset=utf-8"), (CACHE_CONTROL, "no-cache")], html.as_str())
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "max-age=300")], body)
}
