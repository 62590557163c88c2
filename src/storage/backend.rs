//! The S3 API over [`Store`]: s3s parses requests, checks signatures and decodes chunked bodies;
//! this module turns each operation into store calls with S3's semantics and error codes.
//!
//! Bucket and object operations live here; listings are in `listing.rs` and multipart uploads in
//! `multipart.rs`, as inherent methods this `impl S3` delegates to; `body.rs` moves the bytes.

use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use super::body::{Claims, Selection, body_claims, link_segments, open_body, receive_body, select};
use super::store::{CannedAcl, Checksums, Headers, ObjectMeta, Segment, Store, StoreError, now_millis};

/// S3's limit on keys per DeleteObjects request.
const MAX_DELETE_KEYS: usize = 1000;

/// The `S3` implementation handed to `S3ServiceBuilder::new`.
pub(crate) struct Backend {
    pub(super) store: Store,
    /// The root user, owner of every bucket and object.
    pub(super) owner: Owner,
}

impl Backend {
    pub(crate) fn new(store: Store, root_user: &str) -> Self {
        Backend { store, owner: Owner { display_name: Some(root_user.to_owned()), id: Some(root_user.to_owned()) } }
    }
}

/// The ACL a request sets through `x-amz-acl` or `x-amz-grant-*` (or, for Put*Acl, its body).
macro_rules! request_acl {
    ($input:expr, $owner:expr, $policy:expr, [$($grant:ident => $permission:ident),*]) => {
        CannedAcl::from_request(
            $input.acl.as_ref().map(|acl| acl.as_str()),
            &[$(($input.$grant.as_deref(), Permission::$permission)),*],
            $policy,
            $owner,
        )
    };
    (bucket $input:expr, $owner:expr, $policy:expr) => {
        request_acl!($input, $owner, $policy, [grant_full_control => FULL_CONTROL, grant_read => READ,
            grant_read_acp => READ_ACP, grant_write => WRITE, grant_write_acp => WRITE_ACP])
    };
    (object $input:expr, $owner:expr, $policy:expr) => {
        request_acl!($input, $owner, $policy, [grant_full_control => FULL_CONTROL, grant_read => READ,
            grant_read_acp => READ_ACP, grant_write_acp => WRITE_ACP])
    };
}
pub(super) use request_acl;

/// Maps a store failure to S3's error, tagged with a request id (in the body's `RequestId` and the
/// `x-amz-request-id` header, as S3 answers) so a failure can be found in the logs.
pub(super) fn store_error(e: StoreError) -> S3Error {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let mut err = match e {
        // S3's own messages: clients (and the console) show them as they are.
        StoreError::NoSuchBucket => s3_error!(NoSuchBucket, "The specified bucket does not exist"),
        StoreError::BucketExists => s3_error!(
            BucketAlreadyOwnedByYou,
            "Your previous request to create the named bucket succeeded and you already own it"
        ),
        StoreError::BucketNotEmpty => s3_error!(BucketNotEmpty, "The bucket you tried to delete is not empty"),
        StoreError::NoSuchKey => s3_error!(NoSuchKey, "The specified key does not exist"),
        StoreError::NoSuchUpload => s3_error!(NoSuchUpload, "The specified multipart upload does not exist"),
        StoreError::InvalidPart(n) => s3_error!(InvalidPart, "part {n} was not uploaded or its ETag differs"),
        StoreError::InvalidPartOrder => s3_error!(InvalidPartOrder, "The list of parts was not in ascending order"),
        StoreError::EntityTooSmall(n) => s3_error!(EntityTooSmall, "part {n} is smaller than 5 MiB"),
        StoreError::PreconditionFailed => {
            s3_error!(PreconditionFailed, "At least one of the preconditions you specified did not hold")
        }
        StoreError::BadDigest(message) => s3_error!(BadDigest, "{message}"),
        e @ (StoreError::Io(_) | StoreError::Index(_) | StoreError::InUse) => {
            tracing::error!(error = %e, request_id, "storage failure");
            S3Error::with_message(S3ErrorCode::InternalError, e.to_string())
        }
    };
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(&request_id) {
        headers.insert("x-amz-request-id", value);
    }
    err.set_headers(headers);
    err.set_request_id(request_id);
    err
}

/// Sets the five checksum fields of an s3s output struct from stored checksums.
macro_rules! with_checksums {
    ($ty:ident, $checksums:expr) => {{
        let c: &Checksums = $checksums;
        $ty {
            checksum_crc32: c.crc32.clone(),
            checksum_crc32c: c.crc32c.clone(),
            checksum_sha1: c.sha1.clone(),
            checksum_sha256: c.sha256.clone(),
            checksum_crc64nvme: c.crc64nvme.clone(),
            ..Default::default()
        }
    }};
}
pub(super) use with_checksums;

