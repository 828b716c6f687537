#!/usr/bin/env bash
# Where Herald's time goes under one load: `perf record -g` on the server while herald-bench drives
# it, then the shares per thread and per library and the top functions.
#   bench/profile.sh LOAD [HERALD_BINARY]
# LOAD: counts creates batches fanout fanout5k fanout14k fanout20k (fan-outs: 1,000 users, their
# counts read first so every create updates memcached, at 1k/s, 5k/s, 14k/s or 20k/s; the last two
# are capacity steps Herald passed and missed in earlier full runs), opens resumes (stream openings,
# fresh or 5 events behind; see bench/compare.sh). Only Herald is recorded.
# The perf data stays in $PERF_DATA (default /tmp/herald-LOAD.perf.data) for `perf report -i`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
profiled_load "${1:-}" perf
D=14  # the load runs this long; perf records 6 s of its middle
PERF_DATA="${PERF_DATA:-/tmp/herald-$LOAD.perf.data}"
load_in_background profile "$LOAD" "${2:-}"
sleep 4
perf record -g -p "$HERALD_PID" -o "$PERF_DATA" -- sleep 6 >/dev/null 2>&1
wait "$LOAD_PID"
python3 "$ROOT/bench/report.py" --compare "$OUT"
echo
echo "== share of server samples per thread"
perf report -i "$PERF_DATA" --no-children --sort comm --stdio -g none 2>/dev/null | grep '%' | head -12
echo "== per library"
perf report -i "$PERF_DATA" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -10
echo "== top functions (self)"
perf report -i "$PERF_DATA" --no-children --sort sym --stdio -g none 2>/dev/null | grep '%' | head -30 | cut -c1-160
echo
echo "perf data: $PERF_DATA (e.g. perf report -i $PERF_DATA --children)"
