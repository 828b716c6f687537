#!/usr/bin/env python3
"""How many small faults in Herald's sources the Swift suites notice (mutation testing).

Exports HEAD (or the working tree with --worktree) into a scratch directory, builds it once, then,
for each of a seeded random sample of mutants — one operator on one line changed: `==`/`!=`,
`<`/`<=`, `>`/`>=`, `&&`/`||`, `true`/`false`, `min`/`max`, `+ 1`/`- 1`, a `!` dropped — builds
the tests again and runs the Swift suites. A mutant is killed when a test fails (or the run passes
its time limit), survives when every test passes, and is unviable when it does not compile.
Survivors are where a fault could hide: each is either a test to write or a change that makes no
difference (an equivalent mutant), and the report lists them with the line they changed.

    python3 Tests/Mutation/mutate.py [--mutants N] [--seed S] [--modules HeraldCore,...]

Writes the report (Markdown) to .build-mutation/report.md and prints each mutant's outcome as it
goes. The checkout itself is never changed.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODULES = "HeraldCore,HeraldSQLite,HeraldCache,HeraldHTTP,Memcached,HeraldClient,herald"

# (name, pattern, replacement as for re.Match.expand). Patterns match outside string literals and
# comments only.
OPERATORS = [
    ("== to !=", r" == ", " != "),
    ("!= to ==", r" != ", " == "),
    ("< to <=", r" < ", " <= "),
    ("<= to <", r" <= ", " < "),
    ("> to >=", r" > ", " >= "),
    (">= to >", r" >= ", " > "),
    ("&& to ||", r" && ", " || "),
    ("|| to &&", r" \|\| ", " && "),
    ("true to false", r"\btrue\b", "false"),
    ("false to true", r"\bfalse\b", "true"),
    ("min to max", r"\bmin\(", "max("),
    ("max to min", r"\bmax\(", "min("),
    ("+ 1 to - 1", r" \+ 1\b", " - 1"),
    ("- 1 to + 1", r" - 1\b", " + 1"),
    ("! dropped", r"((?:\bif|\bguard|\bwhile|&&|\|\|) )!(?=[A-Za-z_(])", r"\1"),
]


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the package root
    line: int  # 1-based
    start: int  # column of the match in the line
    end: int
    operator: str
    replacement: str

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        original = lines[self.line - 1]
        lines[self.line - 1] = original[: self.start] + self.replacement + original[self.end :]
        return "\n".join(lines)


def code_spans(line: str):
    """The parts of a line outside string literals and a trailing comment, as (start, end) pairs."""
    spans, start, index, quoted = [], 0, 0, False
    while index < len(line):
        char = line[index]
        if quoted:
            if char == "\\":
                index += 2
                continue
            if char == '"':
                quoted, start = False, index + 1
        elif char == '"':
            spans.append((start, index))
            quoted = True
        elif line.startswith("//", index):
            spans.append((start, index))
            return spans
        index += 1
    if not quoted:
        spans.append((start, len(line)))
    return spans


# Compilation conditions as they hold on the Linux machines the mutants are built on; any other
# condition may hold, so its code is mutated.
LINUX_CONDITIONS = {"os(Linux)": True, "canImport(Glibc)": True, "os(macOS)": False, "canImport(Darwin)": False}


def compiled_on_linux(lines):
    """For each line, whether a Linux build compiles it: False inside an `#if` branch that
    `LINUX_CONDITIONS` rules out (a mutant there would build and pass unchanged)."""
    compiled = []
    # Per open `#if`: whether an earlier branch surely holds, and whether this one may.
    branches = []
    for line in lines:
        stripped = line.strip()
        word, _, condition = stripped.partition(" ")
        holds = LINUX_CONDITIONS.get(condition.strip())
        if word == "#if":
            branches.append([holds is True, holds is not False])
        elif word == "#elseif" and branches:
            branches[-1] = [branches[-1][0] or holds is True, not branches[-1][0] and holds is not False]
        elif word == "#else" and branches:
            branches[-1] = [True, not branches[-1][0]]
        elif word == "#endif" and branches:
            branches.pop()
        compiled.append(all(active for _, active in branches))
    return compiled


def candidates(root: Path, modules):
    found = []
    for module in modules:
        for path in sorted((root / "Sources" / module).rglob("*.swift")):
            relative = str(path.relative_to(root))
            in_block_comment = False
            lines = path.read_text().split("\n")
            for number, (line, compiled) in enumerate(zip(lines, compiled_on_linux(lines)), start=1):
                if not compiled:
                    continue
                stripped = line.strip()
                if in_block_comment or stripped.startswith("/*"):
                    in_block_comment = "*/" not in stripped
                    continue
                if stripped.startswith(("//", "import ", "#", "@")) or "logger." in line or '"""' in line:
                    continue
                for start, end in code_spans(line):
                    for name, pattern, replacement in OPERATORS:
                        for match in re.finditer(pattern, line[start:end]):
                            found.append(
                                Mutant(
                                    relative, number, start + match.start(), start + match.end(), name,
                                    match.expand(replacement),
                                )
                            )
    return found


