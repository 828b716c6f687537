#!/usr/bin/env bash
# Where woken threads wait: the scheduler's wake-ups and switches on the whole box (perf sched
# tracepoints) over 1 s in the middle of a load, and for each kind of thread how often it was
# woken, on which vCPU the kernel queued it (the waker's own or the other), whether that vCPU was
# busy and the other idle at the moment, and how long it waited from the wake-up until it ran;
# then what it waited behind (the kind of thread running on that vCPU when it was woken), and how
# often each kind of thread was preempted (switched out while still runnable) and by which kind.
# A wake-up queued on a busy vCPU while the other one idles waits for the running thread to yield
# or be preempted: `bench/threads.sh`'s "waiting for a core" with cores to spare. On the bench's
# VM (a kernel with `sched_vcpu_pack` on its command line) most wake-ups are queued on the waker's
# vCPU.
#   bench/wakeups.sh LOAD [HERALD_BINARY]
# LOAD: counts creates batches fanout fanout5k fanout14k fanout20k opens resumes (as in bench/threads.sh).
# Rows: Herald's threads by kind, named as in bench/threads.sh (bench/thread_kinds.py); the load
# generator (herald-bench); memcached. Needs perf and root (or perf_event_paranoid -1).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
profiled_load "${1:-}" perf
D=10  # the load runs this long; the scheduler is recorded over 1 s of its middle
load_in_background wakeups "$LOAD" "${2:-}"
sleep 4
{
    ps -T -p "$HERALD_PID" -o spid=,comm= | sed 's/^/herald /'
    for bench in $(pgrep -f "$BENCH " || true); do ps -T -p "$bench" -o spid=,comm= | sed 's/^/generator /'; done
    ps -T -p "$MC_PID" -o spid=,comm= | sed 's/^/memcached /'
} >"$WORK/tids"
recorded=0
perf record -q -a -e sched:sched_switch -e sched:sched_wakeup -o "$WORK/sched.data" -- sleep 1 \
    >/dev/null 2>"$WORK/perf.err" || recorded=$?
wait "$LOAD_PID"
if [ "$recorded" -ne 0 ]; then
    echo "perf could not record the scheduler's tracepoints (root, or perf_event_paranoid -1, needed):" >&2
    cat "$WORK/perf.err" >&2
    exit 1
fi
perf script -i "$WORK/sched.data" -F cpu,time,event,trace 2>/dev/null >"$WORK/sched.txt"
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$ROOT/bench" python3 - "$WORK" "$LOAD" "$(nproc)" <<'EOF'
import collections, re, sys
import thread_kinds
work, load, cores = sys.argv[1], sys.argv[2], int(sys.argv[3])

def kind(process, name):
    """Herald's threads by kind, as bench/threads.sh groups them; the other processes whole."""
    return thread_kinds.kind(name) if process == "herald" else process

kinds = {}
for line in open(f"{work}/tids"):
    process, tid, name = line.split(None, 2)
    kinds[int(tid)] = kind(process, name.strip())

event = re.compile(r"^\s*\[(\d+)\]\s+([\d.]+):\s+sched:(sched_switch|sched_wakeup):\s+(.*)$")
running = {}  # vCPU -> pid running (0: idle)
waiting = {}  # pid -> (time woken, queued on the waker's vCPU, that vCPU busy, another idle, running there)
rows = collections.defaultdict(list)
preempted = collections.defaultdict(collections.Counter)  # kind -> kind of the thread that took its vCPU
start = end = None
for line in open(f"{work}/sched.txt"):
    match = event.match(line)
    if not match:
        continue
    cpu, time, name, fields = int(match[1]), float(match[2]), match[3], match[4]
    start = time if start is None else start
    end = time
    if name == "sched_switch":
        pid = int(re.search(r"next_pid=(\d+)", fields)[1])
        switched = re.search(r"prev_pid=(\d+) .*prev_state=(\S+)", fields)
        if switched and switched[2].startswith("R") and int(switched[1]) in kinds:
            preempted[kinds[int(switched[1])]][kinds.get(pid, "other processes")] += 1
        running[cpu] = pid
        if pid in waiting:
            woken, own, busy, other_idle, behind = waiting.pop(pid)
            rows[kinds[pid]].append(((time - woken) * 1e6, own, busy, other_idle, behind))
    else:
        wake = re.search(r"pid=(\d+) .*target_cpu=(\d+)", fields)
        pid, target = int(wake[1]), int(wake[2])
        if pid in kinds:
            others = [c for c in range(cores) if c != target]
            current = running.get(target, 0)
            waiting[pid] = (time, target == cpu, current != 0,
                            any(running.get(c, 0) == 0 for c in others),
                            "idle" if current == 0 else kinds.get(current, "other processes"))
seconds = max((end or 0) - (start or 0), 1e-9)

def pct(values, q):
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0

print(f"{load}: wake-ups over {seconds:.2f} s of the load's middle ({cores} vCPUs)\n")
print("| threads | wake-ups/s | queued on the waker's vCPU | queued on a busy vCPU, another idle "
      "| their wait, mean µs | all waits p50 / p90 / mean µs | waiting, ms/s |")
print("|---|---|---|---|---|---|---|")
order = ["event loops", "SQLite writer", "SQLite reads (NIO's pool)", "libmemcached workers", "checkpointer",
         thread_kinds.OTHER, "generator", "memcached"]
for name in order:
    waits = rows.get(name)
    if not waits:
        continue
    all_waits = sorted(w for w, *_ in waits)
    packed = [w for w, own, busy, other_idle, _ in waits if busy and other_idle]
    own = sum(1 for _, own, *_ in waits if own)
    print(f"| {name} | {len(waits) / seconds:,.0f} | {100 * own / len(waits):.0f}% "
          f"| {100 * len(packed) / len(waits):.0f}% | {sum(packed) / max(len(packed), 1):.0f} "
          f"| {pct(all_waits, 0.5):.0f} / {pct(all_waits, 0.9):.0f} / {sum(all_waits) / len(all_waits):.0f} "
          f"| {sum(all_waits) / 1000 / seconds:.1f} |")


def shares(counter):
    total = sum(counter.values()) or 1
    return ", ".join(f"{other} {100 * part / total:.0f}%" for other, part in counter.most_common()
                     if part / total >= 0.01)


behind = {name: collections.Counter() for name in rows}
for name, waits in rows.items():
    for wait, *_, kind in waits:
        behind[name][kind] += wait
print("\nWhat each waited behind: the share of its waiting spent queued behind each kind of thread that")
print("ran on its vCPU when it was woken (idle: that vCPU was idle, and the wait was the vCPU's own wake-up).\n")
print("| threads | waited behind |")
print("|---|---|")
print("\n".join(f"| {name} | {shares(behind[name])} |" for name in order if name in behind))
print("\nPreemptions: how often each kind of thread lost its vCPU while still runnable, and to which kind")
print("of thread (usually one just woken there, which the scheduler let run first).\n")
print("| threads | preempted/s | by |")
print("|---|---|---|")
print("\n".join(f"| {name} | {sum(preempted[name].values()) / seconds:,.0f} | {shares(preempted[name])} |"
                for name in order if name in preempted))
EOF
