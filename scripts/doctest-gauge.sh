#!/usr/bin/env bash
# The doctest gauge (scripts/doctest-gauge.py) against real Spark or against minispark.
#
#   scripts/doctest-gauge.sh spark [ARGS]       Spark's own Connect server (scripts/spark-oracle.sh);
#                                               writes the baseline tests/gauge/spark-4.3.json
#   scripts/doctest-gauge.sh minispark [ARGS]   `minispark all` on free ports, a temporary storage
#                                               directory; compared with that baseline
#   scripts/doctest-gauge.sh remote URL [ARGS]  any running server, compared with that baseline
#
# ARGS go to doctest-gauge.py (--only NAME, --group GROUP, --timeout S, --show-failures, --out FILE).
# MINISPARK_BIN names the binary (default: $CARGO_TARGET_DIR, else target/, then
# x86_64-unknown-linux-gnu/release/minispark). Results land in target/gauge/ unless --out.
# The client venv is the one spark-oracle.sh makes (pyspark-client of tests/connect/requirements.txt).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASELINE="$REPO/tests/gauge/spark-4.3.json"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
OUT_DIR="$TARGET/gauge"
ORACLE="$REPO/scripts/spark-oracle.sh"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

client_python() {
  "$ORACLE" setup
  "$ORACLE" python
}

gauge() {
  local py
  py="$(client_python)"
  mkdir -p "$OUT_DIR"
  "$py" "$REPO/scripts/doctest-gauge.py" "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

has_out() { for a in "$@"; do case "$a" in --out|--out=*) return 0 ;; esac; done; return 1; }

case "${1:-}" in
  spark)
    shift
    out=(); has_out "$@" || out=(--out "$BASELINE")
    mkdir -p "$(dirname "$BASELINE")"
    "$ORACLE" setup
    "$ORACLE" run "$("$ORACLE" python)" "$REPO/scripts/doctest-gauge.py" --remote '{url}' "${out[@]}" "$@"
    ;;
  minispark)
    shift
    bin="${MINISPARK_BIN:-$TARGET/x86_64-unknown-linux-gnu/release/minispark}"
    [ -x "$bin" ] || { echo "no minispark binary at $bin (set MINISPARK_BIN)" >&2; exit 1; }
    py="$(client_python)"
    run="$(mktemp -d "${TMPDIR:-/tmp}/minispark-gauge.XXXXXX")"
    port="$(free_port)"
    echo "starting $bin all on sc://127.0.0.1:$port (log: $run/minispark.log)" >&2
    # Its own working directory: the example job writes output/ there. Ports 0 are free ports.
    (cd "$run" && exec "$bin" all "$REPO/jobs/example.sql" --data "$REPO/data" --storage-dir "$run/storage" \
      --master-port 0 --master-webui-port 0 --worker-webui-port 0 --storage-port 0 --console-port 0 \
      --ui-port 0 --connect-port "$port" --quiet) > "$run/minispark.log" 2>&1 < /dev/null &
    pid=$!
    trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$run"' EXIT
    # It serves Spark Connect once the example job has run.
    for _ in $(seq 120); do
      grep -q "Serving until Ctrl-C" "$run/minispark.log" && break
      kill -0 "$pid" 2>/dev/null || { echo "minispark exited:" >&2; tail -20 "$run/minispark.log" >&2; exit 1; }
      sleep 1
    done
    grep -q "Serving until Ctrl-C" "$run/minispark.log" || { echo "minispark did not come up" >&2; exit 1; }
    out=(); has_out "$@" || out=(--out "$OUT_DIR/minispark.json")
    mkdir -p "$OUT_DIR"
    "$py" "$REPO/scripts/doctest-gauge.py" --remote "sc://127.0.0.1:$port" --baseline "$BASELINE" "${out[@]}" "$@"
    ;;
  remote)
    [ $# -ge 2 ] || usage
    url="$2"; shift 2
    out=(); has_out "$@" || out=(--out "$OUT_DIR/remote.json")
    gauge --remote "$url" --baseline "$BASELINE" "${out[@]}" "$@"
    ;;
  *) usage ;;
esac
