#!/usr/bin/env bash
# Real Spark as the oracle: Spark's own Spark Connect server, from the PyPI `pyspark` package,
# in local mode on a free loopback port, and a venv with the Connect client of
# tests/connect/requirements.txt to talk to it.
#
#   scripts/spark-oracle.sh setup           make both venvs (once; pip's cache makes it quick after)
#   scripts/spark-oracle.sh start           start the server, wait until it answers, print its URL
#   scripts/spark-oracle.sh stop            stop it
#   scripts/spark-oracle.sh run CMD [ARG..] start, run CMD, stop; "{url}" in an ARG becomes the
#                                           server's sc://127.0.0.1:PORT, also in $SPARK_ORACLE_URL
#   scripts/spark-oracle.sh python          print the client venv's python
#
# Environment: SPARK_ORACLE_VERSION (4.3.0), SPARK_ORACLE_DIR (/var/tmp/spark-oracle; venvs, logs,
# the server's working directory), SPARK_ORACLE_TIMEZONE (UTC: the server's default session time
# zone, spark.sql.session.timeZone), SPARK_ORACLE_CORES (4: local[N], as
# Spark's own doctest runners; results of some docstrings depend on the partition count).
# SPARK_ORACLE_CONF: more settings, "KEY=VALUE KEY=VALUE" (e.g. spark.sql.timeType.enabled=true).
# Needs Java 17 or later on PATH (or JAVA_HOME).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${SPARK_ORACLE_VERSION:-4.3.0}"
DIR="${SPARK_ORACLE_DIR:-/var/tmp/spark-oracle}"
TIMEZONE="${SPARK_ORACLE_TIMEZONE:-UTC}"
CORES="${SPARK_ORACLE_CORES:-4}"
SERVER_VENV="$DIR/spark-$VERSION"
CLIENT_VENV="$DIR/client"
RUN="$DIR/run"   # pid, url, log and working directory of the running server

log() { echo "spark-oracle: $*" >&2; }

setup() {
  mkdir -p "$DIR"
  local reqs="$REPO/tests/connect/requirements.txt"
  # The server's Python workers (Python and pandas UDFs) need what the client has, less the
  # client package itself: pyspark and pyspark-client both install the `pyspark` module.
  local server_reqs="$DIR/server-requirements.txt"
  { echo "pyspark==$VERSION"; grep -v -e '^#' -e '^pyspark-client' -e '^pytest' "$reqs"; } > "$server_reqs"
  make_venv "$SERVER_VENV" "$server_reqs"
  make_venv "$CLIENT_VENV" "$reqs"
}

# make_venv DIR REQUIREMENTS: (re)made only when the requirements changed.
make_venv() {
  local venv="$1" reqs="$2"
  if [ -x "$venv/bin/python" ] && cmp -s "$reqs" "$venv/.requirements"; then
    return
  fi
  log "installing $(basename "$venv") from $reqs"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$reqs"
  cp "$reqs" "$venv/.requirements"
}

spark_home() {
  "$SERVER_VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  setup
  if [ -f "$RUN/pid" ] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null; then
    cat "$RUN/url"
    return
  fi
  rm -rf "$RUN"
  mkdir -p "$RUN/work" "$RUN/tmp"
  local home port url extra=() kv
  for kv in ${SPARK_ORACLE_CONF:-}; do extra+=(--conf "$kv"); done
  home="$(spark_home)"
  [ -x "$home/bin/spark-submit" ] || { log "no bin/spark-submit in $home"; exit 1; }
  port="$(free_port)"
  url="sc://127.0.0.1:$port"
  log "starting Spark $VERSION's Connect server on $url (log: $RUN/server.log)"
  # What sbin/start-connect-server.sh submits, without its daemon wrapper (which does not exec):
  # spark-submit execs spark-class, which execs java, so the pid we start is the server's.
  # The working directory holds spark-warehouse and the like.
  (
    cd "$RUN/work"
    export SPARK_HOME="$home" SPARK_CONNECT_MODE=0 SPARK_LOCAL_IP=127.0.0.1
    export PYSPARK_PYTHON="$SERVER_VENV/bin/python" TZ="$TIMEZONE"
    exec "$home/bin/spark-submit" --class org.apache.spark.sql.connect.service.SparkConnectServer \
      --name "Spark Connect server" \
      --master "local[$CORES]" \
      --driver-memory 2g \
      --conf spark.connect.grpc.binding.address=127.0.0.1 \
      --conf spark.connect.grpc.binding.port="$port" \
      --conf spark.sql.session.timeZone="$TIMEZONE" \
      --conf spark.ui.enabled=false \
      --conf spark.sql.catalogImplementation=in-memory \
      --conf spark.sql.warehouse.dir="$RUN/work/spark-warehouse" \
      --conf spark.local.dir="$RUN/tmp" \
      --conf "spark.driver.extraJavaOptions=-Djava.io.tmpdir=$RUN/tmp -Duser.timezone=$TIMEZONE" \
      "${extra[@]}"
  ) > "$RUN/server.log" 2>&1 < /dev/null &
  echo $! > "$RUN/pid"
  echo "$url" > "$RUN/url"
  # It answers once a session can run a query; the JVM takes some seconds to start.
  local deadline=$((SECONDS + 180))
  until "$CLIENT_VENV/bin/python" - "$url" > /dev/null 2>&1 <<'EOF'
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.remote(sys.argv[1]).create()
assert spark.range(1).collect()[0][0] == 0
spark.stop()
EOF
  do
    if ! kill -0 "$(cat "$RUN/pid")" 2>/dev/null; then
      log "the server exited; the end of its log:"; tail -30 "$RUN/server.log" >&2; exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "no answer after 180 s; the end of its log:"; tail -30 "$RUN/server.log" >&2; stop; exit 1
    fi
    sleep 3
  done
  log "answering on $url"
  echo "$url"
}

stop() {
  [ -f "$RUN/pid" ] || return 0
  local pid
  pid="$(cat "$RUN/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping the server (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/pid"
}

case "${1:-}" in
  setup) setup ;;
  start) start ;;
  stop) stop ;;
  python) echo "$CLIENT_VENV/bin/python" ;;
  run)
    shift
    [ $# -gt 0 ] || { echo "usage: $0 run CMD [ARG...]" >&2; exit 2; }
    url="$(start)"
    trap stop EXIT
    args=()
    for a in "$@"; do args+=("${a//\{url\}/$url}"); done
    SPARK_ORACLE_URL="$url" "${args[@]}"
    ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