def kill_tree(pid):
    """Kills a process and every process under it (SwiftPM runs compilers and the test binary in
    process groups of their own, so killing the group is not enough)."""
    try:
        os.kill(pid, signal.SIGSTOP)  # stopped before its children are listed: none comes after
    except ProcessLookupError:
        pass
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for child in children:
        kill_tree(int(child))
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def socket_directories(base=None):
    """The names of the directories `MemcachedProcess` made for its servers' sockets."""
    return {path.name for path in Path(base or tempfile.gettempdir()).glob("herald-mc-*")}


def remove_dead_socket_directories(before, base=None):
    """Removes the socket directories made since `before` (names, as ``socket_directories``
    gives them) whose socket no longer accepts a connection: a test binary that crashed or was
    killed never removed them (some thousands after a sample). A live server's stays."""
    root = Path(base or tempfile.gettempdir())
    for path in (root / name for name in socket_directories(base) - before):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.connect(str(path / "mc.sock"))
        except OSError:
            shutil.rmtree(path, ignore_errors=True)


def run(command, cwd, limit, log):
    """Runs a command in its own session; returns (exit status or None on timeout, seconds). On a
    timeout, and when this script is interrupted or terminated, the process and every process
    under it are killed (else a test binary a fault made spin outlives it)."""
    began = time.monotonic()
    directories = socket_directories()
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

        def stop(signum, _frame):
            sys.exit(128 + signum)  # the `finally` below kills what was started

        previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
        status = None
        try:
            status = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            if process.poll() is None:
                kill_tree(process.pid)
                process.wait()
            # A test binary that crashed leaves the memcached servers it started to init; those of
            # another test run, whose parent lives, are left alone.
            subprocess.run(["pkill", "-9", "-P", "1", "-f", "/tmp/herald-mc-"], check=False)
            remove_dead_socket_directories(directories)
    return status, time.monotonic() - began


def failed_tests(log):
    names = []
    for line in Path(log).read_text(errors="replace").split("\n"):
        found = re.search(r"✘ Test (\S+?)(?:\(.*\))? (?:recorded an issue|failed)", line)
        if found and found.group(1) not in names:
            names.append(found.group(1))
    return names


def export(source, target, worktree):
    if target.exists():
        for entry in target.iterdir():
            if entry.name != ".build":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    target.mkdir(parents=True, exist_ok=True)
    if worktree:
        files = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=source, check=True, capture_output=True
        ).stdout.split(b"\0")
        for name in filter(None, files):
            origin = source / name.decode()
            if origin.is_file():
                (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target / name.decode())
    else:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=source, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)


