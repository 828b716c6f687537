#!/usr/bin/env python3
"""Turns a bench/run.sh results file (one JSON object per line) into a Markdown report.

  report.py RUN.jsonl [RUN.summary.json]   the report on stdout; the key figures and ratios as JSON
  report.py --diff OLD NEW                 two runs' figures side by side (.md, .summary.json or .jsonl)
  report.py --compare FILE.jsonl           medians per binary of a bench/compare.sh run
  report.py --step                         one capacity step (stdin), exit 1 when it failed
  report.py --tail FILE [STALL_MS]         where in a fan-out run its tail lies (herald-bench fanout
                                           --deliveries-out FILE): p99 per second, and the deliveries
                                           over STALL_MS (default 2) grouped by 10 ms window
"""
import json
import platform
import subprocess
import sys


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "?"


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def machine():
    return {
        "cores": sh("nproc"),
        "kernel": platform.release(),
        "swift": sh("swift --version 2>&1 | head -1"),
        "memcached": sh("memcached -V"),
        "nginx": sh("nginx -v 2>&1"),
        "nchan": sh("dpkg-query -W -f='${Version}' libnginx-mod-nchan"),
        "herald_commit": sh("git rev-parse --short HEAD"),
    }


def capacity_passed(r):
    return r["latency_ms"]["p99"] < 50 and r["delivered"] >= r["expected_deliveries"]


def p99_runs(fan, rate, name):
    """The p99s of one server's fan-out latency runs at one rate, lowest first."""
    return sorted(r["latency_ms"]["p99"] for r in fan if r["rate"] == rate and r["label"] == name)


def stopped_runs(fan, rate, name):
    """How long the machine stopped, ms per second, in each of a server's runs at a rate (runs with
    `herald-bench fanout --stall-probe`, from 20261204 on)."""
    return [r["machine_stopped_ms_per_second"] for r in fan
            if r["rate"] == rate and r["label"] == name and "machine_stopped_ms_per_second" in r]


def fanout_counts_cached(rows):
    """Whether Herald's fan-outs read each user's counts first (so every publish updated memcached):
    True, False, or None when the run has no Herald fan-out. Runs before 20261203T092952Z never did."""
    herald = [r for r in rows if r["scenario"] == "fanout" and r["label"].startswith("herald")]
    return all(r.get("warm_url") for r in herald) if herald else None


# How memcached ran when a run does not say: runs up to 20261203T112718Z started it with its defaults.
DEFAULT_MEMCACHED_OPTIONS = "(memcached's defaults)"
# A setup field a summary lacks, and what a difference in it makes incomparable.
# bench/run.sh's scenarios, in order; issue #3 bounds a run of all of them at 10 minutes.
ALL_SCENARIOS = ("fanout", "capacity", "idle", "reads", "writes")
SUITE_BOUND_SECONDS = 600

SETUP_FIELDS = {
    "herald_fanout_updates_memcached": (False, "fan-out figures are not comparable"),
    "memcached_options": (DEFAULT_MEMCACHED_OPTIONS, "Herald's figures include its memcached's CPU and wake-ups"),
    "fanout_publisher_connections": (32, "the publisher offers each server at most connections / request time"),
    "scenarios": (" ".join(ALL_SCENARIOS), "the suites' durations are not comparable"),
    "quick": (False, "QUICK=1 shortens every phase: no figure is comparable"),
}


def suite_duration(seconds):
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


