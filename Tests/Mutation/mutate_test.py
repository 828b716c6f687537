"""Tests/Mutation/mutate.py: which mutants it finds in a line of Swift, and what each changes."""

import os
import socket
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
import mutate  # noqa: E402


def mutants_of(*lines):
    """The mutants found in a one-file module made of `lines`, as (line, mutated line) pairs."""
    with tempfile.TemporaryDirectory() as root:
        source = Path(root, "Sources", "Module")
        source.mkdir(parents=True)
        text = "\n".join(lines)
        (source / "File.swift").write_text(text)
        found = mutate.candidates(Path(root), ["Module"])
        return [(m.line, m.apply(text).split("\n")[m.line - 1]) for m in found]


class CandidatesTest(unittest.TestCase):
    def test_eachOperatorIsMutatedOnceWhereItStands(self):
        self.assertEqual(
            mutants_of("if a == b && c < d { return true }"),
            [
                (1, "if a != b && c < d { return true }"),
                (1, "if a == b && c <= d { return true }"),
                (1, "if a == b || c < d { return true }"),
                (1, "if a == b && c < d { return false }"),
            ],
        )

    def test_aNegationIsDroppedAfterAKeywordOrAConnective(self):
        self.assertEqual(
            mutants_of("guard !done || !(x) else { return }"),
            [(1, "guard !done && !(x) else { return }"), (1, "guard done || !(x) else { return }"),
             (1, "guard !done || (x) else { return }")],
        )

    def test_countsAndBoundsAreMutated(self):
        self.assertEqual(
            mutants_of("let n = min(count + 1, limit - 1)"),
            [(1, "let n = max(count + 1, limit - 1)"), (1, "let n = min(count - 1, limit - 1)"),
             (1, "let n = min(count + 1, limit + 1)")],
        )

    def test_stringsCommentsImportsAndLogLinesAreLeftAlone(self):
        self.assertEqual(
            mutants_of(
                '// a == b',
                '/// true',
                '/* a == b',
                '   true */',
                'import Foundation',
                'logger.info("x", metadata: ["ok": "\\(a == b)"])',
                'let s = "a == \\"b\\" == c" // x == y',
                'let t = s == "true"',
            ),
            [(8, 'let t = s != "true"')],
        )

    def test_branchesALinuxBuildLeavesOutAreNotMutated(self):
        self.assertEqual(
            mutants_of(
                "#if os(Linux)",
                "let a = x == 1",
                "#else",
                "let a = x == 2",
                "#endif",
                "#if canImport(Darwin)",
                "let b = y == 3",
                "#elseif canImport(Glibc)",
                "let b = y == 4",
                "    #if DEBUG",
                "    let c = z == 5",
                "    #else",
                "    let c = z == 6",
                "    #endif",
                "#else",
                "let b = y == 7",
                "#endif",
                "let d = w == 8",
            ),
            [(2, "let a = x != 1"), (9, "let b = y != 4"), (11, "    let c = z != 5"), (13, "    let c = z != 6"),
             (18, "let d = w != 8")],
        )

    def test_wordsThatContainAKeywordAreNotMutated(self):
        self.assertEqual(mutants_of("let untrue = isTrue && minimum(x)"), [(1, "let untrue = isTrue || minimum(x)")])


class FailedTestsTest(unittest.TestCase):
    def test_failingSwiftTestingTestsAreNamedOnce(self):
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log:
            log.write(
                "✔ Test passes() passed after 0.1 seconds.\n"
                "✘ Test breaks(fastPath:) recorded an issue with 1 argument fastPath → true at A.swift:3:5\n"
                "✘ Test breaks(fastPath:) failed after 0.2 seconds with 1 issue.\n"
                "✘ Test other() recorded an issue at B.swift:9:1: Expectation failed\n"
            )
        try:
            self.assertEqual(mutate.failed_tests(log.name), ["breaks", "other"])
        finally:
            os.unlink(log.name)


class SocketDirectoriesTest(unittest.TestCase):
    def test_onlyNewDirectoriesWhoseSocketIsDeadAreRemoved(self):
        with tempfile.TemporaryDirectory() as base:
            def make(name):
                directory = Path(base, name)
                directory.mkdir()
                return directory

            make("herald-mc-OLD")  # there before the run: left, though nothing listens
            before = mutate.socket_directories(base)
            dead = make("herald-mc-DEAD")
            (dead / "mc.sock").touch()  # a socket file whose server is gone reads the same
            make("herald-mc-EMPTY")
            live = make("herald-mc-LIVE")
            make("other-dir")
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
                server.bind(str(live / "mc.sock"))
                server.listen()
                mutate.remove_dead_socket_directories(before, base)
            self.assertEqual(before, {"herald-mc-OLD"})
            self.assertEqual(sorted(os.listdir(base)), ["herald-mc-LIVE", "herald-mc-OLD", "other-dir"])


if __name__ == "__main__":
    unittest.main()
