"""Tests/Sanitizer/tsan_report.py: which ThreadSanitizer reports it puts down to what TSan cannot
see through, and which it leaves for a person (and fails on)."""

import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import tsan_report  # noqa: E402

ROOT = "/repo"
# Mangled as the compiler names them: two `Mutex.withLock` bodies, a `$defer` inside one, a
# closure nested in one, a plain method, and a closure of another shape.
ENQUEUE_BODY = "$s10HeraldCore10BatchQueueC7enqueueySbxFSbAC5StateVyx_GzYuYTXEfU_"
TAKE_BODY = "$s10HeraldCore10BatchQueueC04takeC0SayxGyFAeC5StateVyx_GzYuYTXEfU_"
DEFER_IN_BODY = "$s10HeraldCore14RandomWordPoolC4pairs6UInt64V_AFtyFAF_AFtAC5State33_E9LLVzYuYTXEfU_6$deferL_yyF"
NESTED_IN_BODY = "$s11HeraldCache13LineageFilterC3mayyF5State33_6ALLVzYuYTXEfU0_SbSSAF_AhIt_SitXEfU_"
LINEAGE_BODY = "$s11HeraldCache13LineageFilterC3mayyF5State33_6ALLVzYuYTXEfU0_"
BOX_BODY = "$s17HeraldTestSupport9LockedBoxC8withLockyqd__qd__xzYuXElFqd__xzYuYTXEfU_"
TEST_CLOSURE = "$s14HeraldHTTPTests18CountsFastPathTestsV5readsyyYaKFyyYaKcfU_ySizYuXEfU_"
PLAIN_METHOD = "$s10HeraldHTTP9StreamHubC4tickyyF"
OTHER_CLOSURE = "$s10HeraldHTTP9StreamHubC4tickyyFyyXEfU_"
CONTINUATION = "$ss30withUnsafeThrowingContinuation9isolation_xScA_pSgYi_ySccyxs5Error_pGXEtYaKlFTY0_"


def frame(number, symbol, path):
    return f"    #{number} {symbol} {path} (heraldPackageTests.xctest+0x{number}f) (BuildId: ab12)"


def report(first, previous):
    """A report as TSan prints it: each access a list of (symbol, path) frames, innermost first."""
    lines = ["==================", "WARNING: ThreadSanitizer: Swift access race (pid=7)",
             "  Modifying access of Swift variable at 0x720800000038 by thread T2:"]
    lines += [frame(n, s, p) for n, (s, p) in enumerate(first)]
    lines += ["", "  Previous write of size 1 at 0x720800000038 by thread T1:"]
    lines += [frame(n, s, p) for n, (s, p) in enumerate(previous)]
    lines += ["", "  Location is heap block of size 32 at 0x720800000020 allocated by main thread:",
              frame(0, "malloc", "/llvm/tsan_interceptors_posix.cpp:686:5"), "",
              "  Thread T2 'x' (tid=9, running) created by main thread at:",
              frame(0, "pthread_create", "/llvm/tsan_interceptors_posix.cpp:1094:3"), "",
              "SUMMARY: ThreadSanitizer: Swift access race", "=================="]
    return "\n".join(lines)


def own(symbol, name):
    return symbol, f"{ROOT}/{name}.swift:12:5"


GENERATED = "/<compiler-generated>"


