//! Request checks that S3 makes and s3s 0.14.1 does not, applied before a request reaches s3s.
//!
//! A presigned URL may live at most seven days (`X-Amz-Expires` from 1 to 604800 seconds); s3s
//! 0.14.1 accepts any lifetime, so a URL meant to expire could be used forever (fixed upstream
//! only in s3s 0.15, which needs a newer Rust).
//!
//! GetObjectAttributes answers with the bare ETag (`<ETag>abc</ETag>`), unlike every other S3
//! response; s3s 0.14.1 always quotes it (its issue #632), so the quotes come off here.
//!
//! `OPTIONS` is a CORS preflight, and the store has no CORS configuration: S3 answers 400 when the
//! `Origin` header is missing and 403 otherwise, where s3s 0.14.1 answers 405.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// S3's longest presigned URL lifetime: seven days.
const MAX_PRESIGNED_SECONDS: i64 = 7 * 24 * 3600;

pub(crate) async fn check(request: Request<Body>, next: Next) -> Response {
    if let Some(refusal) = request.uri().query().and_then(presigned_lifetime_refusal) {
        return refusal;
    }
    if request.method() == Method::OPTIONS {
        return cors_preflight_refusal(request.headers().contains_key(header::ORIGIN));
    }
    let object_attributes = request.method() == Method::GET
        && request
            .uri()
            .query()
            .is_some_and(|q| url::form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "attributes"));
    let response = next.run(request).await;
    if object_attributes && response.status() == StatusCode::OK {
        return unquote_etag(response).await;
    }
    response
}

/// Longest GetObjectAttributes answer rewritten; 10,000 parts with every checksum stay far below.
const MAX_ATTRIBUTES_XML: usize = 16 * 1024 * 1024;

async fn unquote_etag(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(xml) = axum::body::to_bytes(body, MAX_ATTRIBUTES_XML).await else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "cannot read the object's attributes");
    };
    let xml = String::from_utf8_lossy(&xml);
    let unquoted = match xml.split_once("<ETag>").and_then(|(head, rest)| Some((head, rest.split_once("</ETag>")?))) {
        Some((head, (etag, tail))) => {
            let etag = etag.trim_start_matches("&quot;").trim_end_matches("&quot;").trim_matches('"');
            format!("{head}<ETag>{etag}</ETag>{tail}")
        }
        None => xml.into_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(unquoted))
}

fn cors_preflight_refusal(has_origin: bool) -> Response {
    if has_origin {
        error(StatusCode::FORBIDDEN, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.")
    } else {
        error(StatusCode::BAD_REQUEST, "BadRequest", "Insufficient information. Origin request header needed.")
    }
}

fn presigned_lifetime_refusal(query: &str) -> Option<Response> {
    let (_, expires) = url::form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == "X-Amz-Expires")?;
    let message = match expires.parse::<i64>() {
        Ok(seconds) if (1..=MAX_PRESIGNED_SECONDS).contains(&seconds) => return None,
        Ok(seconds) if seconds > MAX_PRESIGNED_SECONDS => {
            "X-Amz-Expires must be less than a week (in seconds) that is 604800"
        }
        _ => "X-Amz-Expires must be non-negative",
    };
    Some(error(StatusCode::FORBIDDEN, "AuthorizationQueryParametersError", message))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
         <RequestId>{request_id}</RequestId></Error>"
    );
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amz-request-id", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_urls_live_at_most_a_week() {
        assert!(presigned_lifetime_refusal("X-Amz-Expires=3600&X-Amz-Signature=abc").is_none());
        assert!(presigned_lifetime_refusal("X-Amz-Expires=604800").is_none());
        assert!(presigned_lifetime_refusal("prefix=X-Amz-Expires").is_none(), "only the parameter counts");
        for bad in ["X-Amz-Expires=604801", "X-Amz-Expires=-7", "X-Amz-Expires=0", "X-Amz-Expires=soon"] {
            let refusal = presigned_lifetime_refusal(bad).unwrap_or_else(|| panic!("{bad} accepted"));
            assert_eq!(refusal.status(), StatusCode::FORBIDDEN);
        }
    }

    #[tokio::test]
    async fn object_attributes_carry_the_bare_etag() {
        for quoted in ["&quot;abc-2&quot;", "\"abc-2\""] {
            let xml = format!(
                "<GetObjectAttributesResponse><ETag>{quoted}</ETag><ObjectSize>3</ObjectSize></GetObjectAttributesResponse>"
            );
            let response = unquote_etag((StatusCode::OK, xml).into_response()).await;
            let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
            assert_eq!(
                std::str::from_utf8(&body).unwrap(),
                "<GetObjectAttributesResponse><ETag>abc-2</ETag><ObjectSize>3</ObjectSize></GetObjectAttributesResponse>"
            );
        }
    }

    #[test]
    fn cors_preflights_are_refused_as_s3_refuses_them_without_a_cors_configuration() {
        assert_eq!(cors_preflight_refusal(false).status(), StatusCode::BAD_REQUEST);
        assert_eq!(cors_preflight_refusal(true).status(), StatusCode::FORBIDDEN);
    }
}
