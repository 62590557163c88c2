#!/usr/bin/env bash
# Regenerates tests/golden/expected/*.json from real Spark (the version of scripts/spark-oracle.sh):
#
#   scripts/golden.sh                  every case file of tests/golden/cases
#   scripts/golden.sh strings.sql ...  only these
#
# Then run the Rust side, which needs neither Spark nor Python:
#   cargo test --release --lib golden
# and, after a change in what minispark gets right, rewrite the list of known differences with
#   GOLDEN_WRITE_PENDING=1 cargo test --release --lib golden
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${SPARK_ORACLE_VERSION:-4.3.0}"
DIR="${SPARK_ORACLE_DIR:-/var/tmp/spark-oracle}"

"$REPO/scripts/spark-oracle.sh" setup
export TZ=UTC SPARK_LOCAL_IP=127.0.0.1
exec "$DIR/spark-$VERSION/bin/python" "$REPO/scripts/golden.py" "$@"
