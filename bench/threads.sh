#!/usr/bin/env bash
# Where one load's server CPU goes, thread by thread, without a profiler: each Herald thread's CPU
# time and context switches (from /proc) over 5 s in the middle of the load, per item the load
# completed, and how long they waited for a core (runnable but not running, from schedstat), with the
# load generator's CPU and how busy the whole box was over the same 5 s (a box with cores to spare
# is held back by something other than CPU); then, for loads that create
# notifications, how many creates took longer than 1, 2.5, 5
# and 10 ms inside Herald (request to answer) and in the store (submit to commit), from /metrics;
# and, when perf is installed, each kind of thread's system calls per item over the 3 s after (how
# often event loops wake from epoll_wait, threads park and wake on futexes, eventfd and socket writes;
# the writer's clock_nanosleep is the group commit's gather pause, its fcntl SQLite's locks, about
# six per transaction, its pwrite64 the WAL appends and its pread64 pages its cache had dropped;
# per item at the load's mean rate).
#   bench/threads.sh LOAD [HERALD_BINARY]
# LOAD: counts creates batches fanout fanout5k fanout14k fanout20k opens resumes (stream openings,
# see bench/compare.sh). fanout is 1,000 users (their
# counts read first, so every create updates memcached) at 1,000 creates/s, fanout5k at 5,000/s,
# fanout14k and fanout20k at 14,000 and 20,000/s (capacity steps of earlier full runs). Thread
# names: NIO-* event loops, herald-writer-0 the SQLite writer (the group commit), SGLTN-TP-* NIO's
# pool (SQLite reads), TP-* libmemcached workers, herald-wal-ckpt the checkpointer, the rest Swift's
# cooperative pool; memcached's own threads are two rows of their own: its workers (mc-worker), which
# answer Herald, and the rest (such as mc-lrumaint, its LRU maintainer, which wakes about every
# millisecond while items change, when memcached runs with it: MEMCACHED_OPTIONS="").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
profiled_load "${1:-}"
D=15  # the load runs this long; the threads are read over WINDOW s of its middle, then syscalls counted
load_in_background threads "$LOAD" "${2:-}"