def summarize(rows, facts):
    """The run's key figures and ratios, for comparing runs (see --diff)."""
    summary = {"machine": facts, "figures": {}, "setup": {}}
    figures = summary["figures"]
    cached = fanout_counts_cached(rows)
    if cached is not None:
        summary["setup"]["herald_fanout_updates_memcached"] = cached
    for r in rows:
        if r["scenario"] == "setup":
            summary["setup"]["memcached_options"] = r["memcached_options"] or DEFAULT_MEMCACHED_OPTIONS
            summary["setup"]["fanout_publisher_connections"] = r.get("pub_conns", 32)
        elif r["scenario"] == "suite":
            figures["suite_seconds"] = r["seconds"]
            summary["setup"]["scenarios"] = r["scenarios"]
            summary["setup"]["quick"] = r["quick"]
    fan = [r for r in rows if r["scenario"] == "fanout" and not r["label"].endswith("-capacity")]
    for rate in sorted({r["rate"] for r in fan}):
        p99 = {name: p99_runs(fan, rate, name) for name in ("herald", "nchan")}
        delivered = [r["delivered_per_second"] for r in fan if r["rate"] == rate and r["label"] == "herald"]
        key = f"fanout_{rate:.0f}"
        if p99["herald"]:
            figures[f"{key}_herald_p99_ms"] = median(p99["herald"])
            figures[f"{key}_herald_delivered_per_s"] = median(delivered)
        if p99["nchan"]:
            figures[f"{key}_nchan_p99_ms"] = median(p99["nchan"])
        for name in ("herald", "nchan"):
            stopped = stopped_runs(fan, rate, name)
            if stopped:
                figures[f"{key}_{name}_machine_stopped_ms_per_s"] = median(stopped)
        if p99["herald"] and p99["nchan"] and median(p99["nchan"]) > 0:
            figures[f"{key}_p99_ratio_herald_nchan"] = median(p99["herald"]) / median(p99["nchan"])
    capacity = [r for r in rows if r["scenario"] == "fanout" and r["label"].endswith("-capacity")]
    for name in ("herald", "nchan"):
        passed = [r["rate"] for r in capacity if r["label"] == f"{name}-capacity" and capacity_passed(r)]
        if passed:
            figures[f"capacity_{name}_per_s"] = max(passed)
    if "capacity_herald_per_s" in figures and "capacity_nchan_per_s" in figures:
        figures["capacity_ratio_herald_nchan"] = figures["capacity_herald_per_s"] / figures["capacity_nchan_per_s"]
    for r in rows:
        if r["scenario"] == "idle":
            figures[f"idle_{r['label']}_bytes_per_stream"] = r["bytes_per_stream"]
        elif r["scenario"] == "handoff":
            figures["loop_timer_wake_cpu_us"] = r["timer_cpu_us"]
            figures["handoff_cpu_us"] = r["handoff_cpu_us"]
            figures["handoff_p50_ms"] = r["latency_ms"]["p50"]
    writes = write_rounds(rows)
    for label, runs in writes.items():
        layer, kind = label.split("-", 1)
        key = "creates" if kind == "create" else "batch_notifications"
        if runs:
            figures[f"{key}_per_s" if layer == "herald" else f"{key}_{layer}_per_s"] = median(
                [r["items_per_second"] for r in runs])
        if runs and label == "herald-create":
            figures["creates_p99_ms"] = median([r["latency_ms"]["p99"] for r in runs])
    for key, kind in (("creates", "create"), ("batch_notifications", "batch")):
        shares = store_shares(writes, kind)
        if shares:
            figures[f"{key}_ratio_herald_store"] = median(shares)
    if "idle_herald_bytes_per_stream" in figures and figures.get("idle_nchan_bytes_per_stream"):
        figures["idle_ratio_herald_nchan"] = figures["idle_herald_bytes_per_stream"] / figures["idle_nchan_bytes_per_stream"]
    reads = read_rounds(rows)
    for label, key in READ_PATHS.items():
        if reads[label]:
            figures[key] = median(reads[label])
    if reads["herald-counts"] and reads["raw-memcached"]:
        figures["counts_ratio_herald_raw"] = median(counts_ratios(reads))
    return summary


# Issue #3's targets: name, the summary figure, whether a higher value is better, the bound.
TARGETS = [
    ("1. fan-out p99 at 1k/s, Herald / nchan", "fanout_1000_p99_ratio_herald_nchan", False, 1.0),
    ("1. fan-out p99 at 5k/s, Herald / nchan", "fanout_5000_p99_ratio_herald_nchan", False, 1.0),
    ("2. capacity, Herald / nchan", "capacity_ratio_herald_nchan", True, 1.0),
    ("3. memory per idle stream, bytes", "idle_herald_bytes_per_stream", False, 10240),
    ("4. counts, Herald / raw memcached", "counts_ratio_herald_raw", True, 0.5),
    ("5. single creates per second", "creates_per_s", True, 20000),
    ("5. batched notifications per second", "batch_notifications_per_s", True, 100000),
]


def targets_met(figures):
    """Each target the run measured: (name, value, bound, higher is better, met)."""
    return [(name, figures[key], bound, higher, figures[key] >= bound if higher else figures[key] <= bound)
            for name, key, higher, bound in TARGETS if figures.get(key) is not None]


