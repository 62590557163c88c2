//! Object bodies between HTTP and data files: receiving a request body into a new data file while
//! hashing and verifying it, choosing the bytes a GET answers with (Range, `partNumber`), and
//! streaming them out of one or more data files without holding them in memory.
//!
//! Readers race with overwrites: an overwrite unlinks the old files right after its commit unless a
//! download pinned them, so a reader that loses the race (its files went before it pinned them)
//! reads the metadata again and retries.

use std::io::{Seek, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use s3s::checksum::ChecksumHasher;
use s3s::crypto::{Checksum as _, Md5};
use s3s::dto::{ChecksumAlgorithm, ChecksumMode, Range, StreamingBlob};
use s3s::{S3Error, S3ErrorCode, S3Result, TrailingHeaders, s3_error};
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

use super::backend::store_error;
use super::store::{Checksums, NewFile, ObjectMeta, ReadLease, Segment, Store, StoreError};

/// Read size when streaming a body out of a data file.
const READ_CHUNK: usize = 256 * 1024;
/// How often a reader retries when an overwrite unlinks the file it was about to open.
const OPEN_ATTEMPTS: usize = 5;

/// A request body stored in a data file, with the digests computed while it streamed in.
pub(super) struct ReceivedBody {
    pub(crate) file: NewFile,
    pub(crate) md5_hex: String,
    pub(crate) checksums: Checksums,
}

/// What a client claims about a body: Content-MD5 and `x-amz-checksum-*` (headers or trailers).
pub(super) struct Claims {
    pub(crate) content_md5: Option<String>,
    pub(crate) algorithm: Option<ChecksumAlgorithm>,
    pub(crate) checksums: Checksums,
    /// The checksum header a trailer will carry, as `x-amz-trailer` announces it.
    pub(crate) trailer: Option<String>,
    pub(crate) trailers: Option<TrailingHeaders>,
}

/// Builds [`Claims`] from a PutObject or UploadPart request (their fields share names).
macro_rules! body_claims {
    ($input:expr, $req:expr) => {
        Claims {
            content_md5: $input.content_md5,
            algorithm: $input.checksum_algorithm,
            checksums: Checksums {
                crc32: $input.checksum_crc32,
                crc32c: $input.checksum_crc32c,
                sha1: $input.checksum_sha1,
                sha256: $input.checksum_sha256,
                crc64nvme: $input.checksum_crc64nvme,
                kind: None,
            },
            trailer: $req.headers.get("x-amz-trailer").and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase),
            trailers: $req.trailing_headers,
        }
    };
}
pub(super) use body_claims;

