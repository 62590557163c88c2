//! Prometheus metrics of the S3 API, in the spirit of MinIO's v2 cluster metrics: requests and
//! errors by method, bytes received and sent, and request durations, served unauthenticated at
//! `/minio/v2/metrics/cluster` (MinIO's path, with `MINIO_PROMETHEUS_AUTH_TYPE=public`) and
//! `/metrics`.
//!
//! Bytes are counted from the Content-Length of requests and responses, so a streamed body without
//! one (chunked transfer) counts as zero; S3 clients send lengths for uploads and servers for
//! downloads.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct MethodLabel {
    method: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StatusLabel {
    method: String,
    status: u16,
}

pub(crate) struct S3Metrics {
    registry: Registry,
    requests: Family<MethodLabel, Counter>,
    errors: Family<StatusLabel, Counter>,
    received_bytes: Counter,
    sent_bytes: Counter,
    duration: Family<MethodLabel, Histogram>,
}

impl Default for S3Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("minio_s3");
        let requests = Family::<MethodLabel, Counter>::default();
        let errors = Family::<StatusLabel, Counter>::default();
        let received_bytes = Counter::default();
        let sent_bytes = Counter::default();
        // 1 ms to about 30 s.
        let duration = Family::<MethodLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 16))
        });
        registry.register("requests", "S3 requests served", requests.clone());
        registry.register("requests_errors", "S3 requests answered with an error status", errors.clone());
        registry.register("traffic_received_bytes", "Request body bytes received", received_bytes.clone());
        registry.register("traffic_sent_bytes", "Response body bytes sent", sent_bytes.clone());
        registry.register("request_duration_seconds", "Time to answer an S3 request", duration.clone());
        Self { registry, requests, errors, received_bytes, sent_bytes, duration }
    }
}

impl S3Metrics {
    /// The metrics in Prometheus' text format.
    pub(crate) fn render(&self) -> Response {
        let mut text = String::new();
        match prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            Ok(()) => ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response(),
            Err(err) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
        }
    }
}

fn content_length(headers: &axum::http::HeaderMap) -> u64 {
    headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Middleware counting every request it passes on.
pub(crate) async fn record(State(metrics): State<Arc<S3Metrics>>, request: Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    metrics.received_bytes.inc_by(content_length(request.headers()));
    let response = next.run(request).await;
    let label = MethodLabel { method };
    metrics.requests.get_or_create(&label).inc();
    metrics.duration.get_or_create(&label).observe(started.elapsed().as_secs_f64());
    metrics.sent_bytes.inc_by(content_length(response.headers()));
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        metrics.errors.get_or_create(&StatusLabel { method: label.method, status: status.as_u16() }).inc();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_in_prometheus_text_format() {
        let metrics = S3Metrics::default();
        let label = MethodLabel { method: "PUT".into() };
        metrics.requests.get_or_create(&label).inc();
        metrics.received_bytes.inc_by(42);
        metrics.errors.get_or_create(&StatusLabel { method: "GET".into(), status: 404 }).inc();
        metrics.duration.get_or_create(&label).observe(0.003);
        let response = metrics.render();
        assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &metrics.registry).unwrap();
        assert!(text.contains(r#"minio_s3_requests_total{method="PUT"} 1"#), "{text}");
        assert!(text.contains(r#"minio_s3_requests_errors_total{method="GET",status="404"} 1"#), "{text}");
        assert!(text.contains("minio_s3_traffic_received_bytes_total 42"), "{text}");
        assert!(text.contains(r#"minio_s3_request_duration_seconds_count{method="PUT"} 1"#), "{text}");
    }
}