pub(super) fn timestamp(millis: u64) -> Timestamp {
    Timestamp::from(std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis))
}

pub(super) fn etag(value: &str) -> ETag {
    ETag::Strong(value.to_owned())
}

fn http_date(ts: &Timestamp) -> Option<String> {
    let mut out = Vec::new();
    ts.format(TimestampFormat::HttpDate, &mut out).ok()?;
    String::from_utf8(out).ok()
}

fn parse_http_date(s: &str) -> Option<Timestamp> {
    Timestamp::parse(TimestampFormat::HttpDate, s).ok()
}

fn seconds(ts: &Timestamp) -> i64 {
    time::OffsetDateTime::from(ts.clone()).unix_timestamp()
}

/// The headers a client sets on PUT, CopyObject (REPLACE) and CreateMultipartUpload.
pub(super) struct RequestHeaders {
    pub(crate) content_type: Option<String>,
    pub(crate) content_encoding: Option<String>,
    pub(crate) content_disposition: Option<String>,
    pub(crate) content_language: Option<String>,
    pub(crate) cache_control: Option<String>,
    pub(crate) expires: Option<Timestamp>,
    pub(crate) website_redirect_location: Option<String>,
    pub(crate) metadata: Option<Metadata>,
}

/// Collects [`RequestHeaders`] from any s3s input that has those fields (they share names).
macro_rules! request_headers {
    ($input:expr) => {
        RequestHeaders {
            content_type: $input.content_type,
            content_encoding: $input.content_encoding,
            content_disposition: $input.content_disposition,
            content_language: $input.content_language,
            cache_control: $input.cache_control,
            expires: $input.expires,
            website_redirect_location: $input.website_redirect_location,
            metadata: $input.metadata,
        }
        .into_headers()
    };
}
pub(super) use request_headers;

impl RequestHeaders {
    pub(crate) fn into_headers(self) -> Headers {
        // aws-chunked only describes the transfer; s3s has already decoded the body.
        let content_encoding = self.content_encoding.and_then(|encoding| {
            let rest: Vec<&str> =
                encoding.split(',').map(str::trim).filter(|e| !e.is_empty() && *e != "aws-chunked").collect();
            (!rest.is_empty()).then(|| rest.join(", "))
        });
        Headers {
            content_type: Some(self.content_type.unwrap_or_else(|| "binary/octet-stream".to_owned())),
            content_encoding,
            content_disposition: self.content_disposition,
            content_language: self.content_language,
            cache_control: self.cache_control,
            expires: self.expires.as_ref().and_then(http_date),
            website_redirect_location: self.website_redirect_location,
            user: self.metadata.unwrap_or_default().into_iter().collect(),
        }
    }
}

/// Why a GET, HEAD or copy source must not be served.
enum Refusal {
    NotModified,
    PreconditionFailed,
}

/// RFC 9110 §13.2.2 order: If-Match, else If-Unmodified-Since; then If-None-Match, else
/// If-Modified-Since. Times compare in whole seconds, the precision of HTTP dates.
fn evaluate_conditions(
    meta: &ObjectMeta,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> Option<Refusal> {
    let modified = (meta.last_modified / 1000) as i64;
    let matches = |condition: &ETagCondition| match condition {
        ETagCondition::Any => true,
        ETagCondition::ETag(tag) => tag.value() == meta.etag,
    };
    match if_match {
        Some(condition) if !matches(condition) => return Some(Refusal::PreconditionFailed),
        None if if_unmodified_since.is_some_and(|t| modified > seconds(t)) => {
            return Some(Refusal::PreconditionFailed);
        }
        _ => {}
    }
    match if_none_match {
        Some(condition) if matches(condition) => Some(Refusal::NotModified),
        None if if_modified_since.is_some_and(|t| modified <= seconds(t)) => Some(Refusal::NotModified),
        _ => None,
    }
}

fn refusal_error(refusal: Refusal, meta: &ObjectMeta) -> S3Error {
    match refusal {
        Refusal::PreconditionFailed => s3_error!(PreconditionFailed),
        Refusal::NotModified => {
            let mut err = s3_error!(NotModified);
            let mut headers = http::HeaderMap::new();
            if let Ok(value) = etag(&meta.etag).to_http_header() {
                headers.insert(http::header::ETAG, value);
            }
            err.set_headers(headers);
            err
        }
    }
}

/// The check a conditional write (PUT, CompleteMultipartUpload) runs against the current version
/// inside the committing transaction, so no other write can slip in between.
pub(super) fn write_condition(
    if_match: Option<ETagCondition>,
    if_none_match: Option<ETagCondition>,
) -> impl FnOnce(Option<&ObjectMeta>) -> Result<(), StoreError> + Send + 'static {
    move |current| {
        if let Some(condition) = if_match {
            let Some(current) = current else { return Err(StoreError::NoSuchKey) };
            if let ETagCondition::ETag(tag) = condition
                && tag.value() != current.etag
            {
                return Err(StoreError::PreconditionFailed);
            }
        }
        if let (Some(condition), Some(current)) = (if_none_match, current) {
            let matches = match condition {
                ETagCondition::Any => true,
                ETagCondition::ETag(tag) => tag.value() == current.etag,
            };
            if matches {
                return Err(StoreError::PreconditionFailed);
            }
        }
        Ok(())
    }
}

