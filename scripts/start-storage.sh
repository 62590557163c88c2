# Sourced by the scripts that test the storage role against real clients (aws-cli-smoke.sh,
# s3-tests.sh): `start_storage BINARY DIR [STORAGE_ARGS...]` runs `minispark storage` on a free
# port with its data in DIR/data, waits until it serves, and sets `server` (its pid) and `endpoint`
# (its URL).
# `stop_storage` ends it; call it from the script's EXIT trap.

start_storage() {
    local binary=$1 dir=$2
    shift 2
    "$binary" storage --address 127.0.0.1:0 --console-address 127.0.0.1:0 "$@" "$dir/data" > "$dir/server.out" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        grep -q "S3 API at" "$dir/server.out" 2>/dev/null && break
        sleep 0.1
    done
    endpoint=$(grep -o 'http://[0-9.:]*' "$dir/server.out" | head -1)
    [ -n "$endpoint" ] || { cat "$dir/server.out"; echo "the storage did not start" >&2; exit 1; }
}

stop_storage() {
    if [ -n "${server:-}" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
}
