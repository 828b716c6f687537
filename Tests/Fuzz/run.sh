#!/usr/bin/env bash
# Property-based API fuzzing (schemathesis) against a live server: no 5xx, every response as the spec
# says. Starts its own memcached and `herald serve --dev` on scratch files.
#   Tests/Fuzz/run.sh [path/to/herald]     env: EXAMPLES (per operation, default 30), SEED
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERALD="${1:-$ROOT/.build/debug/herald}"
WORK="$(mktemp -d /tmp/herald-fuzz.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
    [ -n "${HERALD_PID:-}" ] && kill "$HERALD_PID" 2>/dev/null || true
    [ -n "${MC_PID:-}" ] && kill "$MC_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
user=""; [ "$(id -u)" -eq 0 ] && user="-u root"
memcached -s "$WORK/mc.sock" -m 32 -o no_lru_maintainer $user & MC_PID=$!
for _ in $(seq 50); do [ -S "$WORK/mc.sock" ] && break; sleep 0.1; done
"$HERALD" serve --dev --port "$PORT" --database "$WORK/herald.sqlite" --memcached "$WORK/mc.sock" \
    --log-level warning 2>"$WORK/herald.log" & HERALD_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
# The demo page's create takes only the demo user's token (Tests/Fuzz/schemathesis.toml), for that user.
session="$(curl -fsS "http://127.0.0.1:$PORT/demo/session")"
export HERALD_FUZZ_DEMO_TOKEN HERALD_FUZZ_DEMO_USER
HERALD_FUZZ_DEMO_TOKEN="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <<<"$session")"
HERALD_FUZZ_DEMO_USER="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["user"])' <<<"$session")"

status=0
SCHEMATHESIS_HOOKS="$ROOT/Tests/Fuzz/hooks.py" schemathesis --config-file "$ROOT/Tests/Fuzz/schemathesis.toml" run "$ROOT/openapi.yaml" \
    --url "http://127.0.0.1:$PORT" --header "Authorization: Bearer herald-dev-api-key" \
    --max-examples "${EXAMPLES:-30}" --seed "${SEED:-20261122}" \
    --exclude-path "/v1/users/{user}/stream" --no-color || status=$?
kill -0 "$HERALD_PID" || { echo "herald died during the fuzz run"; status=1; }
if grep -q '"level":"error"\|error' "$WORK/herald.log"; then echo "--- herald log"; tail -20 "$WORK/herald.log"; fi
exit "$status"
