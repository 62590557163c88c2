//! Multipart uploads: create, upload (or copy) parts, list parts, complete, abort.
//!
//! Each part is a data file of its own; completing an upload validates the chosen parts and makes
//! them the object's segments in one index transaction, so a failed Complete leaves the upload as
//! it was and a successful one copies no bytes.

use s3s::crypto::{Checksum as _, Md5};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::backend::{
    Backend, RequestHeaders, copy_source_meta, etag, request_acl, request_headers, store_error, timestamp,
    with_checksums, write_condition,
};
use super::body::{Claims, body_claims, read_range, receive_body};
use super::store::{CannedAcl, Checksums, NewPart, ObjectMeta, PartMeta, StoreError, UploadMeta, now_millis};

/// S3's bounds on part numbers and on parts per ListParts page.
const MAX_PART_NUMBER: i32 = 10_000;
const MAX_PARTS: i32 = 1000;

fn part_number(number: i32) -> S3Result<u32> {
    if (1..=MAX_PART_NUMBER).contains(&number) {
        Ok(number as u32)
    } else {
        Err(s3_error!(InvalidArgument, "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"))
    }
}

/// A multipart object's ETag: the MD5 of the parts' binary MD5s, then `-` and the part count.
fn multipart_etag(parts: &[PartMeta]) -> String {
    let mut md5 = Md5::new();
    for part in parts {
        if let Ok(digest) = hex_simd::decode_to_vec(&part.etag) {
            md5.update(&digest);
        }
    }
    format!("{}-{}", hex_simd::encode_to_string(md5.finalize(), hex_simd::AsciiCase::Lower), parts.len())
}

/// The checksum type an upload gets when the client names none: CRC64NVME only exists as a
/// full-object checksum, the others default to composite.
fn default_checksum_type(algorithm: &str) -> &'static str {
    if algorithm == ChecksumAlgorithm::CRC64NVME { ChecksumType::FULL_OBJECT } else { ChecksumType::COMPOSITE }
}

/// The checksum of a multipart object, for the algorithm announced at creation: for
/// `FULL_OBJECT`, the CRC of the whole body, combined from the parts' CRCs without reading them;
/// for `COMPOSITE`, the checksum of the parts' checksums followed by `-N`. Empty when the upload
/// named no algorithm or a part lacks its checksum.
fn object_checksums(upload: &UploadMeta, parts: &[PartMeta]) -> Checksums {
    let mut out = Checksums::default();
    let Some(algorithm) = upload.checksum_algorithm.as_deref() else { return out };
    let kind = upload.checksum_type.as_deref().unwrap_or_else(|| default_checksum_type(algorithm));
    let pick = |c: &Checksums| match algorithm {
        ChecksumAlgorithm::CRC32 => c.crc32.clone(),
        ChecksumAlgorithm::CRC32C => c.crc32c.clone(),
        ChecksumAlgorithm::SHA1 => c.sha1.clone(),
        ChecksumAlgorithm::SHA256 => c.sha256.clone(),
        ChecksumAlgorithm::CRC64NVME => c.crc64nvme.clone(),
        _ => None,
    };
    let mut digests = Vec::with_capacity(parts.len());
    for part in parts {
        let Some(digest) = pick(&part.checksums).and_then(|v| base64_simd::STANDARD.decode_to_vec(v).ok()) else {
            return out;
        };
        digests.push((digest, part.size));
    }
    let value = if kind == ChecksumType::FULL_OBJECT {
        let crc = match algorithm {
            ChecksumAlgorithm::CRC32 => crc_fast::CrcAlgorithm::Crc32IsoHdlc,
            ChecksumAlgorithm::CRC32C => crc_fast::CrcAlgorithm::Crc32Iscsi,
            ChecksumAlgorithm::CRC64NVME => crc_fast::CrcAlgorithm::Crc64Nvme,
            _ => return out,
        };
        let width = digests.first().map_or(4, |(d, _)| d.len());
        let mut combined: Option<u64> = None;
        for (digest, size) in &digests {
            let value = digest.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            combined = Some(match combined {
                None => value,
                Some(acc) => crc_fast::checksum_combine(crc, acc, value, *size),
            });
        }
        let bytes = combined.unwrap_or(0).to_be_bytes();
        base64_simd::STANDARD.encode_to_string(&bytes[8 - width..])
    } else {
        let mut hasher = s3s::checksum::ChecksumHasher::default();
        match algorithm {
            ChecksumAlgorithm::CRC32 => hasher.crc32 = Some(Default::default()),
            ChecksumAlgorithm::CRC32C => hasher.crc32c = Some(Default::default()),
            ChecksumAlgorithm::SHA1 => hasher.sha1 = Some(Default::default()),
            ChecksumAlgorithm::SHA256 => hasher.sha256 = Some(Default::default()),
            _ => return out,
        }
        for (digest, _) in &digests {
            hasher.update(digest);
        }
        let sum = hasher.finalize();
        let Some(value) = [sum.checksum_crc32, sum.checksum_crc32c, sum.checksum_sha1, sum.checksum_sha256]
            .into_iter()
            .flatten()
            .next()
        else {
            return out;
        };
        format!("{value}-{}", parts.len())
    };
    match algorithm {
        ChecksumAlgorithm::CRC32 => out.crc32 = Some(value),
        ChecksumAlgorithm::CRC32C => out.crc32c = Some(value),
        ChecksumAlgorithm::SHA1 => out.sha1 = Some(value),
        ChecksumAlgorithm::SHA256 => out.sha256 = Some(value),
        _ => out.crc64nvme = Some(value),
    }
    out.kind = Some(kind.to_owned());
    out
}

