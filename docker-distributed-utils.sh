#!/usr/bin/env bash
# Runs the six-container minispark cluster (docker-compose-distributed.yml): spark-master,
# spark-worker-1..3, spark-app-distributed (driver) and minio-distributed (storage).
#
#   ./docker-distributed-utils.sh start | stop | restart | status | logs [service] | shell [service]
#                                 scale N | info | cleanup | build | submit [job.sql]
#
# Environment: COMPOSE_FILE (default docker-compose-distributed.yml; add :docker-compose.prod.yml for
# production), COMPOSE_PROJECT_NAME (default minispark), MINISPARK_BINARY (a prebuilt static binary
# to put in the image instead of running cargo), MINISPARK_*_PORT (host ports), MINIO_ROOT_USER and
# MINIO_ROOT_PASSWORD (storage credentials, default minioadmin).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export COMPOSE_FILE="${COMPOSE_FILE:-docker-compose-distributed.yml}"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-minispark}"
IMAGE="${MINISPARK_IMAGE:-minispark:latest}"
DRIVER=spark-app-distributed
NAMED_WORKERS=(spark-worker-1 spark-worker-2 spark-worker-3)
HEALTH_TIMEOUT="${MINISPARK_HEALTH_TIMEOUT:-180}"

die() { echo "docker-distributed-utils: $*" >&2; exit 1; }

compose() {
    if docker compose version >/dev/null 2>&1; then
        docker compose "$@"
    elif command -v docker-compose >/dev/null 2>&1; then
        docker-compose "$@"
    else
        die "neither 'docker compose' nor 'docker-compose' is installed"
    fi
}

usage() {
    cat <<EOF
Usage: $0 COMMAND

  start            build the image if needed, start the cluster and wait until every service is healthy
  stop             stop and remove the containers (storage keeps its data in the minio-data volume)
  restart [svc]    restart one service, or stop and start the whole cluster
  status           services, their health, and the workers the master sees
  logs [service]   logs of one service or all (followed on a terminal)
  shell [service]  SQL shell on the cluster, inside the driver container by default
                   (the image is FROM scratch: it has no /bin/sh; see README "Containers")
  scale N          run N workers (3 named ones, the rest as spark-worker replicas) and wait for them
  info             access points and the credentials in use
  cleanup          remove containers, networks, volumes (stored objects too) and the image
  build            build the static binary and the image
  submit [job]     run a SQL job file from jobs/ through the driver (default jobs/example.sql)
EOF
}

# The static binary: $MINISPARK_BINARY, or a release build (tests, binary and image share it).
binary() {
    if [[ -n "${MINISPARK_BINARY:-}" ]]; then
        [[ -x "$MINISPARK_BINARY" ]] || die "MINISPARK_BINARY=$MINISPARK_BINARY is not an executable"
        echo "$MINISPARK_BINARY"
        return
    fi
    command -v cargo >/dev/null || die "cargo is needed to build the binary (or set MINISPARK_BINARY)"
    cargo build --release --bin minispark >&2
    echo "${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release/minispark"
}

build() {
    local bin
    bin="$(binary)"
    rm -rf build/image
    mkdir -p build/image/tmp
    # Symbols are a fifth of the binary and no use in a container (binutils' strip, if present).
    if command -v strip >/dev/null; then strip -o build/image/minispark "$bin"; else cp "$bin" build/image/minispark; fi
    local previous
    previous="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
    docker build --quiet --tag "$IMAGE" . >/dev/null
    # A rebuilt image leaves the previous one untagged; drop it unless a container still uses it.
    if [[ -n "$previous" && "$previous" != "$(docker image inspect --format '{{.Id}}' "$IMAGE")" ]]; then
        docker image rm "$previous" >/dev/null 2>&1 || true
    fi
    echo "built $IMAGE ($(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.1f MB", $1/1e6}'))"
}

# Container ids of the running services.
containers() { compose ps --quiet "$@"; }

health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1"; }