def write_report(path, arguments, outcomes):
    """Writes the Markdown report of the mutants tried so far; returns the score's text and the
    number of survivors."""
    killed = sum(1 for o in outcomes if o[4] == "killed")
    survived = [o for o in outcomes if o[4] == "survived"]
    viable = killed + len(survived)
    score = f"{killed}/{viable} = {killed / viable:.0%}" if viable else "no viable mutant"
    report = [
        f"# Mutation testing: {score} of the compiling mutants killed", "",
        f"Seed {arguments.seed}, modules {arguments.modules}; {len(outcomes)} mutants tried, "
        f"{len(outcomes) - viable} did not compile.", "", "## Survivors", "",
    ]
    for index, mutant, before, after, _, _ in survived:
        report += [f"- {index}: `{mutant.path}:{mutant.line}` ({mutant.operator})", f"  - `{before}`", f"  + `{after}`"]
    report += ["", "## Every mutant", "", "| # | where | operator | outcome | first failing tests |", "|---|---|---|---|---|"]
    for index, mutant, _, _, outcome, tests in outcomes:
        operator = mutant.operator.replace("|", "\\|")  # `||` would end the table's cell
        report.append(f"| {index} | `{mutant.path}:{mutant.line}` | {operator} | {outcome} | {', '.join(tests[:3])} |")
    path.write_text("\n".join(report) + "\n")
    return score, len(survived)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutants", type=int, default=60, help="how many mutants to try (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="the sample's random seed (default 1)")
    parser.add_argument("--modules", default=DEFAULT_MODULES, help="comma-separated Sources/ modules to mutate")
    parser.add_argument("--worktree", action="store_true", help="mutate the working tree's files, not HEAD's")
    parser.add_argument("--test-limit", type=int, default=180, help="seconds before a test run counts as killed")
    parser.add_argument("--from", dest="first", type=int, default=1, help="start at the sample's Nth mutant")
    parser.add_argument("--only", help="PATH:LINE: try only the mutants of that line")
    arguments = parser.parse_args()

    scratch = ROOT / ".build-mutation"
    work = scratch / "package"
    export(ROOT, work, arguments.worktree)
    logs = scratch / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)

    pool = candidates(work, arguments.modules.split(","))
    if arguments.only:
        path, line = arguments.only.rsplit(":", 1)
        sample = [m for m in pool if m.path == path and m.line == int(line)]
    else:
        sample = random.Random(arguments.seed).sample(pool, min(arguments.mutants, len(pool)))
    print(f"{len(pool)} possible mutants in {arguments.modules}; trying {len(sample)} (seed {arguments.seed})")

    build = ["swift", "build", "--build-tests"]
    status, seconds = run(build, work, 1800, logs / "build.log")
    if status != 0:
        sys.exit(f"the unchanged package does not build: see {logs / 'build.log'}")
    print(f"built the unchanged package in {seconds:.0f} s")

    outcomes = []
    for index, mutant in enumerate(sample, start=1):
        if index < arguments.first:
            continue
        file = work / mutant.path
        original = file.read_text()
        mutated = mutant.apply(original)
        before = original.split("\n")[mutant.line - 1].strip()
        after = mutated.split("\n")[mutant.line - 1].strip()
        file.write_text(mutated)
        log = logs / f"{index:03d}.log"
        try:
            status, _ = run(build, work, 900, log)
            if status != 0:
                outcome, tests = "unviable", []
            else:
                status, _ = run(["swift", "test", "--skip-build"], work, arguments.test_limit, log)
                outcome = "survived" if status == 0 else "killed"
                tests = failed_tests(log) if status else []
                if status is None:
                    tests = ["(time limit)"]
        finally:
            file.write_text(original)
        outcomes.append((index, mutant, before, after, outcome, tests))
        write_report(scratch / "report.md", arguments, outcomes)
        print(f"[{index}/{len(sample)}] {outcome:8} {mutant.path}:{mutant.line} ({mutant.operator}): {after}"
              + (f" — by {', '.join(tests[:3])}" if tests else ""), flush=True)

    score, survivors = write_report(scratch / "report.md", arguments, outcomes)
    print(f"{score} killed; {survivors} survived; report: {scratch / 'report.md'}")


if __name__ == "__main__":
    main()
