//! Listings: ListObjects (V1 and V2), ListObjectVersions for an unversioned store, and
//! ListMultipartUploads, as pages of an ordered scan of the store's index.
//!
//! All of them count keys and common prefixes together against max-keys, resume after the last
//! entry they returned, and with `encoding-type=url` percent-encode every key-like field of the
//! answer (clients decode them; a raw `%` or `+` in a key would otherwise come back mangled).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::backend::{Backend, etag, store_error, timestamp};
use super::store::ObjectMeta;

/// S3's default and maximum page size.
const MAX_KEYS: i32 = 1000;

/// Everything but RFC 3986's unreserved characters and `/`, as S3 encodes keys.
const KEY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// Applies `encoding-type` to the key-like strings of an answer.
struct Encoder(bool);

impl Encoder {
    fn new(encoding_type: Option<&EncodingType>) -> S3Result<Encoder> {
        match encoding_type.map(EncodingType::as_str) {
            None => Ok(Encoder(false)),
            Some(t) if t.eq_ignore_ascii_case(EncodingType::URL) => Ok(Encoder(true)),
            Some(_) => Err(s3_error!(InvalidArgument, "Invalid Encoding Method specified in Request")),
        }
    }

    fn apply(&self, s: &str) -> String {
        if self.0 { utf8_percent_encode(s, KEY_ENCODE).to_string() } else { s.to_owned() }
    }

    fn apply_opt(&self, s: Option<&str>) -> Option<String> {
        s.map(|s| self.apply(s))
    }
}

/// One page of a bucket listing: keys with their metadata, common prefixes (metadata `None`),
/// in key order, and whether more follow.
struct Page {
    entries: Vec<(String, Option<ObjectMeta>)>,
    truncated: bool,
}

impl Page {
    fn last(&self) -> Option<&str> {
        self.entries.last().map(|(k, _)| k.as_str())
    }

    fn common_prefixes(&self, encoder: &Encoder) -> Vec<CommonPrefix> {
        let prefixes = self.entries.iter().filter(|(_, m)| m.is_none());
        prefixes.map(|(p, _)| CommonPrefix { prefix: Some(encoder.apply(p)) }).collect()
    }

    fn objects(&self) -> impl Iterator<Item = (&str, &ObjectMeta)> {
        self.entries.iter().filter_map(|(k, m)| m.as_ref().map(|m| (k.as_str(), m)))
    }
}

fn max_keys(requested: Option<i32>) -> S3Result<usize> {
    match requested {
        Some(n) if n < 0 => Err(s3_error!(InvalidArgument, "max-keys must not be negative")),
        Some(n) => Ok(n.min(MAX_KEYS) as usize),
        None => Ok(MAX_KEYS as usize),
    }
}

fn checksum_algorithms(meta: &ObjectMeta) -> Option<Vec<ChecksumAlgorithm>> {
    let c = &meta.checksums;
    let present = [
        (&c.crc32, ChecksumAlgorithm::CRC32),
        (&c.crc32c, ChecksumAlgorithm::CRC32C),
        (&c.sha1, ChecksumAlgorithm::SHA1),
        (&c.sha256, ChecksumAlgorithm::SHA256),
        (&c.crc64nvme, ChecksumAlgorithm::CRC64NVME),
    ];
    let list: Vec<_> =
        present.into_iter().filter(|(v, _)| v.is_some()).map(|(_, n)| ChecksumAlgorithm::from_static(n)).collect();
    (!list.is_empty()).then_some(list)
}

fn object_entry(key: &str, meta: &ObjectMeta, encoder: &Encoder, owner: Option<&Owner>) -> Object {
    Object {
        key: Some(encoder.apply(key)),
        size: Some(meta.size as i64),
        e_tag: Some(etag(&meta.etag)),
        last_modified: Some(timestamp(meta.last_modified)),
        storage_class: Some(ObjectStorageClass::from_static(ObjectStorageClass::STANDARD)),
        owner: owner.cloned(),
        checksum_algorithm: checksum_algorithms(meta),
        checksum_type: meta.checksums.kind.clone().map(ChecksumType::from),
        ..Default::default()
    }
}

/// Continuation tokens are the last key returned, hex-encoded so they survive any transport.
fn encode_token(key: &str) -> String {
    hex_simd::encode_to_string(key.as_bytes(), hex_simd::AsciiCase::Lower)
}

fn decode_token(token: &str) -> S3Result<String> {
    hex_simd::decode_to_vec(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| s3_error!(InvalidArgument, "The continuation token provided is incorrect"))
}