/// Streams `body` into a new data file and verifies it against `claims`; on BadDigest the file is
/// gone and nothing else changed.
pub(super) async fn receive_body(store: &Store, body: Option<StreamingBlob>, claims: Claims) -> S3Result<ReceivedBody> {
    let body = body.ok_or_else(|| s3_error!(IncompleteBody))?;
    let mut hasher = ChecksumHasher::default();
    // Only the algorithms the client uses are computed: a header value, the announced algorithm,
    // or the trailer it promised.
    let wanted = |claimed: &Option<String>, name: &str| {
        claimed.is_some()
            || claims.algorithm.as_ref().is_some_and(|a| a.as_str().eq_ignore_ascii_case(name))
            || claims.trailer.as_deref().and_then(|t| t.strip_prefix("x-amz-checksum-"))
                == Some(&name.to_ascii_lowercase())
    };
    if wanted(&claims.checksums.crc32, ChecksumAlgorithm::CRC32) {
        hasher.crc32 = Some(Default::default());
    }
    if wanted(&claims.checksums.crc32c, ChecksumAlgorithm::CRC32C) {
        hasher.crc32c = Some(Default::default());
    }
    if wanted(&claims.checksums.sha1, ChecksumAlgorithm::SHA1) {
        hasher.sha1 = Some(Default::default());
    }
    if wanted(&claims.checksums.sha256, ChecksumAlgorithm::SHA256) {
        hasher.sha256 = Some(Default::default());
    }
    if wanted(&claims.checksums.crc64nvme, ChecksumAlgorithm::CRC64NVME) {
        hasher.crc64nvme = Some(Default::default());
    }
    let mut md5 = Md5::new();
    let file = store
        .write_file(body, |chunk| {
            md5.update(chunk);
            hasher.update(chunk);
        })
        .await
        .map_err(|e| match e {
            StoreError::Io(io) => S3Error::with_message(S3ErrorCode::IncompleteBody, io.to_string()),
            other => store_error(other),
        })?;
    let md5_hex = hex_simd::encode_to_string(md5.finalize(), hex_simd::AsciiCase::Lower);

    if let Some(content_md5) = claims.content_md5 {
        let claimed = base64_simd::STANDARD
            .decode_to_vec(content_md5.trim())
            .map_err(|_| s3_error!(InvalidDigest, "Content-MD5 is not base64"))?;
        if hex_simd::encode_to_string(claimed, hex_simd::AsciiCase::Lower) != md5_hex {
            return Err(s3_error!(BadDigest, "the Content-MD5 you specified did not match what we received"));
        }
    }

    let mut claimed = claims.checksums;
    if let Some(trailers) = claims.trailers.and_then(|t| t.take()) {
        let trailer = |name: &str| trailers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        claimed.crc32 = claimed.crc32.or_else(|| trailer("x-amz-checksum-crc32"));
        claimed.crc32c = claimed.crc32c.or_else(|| trailer("x-amz-checksum-crc32c"));
        claimed.sha1 = claimed.sha1.or_else(|| trailer("x-amz-checksum-sha1"));
        claimed.sha256 = claimed.sha256.or_else(|| trailer("x-amz-checksum-sha256"));
        claimed.crc64nvme = claimed.crc64nvme.or_else(|| trailer("x-amz-checksum-crc64nvme"));
    }
    let computed = hasher.finalize();
    let mut checksums = Checksums::default();
    let pairs = [
        (&claimed.crc32, computed.checksum_crc32, &mut checksums.crc32, ChecksumAlgorithm::CRC32),
        (&claimed.crc32c, computed.checksum_crc32c, &mut checksums.crc32c, ChecksumAlgorithm::CRC32C),
        (&claimed.sha1, computed.checksum_sha1, &mut checksums.sha1, ChecksumAlgorithm::SHA1),
        (&claimed.sha256, computed.checksum_sha256, &mut checksums.sha256, ChecksumAlgorithm::SHA256),
        (&claimed.crc64nvme, computed.checksum_crc64nvme, &mut checksums.crc64nvme, ChecksumAlgorithm::CRC64NVME),
    ];
    for (claimed, computed, stored, name) in pairs {
        match claimed {
            Some(claimed) if Some(claimed) != computed.as_ref() => {
                return Err(s3_error!(BadDigest, "the {name} checksum you specified did not match what we received"));
            }
            Some(_) => *stored = computed,
            // Kept only when the client asked for this algorithm without sending a value.
            None if claims.algorithm.as_ref().is_some_and(|a| a.as_str().eq_ignore_ascii_case(name)) => {
                *stored = computed;
            }
            None => {}
        }
    }
    Ok(ReceivedBody { file, md5_hex, checksums })
}

/// Streams byte ranges of consecutive data files. Files are opened as the stream reaches them
/// (opening is a quick metadata call, and an object may have 10,000 parts); the first one is opened
/// up front by [`open_body`]. The lease keeps the later ones on disk through an overwrite.
pub(super) struct SegmentStream {
    current: Option<ReaderStream<tokio::io::Take<tokio::fs::File>>>,
    pending: std::collections::VecDeque<(std::path::PathBuf, u64, u64)>,
    _lease: ReadLease,
}

impl Stream for SegmentStream {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(current) = &mut self.current {
                match Pin::new(current).poll_next(cx) {
                    Poll::Ready(None) => self.current = None,
                    other => return other,
                }
            }
            let Some((path, offset, len)) = self.pending.pop_front() else { return Poll::Ready(None) };
            match open_at(&path, offset) {
                Ok(file) => self.current = Some(reader(file, len)),
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
    }
}

fn open_at(path: &std::path::Path, offset: u64) -> std::io::Result<std::fs::File> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    Ok(file)
}

fn reader(file: std::fs::File, len: u64) -> ReaderStream<tokio::io::Take<tokio::fs::File>> {
    ReaderStream::with_capacity(tokio::fs::File::from_std(file).take(len), READ_CHUNK)
}

/// Which bytes of an object a GET or HEAD answers with, and the checksums that describe them.
pub(super) struct Selection {
    pub(crate) range: std::ops::Range<u64>,
    pub(crate) content_range: Option<String>,
    pub(crate) checksums: Checksums,
}

