#!/usr/bin/env python3
"""Sorts ThreadSanitizer's reports in the logs given into the kinds TSan cannot see through on
Linux and the rest, which are for a person to read; exits 1 when any of the rest is there.

TSan learns of synchronization from pthread calls and from atomics in instrumented code. Swift's
`Synchronization.Mutex` locks with a futex from the uninstrumented standard library, so every access
made under one looks unsynchronized to it (a four-thread program that appends to an array under a
`Mutex` gets seven reports; the README, Development). A report counts as such when each of its two accesses was made while a
closure given to `Mutex.withLock` ran (a frame of the access's stack, in Herald's sources or
tests, is such a closure: its mangled name says it takes `inout sending` state and returns a
`sending` result, which is `withLock`'s body and no other lock's in Herald or its packages), and
the innermost such frame of both is in the same file, so the same type's lock (one type per
file). Resuming a
continuation crosses Swift's concurrency runtime, also uninstrumented: a report whose either access
is made in `with…Continuation` or `…Continuation.resume` itself is of that kind.

    tsan_report.py [--root REPOSITORY] LOG...
"""

import argparse
import collections
import os
import re
import subprocess
import sys

SEPARATOR = "=================="
CONTINUATION = re.compile(r"with(Unsafe|Checked)(Throwing)?Continuation|(Unsafe|Checked)Continuation\.resume")
FRAME = re.compile(r"#\d+ (\S+) (\S+)")
# The end of the mangled name of a non-escaping closure `(inout sending State) throws(E) -> sending
# Result`, `Mutex.withLock`'s body (`fU0_` when numbered after another closure), or of a `defer` in
# one. A closure nested in one only names it as its context; the body's own frame is further out.
LOCK_BODY = re.compile(r"zYuYTXEfU\d*_(6\$deferL_yyF)?$")


def reports(text):
    """Each TSan report in `text`, as its text."""
    return [part for part in text.split(SEPARATOR) if "WARNING: ThreadSanitizer:" in part]


def accesses(report):
    """The report's two accesses (the first and the `Previous` one), each as its frames:
    (symbol, location) pairs, innermost first."""
    sections = re.split(r"\n\s*(?=Previous |Location is |Thread T|Mutex )", report)
    return [FRAME.findall(section) for section in sections[:2]]


def demangle(symbols):
    """`symbols` demangled (simplified) by `swift demangle`; as they are when it is missing."""
    symbols = sorted(set(symbols))
    try:
        out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(symbols),
                             capture_output=True, text=True, check=True, timeout=120).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return {symbol: symbol for symbol in symbols}
    return dict(zip(symbols, out))


def lock_body_file(frames, root):
    """The file of the innermost frame that runs a `Mutex.withLock` body in Herald's sources or
    tests under `root`, or None when no frame of the stack does."""
    for symbol, location in frames:
        path = location.split(":")[0]
        own = any(path.startswith(os.path.join(root, part) + os.sep) for part in ("Sources", "Tests"))
        if own and path.endswith(".swift") and LOCK_BODY.search(symbol):
            return path
    return None


def kind(frames_of_accesses, names, root):
    """Which kind the report of these accesses is: "mutex", "continuation" or "unexplained"."""
    innermost = [names.get(frames[0][0], frames[0][0]) for frames in frames_of_accesses if frames]
    if any(CONTINUATION.search(name) for name in innermost):
        return "continuation"
    if len(frames_of_accesses) < 2:
        return "unexplained"
    files = [lock_body_file(frames, root) for frames in frames_of_accesses]
    return "mutex" if files[0] is not None and files[0] == files[1] else "unexplained"


def place(frames, names):
    """An access's innermost three frames, demangled."""
    return " ← ".join(names.get(symbol, symbol)[:90] for symbol, _ in frames[:3]) or "(no frames)"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                        help="the repository, whose Sources and Tests are Herald's code (default: this one's)")
    parser.add_argument("logs", nargs="+")
    options = parser.parse_args(argv)
    root = os.path.abspath(options.root)
    found = []
    for log in options.logs:
        with open(log, encoding="utf-8", errors="replace") as file:
            found += [accesses(report) for report in reports(file.read())]
    names = demangle(symbol for report in found for frames in report for symbol, _ in frames)
    groups = collections.Counter()
    for report in found:
        groups[(kind(report, names, root), tuple(place(frames, names) for frames in report))] += 1
    totals = collections.Counter()
    for (what, _), count in groups.items():
        totals[what] += count
    print(f"{len(found)} ThreadSanitizer reports: {totals['mutex']} under a Mutex, "
          f"{totals['continuation']} in a continuation's resumption, {totals['unexplained']} unexplained")
    for (what, places), count in sorted(groups.items(), key=lambda item: (item[0][0] != "unexplained", -item[1])):
        print(f"\n{count} × {what}")
        for where in places:
            print(f"    {where}")
    return 1 if totals["unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
