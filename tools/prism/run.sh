#!/usr/bin/env bash
# Conformance run: starts a Prism mock server of the API document on loopback
# and sends every non-streaming operation through the client
# (tests/tests/it/prism.rs).
#
#   tools/prism/run.sh                 # document: $XAPI_SPEC or ../shared/x-api/openapi-2.159.json
#   PRISM_PORT=4011 tools/prism/run.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spec="${XAPI_SPEC:-$root/../shared/x-api/openapi-2.159.json}"
port="${PRISM_PORT:-4010}"
log="${PRISM_LOG:-$root/target/prism.log}"

if [[ ! -f "$spec" ]]; then
    echo "error: API document not found: $spec (set XAPI_SPEC)" >&2
    exit 2
fi
spec="$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")"
mkdir -p "$(dirname "$log")"

# No install scripts, no telemetry: nothing but the registry and loopback.
export SCARF_ANALYTICS=false DO_NOT_TRACK=1
(cd "$here" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "error: port $port on 127.0.0.1 is already in use (set PRISM_PORT)" >&2
    exit 2
fi

"$here/node_modules/.bin/prism" mock -d -h 127.0.0.1 -p "$port" "$spec" >"$log" 2>&1 &
prism_pid=$!
stop() {
    kill "$prism_pid" 2>/dev/null || true
    wait "$prism_pid" 2>/dev/null || true
}
trap stop EXIT INT TERM

# Wait (at most 60 s) until Prism accepts connections.
ready=0
for _ in $(seq 1 120); do
    if ! kill -0 "$prism_pid" 2>/dev/null; then
        echo "error: Prism exited; its log ($log):" >&2
        tail -n 40 "$log" >&2
        exit 2
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.5
done
if [[ "$ready" != 1 ]]; then
    echo "error: Prism did not listen on 127.0.0.1:$port within 60 s; its log ($log):" >&2
    tail -n 40 "$log" >&2
    exit 2
fi

cd "$root"
PRISM_URL="http://127.0.0.1:$port" XAPI_SPEC="$spec" \
    cargo test -p xapi-tests --test it prism:: -- --nocapture
