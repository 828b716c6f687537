#!/usr/bin/env bash
# A sanitizer over Herald. thread (make tsan): builds the package with --sanitize=thread into
# .build-tsan (~8 min the first time on 2 cores), runs the Swift suites under it, then drives a
# server built so with the bench's loads, small enough for its 5-20× slowdown: a fan-out of 300
# events a second to 200 streams, counts reads, single creates, batches, stream openings and
# resumptions, creates of ids then reads, archives, lists, deletes, read-alls and seens of them,
# and creates again after a memcached restart; then SIGTERM. Every report TSan printed is sorted by
# Tests/Sanitizer/tsan_report.py, which fails the run for any but the kinds TSan cannot see
# through on Linux (accesses under a Synchronization.Mutex, a continuation's resumption). Suites
# failing under the slowdown (a token of 2 s expired before its stream opened) are listed but do
# not fail the run. address (make asan): the same server and loads built with
# --sanitize=address into .build-asan; any AddressSanitizer error fails the run. Its suites are
# not run: AddressSanitizer stops them at once in code outside Herald (Foundation's Process.run,
# which the tests start memcached with, and a Swift Testing thunk comparing optionals). The logs
# stay in the build directory (build.log, tests.log, server.log).
#   Tests/Sanitizer/run.sh [thread|address]     env: D (seconds per load, default 5)
set -euo pipefail
source "$(dirname "$0")/../../bench/lib.sh"
cd "$ROOT"
SANITIZER="${1:-thread}"
case "$SANITIZER" in
    thread) SCRATCH=.build-tsan NAME=ThreadSanitizer ;;
    address) SCRATCH=.build-asan NAME=AddressSanitizer ;;
    *) usage; exit 2 ;;
esac
D="${D:-5}"
TESTS_LOG="$ROOT/$SCRATCH/tests.log"
SERVER_LOG="$ROOT/$SCRATCH/server.log"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0}"
# Leaks are not what this looks for: the process's caches live until it exits.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

echo "building with $NAME into $SCRATCH"
mkdir -p "$SCRATCH"
swift build --build-tests --sanitize="$SANITIZER" --scratch-path "$SCRATCH" >"$SCRATCH/build.log" 2>&1 ||
    { tail -30 "$SCRATCH/build.log"; exit 1; }
swift build -c release --product herald-bench >/dev/null 2>&1

if [ "$SANITIZER" = thread ]; then
    echo "the Swift suites under $NAME"
    swift test --skip-build --sanitize=thread --scratch-path "$SCRATCH" >"$TESTS_LOG" 2>&1 || true
    grep -E "^✘ Test run|^✔ Test run" "$TESTS_LOG" | tail -1
    grep -E "^✘ Test [^r]" "$TESTS_LOG" | grep -v "recorded an issue" | sed 's/^/  under the slowdown: /' || true
fi

echo "a server under $NAME, under load"
scratch_session sanitizer
memcached_start
herald_start "$ROOT/$SCRATCH/debug/herald" 2>"$SERVER_LOG"
AUTH="Authorization: Bearer $KEY"
BASE=http://127.0.0.1:8080/v1
each_id() {  # label method url-template [body-template] — one request per id n{seq} of 200 users
    local body=(); [ -n "${4:-}" ] && body=(--body "$4")
    "$BENCH" http --label "$1" --json-out "$OUT" --duration "$D" --method "$2" --url "$3" --header "$AUTH" \
        --connections 16 --channels 200 --channel-prefix t "${body[@]}" >/dev/null 2>&1
}
herald_fanout 300 200 "$D" tf >/dev/null 2>&1
herald_counts >/dev/null 2>&1
herald_creates >/dev/null 2>&1
herald_batches >/dev/null 2>&1
herald_opens >/dev/null 2>&1
# Resumes of the fan-out's users, each of whom has ~7 events (the openings' own users have as many
# as the slowed server created in 2 s, often fewer than a resume asks for).
"$BENCH" opens --label resumes --json-out "$OUT" --duration "$D" --connections 16 --channels 200 \
    --channel-prefix tf --header "$AUTH" --events 3 --header 'Last-Event-ID: 1' >/dev/null 2>&1
each_id create POST "$BASE/notifications" '{"user":"{channel}","id":"n{seq}","type":"t","tags":["a"]}'
each_id read POST "$BASE/users/{channel}/notifications/n{seq}/read"
each_id archive POST "$BASE/users/{channel}/notifications/n{seq}/archive"
each_id list GET "$BASE/users/{channel}/notifications?status=all&archived=true&limit=20"
each_id delete DELETE "$BASE/users/{channel}/notifications/n{seq}"
each_id read-all POST "$BASE/users/{channel}/notifications/read-all" '{"tag":"a"}'
each_id seen POST "$BASE/users/{channel}/seen"
kill "$MC_PID"; wait "$MC_PID" 2>/dev/null || true
memcached_start
each_id create-again POST "$BASE/notifications" '{"user":"{channel}","type":"t"}'
herald_stop
python3 - "$OUT" <<'PY'
import collections, json, sys
statuses = collections.Counter()
for line in open(sys.argv[1]):
    row = json.loads(line)
    statuses.update(row.get("statuses", {}))
    statuses.update(row.get("publish_statuses", {}))
print("  answers by status:", ", ".join(f"{code} {count}" for code, count in sorted(statuses.items())))
PY

echo
if [ "$SANITIZER" = thread ]; then
    python3 "$ROOT/Tests/Sanitizer/tsan_report.py" "$TESTS_LOG" "$SERVER_LOG"
elif grep -q "ERROR: AddressSanitizer" "$SERVER_LOG"; then
    grep -A40 "ERROR: AddressSanitizer" "$SERVER_LOG"
    exit 1
else
    echo "no AddressSanitizer error"
fi
