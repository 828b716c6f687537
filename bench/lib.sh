# Shared by bench/run.sh, bench/compare.sh, bench/profile.sh, bench/threads.sh, bench/wakeups.sh
# and bench/stalls.sh: start and stop memcached and Herald, and drive them with herald-bench. ROOT is
# the repository (the default: this file's); set D (seconds per measured phase) before starting a
# load; the loads append to $OUT, servers keep their files in $WORK.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
BENCH="$ROOT/.build/release/herald-bench"
KEY="bench-api-key-0123456789"
# memcached runs as the README recommends for Herald (Operations): without its LRU maintainer, a
# thread that otherwise wakes about every millisecond while items change. MEMCACHED_OPTIONS=""
# runs it with memcached's defaults (or set other options to compare).
MEMCACHED_OPTIONS="${MEMCACHED_OPTIONS--o no_lru_maintainer}"
# The fan-out loads publish over PUB_CONNS keep-alive connections (Herald and nchan alike), one
# request in flight on each: the rate offered is at most PUB_CONNS / a publish's request-to-answer
# time, so with 32 a server whose creates take 2.7 ms cannot be offered more than ~12k/s.
PUB_CONNS="${PUB_CONNS:-32}"
# Scratch sessions (Herald's database, memcached's socket) go under SCRATCH_DIR: /tmp, on the
# machine's disk, by default. SCRATCH_DIR=/dev/shm (memory) shows what writing the disk costs a
# load; a database there survives no reboot, so no run that stands for Herald uses it.
SCRATCH_DIR="${SCRATCH_DIR:-/tmp}"

usage() {  # prints the calling script's opening comment (after the #! line), its usage
    sed -n '2,/^[^#]/{/^#/p}' "$0"
}

build_release() {  # herald and herald-bench, release
    swift build -c release --product herald >/dev/null
    swift build -c release --product herald-bench >/dev/null
}

scratch_session() {  # name — $WORK and $OUT in a new scratch directory, removed (servers stopped) on exit
    WORK="$(mktemp -d "$SCRATCH_DIR/herald-$1.XXXXXX")"
    OUT="$WORK/$1.jsonl"
    trap stop_and_clean EXIT
    ulimit -n "$(ulimit -Hn)"
}

stop_and_clean() {  # Herald, then memcached, then the scratch directory
    herald_stop
    [ -n "${MC_PID:-}" ] && kill "$MC_PID" 2>/dev/null || true
    rm -rf "$WORK"
}

memcached_start() {  # on $WORK/mc.sock with $MEMCACHED_OPTIONS; sets MC_PID
    local user=""; [ "$(id -u)" -eq 0 ] && user="-u root"
    # shellcheck disable=SC2086  # the options are words
    memcached -s "$WORK/mc.sock" -m 512 -c 4096 $user $MEMCACHED_OPTIONS & MC_PID=$!
    for _ in $(seq 50); do [ -S "$WORK/mc.sock" ] && break; sleep 0.1; done
}

herald_start() {  # [binary] — on :8080 with a database in $WORK; sets HERALD_PID, returns once it answers
    "${1:-$ROOT/.build/release/herald}" serve --port 8080 --database "$WORK/herald.sqlite" \
        --memcached "$WORK/mc.sock" --api-key "$KEY" --token-secret "bench-token-secret-0123456789abcdef" \
        --log-level warning & HERALD_PID=$!
    for _ in $(seq 100); do curl -fs localhost:8080/healthz >/dev/null && break; sleep 0.1; done
}

herald_stop() {  # waits until it exited
    if [ -n "${HERALD_PID:-}" ]; then
        kill "$HERALD_PID" 2>/dev/null || true
        wait "$HERALD_PID" 2>/dev/null || true
        HERALD_PID=""
    fi
}

herald_pids() {  # Herald and its memcached: the server CPU of a Herald load is both processes'
    echo "$HERALD_PID${MC_PID:+,$MC_PID}"
}

herald_fanout() {  # rate users duration prefix [label [herald-bench fanout options]]
    # Each user's counts are read once before publishing (as a page showing the badge would), so
    # Herald holds them in memcached and every publish updates them there as well as committing.
    "$BENCH" fanout --label "${5:-herald}" --server-pids "$(herald_pids)" --json-out "$OUT" \
        --sub-url 'http://127.0.0.1:8080/v1/users/{channel}/stream' --pub-url 'http://127.0.0.1:8080/v1/notifications' \
        --pub-content-type application/json --pub-body '{"user":"{channel}","type":"bench","title":"{token}"}' \
        --header "Authorization: Bearer $KEY" --event-name notification.created \
        --subscribers "$2" --channels "$2" --rate "$1" --duration "$3" --channel-prefix "$4" --pub-conns "$PUB_CONNS" --grace 3 \
        --warm-url 'http://127.0.0.1:8080/v1/users/{channel}/counts' "${@:6}"
}