def suite_lines(summary):
    """How long the scenarios took, against issue #3's bound when all of them ran at full length."""
    seconds = summary["figures"].get("suite_seconds")
    if seconds is None:
        return []  # runs before the suite was timed
    setup = summary["setup"]
    line = f"The scenarios ({setup['scenarios']}{', QUICK' if setup['quick'] else ''}) took {suite_duration(seconds)}"
    if setup["scenarios"].split() == list(ALL_SCENARIOS) and not setup["quick"]:
        verdict = "within" if seconds <= SUITE_BOUND_SECONDS else "**over**"
        line += (f", {verdict} the {SUITE_BOUND_SECONDS // 60} minutes issue #3 allows the whole suite "
                 "(the release build before them is not counted)")
    return [line + ".\n"]


def show_figure(value):
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


# Scenario 4's paths and the summary figure of each (the median of its rounds).
READ_PATHS = {
    "herald-counts": "counts_herald_per_s",
    "nginx-static": "counts_http_ceiling_per_s",
    "raw-memcached": "counts_raw_memcached_per_s",
}


def read_rate(r):
    return r.get("requests_per_second", r.get("gets_per_second", 0))


def read_rounds(rows):
    """Scenario 4's rates per path, in the order measured (one per round)."""
    return {label: [read_rate(r) for r in rows if r["label"] == label] for label in READ_PATHS}


def counts_ratios(reads):
    """Herald counts / raw memcached gets of each round: the two measured back to back, so drift of
    the shared machine between rounds does not enter a ratio. Rounds missing a side are left out."""
    return [h / m for h, m in zip(reads["herald-counts"], reads["raw-memcached"]) if m > 0]


# Scenario 5's loads, in the order each round runs them: Herald over HTTP, then the same loads inside
# herald-bench through the SQLite store alone and through the service.
WRITE_LOADS = ("herald-create", "herald-batch", "store-create", "store-batch", "service-create", "service-batch")


def write_rounds(rows):
    """Scenario 5's runs of each load, in the order measured (one per round)."""
    return {
        label: [r for r in rows if r["label"] == label and r["scenario"] in ("http", "writes")]
        for label in WRITE_LOADS
    }


def store_shares(writes, kind):
    """Herald over HTTP / the store alone of each round for `kind` (create or batch): the two run
    in the same round, so drift of the shared machine between rounds does not enter a share."""
    return [
        h["items_per_second"] / s["items_per_second"]
        for h, s in zip(writes[f"herald-{kind}"], writes[f"store-{kind}"])
        if s["items_per_second"] > 0
    ]


def load_summary(path):
    """A run's summary: its .summary.json (also for its .md report, the file the README links), or
    computed from its .jsonl (machine facts unknown)."""
    if path.endswith(".md"):
        path = path[: -len(".md")] + ".summary.json"
    with open(path) as file:
        if path.endswith(".jsonl"):
            return summarize([json.loads(line) for line in file if line.strip()], {})
        return json.load(file)


def diff(old_path, new_path):
    """Two runs side by side (each a .summary.json or a .jsonl): every figure old → new."""
    old, new = load_summary(old_path), load_summary(new_path)
    print(f"| figure | {old_path.rsplit('/', 1)[-1]} | {new_path.rsplit('/', 1)[-1]} | change |")
    print("|---|---|---|---|")
    for key in sorted(set(old["figures"]) | set(new["figures"])):
        a, b = old["figures"].get(key), new["figures"].get(key)
        change = f"{round((b - a) / a * 100):+d}%" if a and b is not None else ""
        show = lambda v: "—" if v is None else show_figure(v)
        print(f"| {key} | {show(a)} | {show(b)} | {change} |")
    old_met, new_met = targets_met(old["figures"]), targets_met(new["figures"])
    print(f"\ntargets met: {sum(ok for *_, ok in old_met)} of {len(old_met)} → {sum(ok for *_, ok in new_met)} of {len(new_met)}")
    # Summaries from before a setup field was recorded had its default (SETUP_FIELDS).
    old_setup, new_setup = old.get("setup", {}), new.get("setup", {})
    for field in sorted(set(old_setup) | set(new_setup)):
        default, consequence = SETUP_FIELDS.get(field, (None, "figures may not be comparable"))
        before, after = old_setup.get(field, default), new_setup.get(field, default)
        if before != after:
            print(f"\nsetup differs: {field}: {before} → {after} ({consequence})")
    for field in sorted(set(old["machine"]) & set(new["machine"])):
        if old["machine"][field] != new["machine"][field]:
            print(f"\nmachine differs: {field}: {old['machine'].get(field)} → {new['machine'].get(field)}")