class KindTest(unittest.TestCase):
    def kind(self, text):
        (found,) = [tsan_report.accesses(r) for r in tsan_report.reports(text)]
        return tsan_report.kind(found, {}, ROOT)

    def test_bothAccessesInLockBodiesAreTheMutexs(self):
        self.assertEqual(self.kind(report([own(ENQUEUE_BODY, "Sources/HeraldCore/BatchQueue")],
                                          [own(TAKE_BODY, "Sources/HeraldCore/BatchQueue")])), "mutex")

    def test_theLockBodyIsFoundBeneathLibraryAndGeneratedFrames(self):
        array_growth = ("$ss22_ContiguousArrayBufferV20_consumeAndCreateNewSbSiSbtFSi_Tg5", "crtstuff.c")
        self.assertEqual(self.kind(report(
            [array_growth, ("$s10HeraldCore10BatchQueueCTA", GENERATED), own(ENQUEUE_BODY, "Sources/HeraldCore/BatchQueue")],
            [own(TAKE_BODY, "Sources/HeraldCore/BatchQueue")])), "mutex")
        self.assertEqual(self.kind(report([own(DEFER_IN_BODY, "Sources/HeraldCore/RandomWordPool")],
                                          [own(DEFER_IN_BODY, "Sources/HeraldCore/RandomWordPool")])), "mutex")

    def test_anAccessBeneathALockBodyFurtherOutIsUnderIt(self):
        # A closure nested in the body, and a test's closure run by a box's withLock (in Tests).
        self.assertEqual(self.kind(report(
            [own(NESTED_IN_BODY, "Sources/HeraldCache/LineageFilter"), own(LINEAGE_BODY, "Sources/HeraldCache/LineageFilter")],
            [own(LINEAGE_BODY, "Sources/HeraldCache/LineageFilter")])), "mutex")
        self.assertEqual(self.kind(report(
            [own(TEST_CLOSURE, "Tests/HeraldHTTPTests/CountsFastPathTests"), own(BOX_BODY, "Tests/HeraldTestSupport/LockedBox")],
            [own(BOX_BODY, "Tests/HeraldTestSupport/LockedBox")])), "mutex")
        # Alone, the nested closure names the body only as its context: it may have escaped it.
        self.assertEqual(self.kind(report([own(NESTED_IN_BODY, "Sources/HeraldCache/LineageFilter")],
                                          [own(LINEAGE_BODY, "Sources/HeraldCache/LineageFilter")])), "unexplained")

    def test_lockBodiesOfTwoTypesAreTwoLocks(self):
        self.assertEqual(self.kind(report([own(ENQUEUE_BODY, "Sources/HeraldCore/BatchQueue")],
                                          [own(LINEAGE_BODY, "Sources/HeraldCache/LineageFilter")])), "unexplained")

    def test_oneAccessOutsideALockBodyIsLeftForAPerson(self):
        self.assertEqual(self.kind(report([own(ENQUEUE_BODY, "Sources/HeraldCore/BatchQueue")],
                                          [own(PLAIN_METHOD, "Sources/HeraldHTTP/StreamHub")])), "unexplained")
        self.assertEqual(self.kind(report([own(OTHER_CLOSURE, "Sources/HeraldHTTP/StreamHub")],
                                          [own(OTHER_CLOSURE, "Sources/HeraldHTTP/StreamHub")])), "unexplained")

    def test_aLockBodyOutsideHeraldsSourcesDoesNotCount(self):
        # A frame of a package's code (under .build/checkouts) is not Herald's.
        elsewhere = (ENQUEUE_BODY, "/repo/.build/checkouts/swift-nio/Sources/NIOCore/X.swift:3:1")
        self.assertEqual(self.kind(report([elsewhere], [own(TAKE_BODY, "Sources/HeraldCore/BatchQueue")])), "unexplained")

    def test_aContinuationsResumptionIsTheRuntimes(self):
        self.assertEqual(self.kind(report([(CONTINUATION, GENERATED)],
                                          [("$sScc6resume9returningyx_tF", GENERATED)])), "continuation")
        # Only where the access is made: a continuation deeper in the stack explains nothing.
        self.assertEqual(self.kind(report([own(PLAIN_METHOD, "Sources/HeraldHTTP/StreamHub"), (CONTINUATION, GENERATED)],
                                          [own(PLAIN_METHOD, "Sources/HeraldHTTP/StreamHub")])), "unexplained")


class MainTest(unittest.TestCase):
    def run_on(self, *texts):
        paths = []
        for text in texts:
            with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log:
                log.write("test output before\n" + text + "\nafter\n")
            paths.append(log.name)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                status = tsan_report.main(["--root", ROOT, *paths])
        finally:
            for path in paths:
                os.unlink(path)
        return status, out.getvalue()

    def test_onlyExplainedReportsPassAndAreCounted(self):
        lock = report([own(ENQUEUE_BODY, "Sources/HeraldCore/BatchQueue")], [own(TAKE_BODY, "Sources/HeraldCore/BatchQueue")])
        status, out = self.run_on(lock + lock, report([(CONTINUATION, GENERATED)], [(CONTINUATION, GENERATED)]))
        self.assertEqual(status, 0)
        self.assertIn("3 ThreadSanitizer reports: 2 under a Mutex, 1 in a continuation's resumption, 0 unexplained",
                      out)

    def test_anUnexplainedReportFailsAndIsListedFirst(self):
        lock = report([own(ENQUEUE_BODY, "Sources/HeraldCore/BatchQueue")], [own(TAKE_BODY, "Sources/HeraldCore/BatchQueue")])
        plain = report([own(PLAIN_METHOD, "Sources/HeraldHTTP/StreamHub")], [own(PLAIN_METHOD, "Sources/HeraldHTTP/StreamHub")])
        status, out = self.run_on(lock, plain)
        self.assertEqual(status, 1)
        self.assertIn("1 unexplained", out)
        groups = [line for line in out.splitlines() if " × " in line]
        self.assertEqual(groups, ["1 × unexplained", "1 × mutex"])

    def test_noReportPasses(self):
        self.assertEqual(self.run_on("✔ Test run with 450 tests in 91 suites passed")[0], 0)


if __name__ == "__main__":
    unittest.main()