cpu_ticks() {  # a /proc/…/stat file's user + system CPU ticks (fields after the command name)
    cut -d')' -f2 "$1" | awk '{print $12 + $13}'
}
wait_ns() {  # a task's time runnable but waiting for a core (/proc/…/schedstat, 0 without it)
    awk '{print $2}' "$1/schedstat" 2>/dev/null || echo 0
}
threads() {  # one line per thread: id, name, CPU ticks (user + system), context switches, ns waiting for a core
    local task
    for task in /proc/"$HERALD_PID"/task/* /proc/"$MC_PID"/task/*; do
        printf '%s %s %s %s %s\n' "${task##*/}" "$(tr ' ' _ <"$task/comm")" "$(cpu_ticks "$task/stat")" \
            "$(awk '/ctxt_switches/ {n += $2} END {print n}' "$task/status")" "$(wait_ns "$task")"
    done
}
box() {  # the load generator's CPU ticks and ns waiting for a core, then the box's busy, stolen and all ticks (/proc/stat)
    local bench task ticks=0 waited=0
    bench="$(pgrep -n -f "$BENCH " || true)"
    if [ -n "$bench" ]; then
        ticks="$(cpu_ticks "/proc/$bench/stat")"
        for task in /proc/"$bench"/task/*; do waited=$((waited + $(wait_ns "$task"))); done
    fi
    echo "$ticks $waited $(awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8; print busy, $9, busy + $5 + $6 + $9}' /proc/stat)"
}
WINDOW=5  # seconds the threads are read over
sleep 4
threads >"$WORK/before"
box >"$WORK/box-before"
sleep "$WINDOW"
threads >"$WORK/after"
box >"$WORK/box-after"
SYSCALLS="write read epoll_wait futex clock_nanosleep pwrite64 pread64 fcntl fdatasync"
SYSCALL_WINDOW=3  # seconds the system calls are counted over, right after WINDOW
if command -v perf >/dev/null; then
    perf stat --per-thread -x, -o "$WORK/syscalls" -p "$HERALD_PID" \
        -e "$(for call in $SYSCALLS; do printf 'syscalls:sys_enter_%s,' "$call"; done | sed 's/,$//')" \
        -- sleep "$SYSCALL_WINDOW" >/dev/null 2>&1 || true
fi
wait "$LOAD_PID"
curl -fs localhost:8080/metrics >"$WORK/metrics" || true

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$ROOT/bench" python3 - "$WORK" "$OUT" "$(getconf CLK_TCK)" "$WINDOW" "$SYSCALLS" "$SYSCALL_WINDOW" <<'PY'
import collections, json, os, re, sys
import thread_kinds
work, out, ticks_per_second, WINDOW = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
SYSCALLS, SYSCALL_WINDOW = sys.argv[5].split(), float(sys.argv[6])


def read(path):
    totals = collections.defaultdict(lambda: [0, 0, 0])
    for line in open(path):
        _, name, ticks, switches, waited = line.split()
        total = totals[thread_kinds.kind(name)]
        total[0] += int(ticks)
        total[1] += int(switches)
        total[2] += int(waited)
    return totals

before, after = read(f"{work}/before"), read(f"{work}/after")
result = json.loads(open(out).read().splitlines()[-1])
rate = result.get("items_per_second") or result.get("delivered_per_second") or result.get("requests_per_second")
items = rate * WINDOW
print(f"{result.get('label', 'load')}: {rate:,.0f} items/s; per item, over {WINDOW:.0f} s of the load's middle:\n")
# "waiting for a core": time runnable but not running (woken or preempted, queued for a core), in
# cores like the column before it: 0.33 is a thread that waited a third of the window.
print("| threads | CPU µs | cores | context switches | waiting for a core |")
print("|---|---|---|---|---|")
total_cpu = total_switches = total_waited = 0.0
for kind in sorted(after, key=lambda k: -(after[k][0] - before.get(k, [0, 0, 0])[0])):
    earlier = before.get(kind, [0, 0, 0])
    cpu = (after[kind][0] - earlier[0]) / ticks_per_second
    switches = after[kind][1] - earlier[1]
    waited = (after[kind][2] - earlier[2]) / 1e9
    total_cpu += cpu
    total_switches += switches
    total_waited += waited
    if cpu / items < 5e-8 and switches / items < 0.005:
        continue  # idle during the load
    print(f"| {kind} | {cpu / items * 1e6:.1f} | {cpu / WINDOW:.2f} | {switches / items:.2f} | {waited / WINDOW:.2f} |")
print(f"| all | {total_cpu / items * 1e6:.1f} | {total_cpu / WINDOW:.2f} | {total_switches / items:.2f} "
      f"| {total_waited / WINDOW:.2f} |")
# The rest of the machine over the same window: the load generator shares the cores, and a box
# with cores to spare is held back by something other than CPU.
(bench0, waited0, busy0, steal0, all0), (bench1, waited1, busy1, steal1, all1) = (
    [int(v) for v in open(f"{work}/box-{when}").read().split()] for when in ("before", "after"))
cores = os.cpu_count() or 1
generator = (bench1 - bench0) / ticks_per_second
if all1 > all0:
    print(f"\n- the load generator (herald-bench): {generator / items * 1e6:.1f} µs per item, "
          f"{generator / WINDOW:.2f} of a core, waiting for a core {(waited1 - waited0) / 1e9 / WINDOW:.2f}; "
          f"the whole box: {(busy1 - busy0) / (all1 - all0) * cores:.2f} "
          f"of its {cores} cores busy, {(steal1 - steal0) / (all1 - all0) * cores:.2f} stolen by the host")

if os.path.exists(f"{work}/syscalls"):
    # perf stat --per-thread -x, lines: "<comm>-<tid>,<count>,,syscalls:sys_enter_<call>,..."
    names = dict(line.split()[:2] for line in open(f"{work}/after"))  # thread id → name
    calls = collections.defaultdict(collections.Counter)
    for line in open(f"{work}/syscalls"):
        fields = line.strip().split(",")
        if len(fields) < 4 or not fields[3].startswith("syscalls:sys_enter_"):
            continue
        try:
            count = int(fields[1])
        except ValueError:
            continue  # <not counted>
        tid = fields[0].rsplit("-", 1)[-1]
        name = names.get(tid, fields[0].rsplit("-", 1)[0])
        calls[thread_kinds.kind(name)][fields[3].removeprefix("syscalls:sys_enter_")] += count
    if calls:
        syscall_items = rate * SYSCALL_WINDOW
        print(f"\nSystem calls per item over the {SYSCALL_WINDOW:.0f} s after (perf stat, tracepoints):\n")
        print("| threads | " + " | ".join(SYSCALLS) + " |")
        print("|---|" + "---|" * len(SYSCALLS))
        for kind in sorted(calls, key=lambda k: -sum(calls[k].values())):
            if sum(calls[kind].values()) / syscall_items < 0.005:
                continue
            print(f"| {kind} | " + " | ".join(f"{calls[kind][call] / syscall_items:.2f}" for call in SYSCALLS) + " |")

buckets = collections.defaultdict(list)
pattern = re.compile(r'herald_(http_request|store)_duration_seconds_bucket\{(?:route="/v1/notifications",method="POST",'
                     r'status="201"|operation="create"),le="([^"]+)"\} (\d+)')
for line in open(f"{work}/metrics"):
    match = pattern.match(line)
    if match:
        buckets[match.group(1)].append((match.group(2), int(match.group(3))))
for kind, label in (("http_request", "single creates over HTTP, request to answer"),
                    ("store", "store create calls (a batch is one), submit to commit")):
    rows = dict(buckets.get(kind, []))
    if rows.get("+Inf"):
        total = rows["+Inf"]
        shares = ", ".join(f"{float(bound) * 1000:g} ms {100 * (total - rows[bound]) / total:.2f}%"
                           for bound in ("0.001", "0.0025", "0.005", "0.01") if bound in rows)
        print(f"- {label}, share slower than: {shares} (of {total:,} since start)")
PY
