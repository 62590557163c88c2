#!/usr/bin/env bash
# Runs the ceph/s3-tests functional suite against `minispark storage`, on the subset that applies
# to a single-user, unversioned server (no IAM/STS, versioning, ACLs, policies, lifecycle,
# encryption, tagging, object lock, logging, website, select, CORS, POST forms), and prints
# "passed N of M" for the marker and keyword selection, and again without the tests in it that
# need a second user or versioning.
#
#   scripts/s3-tests.sh S3_TESTS_CHECKOUT MINISPARK_BINARY|ENDPOINT_URL [PYTHON] [PYTEST_ARGS...]
#
# S3_TESTS_CHECKOUT is a checkout of https://github.com/ceph/s3-tests (measured at
# 8f0ae7b404a3a2fcf7038bf1e6bf29544fe9b6a3); PYTHON (default python3) must have its
# requirements.txt and pytest-timeout installed. Given a binary, the script starts
# `minispark storage` on a free port with a throwaway data directory; given a URL, it tests that
# endpoint with MINIO_ROOT_USER / MINIO_ROOT_PASSWORD (default minioadmin). Nothing is fetched.
# The JUnit report lands in $S3_TESTS_REPORT (default: the throwaway directory, removed at exit).
set -euo pipefail

usage="usage: s3-tests.sh S3_TESTS_CHECKOUT MINISPARK_BINARY|ENDPOINT_URL [PYTHON] [PYTEST_ARGS...]"
suite=$(cd "${1:?$usage}" && pwd)
target=${2:?$usage}
python=${3:-python3}
shift $(($# < 3 ? $# : 3))

work=$(mktemp -d)
server=
source "$(dirname "$0")/start-storage.sh"
cleanup() {
    stop_storage
    rm -rf "$work"
}
trap cleanup EXIT

export MINIO_ROOT_USER=${MINIO_ROOT_USER:-minioadmin} MINIO_ROOT_PASSWORD=${MINIO_ROOT_PASSWORD:-minioadmin}
case "$target" in
http://*) endpoint=$target ;;
# The suite expects to start with no bucket at all.
*) start_storage "$target" "$work" --default-buckets "" ;;
esac
hostport=${endpoint#http://}
hostport=${hostport%%/*}

# One user everywhere: the suite's alt, tenant and IAM users are the same credentials. The host
# must be an IP address, which makes botocore address buckets path-style.
user() {
    printf '[%s]\n' "$1"
    [ -n "$2" ] && printf 'display_name = %s\n' "$2"
    printf 'user_id = %s\nemail = %s@example.com\naccess_key = %s\nsecret_key = %s\n' \
        "$MINIO_ROOT_USER${3:+-$3}" "${3:-main}" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
    [ "$1" = "s3 tenant" ] && printf 'tenant = testx\n'
    printf '\n'
}
{
    printf '[DEFAULT]\nhost = %s\nport = %s\nis_secure = False\nssl_verify = False\n\n' "${hostport%:*}" "${hostport##*:}"
    printf '[fixtures]\nbucket prefix = s3test-{random}-\n\n'
    user "s3 main" main ""
    user "s3 alt" alt alt
    user "s3 tenant" tenant tenant
    user "iam" iam iam
    user "iam root" "" iam-root
    user "iam alt root" "" iam-alt-root
} > "$work/s3tests.conf"

# Markers the suite sets on tests of features we do not have, then keywords for the unmarked ones.
MARK="not fails_on_aws and not bucket_logging and not bucket_logging_cleanup and not fails_without_logging_rollover and not lifecycle and not lifecycle_expiration and not lifecycle_transition and not cloud_transition and not cloud_restore and not target_by_bucket and not encryption and not sse_s3 and not bucket_encryption and not bucket_policy and not user_policy and not group_policy and not role_policy and not session_policy and not iam_account and not iam_cross_account and not iam_role and not iam_tenant and not iam_user and not tagging and not object_lock and not versioning and not delete_marker and not s3select and not s3website and not sns and not storage_class and not object_ownership and not appendobject and not test_of_sts and not webidentity_test and not abac_test"
KEYW="not versioning and not versioned and not version and not object_lock and not acl and not cors and not post_object and not policy and not lifecycle and not logging and not sse and not encrypt and not tagging and not website and not torrent and not ownership and not restore and not public and not delete_marker and not _tags and not storage_class and not lc_ and not s3select"

# The keyword filter lets through tests that cannot apply to one user without versioning: they
# need a second user's own buckets and grants, or enable versioning first. They run and count in
# the first figure; the second leaves them out.
NEEDS_SECOND_USER="test_bucket_create_exists_nonowner test_access_bucket_private_object_private test_access_bucket_private_objectv2_private test_object_copy_not_owned_bucket test_object_copy_not_owned_object_bucket test_list_multipart_upload_owner"
NEEDS_VERSIONING="test_put_current_object_if_none_match test_multipart_put_current_object_if_none_match test_put_current_object_if_match test_multipart_put_current_object_if_match test_put_object_current_if_match"

report=${S3_TESTS_REPORT:-$work/junit.xml}
cd "$suite"
status=0
S3TEST_CONF="$work/s3tests.conf" AWS_DEFAULT_REGION=us-east-1 \
    "$python" -m pytest -p no:cacheprovider --timeout=120 -q -rfE -m "$MARK" -k "$KEYW" \
    --junitxml="$report" "$@" s3tests/functional/test_s3.py || status=$?

"$python" - "$report" $NEEDS_SECOND_USER $NEEDS_VERSIONING <<'EOF'
import sys
import xml.etree.ElementTree as ET

suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
inapplicable = set(sys.argv[2:])
outcomes = {}
for case in suite.iter("testcase"):
    outcome = "passed"
    for child in case:
        if child.tag in ("failure", "error"):
            outcome = "failed"
        elif child.tag == "skipped":
            outcome = "skipped"
    outcomes[case.get("name")] = outcome

def summary(names):
    counts = {o: sum(1 for n in names if outcomes[n] == o) for o in ("passed", "failed", "skipped")}
    return f"passed {counts['passed']} of {len(names)} ({counts['failed']} failed, {counts['skipped']} skipped)"

print(summary(list(outcomes)), "selected by the markers and keywords")
applicable = [n for n in outcomes if n not in inapplicable]
print(summary(applicable), "that apply to one user without versioning")
EOF
exit "$status"
