#!/usr/bin/env bash
# A long mixed load on one release server, to see that nothing it holds grows with time: cycles of
# 4 s loads (creates with ids, reads of them, read, list and counts at 2,000 requests a second; a
# 1k/s fan-out to 1,000 streams opened and closed; fresh and resuming stream openings as fast as
# they go; 50 batches of 100 a second; deletes and seen at 2,000 a second) for the same users every
# cycle, so that whatever Herald keeps per user is in place after the first and growth after it is
# a leak (NEW_USERS=1: 1,000 new users each cycle instead, to watch the per-user caches fill up to
# their bounds), with memcached restarted once halfway. After each cycle: Herald's resident
# memory and its peak, threads, open files, the database and its WAL, memcached's resident memory.
# At the end `herald check` reads the database the server left (every user's counts, read flags and
# seq against its rows and events), and the server's cache audit (every 10 s, the counts and
# notifications memcached last served or changed against SQLite's) says what it compared. Either
# finding a difference fails the run. The report goes to stdout and bench/results/soak-<stamp>.md.
#   [NEW_USERS=1] bench/soak.sh [MINUTES [HERALD_BINARY]]     (default 12 minutes, the release build)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
MINUTES="${1:-12}"
[[ "$MINUTES" =~ ^[0-9]+$ ]] && [ "$MINUTES" -gt 0 ] || { usage; exit 2; }
HERALD="${2:-$ROOT/.build/release/herald}"
D=4
scratch_session soak
[ -n "${2:-}" ] || build_release
swift build -c release --product herald-bench >/dev/null
memcached_start
herald_start "$HERALD"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORT="$ROOT/bench/results/soak-$STAMP.md"
AUTH="Authorization: Bearer $KEY"

status_kb() {  # pid field — a /proc/PID/status figure in kB
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

file_mb() {  # path — the file's size in MB (0 when it is not there)
    local bytes; bytes="$(stat -c %s "$1" 2>/dev/null || echo 0)"
    awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }'
}

one_user_load() {  # label method url-template [body-template] — for this cycle's users, 2,000 a second
    local body=(); [ -n "${4:-}" ] && body=(--body "$4")
    "$BENCH" http --label "$1" --json-out "$OUT" --duration "$D" --method "$2" --url "$3" --header "$AUTH" \
        --connections 16 --rate 2000 --channels 1000 --channel-prefix "$users-" "${body[@]}" >/dev/null 2>&1
}

batch_load() {  # batches of 100 for this cycle's users, 50 a second
    local items
    items="$(python3 -c 'print(",".join("{\"user\":\"{channel}\",\"type\":\"soak\",\"tags\":[\"t%d\"]}" % i for i in range(100)))')"
    "$BENCH" http --label batch --json-out "$OUT" --duration "$D" --method POST --header "$AUTH" \
        --url http://127.0.0.1:8080/v1/notifications/batch --body "{\"notifications\":[$items]}" \
        --items-per-request 100 --connections 8 --rate 50 --channels 1000 --channel-prefix "$users-b" >/dev/null 2>&1
}

cycle_loads() {
    local base=http://127.0.0.1:8080/v1
    one_user_load create POST "$base/notifications" '{"user":"{channel}","id":"n{seq}","type":"soak","title":"{token}"}'
    one_user_load get GET "$base/users/{channel}/notifications/n{seq}"
    one_user_load read POST "$base/users/{channel}/notifications/n{seq}/read"
    one_user_load list GET "$base/users/{channel}/notifications?limit=20"
    one_user_load counts GET "$base/users/{channel}/counts"
    herald_fanout 1000 1000 "$D" "$users-f" fanout >/dev/null 2>&1
    herald_opens opens >/dev/null 2>&1
    herald_opens resumes --events 5 --header 'Last-Event-ID: 5' >/dev/null 2>&1
    batch_load
    one_user_load delete DELETE "$base/users/{channel}/notifications/n{seq}"
    one_user_load seen POST "$base/users/{channel}/seen"
}

{
    echo "# Soak — $STAMP"
    echo
    echo "Herald $(git rev-parse --short HEAD), $MINUTES minutes of cycles of ${D} s loads for $([ -n "${NEW_USERS:-}" ] && echo "1,000 new users each cycle" || echo "the same users every cycle"); memcached restarted once halfway."
    echo
    echo "| cycle | minutes | Herald RSS MB | its peak MB | threads | open files | database MB | WAL MB | memcached RSS MB |"
    echo "|---|---|---|---|---|---|---|---|---|"
} | tee "$REPORT"
start=$SECONDS
cycle=0
restarted=""
first_rss=""
while [ $((SECONDS - start)) -lt $((MINUTES * 60)) ]; do
    cycle=$((cycle + 1))
    if [ -z "$restarted" ] && [ $((SECONDS - start)) -ge $((MINUTES * 30)) ]; then
        kill "$MC_PID"; wait "$MC_PID" 2>/dev/null || true
        memcached_start
        restarted=$cycle
    fi
    users=s; [ -n "${NEW_USERS:-}" ] && users="c$cycle"
    cycle_loads
    rss=$(( $(status_kb "$HERALD_PID" VmRSS) / 1024 ))
    [ "$cycle" -eq 2 ] && first_rss=$rss
    printf '| %d%s | %.1f | %d | %d | %d | %d | %s | %s | %d |\n' "$cycle" "${restarted:+$([ "$restarted" = "$cycle" ] && echo ' (memcached restarted before it)')}" \
        "$(awk -v s=$((SECONDS - start)) 'BEGIN { print s / 60 }')" "$rss" $(( $(status_kb "$HERALD_PID" VmHWM) / 1024 )) \
        "$(status_kb "$HERALD_PID" Threads)" "$(find "/proc/$HERALD_PID/fd" -mindepth 1 | wc -l)" \
        "$(file_mb "$WORK/herald.sqlite")" "$(file_mb "$WORK/herald.sqlite-wal")" \
        $(( $(status_kb "$MC_PID" VmRSS) / 1024 )) | tee -a "$REPORT"
done
totals="$(python3 - "$OUT" <<'PY'
import collections, json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
statuses = collections.Counter()
for r in rows:
    statuses.update(r.get("statuses", {}))
    statuses.update(r.get("publish_statuses", {}))
answered = sum(r.get("requests_ok", 0) for r in rows)
delivered = sum(r.get("delivered", 0) for r in rows)
expected = sum(r.get("expected_deliveries", 0) for r in rows)
opened = sum(r.get("streams_opened", 0) for r in rows)
codes = ", ".join(f"{code} {count}" for code, count in sorted(statuses.items()))
print(f"{answered:.0f} requests answered (HTTP statuses: {codes}); {delivered:.0f} of {expected:.0f} fan-out "
      f"events delivered; {opened:.0f} streams opened and closed")
PY
)"
audits="$(curl -fsS http://127.0.0.1:8080/metrics | awk -F'[\" ]' '/^herald_cache_audits_total\{/ { printf "%s%s %s %d", sep, $2, $4, $6; sep = ", " }')"
herald_stop
check="$("$HERALD" check --database "$WORK/herald.sqlite" 2>&1)" && verdict=passed || verdict=failed
{
    echo
    echo "- Herald's resident memory after cycle 2: ${first_rss:-?} MB; after the last ($cycle): $rss MB."
    echo "- $totals."
    echo "- \`herald check\` on the database it left ($verdict): $check"
    echo "- What the cache audit compared, by cache and result: ${audits:-none}."
} | tee -a "$REPORT"
[ "$verdict" = passed ] && [[ "$audits" != *"differ "[1-9]* ]]
