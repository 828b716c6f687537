#!/usr/bin/env python3
"""Turns a bench/run.sh results file (one JSON object per line) into a Markdown report."""
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


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    out = []
    out.append(f"# Herald benchmark — {path.rsplit('/', 1)[-1].split('.')[0]}\n")
    out.append("| machine | |\n|---|---|")
    out.append(f"| cores | {sh('nproc')} |")
    out.append(f"| kernel | {platform.release()} |")
    out.append(f"| swift | {sh('swift --version 2>&1 | head -1')} |")
    out.append(f"| memcached | {sh('memcached -V')} |")
    nchan = sh("dpkg-query -W -f='${Version}' libnginx-mod-nchan")
    out.append(f"| nginx / nchan | {sh('nginx -v 2>&1')} / {nchan} |")
    out.append(f"| herald commit | {sh('git rev-parse --short HEAD')} |\n")
    out.append("Load generator and servers share the machine; latencies are publish (scheduled time) → receive.\n")

    fanout_rows = [r for r in rows if r["scenario"] == "fanout"]
    fan = [r for r in fanout_rows if not r["label"].endswith("-capacity")]
    capacity = [r for r in fanout_rows if r["label"].endswith("-capacity")]
    if fan:
        rounds = max(sum(1 for r in fan if r["label"] == "herald" and r["rate"] == rate) for rate in {r["rate"] for r in fan})
        out.append(f"## 1. Fan-out latency (1,000 users, one stream each; {rounds} run(s) per server and rate)\n")
        out.append("| server | rate/s | delivered/s | delivered | p50 ms | p99 ms | max ms | server CPU µs/delivery |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in sorted(fan, key=lambda r: (r["rate"], r["label"] != "herald")):
            lat = r["latency_ms"]
            out.append(
                f"| {r['label']} | {r['rate']:.0f} | {r['delivered_per_second']:.0f} | "
                f"{r['delivered']:.0f}/{r['expected_deliveries']:.0f} | {lat['p50']:.2f} | {lat['p99']:.2f} | "
                f"{lat['max']:.2f} | {r['server_cpu_us_per_delivery']:.0f} |")
        out.append("")
        for rate in sorted({r["rate"] for r in fan}):
            p99s = {
                name: sorted(r["latency_ms"]["p99"] for r in fan if r["rate"] == rate and r["label"] == name)
                for name in ("herald", "nchan")
            }
            if p99s["herald"] and p99s["nchan"] and median(p99s["nchan"]) > 0:
                ratio = median(p99s["herald"]) / median(p99s["nchan"])
                spread = "; ".join(
                    f"{name} median {median(values):.2f} ms (runs {', '.join(f'{v:.2f}' for v in values)})"
                    for name, values in p99s.items())
                out.append(f"- {rate:.0f}/s: median p99 Herald/nchan = **{ratio:.2f}** (target ≤ 1.0); {spread}")
        out.append("")
    if capacity:
        out.append("## 2. Fan-out capacity (5 s steps about 1.4x apart; highest rate with p99 < 50 ms and nothing missing)\n")
        out.append("| server | rate/s | delivered/s | p99 ms | passed |")
        out.append("|---|---|---|---|---|")
        best = {}
        for r in capacity:
            passed = r["latency_ms"]["p99"] < 50 and r["delivered"] >= r["expected_deliveries"]
            name = r["label"].removesuffix("-capacity")
            if passed:
                best[name] = max(best.get(name, 0), r["rate"])
            out.append(f"| {name} | {r['rate']:.0f} | {r['delivered_per_second']:.0f} | "
                       f"{r['latency_ms']['p99']:.2f} | {'yes' if passed else 'no'} |")
        out.append("")
        for name in ("herald", "nchan"):
            out.append(f"- {name}: {best[name]:.0f}/s" if name in best else f"- {name}: below the first step")
        if "herald" in best and "nchan" in best:
            out.append(f"- capacity Herald/nchan = **{best['herald'] / best['nchan']:.2f}** (target ≥ 1.0)")
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

    reads = {r["label"]: r for r in rows if r["label"] in ("herald-counts", "raw-memcached")}
    if reads:
        out.append("## 4. Read path (16 in flight)\n")
        out.append("| path | ops/s | p50 ms | p99 ms |")
        out.append("|---|---|---|---|")
        for label, r in reads.items():
            rate = r.get("requests_per_second", r.get("gets_per_second", 0))
            out.append(f"| {label} | {rate:.0f} | {r['latency_ms']['p50']:.3f} | {r['latency_ms']['p99']:.3f} |")
        if len(reads) == 2:
            ratio = reads["herald-counts"]["requests_per_second"] / reads["raw-memcached"]["gets_per_second"]
            out.append(f"\n- Herald counts / raw memcached gets = **{ratio:.2f}** (target ≥ 0.5)\n")

    writes = [r for r in rows if r["label"] in ("herald-create", "herald-batch")]
    if writes:
        out.append("## 5. Writes (durable before the response)\n")
        out.append("| kind | requests/s | notifications/s | p50 ms | p99 ms | errors |")
        out.append("|---|---|---|---|---|---|")
        for r in writes:
            out.append(
                f"| {r['label']} | {r['requests_per_second']:.0f} | {r['items_per_second']:.0f} | "
                f"{r['latency_ms']['p50']:.2f} | {r['latency_ms']['p99']:.2f} | {r['errors']:.0f} |")
        out.append("- targets: ≥ 20,000 single creates/s; ≥ 100,000 notifications/s in batches\n")
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
    sys.exit(0 if lat["p99"] < 50 and r["delivered"] >= r["expected_deliveries"] else 1)


if __name__ == "__main__":
    if sys.argv[1] == "--step":
        step()
    elif sys.argv[1] == "--compare":
        compare(sys.argv[2])
    else:
        main(sys.argv[1])
