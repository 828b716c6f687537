#!/usr/bin/env bash
# A/B: the same short loads against several Herald binaries, alternating round by round, each on a
# fresh memcached and Herald, so drift on the shared machine reaches every binary alike. Prints the
# median of the rounds per binary and load (throughput, p99, server CPU per item).
#   cp .build/release/herald /tmp/herald-before   # then change, build, and:
#   bench/compare.sh /tmp/herald-before .build/release/herald
# Single runs differ by 10–20% on this shared box and five-round medians of one binary by ±4%.
# The order of the binaries flips every round (an even ROUNDS runs each first as often as last);
# a gain of a few percent still wants a second run before believing it.
# Env: MEMCACHED_OPTIONS, PUB_CONNS and SCRATCH_DIR (see bench/lib.sh), ROUNDS (default 4), D seconds per load (default 8), LOADS (default "counts creates batches
# fanout"; fanout is 1,000 users, their counts read first so every create updates memcached, at
# 1,000 creates/s; fanout5k, fanout14k, fanout20k the same at 5,000, 14,000 and 20,000/s, the last
# two the capacity steps Herald passed and missed; creates-cached is creates for users whose counts
# were read first, as for users with an inbox open; changes marks notifications read one by one,
# each a real change, after creating them with ids of the form {seq}; seen is POST
# /v1/users/{user}/seen after those creates: once per user a change, then nothing left to mark, as
# a bell opened again; deletes deletes them one by one; reads reads one notification of each of
# 1,000 users, GET /v1/users/{user}/notifications/n1, over and over: the first read of each, in an
# unmeasured second before, fills the notification cache, and the measured reads are hits; lists reads the first page of each of 1,000 users'
# 20 notifications, GET /v1/users/{user}/notifications; opens opens a fresh stream of each of
# 1,000 users with 10 notifications, 16 at once, each on a new connection, reads its counts event
# and closes it, as browsers reconnecting after a deploy; resumes does the same with
# Last-Event-ID: 5 and reads the 5 events after it; creates-new is single creates, 16 at once, each
# on a new connection closed after its answer, as clients without keep-alive; creates-closing the
# same with Connection: close, as Python's urllib and PHP's streams send them; only the first four
# are in the default).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source "$ROOT/bench/lib.sh"
[ $# -ge 1 ] || { usage; exit 2; }
D="${D:-8}"
ROUNDS="${ROUNDS:-4}"
read -r -a LOADS <<<"${LOADS:-counts creates batches fanout}"
scratch_session compare
swift build -c release --product herald-bench >/dev/null

read_load() {  # label prefix path body [setup options] — creates notifications from the body template
    # for the 1,000 users of the channel prefix (with the options given), GETs /v1/users/{user}/path
    # for 1 s unmeasured (every user's first read: the notification cache's fills, SQLite's pages),
    # then for $D s over 32 connections
    local label="$1" prefix="$2" path="$3" body="$4"
    shift 4
    "$BENCH" http --label setup --json-out /dev/null --method POST "$@" \
        --url 'http://127.0.0.1:8080/v1/notifications' --header "Authorization: Bearer $KEY" \
        --connections 16 --channels 1000 --channel-prefix "$prefix" --body "$body"
    local read=(--header "Authorization: Bearer $KEY" --url "http://127.0.0.1:8080/v1/users/{channel}/$path"
        --channels 1000 --channel-prefix "$prefix")
    "$BENCH" http --label fill --json-out /dev/null --duration 1 --connections 16 "${read[@]}"
    "$BENCH" http --label "$label" --server-pids "$(herald_pids)" --json-out "$OUT" \
        --duration "$D" --connections 32 "${read[@]}"
}

# Odd rounds run the binaries in the order given, even rounds in reverse, so that with an even
# ROUNDS each binary runs first as often as last, and whatever favours a place in the round (the
# box settling, or warming, between runs) reaches them alike. Names keep each binary's place in
# the arguments.
binaries=("$@")
for round in $(seq "$ROUNDS"); do
    order=$(seq 1 $#)
    [ $((round % 2)) -eq 0 ] && order=$(seq $# -1 1)
    for index in $order; do
        binary="${binaries[$((index - 1))]}"
        name="$index:$(basename "$binary")"
        echo "== round $round/$ROUNDS: $name" >&2
        rm -f "$WORK"/herald.sqlite*
        memcached_start
        herald_start "$binary"
        for load in "${LOADS[@]}"; do
            case "$load" in
                counts | creates | batches) herald_load "$load" "$name $load" ;;
                fanout) herald_load fanout "$name fanout-1k" "r$round" ;;
                fanout5k) herald_load fanout5k "$name fanout-5k" "r$round" ;;
                fanout14k) herald_load fanout14k "$name fanout-14k" "r$round" ;;
                fanout20k) herald_load fanout20k "$name fanout-20k" "r$round" ;;
                creates-cached)
                    "$BENCH" http --label fill --json-out /dev/null --duration 2 --connections 16 \
                        --url 'http://127.0.0.1:8080/v1/users/{channel}/counts' --channels 1000 \
                        --channel-prefix w --header "Authorization: Bearer $KEY"
                    herald_creates "$name creates-cached" ;;
                reads)
                    read_load "$name reads" r notifications/n1 \
                        '{"user":"{channel}","id":"n1","type":"bench","title":"Your report is ready","data":{"report":42}}' \
                        --duration 2 ;;
                lists)
                    # 5,000 creates a second for 4 s: 20 notifications for each of the 1,000 users.
                    read_load "$name lists" l notifications \
                        '{"user":"{channel}","type":"bench","title":"Your report is ready","data":{"report":42}}' \
                        --duration 4 --rate 5000 ;;
                opens | resumes) herald_load "$load" "$name $load" ;;
                creates-new | creates-closing)
                    closing=()
                    [ "$load" = creates-closing ] && closing=(--header "Connection: close")
                    "$BENCH" http --label "$name $load" --server-pids "$(herald_pids)" --json-out "$OUT" \
                        --duration "$D" --method POST --url 'http://127.0.0.1:8080/v1/notifications' \
                        --header "Authorization: Bearer $KEY" "${closing[@]}" --connections 16 --new-connections \
                        --body '{"user":"{channel}","type":"bench","title":"{token}"}' --channels 1000 \
                        --channel-prefix w ;;
                changes | seen | deletes)
                    "$BENCH" http --label setup --json-out /dev/null --duration "$((D + 2))" --method POST \
                        --url 'http://127.0.0.1:8080/v1/notifications' --header "Authorization: Bearer $KEY" \
                        --connections 32 --body '{"user":"m{channel}","id":"{seq}","type":"bench"}' \
                        --channels 1000 --channel-prefix m
                    method=POST path='notifications/{seq}/read'
                    [ "$load" = seen ] && path=seen
                    [ "$load" = deletes ] && method=DELETE path='notifications/{seq}'
                    "$BENCH" http --label "$name $load" --server-pids "$(herald_pids)" --json-out "$OUT" \
                        --duration "$D" --method "$method" --header "Authorization: Bearer $KEY" --connections 32 \
                        --url "http://127.0.0.1:8080/v1/users/m{channel}/$path" \
                        --channels 1000 --channel-prefix m ;;
                *) echo "unknown load: $load" >&2; exit 2 ;;
            esac >/dev/null 2>&1
        done
        herald_stop
        kill "$MC_PID"; wait "$MC_PID" 2>/dev/null || true; MC_PID=""
    done
done
python3 "$ROOT/bench/report.py" --compare "$OUT"