/// Checks a checksum the client sent with CompleteMultipartUpload against the computed one
/// (with or without the composite `-N` suffix).
fn verify_claimed(claimed: &Checksums, computed: &Checksums) -> Result<(), StoreError> {
    let pairs = [
        (&claimed.crc32, &computed.crc32),
        (&claimed.crc32c, &computed.crc32c),
        (&claimed.sha1, &computed.sha1),
        (&claimed.sha256, &computed.sha256),
        (&claimed.crc64nvme, &computed.crc64nvme),
    ];
    for (claimed, computed) in pairs {
        if let Some(claimed) = claimed {
            let matches = computed
                .as_deref()
                .is_some_and(|c| c == claimed || c.split_once('-').is_some_and(|(value, _)| value == claimed.as_str()));
            if !matches {
                return Err(StoreError::BadDigest(format!("the checksum {claimed} does not match the object's")));
            }
        }
    }
    Ok(())
}

impl Backend {
    pub(super) async fn create_multipart_upload_impl(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let input = req.input;
        let headers = request_headers!(input);
        let checksum_algorithm = input.checksum_algorithm.map(|a| a.as_str().to_ascii_uppercase());
        let checksum_type = input
            .checksum_type
            .map(|t| t.as_str().to_owned())
            .or_else(|| checksum_algorithm.as_deref().map(|a| default_checksum_type(a).to_owned()));
        let meta = UploadMeta {
            acl: request_acl!(object input, &self.owner, None)?,
            initiated: now_millis(),
            headers,
            checksum_algorithm: checksum_algorithm.clone(),
            checksum_type: checksum_type.clone(),
        };
        let upload_id = self.store.create_upload(&input.bucket, &input.key, meta).await.map_err(store_error)?;
        Ok(S3Response::new(CreateMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(upload_id),
            checksum_algorithm: checksum_algorithm.map(ChecksumAlgorithm::from),
            checksum_type: checksum_type.map(ChecksumType::from),
            ..Default::default()
        }))
    }

    pub(super) async fn upload_part_impl(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let input = req.input;
        let number = part_number(input.part_number)?;
        // Fail before reading the body; the committing transaction checks again.
        self.store.get_upload(&input.bucket, &input.key, &input.upload_id).await.map_err(store_error)?;
        let claims = body_claims!(input, req);
        let received = receive_body(&self.store, input.body, claims).await?;
        let new = NewPart { number, file: received.file, etag: received.md5_hex, checksums: received.checksums };
        let part = self.store.put_part(&input.bucket, &input.key, &input.upload_id, new).await.map_err(store_error)?;
        Ok(S3Response::new(UploadPartOutput {
            e_tag: Some(etag(&part.etag)),
            ..with_checksums!(UploadPartOutput, &part.checksums)
        }))
    }

    pub(super) async fn upload_part_copy_impl(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let input = req.input;
        let number = part_number(input.part_number)?;
        self.store.get_upload(&input.bucket, &input.key, &input.upload_id).await.map_err(store_error)?;
        let (source_bucket, source_key, source) = copy_source_meta(
            &self.store,
            &input.copy_source,
            input.copy_source_if_match.as_ref(),
            input.copy_source_if_none_match.as_ref(),
            input.copy_source_if_modified_since.as_ref(),
            input.copy_source_if_unmodified_since.as_ref(),
        )
        .await?;
        let range = match input.copy_source_range.as_deref() {
            None => None,
            Some(header) => {
                let range =
                    Range::parse(header).map_err(|_| s3_error!(InvalidArgument, "invalid copy source range"))?;
                // Unlike GET, a copy range must lie entirely inside the source.
                if let Range::Int { first, last: Some(last) } = range
                    && (first > last || last >= source.size)
                {
                    return Err(s3_error!(InvalidRange, "the copy source range is not satisfiable"));
                }
                Some(range)
            }
        };
        let (_, body) = read_range(&self.store, &source_bucket, &source_key, range).await?;
        let mut md5 = Md5::new();
        let file = self.store.write_file(body, |chunk| md5.update(chunk)).await.map_err(store_error)?;
        let etag_hex = hex_simd::encode_to_string(md5.finalize(), hex_simd::AsciiCase::Lower);
        let new = NewPart { number, file, etag: etag_hex, checksums: Checksums::default() };
        let part = self.store.put_part(&input.bucket, &input.key, &input.upload_id, new).await.map_err(store_error)?;
        Ok(S3Response::new(UploadPartCopyOutput {
            copy_part_result: Some(CopyPartResult {
                e_tag: Some(etag(&part.etag)),
                last_modified: Some(timestamp(part.last_modified)),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    pub(super) async fn list_parts_impl(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let owner = self.owner.clone();
        let input = req.input;
        let limit = input.max_parts.unwrap_or(MAX_PARTS).clamp(0, MAX_PARTS) as usize;
        let after = input.part_number_marker.unwrap_or(0).max(0) as u32;
        let (upload, mut parts) = self
            .store
            .list_parts(&input.bucket, &input.key, &input.upload_id, after, limit + 1)
            .await
            .map_err(store_error)?;
        let truncated = parts.len() > limit;
        parts.truncate(limit);
        let next_part_number_marker = parts.last().map(|(n, _)| *n as i32);
        let parts = parts
            .into_iter()
            .map(|(number, part)| Part {
                part_number: Some(number as i32),
                e_tag: Some(etag(&part.etag)),
                size: Some(part.size as i64),
                last_modified: Some(timestamp(part.last_modified)),
                ..with_checksums!(Part, &part.checksums)
            })
            .collect();
        Ok(S3Response::new(ListPartsOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(input.upload_id),
            part_number_marker: input.part_number_marker,
            next_part_number_marker,
            max_parts: Some(limit as i32),
            is_truncated: Some(truncated),
            parts: Some(parts),
            initiator: Some(Initiator { id: owner.id.clone(), display_name: owner.display_name.clone() }),
            owner: Some(owner),
            storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
            checksum_algorithm: upload.checksum_algorithm.map(ChecksumAlgorithm::from),
            checksum_type: upload.checksum_type.map(ChecksumType::from),
            ..Default::default()
        }))
    }

    pub(super) async fn complete_multipart_upload_impl(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = req.input;
        let requested = input.multipart_upload.and_then(|m| m.parts).unwrap_or_default();
        if requested.is_empty() {
            return Err(s3_error!(MalformedXML, "You must specify at least one part"));
        }
        let mut chosen = Vec::with_capacity(requested.len());
        for part in requested {
            let number = part.part_number.ok_or_else(|| s3_error!(MalformedXML, "a part lacks its PartNumber"))?;
            chosen.push((part_number(number)?, part.e_tag.map(|e| e.value().to_owned())));
        }
        let claimed = Checksums {
            crc32: input.checksum_crc32,
            crc32c: input.checksum_crc32c,
            sha1: input.checksum_sha1,
            sha256: input.checksum_sha256,
            crc64nvme: input.checksum_crc64nvme,
            kind: None,
        };
        let build = move |upload: &UploadMeta, parts: &[PartMeta]| {
            let checksums = object_checksums(upload, parts);
            verify_claimed(&claimed, &checksums)?;
            Ok(ObjectMeta {
                size: parts.iter().map(|p| p.size).sum(),
                etag: multipart_etag(parts),
                last_modified: now_millis(),
                headers: upload.headers.clone(),
                checksums,
                segments: Vec::new(),
                parts_count: Some(parts.len() as u32),
                upload_id: None,
                acl: upload.acl,
            })
        };
        let check = write_condition(input.if_match, input.if_none_match);
        let meta = self
            .store
            .complete_upload(&input.bucket, &input.key, &input.upload_id, chosen, build, check)
            .await
            .map_err(store_error)?;
        Ok(S3Response::new(CompleteMultipartUploadOutput {
            bucket: Some(input.bucket.clone()),
            location: Some(format!("/{}/{}", input.bucket, input.key)),
            key: Some(input.key),
            e_tag: Some(etag(&meta.etag)),
            checksum_type: meta.checksums.kind.clone().map(ChecksumType::from),
            ..with_checksums!(CompleteMultipartUploadOutput, &meta.checksums)
        }))
    }

    pub(super) async fn abort_multipart_upload_impl(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = req.input;
        self.store.abort_upload(&input.bucket, &input.key, &input.upload_id).await.map_err(store_error)?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(etag: &str) -> PartMeta {
        PartMeta { file: String::new(), size: 0, etag: etag.into(), last_modified: 0, checksums: Checksums::default() }
    }

    #[test]
    fn multipart_etag_hashes_the_part_digests() {
        // md5(md5("a") ++ md5("b")), as S3 and s3s-fs compute it.
        let parts = [part("0cc175b9c0f1b6a831c399e269772661"), part("92eb5ffee6ae2fec3ad71c777531578f")];
        let mut md5 = Md5::new();
        md5.update(&hex_simd::decode_to_vec(&parts[0].etag).unwrap());
        md5.update(&hex_simd::decode_to_vec(&parts[1].etag).unwrap());
        let expected = hex_simd::encode_to_string(md5.finalize(), hex_simd::AsciiCase::Lower);
        assert_eq!(multipart_etag(&parts), format!("{expected}-2"));
    }
}