/// The headers GET and HEAD share, for their two output types.
macro_rules! object_output {
    ($ty:ident, $meta:expr, $selection:expr, $input:expr, { $($field:ident: $value:expr),* $(,)? }) => {{
        let meta: &ObjectMeta = $meta;
        let selection: Selection = $selection;
        let h = &meta.headers;
        $ty {
            $($field: $value,)*
            accept_ranges: Some("bytes".to_owned()),
            content_length: Some((selection.range.end - selection.range.start) as i64),
            content_range: selection.content_range,
            last_modified: Some(timestamp(meta.last_modified)),
            e_tag: Some(etag(&meta.etag)),
            parts_count: meta.parts_count.map(|n| n as i32),
            metadata: Some(h.user.clone().into_iter().collect()),
            content_type: $input.response_content_type.or_else(|| h.content_type.clone()),
            content_encoding: $input.response_content_encoding.or_else(|| h.content_encoding.clone()),
            content_disposition: $input.response_content_disposition.or_else(|| h.content_disposition.clone()),
            content_language: $input.response_content_language.or_else(|| h.content_language.clone()),
            cache_control: $input.response_cache_control.or_else(|| h.cache_control.clone()),
            expires: $input.response_expires.or_else(|| h.expires.as_deref().and_then(parse_http_date)),
            website_redirect_location: h.website_redirect_location.clone(),
            checksum_type: selection.checksums.kind.clone().map(ChecksumType::from),
            storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
            ..with_checksums!($ty, &selection.checksums)
        }
    }};
}

fn parse_copy_source(source: &CopySource) -> S3Result<(&str, &str)> {
    match source {
        CopySource::Bucket { bucket, key, version_id } => {
            if version_id.as_deref().is_some_and(|v| v != "null") {
                return Err(s3_error!(NoSuchVersion));
            }
            Ok((bucket, key))
        }
        _ => Err(s3_error!(NotImplemented, "only bucket/key copy sources are supported")),
    }
}

/// Reads a copy source and checks its `x-amz-copy-source-if-*` conditions (all fail with 412).
pub(super) async fn copy_source_meta(
    store: &Store,
    source: &CopySource,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> S3Result<(String, String, ObjectMeta)> {
    let (bucket, key) = parse_copy_source(source)?;
    let meta = store.get_object(bucket, key).await.map_err(store_error)?;
    if evaluate_conditions(&meta, if_match, if_none_match, if_modified_since, if_unmodified_since).is_some() {
        return Err(s3_error!(PreconditionFailed));
    }
    Ok((bucket.to_owned(), key.to_owned(), meta))
}

/// Bucket names as S3 accepts them: 3–63 lowercase letters, digits, dots and hyphens, starting
/// and ending with a letter or digit, no empty or hyphen-edged labels, not an IP address.
pub(crate) fn valid_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && name.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && name.parse::<std::net::Ipv4Addr>().is_err()
}