/// Picks the bytes for a Range or a `partNumber`. Checksums go out for a whole object only when
/// the client asked (`x-amz-checksum-mode: ENABLED`), and for a part always, as S3 does.
pub(super) fn select(
    meta: &ObjectMeta,
    range: Option<&Range>,
    part_number: Option<i32>,
    checksum_mode: Option<&ChecksumMode>,
) -> S3Result<Selection> {
    let whole_checksums = || {
        let enabled = checksum_mode.is_some_and(|m| m.as_str().eq_ignore_ascii_case(ChecksumMode::ENABLED));
        if enabled { meta.checksums.clone() } else { Checksums::default() }
    };
    if let Some(number) = part_number {
        let index = usize::try_from(number).ok().and_then(|n| n.checked_sub(1));
        let count = meta.segments.len().max(1);
        let Some(index) = index.filter(|i| *i < count) else {
            return Err(s3_error!(InvalidPart, "The requested partnumber is not satisfiable"));
        };
        if meta.parts_count.is_none() {
            return Ok(Selection { range: 0..meta.size, content_range: None, checksums: whole_checksums() });
        }
        let segment = &meta.segments[index];
        let start: u64 = meta.segments[..index].iter().map(|s| s.size).sum();
        let end = start + segment.size;
        let content_range = Some(format!("bytes {start}-{}/{}", end.saturating_sub(1), meta.size));
        let checksums = Checksums { kind: meta.checksums.kind.clone(), ..segment.checksums.clone() };
        return Ok(Selection { range: start..end, content_range, checksums });
    }
    match range {
        None => Ok(Selection { range: 0..meta.size, content_range: None, checksums: whole_checksums() }),
        Some(range) => {
            let range = range.check(meta.size)?;
            let content_range = Some(format!("bytes {}-{}/{}", range.start, range.end - 1, meta.size));
            Ok(Selection { range, content_range, checksums: Checksums::default() })
        }
    }
}

/// The (file, offset, length) pieces covering `range` of an object.
fn pieces(store: &Store, segments: &[Segment], range: &std::ops::Range<u64>) -> Vec<(std::path::PathBuf, u64, u64)> {
    let mut out = Vec::new();
    let mut start = 0;
    for segment in segments {
        let end = start + segment.size;
        let from = range.start.max(start);
        let to = range.end.min(end);
        if from < to {
            out.push((store.file_path(&segment.file), from - start, to - from));
        }
        start = end;
    }
    out
}

/// Reads an object's metadata and opens its body for `range`, retrying when an overwrite or a
/// delete committed between the two (the old files are unlinked right after a commit unless a
/// download has pinned them).
pub(super) async fn open_body(
    store: &Store,
    bucket: &str,
    key: &str,
    choose: impl Fn(&ObjectMeta) -> S3Result<Selection>,
) -> S3Result<(ObjectMeta, Selection, SegmentStream)> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let meta = store.get_object(bucket, key).await.map_err(store_error)?;
        let selection = choose(&meta)?;
        let mut pending: std::collections::VecDeque<_> = pieces(store, &meta.segments, &selection.range).into();
        let lease = store.pin(meta.segments.iter().map(|s| s.file.clone()).collect());
        // Pinned files stay; one unlinked before the pin means the object changed: read it again.
        if let Some((path, _, _)) = pending.iter().skip(1).find(|(path, _, _)| !path.exists()) {
            if attempt < OPEN_ATTEMPTS {
                continue;
            }
            let missing = std::io::Error::new(std::io::ErrorKind::NotFound, format!("{} is gone", path.display()));
            return Err(store_error(StoreError::Io(missing)));
        }
        let Some((path, offset, len)) = pending.pop_front() else {
            return Ok((meta, selection, SegmentStream { current: None, pending, _lease: lease }));
        };
        match open_at(&path, offset) {
            Ok(file) => {
                let current = Some(reader(file, len));
                return Ok((meta, selection, SegmentStream { current, pending, _lease: lease }));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempt < OPEN_ATTEMPTS => continue,
            Err(e) => return Err(store_error(StoreError::Io(e))),
        }
    }
}

/// Gives every segment of `meta` a new name (hard links), re-reading the source if an overwrite
/// unlinked its files meanwhile.
pub(super) async fn link_segments(
    store: &Store,
    bucket: &str,
    key: &str,
    mut meta: ObjectMeta,
) -> S3Result<(ObjectMeta, Vec<NewFile>)> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut files = Vec::with_capacity(meta.segments.len());
        let mut lost = false;
        for segment in &meta.segments {
            match store.link_file(segment).await {
                Ok(file) => files.push(file),
                Err(StoreError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && attempt < OPEN_ATTEMPTS => {
                    lost = true;
                    break;
                }
                Err(e) => return Err(store_error(e)),
            }
        }
        if !lost {
            return Ok((meta, files));
        }
        meta = store.get_object(bucket, key).await.map_err(store_error)?;
    }
}

