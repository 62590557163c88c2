#!/usr/bin/env bash
# Storage benchmark, in one run on one machine: raw disk (dd with fsync), `minispark storage` and
# s3s-fs 0.14.1 (the sample backend minispark used before), each measured the same way:
#   - 1 GiB PUT and GET with aws-cli (multipart, 10 parallel parts: aws-cli's default), in MB/s;
#   - the server's peak RSS (VmHWM) after the 1 GiB upload and download;
#   - 4 KiB PUT and GET ops/s from 16 concurrent client processes (bench/s3_small_objects.py);
#   - the same with a Rust client (bench/s3_client.rs, built here with `cargo bench`), which leaves
#     the server the CPU that the Python clients take for themselves: 1 GiB in one PUT and in
#     16 MiB parts, a 1 GiB GET, 4 KiB x 16 tasks.
#
#   bench/storage.sh MINISPARK_BINARY S3S_FS_BINARY AWS_CLI_VENV [WORK_DIR]
#
# S3S_FS_BINARY: `cargo install s3s-fs@0.14.1 --features binary --locked --root DIR` (about 4 min).
# AWS_CLI_VENV: a virtualenv with awscli (the storage journey test leaves one at
# $CARGO_TARGET_DIR/awscli-venv). WORK_DIR (default: a temporary directory) must be on the disk
# to measure; it is emptied between servers. Not a test: figures go into notes, not assertions.
set -euo pipefail

minispark=${1:?usage: storage.sh MINISPARK_BINARY S3S_FS_BINARY AWS_CLI_VENV [WORK_DIR]}
s3s_fs=${2:?usage}
venv=${3:?usage}
work=${4:-$(mktemp -d)}
here=$(cd "$(dirname "$0")" && pwd)
client=$(cd "$here/.." && cargo bench --bench s3_client --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p')
[ -x "$client" ] || { echo "cannot build bench/s3_client.rs" >&2; exit 1; }
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work/data" "$work/big.bin" "$work/big.back"' EXIT

mbps() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / s / 1e6 }'; }
seconds() { local start=$1; awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }'; }

head -c $((1024 * 1024 * 1024)) /dev/urandom > "$work/big.bin"
size=$(stat -c %s "$work/big.bin")

start=$(date +%s.%N)
dd if=/dev/zero of="$work/dd.bin" bs=1M count=1024 conv=fsync status=none
echo "raw disk (dd bs=1M count=1024 conv=fsync): write $(mbps "$size" "$(seconds "$start")") MB/s"
rm -f "$work/dd.bin"

measure() {
    local name=$1 endpoint=$2
    local aws=("$venv/bin/aws" --endpoint-url "$endpoint")
    "${aws[@]}" s3 mb s3://bench > /dev/null
    local start put get
    start=$(date +%s.%N)
    "${aws[@]}" s3 cp --only-show-errors "$work/big.bin" s3://bench/big.bin
    put=$(mbps "$size" "$(seconds "$start")")
    start=$(date +%s.%N)
    "${aws[@]}" s3 cp --only-show-errors s3://bench/big.bin "$work/big.back"
    get=$(mbps "$size" "$(seconds "$start")")
    cmp "$work/big.bin" "$work/big.back"
    rm -f "$work/big.back"
    local rss
    rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status")
    local small
    small=$("$venv/bin/python" "$here/s3_small_objects.py" "$endpoint" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" bench 10)
    echo "$name, aws-cli: 1 GiB PUT $put MB/s, GET $get MB/s; peak RSS $rss MiB; 4 KiB x 16 clients: PUT ${small% *} ops/s, GET ${small#* } ops/s"
    "${aws[@]}" s3 mb s3://rust-client > /dev/null
    echo "$name, Rust client: $("$client" "$endpoint" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" rust-client 10); peak RSS $(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status") MiB"
}

wait_for() {
    for _ in $(seq 100); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "no server at $1" >&2
    return 1
}

rm -rf "$work/data"
MINIO_ROOT_USER=$AWS_ACCESS_KEY_ID MINIO_ROOT_PASSWORD=$AWS_SECRET_ACCESS_KEY RUST_LOG=warn \
    "$minispark" storage --address 127.0.0.1:19700 --console-address 127.0.0.1:19701 "$work/data" > /dev/null &
server=$!
wait_for http://127.0.0.1:19700/minio/health/live
measure "minispark storage" http://127.0.0.1:19700
kill "$server"; wait "$server" 2>/dev/null || true

rm -rf "$work/data"; mkdir -p "$work/data"
RUST_LOG=warn "$s3s_fs" --host 127.0.0.1 --port 19702 --access-key "$AWS_ACCESS_KEY_ID" \
    --secret-key "$AWS_SECRET_ACCESS_KEY" "$work/data" > /dev/null 2>&1 &
server=$!
wait_for http://127.0.0.1:19702/
measure "s3s-fs 0.14.1" http://127.0.0.1:19702
kill "$server"; wait "$server" 2>/dev/null || true
server=