#[async_trait::async_trait]
impl S3 for Backend {
    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        let bucket = &req.input.bucket;
        if !valid_bucket_name(bucket) {
            return Err(s3_error!(InvalidBucketName));
        }
        let acl = request_acl!(bucket req.input, &self.owner, None)?;
        match self.store.create_bucket(bucket, acl).await {
            // us-east-1 semantics: re-creating one's own bucket succeeds.
            Ok(()) | Err(StoreError::BucketExists) => {
                Ok(S3Response::new(CreateBucketOutput { location: Some(format!("/{bucket}")) }))
            }
            Err(e) => Err(store_error(e)),
        }
    }

    async fn delete_bucket(&self, req: S3Request<DeleteBucketInput>) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.store.delete_bucket(&req.input.bucket).await.map_err(store_error)?;
        Ok(S3Response::new(DeleteBucketOutput {}))
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        if !self.store.bucket_exists(&req.input.bucket).await.map_err(store_error)? {
            return Err(s3_error!(NoSuchBucket));
        }
        Ok(S3Response::new(HeadBucketOutput { bucket_region: Some("us-east-1".to_owned()), ..Default::default() }))
    }

    async fn list_buckets(&self, req: S3Request<ListBucketsInput>) -> S3Result<S3Response<ListBucketsOutput>> {
        let input = &req.input;
        let prefix = input.prefix.as_deref().unwrap_or("");
        let limit = input.max_buckets.map_or(10_000, |m| m.clamp(1, 10_000) as usize);
        let after = input.continuation_token.as_deref();
        let mut buckets: Vec<Bucket> = self
            .store
            .list_buckets()
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|(name, _)| name.starts_with(prefix) && after.is_none_or(|a| name.as_str() > a))
            .take(limit + 1)
            .map(|(name, created)| Bucket {
                name: Some(name),
                creation_date: Some(Timestamp::from(created)),
                bucket_region: Some("us-east-1".to_owned()),
            })
            .collect();
        let continuation_token = if buckets.len() > limit {
            buckets.truncate(limit);
            buckets.last().and_then(|b| b.name.clone())
        } else {
            None
        };
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(buckets),
            continuation_token,
            owner: Some(self.owner.clone()),
            prefix: input.prefix.clone(),
        }))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        if !self.store.bucket_exists(&req.input.bucket).await.map_err(store_error)? {
            return Err(s3_error!(NoSuchBucket));
        }
        Ok(S3Response::new(GetBucketLocationOutput::default()))
    }

    async fn get_bucket_versioning(
        &self,
        req: S3Request<GetBucketVersioningInput>,
    ) -> S3Result<S3Response<GetBucketVersioningOutput>> {
        if !self.store.bucket_exists(&req.input.bucket).await.map_err(store_error)? {
            return Err(s3_error!(NoSuchBucket));
        }
        Ok(S3Response::new(GetBucketVersioningOutput::default()))
    }

    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        let input = req.input;
        if input.storage_class.as_ref().is_some_and(|c| !["STANDARD", "REDUCED_REDUNDANCY"].contains(&c.as_str())) {
            return Err(s3_error!(InvalidStorageClass));
        }
        // Fail fast before reading the body; the committing transaction checks again.
        if !self.store.bucket_exists(&input.bucket).await.map_err(store_error)? {
            return Err(s3_error!(NoSuchBucket));
        }
        let claims = body_claims!(input, req);
        let received = receive_body(&self.store, input.body, claims).await?;
        let headers = request_headers!(input);
        let meta = ObjectMeta {
            acl: request_acl!(object input, &self.owner, None)?,
            size: received.file.size,
            etag: received.md5_hex,
            last_modified: now_millis(),
            headers,
            checksums: received.checksums,
            segments: vec![received.file.segment()],
            parts_count: None,
            upload_id: None,
        };
        let check = write_condition(input.if_match, input.if_none_match);
        let meta = self
            .store
            .put_object(&input.bucket, &input.key, meta, vec![received.file], check)
            .await
            .map_err(store_error)?;
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(etag(&meta.etag)),
            size: Some(meta.size as i64),
            ..with_checksums!(PutObjectOutput, &meta.checksums)
        }))
    }

    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        let input = req.input;
        let choose = |meta: &ObjectMeta| {
            let conditions = evaluate_conditions(
                meta,
                input.if_match.as_ref(),
                input.if_none_match.as_ref(),
                input.if_modified_since.as_ref(),
                input.if_unmodified_since.as_ref(),
            );
            if let Some(refusal) = conditions {
                return Err(refusal_error(refusal, meta));
            }
            select(meta, input.range.as_ref(), input.part_number, input.checksum_mode.as_ref())
        };
        let (meta, selection, body) = open_body(&self.store, &input.bucket, &input.key, choose).await?;
        let output = object_output!(GetObjectOutput, &meta, selection, input, {
            body: Some(StreamingBlob::wrap(body)),
        });
        Ok(S3Response::new(output))
    }

    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        let input = req.input;
        let meta = self.store.get_object(&input.bucket, &input.key).await.map_err(store_error)?;
        let conditions = evaluate_conditions(
            &meta,
            input.if_match.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
            input.if_unmodified_since.as_ref(),
        );
        if let Some(refusal) = conditions {
            return Err(refusal_error(refusal, &meta));
        }
        let selection = select(&meta, input.range.as_ref(), input.part_number, input.checksum_mode.as_ref())?;
        Ok(S3Response::new(object_output!(HeadObjectOutput, &meta, selection, input, {})))
    }

    async fn delete_object(&self, req: S3Request<DeleteObjectInput>) -> S3Result<S3Response<DeleteObjectOutput>> {
        let input = req.input;
        self.store.delete_object(&input.bucket, &input.key).await.map_err(store_error)?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(&self, req: S3Request<DeleteObjectsInput>) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let input = req.input;
        let objects = input.delete.objects;
        if objects.len() > MAX_DELETE_KEYS {
            return Err(s3_error!(MalformedXML, "at most {MAX_DELETE_KEYS} keys per request"));
        }
        if !self.store.bucket_exists(&input.bucket).await.map_err(store_error)? {
            return Err(s3_error!(NoSuchBucket));
        }
        // Issued together, the deletes share the committer's transactions.
        let results =
            futures::future::join_all(objects.iter().map(|o| self.store.delete_object(&input.bucket, &o.key))).await;
        let quiet = input.delete.quiet.unwrap_or(false);
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for (object, result) in objects.into_iter().zip(results) {
            match result {
                Ok(()) if quiet => {}
                Ok(()) => deleted.push(DeletedObject {
                    key: Some(object.key),
                    version_id: object.version_id,
                    ..Default::default()
                }),
                Err(e) => {
                    let err = store_error(e);
                    errors.push(Error {
                        code: Some(err.code().as_str().to_owned()),
                        key: Some(object.key),
                        message: err.message().map(str::to_owned),
                        version_id: object.version_id,
                    });
                }
            }
        }
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: Some(deleted),
            errors: (!errors.is_empty()).then_some(errors),
            ..Default::default()
        }))
    }

    async fn copy_object(&self, req: S3Request<CopyObjectInput>) -> S3Result<S3Response<CopyObjectOutput>> {
        let input = req.input;
        let (source_bucket, source_key, source) = copy_source_meta(
            &self.store,
            &input.copy_source,
            input.copy_source_if_match.as_ref(),
            input.copy_source_if_none_match.as_ref(),
            input.copy_source_if_modified_since.as_ref(),
            input.copy_source_if_unmodified_since.as_ref(),
        )
        .await?;
        let replace = input.metadata_directive.as_ref().is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
        if source_bucket == input.bucket && source_key == input.key && !replace && input.storage_class.is_none() {
            return Err(s3_error!(
                InvalidRequest,
                "This copy request is illegal because it is trying to copy an object to itself without changing \
                 the object's metadata, storage class, website redirect location or encryption attributes."
            ));
        }
        let (source, files) = link_segments(&self.store, &source_bucket, &source_key, source).await?;
        let headers = if replace { request_headers!(input) } else { source.headers.clone() };
        let segments = files
            .iter()
            .zip(&source.segments)
            .map(|(file, segment)| Segment { checksums: segment.checksums.clone(), ..file.segment() })
            .collect();
        // As in S3, a copy gets the ACL the request names, not the source's.
        let acl = request_acl!(object input, &self.owner, None)?;
        let meta = ObjectMeta { last_modified: now_millis(), headers, segments, upload_id: None, acl, ..source };
        let meta =
            self.store.put_object(&input.bucket, &input.key, meta, files, |_| Ok(())).await.map_err(store_error)?;
        Ok(S3Response::new(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(etag(&meta.etag)),
                last_modified: Some(timestamp(meta.last_modified)),
                checksum_type: meta.checksums.kind.clone().map(ChecksumType::from),
                ..with_checksums!(CopyObjectResult, &meta.checksums)
            }),
            ..Default::default()
        }))
    }

    async fn get_object_attributes(
        &self,
        req: S3Request<GetObjectAttributesInput>,
    ) -> S3Result<S3Response<GetObjectAttributesOutput>> {
        let input = req.input;
        let meta = self.store.get_object(&input.bucket, &input.key).await.map_err(store_error)?;
        // s3s hands over the header's comma-separated list as it came, possibly as one entry.
        let wanted =
            |name: &str| input.object_attributes.iter().flat_map(|a| a.as_str().split(',')).any(|a| a.trim() == name);
        let c = &meta.checksums;
        let has_checksum = c.crc32.is_some() || c.crc32c.is_some() || c.sha1.is_some() || c.sha256.is_some();
        let checksum = (wanted(ObjectAttributes::CHECKSUM) && (has_checksum || c.crc64nvme.is_some())).then(|| {
            Checksum { checksum_type: c.kind.clone().map(ChecksumType::from), ..with_checksums!(Checksum, c) }
        });
        let object_parts = (wanted(ObjectAttributes::OBJECT_PARTS) && meta.parts_count.is_some()).then(|| {
            let after = input.part_number_marker.unwrap_or(0).max(0) as usize;
            let limit = input.max_parts.unwrap_or(1000).clamp(0, 1000) as usize;
            let parts: Vec<ObjectPart> = meta
                .segments
                .iter()
                .enumerate()
                .skip(after)
                .take(limit)
                .map(|(index, segment)| ObjectPart {
                    part_number: Some(index as i32 + 1),
                    size: Some(segment.size as i64),
                    ..with_checksums!(ObjectPart, &segment.checksums)
                })
                .collect();
            let last = after + parts.len();
            let truncated = last < meta.segments.len();
            GetObjectAttributesParts {
                total_parts_count: meta.parts_count.map(|n| n as i32),
                part_number_marker: input.part_number_marker,
                next_part_number_marker: truncated.then_some(last as i32),
                max_parts: Some(limit as i32),
                is_truncated: Some(truncated),
                parts: Some(parts),
            }
        });
        Ok(S3Response::new(GetObjectAttributesOutput {
            e_tag: wanted(ObjectAttributes::ETAG).then(|| etag(&meta.etag)),
            object_size: wanted(ObjectAttributes::OBJECT_SIZE).then_some(meta.size as i64),
            storage_class: wanted(ObjectAttributes::STORAGE_CLASS)
                .then(|| StorageClass::from_static(StorageClass::STANDARD)),
            last_modified: Some(timestamp(meta.last_modified)),
            checksum,
            object_parts,
            ..Default::default()
        }))
    }

    async fn get_bucket_acl(&self, req: S3Request<GetBucketAclInput>) -> S3Result<S3Response<GetBucketAclOutput>> {
        let acl = self.store.bucket_acl(&req.input.bucket).await.map_err(store_error)?;
        let acl = acl.ok_or_else(|| s3_error!(NoSuchBucket))?;
        Ok(S3Response::new(GetBucketAclOutput {
            grants: Some(acl.grants(&self.owner)),
            owner: Some(self.owner.clone()),
        }))
    }

    async fn get_object_acl(&self, req: S3Request<GetObjectAclInput>) -> S3Result<S3Response<GetObjectAclOutput>> {
        let meta = self.store.get_object(&req.input.bucket, &req.input.key).await.map_err(store_error)?;
        Ok(S3Response::new(GetObjectAclOutput {
            grants: Some(meta.acl.grants(&self.owner)),
            owner: Some(self.owner.clone()),
            ..Default::default()
        }))
    }

    async fn put_bucket_acl(&self, req: S3Request<PutBucketAclInput>) -> S3Result<S3Response<PutBucketAclOutput>> {
        let input = &req.input;
        let acl = request_acl!(bucket input, &self.owner, input.access_control_policy.as_ref())?;
        self.store.set_bucket_acl(&input.bucket, acl).await.map_err(store_error)?;
        Ok(S3Response::new(PutBucketAclOutput::default()))
    }

    async fn put_object_acl(&self, req: S3Request<PutObjectAclInput>) -> S3Result<S3Response<PutObjectAclOutput>> {
        let input = &req.input;
        let acl = request_acl!(object input, &self.owner, input.access_control_policy.as_ref())?;
        self.store.set_object_acl(&input.bucket, &input.key, acl).await.map_err(store_error)?;
        Ok(S3Response::new(PutObjectAclOutput::default()))
    }

    async fn list_objects(&self, req: S3Request<ListObjectsInput>) -> S3Result<S3Response<ListObjectsOutput>> {
        self.list_objects_v1(req).await
    }

    async fn list_objects_v2(&self, req: S3Request<ListObjectsV2Input>) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.list_objects_v2_impl(req).await
    }

    async fn list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        self.list_object_versions_impl(req).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        self.list_multipart_uploads_impl(req).await
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        self.create_multipart_upload_impl(req).await
    }

    async fn upload_part(&self, req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        self.upload_part_impl(req).await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        self.upload_part_copy_impl(req).await
    }

    async fn list_parts(&self, req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        self.list_parts_impl(req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        self.complete_multipart_upload_impl(req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.abort_multipart_upload_impl(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(etag: &str, modified_secs: u64) -> ObjectMeta {
        ObjectMeta {
            size: 0,
            etag: etag.into(),
            last_modified: modified_secs * 1000 + 500,
            headers: Headers::default(),
            checksums: Checksums::default(),
            segments: Vec::new(),
            parts_count: None,
            upload_id: None,
            acl: CannedAcl::Private,
        }
    }

    fn at(secs: u64) -> Timestamp {
        Timestamp::from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
    }

    #[test]
    fn conditions_follow_rfc_9110_order() {
        let meta = object("abc", 100);
        let tag = |t: &str| ETagCondition::ETag(ETag::Strong(t.into()));
        let check = |m: Option<&ETagCondition>, n: Option<&ETagCondition>, ms: Option<u64>, us: Option<u64>| {
            match evaluate_conditions(&meta, m, n, ms.map(at).as_ref(), us.map(at).as_ref()) {
                None => "serve",
                Some(Refusal::NotModified) => "304",
                Some(Refusal::PreconditionFailed) => "412",
            }
        };
        assert_eq!(check(Some(&tag("abc")), None, None, None), "serve");
        assert_eq!(check(Some(&tag("xyz")), None, None, None), "412");
        assert_eq!(check(None, Some(&tag("abc")), None, None), "304");
        assert_eq!(check(None, Some(&ETagCondition::Any), None, None), "304");
        // Same second as the last modification (sub-second part ignored): not modified since.
        assert_eq!(check(None, None, Some(100), None), "304");
        assert_eq!(check(None, None, Some(99), None), "serve");
        assert_eq!(check(None, None, None, Some(99)), "412");
        // If-Match wins over If-Unmodified-Since, If-None-Match over If-Modified-Since.
        assert_eq!(check(Some(&tag("abc")), None, None, Some(99)), "serve");
        assert_eq!(check(None, Some(&tag("xyz")), Some(100), None), "serve");
    }

    #[test]
    fn conditional_writes_check_the_current_version() {
        let current = object("abc", 1);
        let tag = |t: &str| Some(ETagCondition::ETag(ETag::Strong(t.into())));
        assert!(write_condition(tag("abc"), None)(Some(&current)).is_ok());
        assert!(matches!(write_condition(tag("xyz"), None)(Some(&current)), Err(StoreError::PreconditionFailed)));
        assert!(matches!(write_condition(Some(ETagCondition::Any), None)(None), Err(StoreError::NoSuchKey)));
        let none_match_any = || write_condition(None, Some(ETagCondition::Any));
        assert!(matches!(none_match_any()(Some(&current)), Err(StoreError::PreconditionFailed)));
        assert!(none_match_any()(None).is_ok());
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        for good in ["abc", "spark-data", "a.b-c", "123"] {
            assert!(valid_bucket_name(good), "{good}");
        }
        for bad in ["ab", "ABC", "a_b", "-ab", "ab-", "a..b", "foo-.bar", "foo.-bar", "192.168.1.1", &"a".repeat(64)] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn aws_chunked_is_not_stored_as_content_encoding() {
        let headers = RequestHeaders {
            content_type: None,
            content_encoding: Some("aws-chunked,gzip".into()),
            content_disposition: None,
            content_language: None,
            cache_control: None,
            expires: None,
            website_redirect_location: None,
            metadata: None,
        }
        .into_headers();
        assert_eq!(headers.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(headers.content_type.as_deref(), Some("binary/octet-stream"));
    }

    /// Requests through s3s itself (no network, no auth), as clients send them.
    mod through_s3s {
        use super::super::super::store::Store;
        use super::super::Backend;
        use s3s::service::{S3Service, S3ServiceBuilder};

        struct Server {
            service: S3Service,
            _dir: tempfile::TempDir,
        }

        struct Answer {
            status: u16,
            headers: http::HeaderMap,
            body: String,
        }

        impl Server {
            async fn start() -> Server {
                let dir = tempfile::tempdir().unwrap();
                let store = Store::open(dir.path()).unwrap();
                let service = S3ServiceBuilder::new(Backend::new(store, "root")).build();
                let server = Server { service, _dir: dir };
                assert_eq!(server.send("PUT", "/bucket", &[], b"").await.status, 200);
                server
            }

            async fn send(&self, method: &str, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
                let mut request = http::Request::builder().method(method).uri(format!("http://127.0.0.1{uri}"));
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                let request = request
                    .header("content-length", body.len().to_string())
                    .body(s3s::Body::from(body.to_vec()))
                    .unwrap();
                let response = self.service.call(request).await.unwrap();
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let bytes = response.into_body().store_all_limited(usize::MAX).await.unwrap();
                Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
            }
        }

        #[tokio::test]
        async fn keys_like_directories_coexist_and_list_like_s3() {
            let s = Server::start().await;
            for key in ["a", "a/b", "a/", "a//b", "t/ts%3D2024-01-01%2010%253A00/p%2B1"] {
                assert_eq!(s.send("PUT", &format!("/bucket/{key}"), &[], b"x").await.status, 200, "{key}");
            }
            assert_eq!(s.send("HEAD", "/bucket/t", &[], b"").await.status, 404);
            assert_eq!(s.send("GET", "/bucket/a/b/", &[], b"").await.status, 404);
            let top = s.send("GET", "/bucket?list-type=2&delimiter=/", &[], b"").await.body;
            assert!(top.contains("<Key>a</Key>") && top.contains("<Prefix>a/</Prefix>"), "{top}");
            assert!(top.contains("<ETag>") && top.contains("<KeyCount>3</KeyCount>"), "{top}");
            let dir = s.send("GET", "/bucket?list-type=2&prefix=a/&delimiter=/", &[], b"").await.body;
            assert!(dir.contains("<Key>a/</Key>") && dir.contains("<Prefix>a//</Prefix>"), "{dir}");
            let encoded = s.send("GET", "/bucket?list-type=2&prefix=t/&encoding-type=url", &[], b"").await.body;
            assert!(encoded.contains("<Key>t/ts%3D2024-01-01%2010%253A00/p%2B1</Key>"), "{encoded}");
            let paged = s.send("GET", "/bucket?list-type=2&max-keys=2", &[], b"").await.body;
            assert!(paged.contains("<IsTruncated>true</IsTruncated>"), "{paged}");
        }

        #[tokio::test]
        async fn bucket_rules_and_bad_digests_leave_data_alone() {
            let s = Server::start().await;
            assert_eq!(s.send("PUT", "/missing/k", &[], b"x").await.status, 404);
            assert_eq!(s.send("PUT", "/bucket/k", &[], b"old").await.status, 200);
            let wrong_md5 = [("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")];
            let bad = s.send("PUT", "/bucket/k", &wrong_md5, b"new").await;
            assert_eq!((bad.status, bad.body.contains("BadDigest")), (400, true), "{}", bad.body);
            assert_eq!(s.send("GET", "/bucket/k", &[], b"").await.body, "old");
            assert_eq!(s.send("DELETE", "/bucket", &[], b"").await.status, 409);
            assert_eq!(s.send("DELETE", "/bucket/k", &[], b"").await.status, 204);
            assert_eq!(s.send("DELETE", "/bucket/k", &[], b"").await.status, 204);
            assert_eq!(s.send("DELETE", "/bucket", &[], b"").await.status, 204);
        }

        #[tokio::test]
        async fn conditional_and_ranged_reads() {
            let s = Server::start().await;
            let put = s.send("PUT", "/bucket/k", &[], b"0123456789").await;
            let etag = put.headers["etag"].to_str().unwrap().to_owned();
            assert_eq!(s.send("GET", "/bucket/k", &[("if-none-match", &etag)], b"").await.status, 304);
            assert_eq!(s.send("GET", "/bucket/k", &[("if-match", "\"other\"")], b"").await.status, 412);
            let range = s.send("GET", "/bucket/k", &[("range", "bytes=-3")], b"").await;
            assert_eq!((range.status, range.body.as_str()), (206, "789"));
            assert_eq!(s.send("GET", "/bucket/k", &[("range", "bytes=10-")], b"").await.status, 416);
            let replace = s.send("PUT", "/bucket/k", &[("if-match", "\"other\"")], b"new").await;
            assert_eq!(replace.status, 412);
        }

        #[tokio::test]
        async fn multipart_errors_leave_the_upload_usable() {
            let s = Server::start().await;
            let created = s.send("POST", "/bucket/big?uploads", &[], b"").await.body;
            let id = created.split("<UploadId>").nth(1).unwrap().split('<').next().unwrap().to_owned();
            assert_eq!(s.send("PUT", "/bucket/big?partNumber=1&uploadId=nope", &[], b"x").await.status, 404);
            for (n, body) in [(1, "one"), (2, "two")] {
                let uri = format!("/bucket/big?partNumber={n}&uploadId={id}");
                assert_eq!(s.send("PUT", &uri, &[], body.as_bytes()).await.status, 200);
            }
            let complete = |parts: &str| format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>");
            let part = |n: u32, etag: &str| format!("<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>");
            let uri = format!("/bucket/big?uploadId={id}");
            let wrong = s.send("POST", &uri, &[], complete(&part(1, "\"abc\"")).as_bytes()).await;
            assert!(wrong.body.contains("InvalidPart"), "{}", wrong.body);
            let two = s.send("GET", &format!("/bucket/big?uploadId={id}"), &[], b"").await.body;
            let etags: Vec<&str> = two.split("<ETag>").skip(1).map(|e| e.split('<').next().unwrap()).collect();
            let small = complete(&(part(1, etags[0]) + &part(2, etags[1])));
            assert!(s.send("POST", &uri, &[], small.as_bytes()).await.body.contains("EntityTooSmall"));
            let done = s.send("POST", &uri, &[], complete(&part(2, etags[1])).as_bytes()).await;
            assert_eq!(done.status, 200, "{}", done.body);
            assert_eq!(s.send("GET", "/bucket/big", &[], b"").await.body, "two");
        }
    }
}
