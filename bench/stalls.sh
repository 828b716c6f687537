#!/usr/bin/env bash
# How long the whole machine stops under a load, and what the disk did meanwhile: `herald-bench
# stalls` (a real-time thread's wake-ups that came over 1 ms late) over 5 s in the middle of the
# load, with the writes of the disk that holds the scratch directory (/proc/diskstats) over the
# same 5 s. A stall a real-time thread sees is the host not running the VM (or the guest's kernel
# with interrupts off); stalls that all end at one point of a 100 ms grid are a host's CPU
# accounting period. On the bench's VM the host stops the VM in proportion to the bytes written to
# its disk, whoever writes them (bench/HISTORY.md, *The VM stopped while its disk is written*).
# SCRATCH_DIR=/dev/shm runs the same load with Herald's database in memory, for comparison.
#   bench/stalls.sh LOAD [HERALD_BINARY]
# LOAD: counts creates batches fanout fanout5k fanout14k fanout20k opens resumes (as in bench/threads.sh).
# Needs root for the probe's SCHED_FIFO (without it, it says so and counts waits for a vCPU too).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
profiled_load "${1:-}"
D=12  # the load runs this long; the probe watches WINDOW s of its middle
WINDOW=5
load_in_background stalls "$LOAD" "${2:-}"
sleep 4
device="$(df --output=source "$WORK" | tail -1)"
device="${device#/dev/}"
writes() {  # the device's writes completed, sectors written and flushes completed (/proc/diskstats)
    awk -v d="$device" '$3 == d { print $8, $10, $19 }' /proc/diskstats
}
before="$(writes)"
"$BENCH" stalls --duration "$WINDOW" --json-out "$OUT" | grep -v "^{"
after="$(writes)"
wait "$LOAD_PID"
if [ -z "$before" ]; then
    echo "disk: none under $WORK ($device)"
else
    read -r w0 s0 f0 <<<"$before"
    read -r w1 s1 f1 <<<"$after"
    awk -v w=$((w1 - w0)) -v s=$((s1 - s0)) -v f=$((f1 - f0)) -v d="$device" -v t="$WINDOW" 'BEGIN {
        printf "disk %s: %.1f MB/s written, %.0f writes/s, %.0f flushes/s\n", d, s * 512 / t / 1e6, w / t, f / t }'
fi