# Waits until every container of the project is healthy; on failure shows why.
wait_healthy() {
    local deadline=$((SECONDS + HEALTH_TIMEOUT)) id state pending
    while true; do
        pending=()
        for id in $(containers); do
            state="$(health "$id")"
            [[ "$state" == healthy ]] || pending+=("$(docker inspect --format '{{.Name}}' "$id" | tr -d /)=$state")
        done
        [[ ${#pending[@]} -eq 0 && -n "$(containers)" ]] && return 0
        if ((SECONDS >= deadline)); then
            echo "not healthy after ${HEALTH_TIMEOUT}s: ${pending[*]}" >&2
            for entry in "${pending[@]}"; do
                echo "--- ${entry%%=*}" >&2
                docker logs --tail 20 "${entry%%=*}" >&2 || true
            done
            return 1
        fi
        sleep 1
    done
}

# Waits until the master counts exactly N ALIVE workers.
wait_workers() {
    local wanted=$1 deadline=$((SECONDS + HEALTH_TIMEOUT))
    until docker exec spark-master /minispark healthcheck master --alive-workers "$wanted" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            docker exec spark-master /minispark healthcheck master --alive-workers "$wanted" || true
            die "the master does not see $wanted ALIVE workers after ${HEALTH_TIMEOUT}s"
        fi
        sleep 1
    done
}

start() {
    if [[ -n "${MINISPARK_BINARY:-}" ]] || command -v cargo >/dev/null || ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
        build
    fi
    mkdir -p output
    local started=$SECONDS
    compose up --detach --no-build
    echo "waiting for every service to be healthy..."
    wait_healthy
    echo "all services healthy after $((SECONDS - started))s"
    info
}

stop() {
    # The image declares /data, /output and /storage as volumes, so a container that mounts nothing
    # there gets anonymous ones; `down` alone would leave them behind. Named volumes (minio-data) stay.
    compose --profile scale stop
    compose --profile scale rm --force -v
    compose --profile scale down --remove-orphans
}

status() {
    compose --profile scale ps
    echo
    local id
    for id in $(compose --profile scale ps --quiet); do
        printf '%-28s %s\n' "$(docker inspect --format '{{.Name}}' "$id" | tr -d /)" "$(health "$id")"
    done
    echo
    docker exec spark-master /minispark healthcheck master 2>&1 || true
}

logs() {
    local follow=()
    [[ -t 1 ]] && follow=(--follow --tail 100)
    compose --profile scale logs "${follow[@]}" "$@"
}

# The image has no shell to exec into; the useful thing to attach to is the cluster itself.
shell() {
    local service="${1:-$DRIVER}" tty=(-i)
    [[ -t 0 && -t 1 ]] && tty=(-it)
    docker exec "${tty[@]}" \
        -e SPARK_MASTER_URL=spark://spark-master:7077 \
        -e AWS_ENDPOINT_URL=http://minio-distributed:9000 \
        -e SPARK_APP_NAME=minispark-sql \
        "$service" /minispark sql
}

scale() {
    local wanted="${1:-}" extra i
    [[ "$wanted" =~ ^[0-9]+$ ]] || die "scale needs a number of workers, e.g. scale 5"
    extra=$((wanted > 3 ? wanted - 3 : 0))
    for i in "${!NAMED_WORKERS[@]}"; do
        if ((i < wanted)); then
            compose up --detach --no-build --no-deps "${NAMED_WORKERS[$i]}"
        else
            compose stop "${NAMED_WORKERS[$i]}"
        fi
    done
    compose --profile scale up --detach --no-build --no-deps --no-recreate --scale "spark-worker=$extra" spark-worker
    wait_workers "$wanted"
    echo "$wanted workers ALIVE"
}

info() {
    local user="${MINIO_ROOT_USER:-minioadmin}" password="${MINIO_ROOT_PASSWORD:-minioadmin}"
    if [[ "$COMPOSE_FILE" == *prod* ]]; then
        password="(from the minio_root_password secret)"
        user="(from the minio_root_user secret)"
    fi
    cat <<EOF
Access points
  Spark master      spark://localhost:${MINISPARK_MASTER_PORT:-7077}
  Master UI         http://localhost:${MINISPARK_MASTER_WEBUI_PORT:-8080}/   (JSON: /json/)
  Application UI    http://localhost:${MINISPARK_APP_UI_PORT:-4040}/api/v1/applications
  Spark Connect     sc://localhost:${MINISPARK_CONNECT_PORT:-15002}
  S3 (MinIO API)    http://localhost:${MINISPARK_S3_PORT:-9000}   buckets spark-data, spark-output
  Storage console   http://localhost:${MINISPARK_CONSOLE_PORT:-9001}/
Credentials
  MINIO_ROOT_USER=$user  MINIO_ROOT_PASSWORD=$password
  aws --endpoint-url http://localhost:${MINISPARK_S3_PORT:-9000} s3 ls s3://spark-output/ --recursive
Inside the cluster network: spark://spark-master:7077, http://minio-distributed:9000
EOF
}

cleanup() {
    compose --profile scale down --volumes --remove-orphans
    docker image rm --force "$IMAGE" >/dev/null 2>&1 || true
    rm -rf build/image
    echo "removed the containers, networks, volumes and the $IMAGE image"
}

submit() {
    local job="${1:-jobs/example.sql}"
    docker exec "$DRIVER" /minispark submit --name "$(basename "$job" .sql)" "$job"
}

command="${1:-}"
shift || true
case "$command" in
    start) start ;;
    stop) stop ;;
    restart)
        if [[ $# -gt 0 ]]; then compose restart "$@"; wait_healthy; else stop; start; fi
        ;;
    status) status ;;
    logs) logs "$@" ;;
    shell) shell "$@" ;;
    scale) scale "$@" ;;
    info) info ;;
    cleanup) cleanup ;;
    build) build ;;
    submit) submit "$@" ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 1
        ;;
esac