impl Backend {
    async fn page(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<&str>,
        delimiter: Option<&str>,
        limit: usize,
    ) -> S3Result<Page> {
        if limit == 0 {
            // Still answers NoSuchBucket for a missing bucket.
            self.store.list_objects(bucket, prefix, after, delimiter, 0).await.map_err(store_error)?;
            return Ok(Page { entries: Vec::new(), truncated: false });
        }
        let mut entries =
            self.store.list_objects(bucket, prefix, after, delimiter, limit + 1).await.map_err(store_error)?;
        let truncated = entries.len() > limit;
        entries.truncate(limit);
        Ok(Page { entries, truncated })
    }

    pub(super) async fn list_objects_v1(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let owner = self.owner.clone();
        let input = req.input;
        let encoder = Encoder::new(input.encoding_type.as_ref())?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
        let marker = input.marker.clone().filter(|m| !m.is_empty());
        let page = self
            .page(&input.bucket, &prefix, marker.as_deref(), delimiter.as_deref(), max_keys(input.max_keys)?)
            .await?;
        let contents = page.objects().map(|(k, m)| object_entry(k, m, &encoder, Some(&owner))).collect();
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket),
            // V1 echoes the prefix as sent, encoded or not (botocore decodes V1's markers, not it).
            prefix: Some(prefix),
            marker: Some(encoder.apply(input.marker.as_deref().unwrap_or(""))),
            next_marker: if page.truncated { encoder.apply_opt(page.last()) } else { None },
            max_keys: input.max_keys.or(Some(MAX_KEYS)),
            delimiter: encoder.apply_opt(delimiter.as_deref()),
            is_truncated: Some(page.truncated),
            common_prefixes: Some(page.common_prefixes(&encoder)),
            contents: Some(contents),
            encoding_type: input.encoding_type,
            ..Default::default()
        }))
    }

    pub(super) async fn list_objects_v2_impl(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let owner = self.owner.clone();
        let input = req.input;
        let encoder = Encoder::new(input.encoding_type.as_ref())?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
        let after = match &input.continuation_token {
            Some(token) => Some(decode_token(token)?),
            None => input.start_after.clone().filter(|s| !s.is_empty()),
        };
        let page = self
            .page(&input.bucket, &prefix, after.as_deref(), delimiter.as_deref(), max_keys(input.max_keys)?)
            .await?;
        let owner = input.fetch_owner.unwrap_or(false).then_some(owner);
        let contents: Vec<Object> = page.objects().map(|(k, m)| object_entry(k, m, &encoder, owner.as_ref())).collect();
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: Some(encoder.apply(&prefix)),
            max_keys: input.max_keys.or(Some(MAX_KEYS)),
            key_count: Some(page.entries.len() as i32),
            continuation_token: input.continuation_token,
            next_continuation_token: if page.truncated { page.last().map(encode_token) } else { None },
            is_truncated: Some(page.truncated),
            delimiter: encoder.apply_opt(delimiter.as_deref()),
            start_after: encoder.apply_opt(input.start_after.as_deref()),
            common_prefixes: Some(page.common_prefixes(&encoder)),
            contents: Some(contents),
            encoding_type: input.encoding_type,
            ..Default::default()
        }))
    }

    /// An unversioned bucket's answer: every object once, as version "null", the latest.
    pub(super) async fn list_object_versions_impl(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        let owner = self.owner.clone();
        let input = req.input;
        let encoder = Encoder::new(input.encoding_type.as_ref())?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
        let marker = input.key_marker.clone().filter(|m| !m.is_empty());
        let page = self
            .page(&input.bucket, &prefix, marker.as_deref(), delimiter.as_deref(), max_keys(input.max_keys)?)
            .await?;
        let versions = page
            .objects()
            .map(|(key, meta)| ObjectVersion {
                key: Some(encoder.apply(key)),
                version_id: Some("null".to_owned()),
                is_latest: Some(true),
                size: Some(meta.size as i64),
                e_tag: Some(etag(&meta.etag)),
                last_modified: Some(timestamp(meta.last_modified)),
                storage_class: Some(ObjectVersionStorageClass::from_static(ObjectVersionStorageClass::STANDARD)),
                owner: Some(owner.clone()),
                checksum_algorithm: checksum_algorithms(meta),
                checksum_type: meta.checksums.kind.clone().map(ChecksumType::from),
                ..Default::default()
            })
            .collect();
        let next_key_marker = if page.truncated { encoder.apply_opt(page.last()) } else { None };
        Ok(S3Response::new(ListObjectVersionsOutput {
            name: Some(input.bucket),
            prefix: Some(encoder.apply(&prefix)),
            key_marker: Some(encoder.apply(input.key_marker.as_deref().unwrap_or(""))),
            version_id_marker: input.version_id_marker,
            next_version_id_marker: next_key_marker.as_ref().map(|_| "null".to_owned()),
            next_key_marker,
            max_keys: input.max_keys.or(Some(MAX_KEYS)),
            delimiter: encoder.apply_opt(delimiter.as_deref()),
            is_truncated: Some(page.truncated),
            common_prefixes: Some(page.common_prefixes(&encoder)),
            versions: Some(versions),
            encoding_type: input.encoding_type,
            ..Default::default()
        }))
    }

    pub(super) async fn list_multipart_uploads_impl(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let owner = self.owner.clone();
        let input = req.input;
        let encoder = Encoder::new(input.encoding_type.as_ref())?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let limit = max_keys(input.max_uploads)?;
        let after = input.key_marker.clone().filter(|k| !k.is_empty()).map(|key| {
            // Without an upload-id marker, the key marker skips every upload of that key.
            let id =
                input.upload_id_marker.clone().filter(|i| !i.is_empty()).unwrap_or_else(|| "\u{10FFFF}".to_owned());
            (key, id)
        });
        // With a delimiter, uploads whose keys share a prefix up to it fold into one common prefix
        // (counted once against max-uploads); a key marker that is such a prefix skips its group.
        let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
        let fold = |key: &str| {
            let d = delimiter.as_deref()?;
            let at = key.get(prefix.len()..)?.find(d)?;
            Some(key[..prefix.len() + at + d.len()].to_owned())
        };
        let marker_group = input.key_marker.as_deref().filter(|k| k.starts_with(prefix.as_str())).and_then(fold);
        let (mut uploads, mut prefixes, mut truncated, mut last) = (Vec::new(), Vec::new(), false, None);
        let mut after = after;
        'pages: loop {
            let page =
                self.store.list_uploads(&input.bucket, &prefix, after.clone(), limit + 1).await.map_err(store_error)?;
            let exhausted = page.len() <= limit;
            for upload in page {
                after = Some((upload.key.clone(), upload.upload_id.clone()));
                let group = fold(&upload.key);
                if group.is_some() && (group == marker_group || group.as_ref() == prefixes.last()) {
                    continue;
                }
                if uploads.len() + prefixes.len() == limit {
                    truncated = true;
                    break 'pages;
                }
                match group {
                    Some(common) => {
                        last = Some((common.clone(), None));
                        prefixes.push(common);
                    }
                    None => {
                        last = Some((upload.key.clone(), Some(upload.upload_id.clone())));
                        uploads.push(upload);
                    }
                }
            }
            if exhausted {
                break;
            }
        }
        let (next_key_marker, next_upload_id_marker) = match last.filter(|_| truncated) {
            Some((key, id)) => (Some(encoder.apply(&key)), id),
            None => (None, None),
        };
        let uploads = uploads
            .into_iter()
            .map(|u| MultipartUpload {
                key: Some(encoder.apply(&u.key)),
                upload_id: Some(u.upload_id),
                initiated: Some(timestamp(u.meta.initiated)),
                initiator: Some(Initiator { id: owner.id.clone(), display_name: owner.display_name.clone() }),
                owner: Some(owner.clone()),
                storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
                checksum_algorithm: u.meta.checksum_algorithm.map(ChecksumAlgorithm::from),
                checksum_type: u.meta.checksum_type.map(ChecksumType::from),
            })
            .collect();
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            prefix: Some(encoder.apply(&prefix)),
            key_marker: Some(encoder.apply(input.key_marker.as_deref().unwrap_or(""))),
            upload_id_marker: Some(input.upload_id_marker.unwrap_or_default()),
            next_key_marker,
            next_upload_id_marker,
            max_uploads: Some(limit as i32),
            delimiter: encoder.apply_opt(delimiter.as_deref()),
            is_truncated: Some(truncated),
            common_prefixes: Some(prefixes.iter().map(|p| CommonPrefix { prefix: Some(encoder.apply(p)) }).collect()),
            uploads: Some(uploads),
            encoding_type: input.encoding_type,
            ..Default::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_keeps_slashes_and_escapes_the_rest() {
        let encoder = Encoder(true);
        assert_eq!(encoder.apply("ts=2024-01-01 10%3A00/a+b~é"), "ts%3D2024-01-01%2010%253A00/a%2Bb~%C3%A9");
        assert_eq!(Encoder(false).apply("a b"), "a b");
    }

    #[test]
    fn continuation_tokens_round_trip() {
        for key in ["", "dir/", "a b%2F+é"] {
            assert_eq!(decode_token(&encode_token(key)).unwrap(), key);
        }
        assert!(decode_token("not hex").is_err());
    }
}
