#!/usr/bin/env bash
# The fan-out scenarios measured with another load tool: the team's shared `sse_fanout_bench.py`
# (Python, outside this repository; it is not copied here), against Herald and the project's nginx +
# nchan in the same run, so that the ratios of `make bench`, measured with herald-bench, do not rest
# on one tool alone. 1,000 subscribers on 1,000 users, 1k/s and 5k/s, ROUNDS rounds (default 2) of
# D seconds (default 10) each, nchan then Herald in each round; each user's counts read once before
# Herald's publishes (as herald-bench's --warm-url does), so each publish also updates memcached.
# The Python tool costs far more CPU per event than herald-bench on the same 2 cores, so its
# latencies are its own (compare the servers within this report, not with `make bench`'s).
# Prints a Markdown report and writes it to bench/results/crosscheck-<stamp>.md.
#   bench/crosscheck.sh [TOOL [HERALD_BINARY]]    (default ../shared/bench/sse_fanout_bench.py, the release build)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
TOOL="${1:-$ROOT/../shared/bench/sse_fanout_bench.py}"
[ -f "$TOOL" ] || { echo "no load tool at $TOOL" >&2; usage; exit 2; }
HERALD="${2:-$ROOT/.build/release/herald}"
ROUNDS="${ROUNDS:-2}"
D="${D:-10}"
scratch_session crosscheck
[ -n "${2:-}" ] || build_release
memcached_start
herald_start "$HERALD"
mkdir -p "$WORK/nchan/logs" "$WORK/nchan/tmp"
nginx -p "$WORK/nchan/" -c "$ROOT/bench/nginx-nchan.conf" -e "$WORK/nchan/logs/error.log"
for _ in $(seq 100); do [ -s "$WORK/nchan/nginx.pid" ] && break; sleep 0.1; done
NCHAN_MASTER="$(cat "$WORK/nchan/nginx.pid")"
NCHAN_PIDS="$NCHAN_MASTER,$(pgrep -P "$NCHAN_MASTER" | paste -sd,)"
trap 'kill -QUIT "$NCHAN_MASTER" 2>/dev/null || true; stop_and_clean' EXIT
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORT="$ROOT/bench/results/crosscheck-$STAMP.md"

fanout() {  # server rate round
    local prefix="x$2r$3"
    if [ "$1" = herald ]; then
        curl -fs -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:8080/v1/users/$prefix[0-999]/counts"
        python3 "$TOOL" --label "herald $2/s round $3" --server-pids "$(herald_pids)" --json-out "$WORK/run.json" \
            --sub-url 'http://127.0.0.1:8080/v1/users/{channel}/stream' \
            --pub-url 'http://127.0.0.1:8080/v1/notifications' --pub-content-type application/json \
            --pub-body '{"user":"{channel}","type":"bench","title":"{token}"}' \
            --header "Authorization: Bearer $KEY" --event-name notification.created \
            --subs 1000 --channels 1000 --channel-prefix "$prefix" --rate "$2" --messages $(($2 * D)) \
            --pub-conns "$PUB_CONNS" --procs 2 --grace 3 >/dev/null || [ $? -eq 1 ]  # 1: some missing (reported)
    else
        python3 "$TOOL" --label "nchan $2/s round $3" --server-pids "$NCHAN_PIDS" --json-out "$WORK/run.json" \
            --sub-url 'http://127.0.0.1:8090/v1/users/{channel}/stream' \
            --pub-url 'http://127.0.0.1:8090/v1/notifications/{channel}' \
            --subs 1000 --channels 1000 --channel-prefix "$prefix" --rate "$2" --messages $(($2 * D)) \
            --pub-conns "$PUB_CONNS" --procs 2 --grace 3 >/dev/null || [ $? -eq 1 ]  # 1: some missing (reported)
    fi
    # The tool writes each run's summary over the last: one line each into $OUT.
    python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$WORK/run.json" >>"$OUT"
}

for rate in 1000 5000; do
    for round in $(seq "$ROUNDS"); do
        for server in nchan herald; do
            echo "$server $rate/s round $round" >&2
            fanout "$server" "$rate" "$round"
        done
    done
done

python3 - "$OUT" "$(git rev-parse --short HEAD)" "$ROUNDS" "$D" "$(basename "$TOOL")" >"$REPORT" <<'EOF'
import json, statistics, sys
path, commit, rounds, seconds, tool = sys.argv[1:]
runs = [json.loads(line) for line in open(path)]
def ms(us): return f"{us / 1000:.2f}"
print(f"# Fan-out cross-check with `{tool}` ({commit})\n")
print(f"1,000 subscribers on 1,000 users, {rounds} rounds of {seconds} s per rate, nchan then Herald in each round;")
print("latencies publish→receive as the Python tool measures them (its own CPU shares the 2 cores).\n")
print("| run | delivered/s | missing | p50 ms | p99 ms | p99.9 ms | max ms | server CPU µs per delivery |")
print("|---|---|---|---|---|---|---|---|")
for run in runs:
    cpu = sum(run.get("server_cpu_seconds", {}).values()) if isinstance(run.get("server_cpu_seconds"), dict) else 0
    received = run["deliveries_received"] or 1
    lat = run["latency_us"]
    print(f"| {run['label']} | {run['delivered_msg_s']:,.0f} | {run['missing']} | {ms(lat['p50'])} | {ms(lat['p99'])} "
          f"| {ms(lat['p99.9'])} | {ms(lat['max'])} | {cpu * 1e6 / received:.0f} |")
print("\n| rate | nchan p99 (median of rounds) | Herald p99 | Herald / nchan |")
print("|---|---|---|---|")
for rate in ("1000", "5000"):
    p99 = {s: statistics.median(r["latency_us"]["p99"] for r in runs if r["label"].startswith(f"{s} {rate}/s"))
           for s in ("nchan", "herald")}
    print(f"| {int(rate):,}/s | {ms(p99['nchan'])} | {ms(p99['herald'])} | {p99['herald'] / p99['nchan']:.2f} |")
EOF
cat "$REPORT"