counts_load() {  # label pids origin [herald-bench options] — GET counts of 1,000 users, 16 in flight
    "$BENCH" http --label "$1" --server-pids "$2" --json-out "$OUT" --duration "$D" \
        --url "$3/v1/users/{channel}/counts" --connections 16 --channels 1000 --channel-prefix f1000 "${@:4}"
}

herald_counts() {  # [label]
    counts_load "${1:-herald-counts}" "$(herald_pids)" http://127.0.0.1:8080 --header "Authorization: Bearer $KEY"
}

herald_creates() {  # [label] — single creates for 1,000 users, 32 in flight
    "$BENCH" http --label "${1:-herald-create}" --server-pids "$(herald_pids)" --json-out "$OUT" --duration "$D" \
        --method POST --url 'http://127.0.0.1:8080/v1/notifications' --header "Authorization: Bearer $KEY" \
        --connections 32 --body '{"user":"{channel}","type":"bench","title":"{token}"}' --channels 1000 \
        --channel-prefix w
}

herald_batches() {  # [label] — batches of 100 creates, 8 in flight
    local items
    items="$(python3 -c 'print(",".join("{\"user\":\"b{seq}-%d\",\"type\":\"bench\"}" % i for i in range(100)))')"
    "$BENCH" http --label "${1:-herald-batch}" --server-pids "$(herald_pids)" --json-out "$OUT" --duration "$D" \
        --method POST --url 'http://127.0.0.1:8080/v1/notifications/batch' --header "Authorization: Bearer $KEY" \
        --connections 8 --body "{\"notifications\":[$items]}" --items-per-request 100
}

herald_opens() {  # [label] [herald-bench opens options] — stream openings for 1,000 users with 10
    # notifications each (seq 10; created at 5,000/s for 2 s first), 16 at once, each on a new
    # connection that reads the stream's first event and closes
    "$BENCH" http --label setup --json-out /dev/null --method POST --duration 2 --rate 5000 \
        --url 'http://127.0.0.1:8080/v1/notifications' --header "Authorization: Bearer $KEY" \
        --connections 16 --channels 1000 --channel-prefix o \
        --body '{"user":"{channel}","type":"bench","title":"Your report is ready"}' >/dev/null
    "$BENCH" opens --label "${1:-herald-opens}" --server-pids "$(herald_pids)" --json-out "$OUT" \
        --duration "$D" --connections 16 --channels 1000 --channel-prefix o \
        --header "Authorization: Bearer $KEY" "${@:2}"
}

herald_load() {  # load [label] [channel prefix] — counts, creates, batches, or a fan-out to 1,000
    # users for $D s at 1k/s (fanout), 5k/s (fanout5k), 14k/s (fanout14k) or 20k/s (fanout20k),
    # fresh stream openings (opens) or resumes 5 events behind (resumes); returns 2 for any other load
    case "$1" in
        counts) herald_counts "${2:-}" ;;
        creates) herald_creates "${2:-}" ;;
        batches) herald_batches "${2:-}" ;;
        fanout) herald_fanout 1000 1000 "$D" "${3:-p}" "${2:-}" ;;
        fanout5k) herald_fanout 5000 1000 "$D" "${3:-p}" "${2:-}" ;;
        fanout14k) herald_fanout 14000 1000 "$D" "${3:-p}" "${2:-}" ;;
        fanout20k) herald_fanout 20000 1000 "$D" "${3:-p}" "${2:-}" ;;
        opens) herald_opens "${2:-herald-opens}" ;;
        resumes) herald_opens "${2:-herald-resumes}" --events 5 --header 'Last-Event-ID: 5' ;;
        *) return 2 ;;
    esac
}

profiled_load() {  # load [perf] — sets LOAD for a one-load diagnostic script (profile.sh, threads.sh,
    # wakeups.sh, stalls.sh), or prints that script's usage (its opening comment, after the #! line)
    # and exits 2; with "perf", exits 1 unless perf is installed
    LOAD="$1"
    case "$LOAD" in counts | creates | batches | fanout | fanout5k | fanout14k | fanout20k | opens | resumes) ;; *) usage; exit 2 ;; esac
    [ "${2:-}" != perf ] || command -v perf >/dev/null || { echo "perf is missing (Debian: apt-get install linux-perf)" >&2; exit 1; }
}

load_in_background() {  # name load [binary] — a scratch session, memcached, Herald (built unless a
    # binary is given) and one herald_load started in the background; sets LOAD_PID
    scratch_session "$1"
    [ -n "${3:-}" ] || build_release
    swift build -c release --product herald-bench >/dev/null
    memcached_start
    herald_start "${3:-}"
    herald_load "$2" >/dev/null 2>&1 &
    LOAD_PID=$!
}
