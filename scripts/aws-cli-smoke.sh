#!/usr/bin/env bash
# The real aws-cli against `minispark storage`: make a bucket, copy a 20 MiB file in (multipart),
# list, sync a directory, read a byte range, open an object and the bucket to anonymous clients
# with public-read ACLs, remove, remove the bucket. Exits non-zero on the
# first step that does not do what S3 does.
#
#   scripts/aws-cli-smoke.sh MINISPARK_BINARY [AWS_CLI]
#
# AWS_CLI defaults to `aws` on PATH (pip install awscli). The server runs on a free port with a
# throwaway data directory and is stopped at the end.
set -euo pipefail

binary=${1:?usage: aws-cli-smoke.sh MINISPARK_BINARY [AWS_CLI]}
aws=${2:-aws}
work=$(mktemp -d)
source "$(dirname "$0")/start-storage.sh"
cleanup() {
    stop_storage
    rm -rf "$work"
}
trap cleanup EXIT

export MINIO_ROOT_USER=smoke MINIO_ROOT_PASSWORD=smoke-secret-key
export AWS_ACCESS_KEY_ID=$MINIO_ROOT_USER AWS_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

start_storage "$binary" "$work"
s3() { "$aws" --endpoint-url "$endpoint" s3 "$@"; }
s3api() { "$aws" --endpoint-url "$endpoint" s3api "$@"; }
step() { echo "== $*"; }

step "mb"
s3 mb s3://smoke-bucket

step "cp of a 20 MiB file (multipart: aws-cli splits at 8 MiB)"
head -c $((20 * 1024 * 1024)) /dev/urandom > "$work/big.bin"
s3 cp "$work/big.bin" s3://smoke-bucket/big/big.bin
etag=$(s3api head-object --bucket smoke-bucket --key big/big.bin --query ETag --output text)
case "$etag" in *-3\"|*-3) ;; *) echo "expected a 3-part multipart ETag, got $etag" >&2; exit 1 ;; esac
s3 cp s3://smoke-bucket/big/big.bin "$work/big.back"
cmp "$work/big.bin" "$work/big.back"

step "ls"
s3 ls s3://smoke-bucket/ | grep -q "PRE big/"
s3 ls s3://smoke-bucket/big/ | grep -q "20971520 big.bin"

step "sync"
mkdir -p "$work/tree/a/b" "$work/tree/c"
echo one > "$work/tree/a/one.txt"
echo two > "$work/tree/a/b/two.txt"
echo 'three % + =' > "$work/tree/c/three & four.txt"
s3 sync "$work/tree" s3://smoke-bucket/tree
[ "$(s3 ls --recursive s3://smoke-bucket/tree/ | wc -l)" -eq 3 ]
# A second sync has nothing to copy.
[ -z "$(s3 sync "$work/tree" s3://smoke-bucket/tree)" ]
s3 sync s3://smoke-bucket/tree "$work/tree.back"
diff -r "$work/tree" "$work/tree.back"

step "ranged get"
s3api get-object --bucket smoke-bucket --key big/big.bin --range bytes=1000-1999 "$work/range.bin" > /dev/null
cmp "$work/range.bin" <(tail -c +1001 "$work/big.bin" | head -c 1000)

step "public-read: anonymous clients read what an ACL opens, and nothing else"
anonymous() { "$aws" --endpoint-url "$endpoint" --no-sign-request "$@"; }
echo "for everyone" > "$work/public.txt"
s3 cp --acl public-read "$work/public.txt" s3://smoke-bucket/public.txt
[ "$(anonymous s3 cp s3://smoke-bucket/public.txt -)" = "for everyone" ]
s3api get-object-acl --bucket smoke-bucket --key public.txt --output text | grep -q "groups/global/AllUsers"
if anonymous s3 cp s3://smoke-bucket/big/big.bin - > /dev/null 2> "$work/anon.err"; then
    echo "an anonymous client read a private object" >&2; exit 1
fi
grep -q "403" "$work/anon.err"
if anonymous s3 ls s3://smoke-bucket/ 2> "$work/anon.err"; then echo "an anonymous client listed a private bucket" >&2; exit 1; fi
s3api put-bucket-acl --bucket smoke-bucket --acl public-read
anonymous s3 ls s3://smoke-bucket/ | grep -q "public.txt"
s3api put-bucket-acl --bucket smoke-bucket --acl private

step "rb of a non-empty bucket is refused"
if s3 rb s3://smoke-bucket 2> "$work/rb.err"; then echo "rb removed a non-empty bucket" >&2; exit 1; fi
grep -q BucketNotEmpty "$work/rb.err"

step "rm"
s3 rm --recursive s3://smoke-bucket/
[ -z "$(s3 ls --recursive s3://smoke-bucket/)" ]

step "rb"
s3 rb s3://smoke-bucket
if s3 ls s3://smoke-bucket 2> "$work/ls.err"; then echo "the bucket is still there" >&2; exit 1; fi
grep -q NoSuchBucket "$work/ls.err"
echo "aws-cli smoke: every step passed"