/// Streams `range` of an object for UploadPartCopy, which needs the bytes themselves.
pub(super) async fn read_range(
    store: &Store,
    bucket: &str,
    key: &str,
    range: Option<Range>,
) -> S3Result<(ObjectMeta, impl Stream<Item = std::io::Result<Bytes>> + Unpin)> {
    let choose = |meta: &ObjectMeta| {
        let range = match range {
            None => 0..meta.size,
            Some(range) => range.check(meta.size).map_err(|_| s3_error!(InvalidRange))?,
        };
        Ok(Selection { range, content_range: None, checksums: Checksums::default() })
    };
    let (meta, _, body) = open_body(store, bucket, key, choose).await?;
    Ok((meta, body))
}

#[cfg(test)]
mod tests {
    use super::super::store::{CannedAcl, Headers};
    use super::*;

    fn multipart(sizes: &[u64]) -> ObjectMeta {
        let segments: Vec<Segment> = sizes
            .iter()
            .enumerate()
            .map(|(i, size)| Segment {
                file: format!("f{i}"),
                size: *size,
                checksums: Checksums { crc32: Some(format!("part{i}")), ..Checksums::default() },
            })
            .collect();
        ObjectMeta {
            size: sizes.iter().sum(),
            etag: "e-2".into(),
            last_modified: 0,
            headers: Headers::default(),
            checksums: Checksums {
                crc32: Some("whole".into()),
                kind: Some("COMPOSITE".into()),
                ..Checksums::default()
            },
            parts_count: Some(segments.len() as u32),
            segments,
            upload_id: None,
            acl: CannedAcl::Private,
        }
    }

    #[test]
    fn part_numbers_select_segments_with_their_checksums() {
        let meta = multipart(&[10, 5]);
        let second = select(&meta, None, Some(2), None).unwrap();
        assert_eq!(second.range, 10..15);
        assert_eq!(second.content_range.as_deref(), Some("bytes 10-14/15"));
        assert_eq!(second.checksums.crc32.as_deref(), Some("part1"));
        assert!(select(&meta, None, Some(3), None).is_err());
    }

    #[test]
    fn whole_object_checksums_need_checksum_mode() {
        let meta = multipart(&[10, 5]);
        assert_eq!(select(&meta, None, None, None).unwrap().checksums.crc32, None);
        let enabled = ChecksumMode::from_static(ChecksumMode::ENABLED);
        assert_eq!(select(&meta, None, None, Some(&enabled)).unwrap().checksums.crc32.as_deref(), Some("whole"));
        let suffix = select(&meta, Some(&Range::Suffix { length: 7 }), None, Some(&enabled)).unwrap();
        assert_eq!((suffix.range, suffix.checksums.crc32), (8..15, None));
        assert!(select(&meta, Some(&Range::Int { first: 15, last: None }), None, None).is_err());
    }

    #[tokio::test]
    async fn a_download_reads_every_part_of_the_object_it_started_on_through_an_overwrite() {
        use futures::TryStreamExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_bucket("b", CannedAcl::Private).await.unwrap();
        let chunks = |data: &'static [u8]| futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(data))]);
        let put = |data: &'static [&'static [u8]]| {
            let store = store.clone();
            async move {
                let mut files = Vec::new();
                for part in data {
                    files.push(store.write_file(chunks(part), |_| {}).await.unwrap());
                }
                let sizes: Vec<u64> = files.iter().map(|f| f.size).collect();
                let mut meta = multipart(&sizes);
                meta.segments = files.iter().map(NewFile::segment).collect();
                store.put_object("b", "k", meta, files, |_| Ok(())).await.unwrap();
            }
        };
        put(&[b"first part, ", b"second part"]).await;
        let whole = |meta: &ObjectMeta| {
            Ok(Selection { range: 0..meta.size, content_range: None, checksums: Checksums::default() })
        };
        let (_, _, body) = open_body(&store, "b", "k", whole).await.unwrap();

        put(&[b"replaced"]).await;
        store.settled().await;
        let files = || std::fs::read_dir(dir.path().join("data")).unwrap().count();
        assert_eq!(files(), 3, "the download's files stay while it reads them");
        let read: Vec<Bytes> = body.try_collect().await.unwrap();
        assert_eq!(read.concat(), b"first part, second part");
        assert_eq!(files(), 1, "and go when it is done");
        let (_, _, body) = open_body(&store, "b", "k", whole).await.unwrap();
        assert_eq!(body.try_collect::<Vec<Bytes>>().await.unwrap().concat(), b"replaced");
    }

    #[test]
    fn ranges_map_onto_segment_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let meta = multipart(&[10, 5, 5]);
        let pieces: Vec<(u64, u64)> =
            pieces(&store, &meta.segments, &(8..17)).into_iter().map(|p| (p.1, p.2)).collect();
        assert_eq!(pieces, [(8, 2), (0, 5), (0, 2)]);
    }
}