def main(path, summary_out=None):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    facts = machine()
    summary = summarize(rows, facts)
    figures = summary["figures"]
    if summary_out:
        with open(summary_out, "w") as file:
            json.dump(summary, file, indent=2, sort_keys=True)
            file.write("\n")
    out = []
    out.append(f"# Herald benchmark — {path.rsplit('/', 1)[-1].split('.')[0]}\n")
    out.append("| machine | |\n|---|---|")
    out.append(f"| cores | {facts['cores']} |")
    out.append(f"| kernel | {facts['kernel']} |")
    out.append(f"| swift | {facts['swift']} |")
    out.append(f"| memcached | {facts['memcached']}, options: {summary['setup'].get('memcached_options', DEFAULT_MEMCACHED_OPTIONS)} |")
    out.append(f"| nginx / nchan | {facts['nginx']} / {facts['nchan']} |")
    connections = summary["setup"].get("fanout_publisher_connections", 32)
    out.append(f"| fan-out publisher | {connections} connections, one request in flight on each |")
    out.append(f"| herald commit | {facts['herald_commit']} |")
    for r in (r for r in rows if r["scenario"] == "handoff"):
        # What waking threads costs here (herald-bench handoff): each durable write hands its work to
        # the writer thread and back; nchan answers and delivers from the one thread that read.
        out.append(f"| thread wake-ups at {r['rate']:.0f}/s | an event loop woken by its timer: {r['timer_cpu_us']:.1f} µs CPU; "
                   f"with a hand-off to a thread and back: +{r['handoff_cpu_us']:.1f} µs, p50 {r['latency_ms']['p50'] * 1000:.0f} µs, "
                   f"p99 {r['latency_ms']['p99'] * 1000:.0f} µs |")
    out.append("")
    # The warm-up and counting memcached's CPU came in together (runs from 20261203T092952Z on).
    cached = summary["setup"].get("herald_fanout_updates_memcached")
    note = ("Load generator and servers share the machine; latencies are publish (scheduled time) → receive. "
            + ("Herald's server CPU is Herald's and its memcached's" if cached is not False else
               "Herald's server CPU is Herald's alone")
            + "; nchan's is nginx's master and workers'.")
    if cached:
        note += (" In Herald's fan-outs each user's counts are read once before publishing, so every publish "
                 "also updates them in memcached.")
    elif cached is False:
        note += " In Herald's fan-outs no user's counts were cached, so no publish updated memcached."
    out.append(note + "\n")

    met = targets_met(figures)
    if met:
        out.append(f"Targets met: **{sum(ok for *_, ok in met)} of {len(met)}** measured (issue #3; details per scenario below).\n")
        out.append("| target | this run | bound | met |\n|---|---|---|---|")
        for name, value, bound, higher, ok in met:
            out.append(f"| {name} | {show_figure(value)} | {'≥' if higher else '≤'} {show_figure(bound)} | {'yes' if ok else 'no'} |")
        out.append("")
    out.extend(suite_lines(summary))

    fanout_rows = [r for r in rows if r["scenario"] == "fanout"]
    fan = [r for r in fanout_rows if not r["label"].endswith("-capacity")]
    capacity = [r for r in fanout_rows if r["label"].endswith("-capacity")]
    if fan:
        rounds = max(sum(1 for r in fan if r["label"] == "herald" and r["rate"] == rate) for rate in {r["rate"] for r in fan})
        out.append(f"## 1. Fan-out latency (1,000 users, one stream each; {rounds} run(s) per server and rate)\n")
        out.append("| server | rate/s | delivered/s | delivered | p50 ms | p99 ms | max ms | server CPU µs/delivery | publisher late, p99 ms | machine stopped, ms/s |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(fan, key=lambda r: (r["rate"], r["label"] != "herald")):
            lat = r["latency_ms"]
            late = r.get("publish_send_lateness_ms")
            late = f"{late['p99']:.2f}" if late else "-"  # runs before this field: unknown
            stopped = r.get("machine_stopped_ms_per_second")
            stopped = f"{stopped:.1f}" if stopped is not None else "-"  # runs without the probe
            out.append(
                f"| {r['label']} | {r['rate']:.0f} | {r['delivered_per_second']:.0f} | "
                f"{r['delivered']:.0f}/{r['expected_deliveries']:.0f} | {lat['p50']:.2f} | {lat['p99']:.2f} | "
                f"{lat['max']:.2f} | {r['server_cpu_us_per_delivery']:.0f} | {late} | {stopped} |")
        out.append("")
        if any("machine_stopped_ms_per_second" in r for r in fan):
            out.append("*Machine stopped*: how long, per second of publishing, a real-time thread of the load generator "
                       "found the whole machine stopped (wake-ups over 1 ms late; `herald-bench stalls`). On the bench's VM "
                       "that is the host not running the VM, which it does while the VM writes its disk: Herald commits "
                       "every event there, nchan writes nothing (`bench/stalls.sh`; *The VM stopped while its disk is "
                       "written* in `bench/HISTORY.md`).\n")
        if any(r.get("publish_send_lateness_ms") for r in fan):
            out.append("*Publisher late*: how long after its scheduled time the load generator sent a publish "
                       "(every connection still waiting on an answer, or the generator's one event loop busy with a "
                       "burst of answers and deliveries after a stall). Latencies count from the schedule, so this part of them is "
                       "the generator's; `bench/report.py --tail` splits a run's slow deliveries the same way.\n")
        for rate in sorted({r["rate"] for r in fan}):
            ratio = figures.get(f"fanout_{rate:.0f}_p99_ratio_herald_nchan")
            if ratio is not None:
                spread = "; ".join(
                    f"{name} median {figures[f'fanout_{rate:.0f}_{name}_p99_ms']:.2f} ms (runs "
                    + ", ".join(f"{p99:.2f}" for p99 in p99_runs(fan, rate, name))
                    + ")"
                    for name in ("herald", "nchan"))
                medians = {name: figures.get(f"fanout_{rate:.0f}_{name}_machine_stopped_ms_per_s") for name in ("herald", "nchan")}
                stopped = ""
                if None not in medians.values():
                    stopped = "; machine stopped, median " + ", ".join(f"{name} {value:.1f}" for name, value in medians.items()) + " ms/s"
                out.append(f"- {rate:.0f}/s: median p99 Herald/nchan = **{ratio:.2f}** (target ≤ 1.0); {spread}{stopped}")
        out.append("")
    if capacity:
        out.append("## 2. Fan-out capacity (5 s steps about 1.4x apart, a missed step run once more; highest rate with p99 < 50 ms and nothing missing)\n")
        out.append("| server | rate/s | delivered/s | p99 ms | passed |")
        out.append("|---|---|---|---|---|")
        for r in capacity:
            passed = capacity_passed(r)
            name = r["label"].removesuffix("-capacity")
            out.append(f"| {name} | {r['rate']:.0f} | {r['delivered_per_second']:.0f} | "
                       f"{r['latency_ms']['p99']:.2f} | {'yes' if passed else 'no'} |")
        out.append("")
        unbounded = set()  # servers that passed every step they ran: the ladder's top, not theirs
        for name in ("herald", "nchan"):
            best = figures.get(f"capacity_{name}_per_s")
            failed = [r for r in capacity if r["label"] == f"{name}-capacity" and not capacity_passed(r)]
            if best and not failed:
                unbounded.add(name)
                out.append(f"- {name}: {best:.0f}/s or more (it passed the last step)")
            else:
                out.append(f"- {name}: {best:.0f}/s" if best else f"- {name}: below the first step")
        if "capacity_ratio_herald_nchan" in figures:
            bound = {"nchan": " (at most: nchan passed the last step)", "herald": " (at least: Herald passed the last step)"}
            note = "".join(bound[name] for name in sorted(unbounded))
            out.append(f"- capacity Herald/nchan = **{figures['capacity_ratio_herald_nchan']:.2f}**{note} (target ≥ 1.0)")
        out.append("")

    idle = [r for r in rows if r["scenario"] == "idle"]
    if idle:
        out.append("## 3. Idle streams\n")
        out.append("| server | streams connected | RSS delta MB | bytes per stream |")
        out.append("|---|---|---|---|")
        for r in idle:
            delta = (r["rss_after_bytes"] - r["rss_before_bytes"]) / 1e6
            out.append(f"| {r['label']} | {r['connected']:.0f} | {delta:.1f} | {r['bytes_per_stream']:.0f} |")
        out.append("- target: ≤ 10,240 bytes per stream\n")

    reads = read_rounds(rows)
    if any(reads.values()):
        rounds = max(len(rates) for rates in reads.values())
        order = ", the paths interleaved" if rounds > 1 else ""
        out.append(f"## 4. Read path (16 in flight; {rounds} round(s){order})\n")
        out.append("| path | median ops/s | ops/s per round | median p50 ms | median p99 ms |")
        out.append("|---|---|---|---|---|")
        for label in READ_PATHS:
            runs = [r for r in rows if r["label"] == label]
            if runs:
                out.append(
                    f"| {label} | {median(reads[label]):.0f} | {', '.join(f'{rate:.0f}' for rate in reads[label])} | "
                    f"{median([r['latency_ms']['p50'] for r in runs]):.3f} | "
                    f"{median([r['latency_ms']['p99'] for r in runs]):.3f} |")
        if "counts_ratio_herald_raw" in figures:
            ratio = figures["counts_ratio_herald_raw"]
            per_round = ", ".join(f"{value:.2f}" for value in counts_ratios(reads))
            out.append(
                f"\n- Herald counts / raw memcached gets = **{ratio:.2f}** (target ≥ 0.5), the median of the "
                f"rounds' ratios ({per_round})")
        if "counts_http_ceiling_per_s" in figures and "counts_herald_per_s" in figures:
            ceiling = figures["counts_http_ceiling_per_s"]
            out.append(
                f"- nginx-static answers the same URLs with a fixed body and no lookup: the most this load "
                f"generator gets over HTTP on this machine. Herald counts = {figures['counts_herald_per_s'] / ceiling:.2f} "
                f"of it; the target (0.5 × raw) is {figures.get('counts_raw_memcached_per_s', 0) * 0.5 / ceiling:.2f} of it.")
        out.append("")

    writes = write_rounds(rows)
    if any(writes.values()):
        rounds = max(len(runs) for runs in writes.values())
        order = ", the loads interleaved" if rounds > 1 else ""
        out.append(f"## 5. Writes (durable before the response; {rounds} round(s){order})\n")
        out.append(
            "| kind | median requests/s | median notifications/s | notifications/s per round | "
            "median p50 ms | median p99 ms | errors |")
        out.append("|---|---|---|---|---|---|---|")
        for label, runs in writes.items():
            if runs:
                rates = [r["items_per_second"] for r in runs]
                out.append(
                    f"| {label} | {median([r['requests_per_second'] for r in runs]):.0f} | {median(rates):.0f} | "
                    f"{', '.join(f'{rate:.0f}' for rate in rates)} | "
                    f"{median([r['latency_ms']['p50'] for r in runs]):.2f} | "
                    f"{median([r['latency_ms']['p99'] for r in runs]):.2f} | "
                    f"{sum(r.get('errors', 0) for r in runs):.0f} |")
        out.append("- targets: ≥ 20,000 single creates/s; ≥ 100,000 notifications/s in batches")
        if any(writes[label] for label in WRITE_LOADS[2:]):
            out.append(
                "- store-* and service-* run the same loads inside herald-bench, without HTTP: through the SQLite "
                "store alone (the limit the durable commit sets on this machine) and through the service "
                "(store, memcached counts, broker).")
        shares = [
            f"{what} {figures[key]:.2f}"
            for what, key in (
                ("single creates", "creates_ratio_herald_store"),
                ("batched notifications", "batch_notifications_ratio_herald_store"))
            if key in figures]
        if shares:
            out.append(
                f"- Herald over HTTP / the store alone, the median of the rounds' shares: {', '.join(shares)}. "
                "The store alone moves with the box's speed from hour to hour, so this share tells a change "
                "in Herald from a change in the box better than the rates do.")
        out.append("")
    print("\n".join(out))


def compare(path):
    """Medians per binary and load of a bench/compare.sh (or profile.sh) results file."""
    runs = {}
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            binary, _, load = r["label"].rpartition(" ")
            runs.setdefault((load, binary), []).append(r)
    print("| load | binary | runs | items/s | p99 ms | server CPU µs/item |")
    print("|---|---|---|---|---|---|")
    for (load, binary), results in sorted(runs.items()):
        if results[0]["scenario"] == "fanout":
            rates = [r["delivered_per_second"] for r in results]
            cpu = [r["server_cpu_us_per_delivery"] for r in results]
        elif results[0]["scenario"] == "opens":
            rates = [r["opens_per_second"] for r in results]
            cpu = [r["server_cpu_us_per_open"] for r in results]
        else:
            rates = [r["items_per_second"] for r in results]
            cpu = [r["server_cpu_seconds"] * 1e6 / max(1, r["requests_ok"] * r["items_per_second"] / max(r["requests_per_second"], 1e-9))
                   for r in results]
        p99 = [r["latency_ms"]["p99"] for r in results]
        print(f"| {load} | {binary or '-'} | {len(results)} | {median(rates):.0f} ({', '.join(f'{v:.0f}' for v in rates)}) | "
              f"{median(p99):.2f} ({', '.join(f'{v:.2f}' for v in p99)}) | {median(cpu):.0f} |")


def step():
    """Capacity step: print one fan-out result; exit 1 once p99 >= 50 ms or deliveries are missing."""
    r = json.loads(sys.stdin.read())
    lat = r["latency_ms"]
    print(f"  {r['label']} {r['rate']:.0f}/s: p99 {lat['p99']:.2f} ms, delivered {r['delivered']:.0f}/{r['expected_deliveries']:.0f}")
    sys.exit(0 if capacity_passed(r) else 1)


def percentile(values, q):
    """The q-quantile of values by rank (values not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def tail(path, stall_ms=2.0):
    """Where a fan-out run's tail lies: per-second p99 and max, the first second against the rest
    (a warm-up shows there), and how the slow deliveries cluster (a few long stalls hold up many
    consecutive deliveries each; many short ones spread over the run hold up a few), and, when the
    file says when each publish went out (a third column; older files have two), how much of the
    latency, and of the slow deliveries', was the publisher sending late."""
    rows = []
    lateness = {}  # a row's index: ms from the schedule to the publish's send, where known
    with open(path) as f:
        for line in f:
            if line.strip():
                sent_us, latency_us, *rest = line.split()
                if rest and rest[0] != "-":
                    lateness[len(rows)] = int(rest[0]) / 1000
                rows.append((int(sent_us), int(latency_us) / 1000))
    if not rows:
        print(f"{path}: no deliveries")
        return
    latencies = [latency for _, latency in rows]
    print(f"{len(rows)} deliveries: p50 {percentile(latencies, 0.5):.2f} ms, p99 {percentile(latencies, 0.99):.2f} ms, "
          f"max {max(latencies):.2f} ms")
    first = [latency for sent, latency in rows if sent < 1_000_000]
    rest = [latency for sent, latency in rows if sent >= 1_000_000]
    if first and rest:
        print(f"p99 of the first second {percentile(first, 0.99):.2f} ms, of the rest {percentile(rest, 0.99):.2f} ms")
    seconds = {}
    for sent, latency in rows:
        seconds.setdefault(sent // 1_000_000, []).append(latency)
    print("p99 per second (ms):", " ".join(f"{percentile(v, 0.99):.1f}" for _, v in sorted(seconds.items())))
    print("max per second (ms):", " ".join(f"{max(v):.1f}" for _, v in sorted(seconds.items())))
    slow = [sent for sent, latency in rows if latency > stall_ms]
    windows = len({sent // 10_000 for sent in slow})
    print(f"over {stall_ms:g} ms: {len(slow)} deliveries ({100 * len(slow) / len(rows):.2f}%), "
          f"in {windows} windows of 10 ms")
    if lateness:
        late = list(lateness.values())
        print(f"publisher late (schedule to send): p50 {percentile(late, 0.5):.2f} ms, p99 {percentile(late, 0.99):.2f} ms, "
              f"max {max(late):.2f} ms")
        stalled = [index for index in lateness if rows[index][1] > stall_ms]
        if stalled:
            total = sum(rows[index][1] for index in stalled)
            sending = sum(min(lateness[index], rows[index][1]) for index in stalled)
            print(f"of the deliveries over {stall_ms:g} ms: {total / len(stalled):.2f} ms on average, "
                  f"{sending / len(stalled):.2f} ms of it ({100 * sending / total:.0f}%) before the publish was sent")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) > 1 else 2)
    if sys.argv[1] == "--step":
        step()
    elif sys.argv[1] == "--compare":
        compare(sys.argv[2])
    elif sys.argv[1] == "--diff":
        diff(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "--tail":
        tail(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 2.0)
    else:
        main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
