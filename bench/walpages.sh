#!/usr/bin/env bash
# Which pages each of Herald's transactions writes under one load, by table and index: after the
# load, a copy of the database and its WAL goes through bench/wal_census.py, which splits the WAL
# into transactions and names the owner of every page written (SQLite's dbstat). Each page is 4 KB
# in the WAL, however little of it changed, and is copied into the database file after: what the
# disk takes per transaction, and per write with the writes per transaction from /metrics.
#   bench/walpages.sh LOAD [HERALD_BINARY]
# LOAD: counts creates batches fanout fanout5k fanout14k fanout20k (as in bench/threads.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
profiled_load "${1:-}"
D=8  # seconds of load; the WAL holds its last transactions (the checkpointer restarts it now and then)
load_in_background walpages "$LOAD" "${2:-}"
wait "$LOAD_PID"
# Both counters from one read of /metrics.
read -r writes transactions <<<"$(curl -s http://127.0.0.1:8080/metrics | awk '
    $1 == "herald_store_transaction_writes_total" { writes = $2 }
    $1 == "herald_store_transactions_total" { transactions = $2 }
    END { print writes + 0, transactions + 0 }')"
[ -s "$WORK/herald.sqlite-wal" ] || { echo "$LOAD: Herald's WAL is empty (the load wrote nothing)"; exit 0; }
# The WAL first: frames the checkpointer copies meanwhile are in both, and the pair stays whole.
cp "$WORK/herald.sqlite-wal" "$WORK/census.sqlite-wal"
cp "$WORK/herald.sqlite" "$WORK/census.sqlite"
echo "$LOAD: $writes writes in $transactions transactions since Herald started"
python3 "$ROOT/bench/wal_census.py" "$WORK/census.sqlite" "$WORK/census.sqlite-wal" \
    "$(awk -v w="$writes" -v t="$transactions" 'BEGIN { if (t > 0) printf "%.4f", w / t }')"
