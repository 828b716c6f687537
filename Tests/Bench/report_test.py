"""bench/report.py: the figures and ratios a run's summary gives, and which targets they meet."""

import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, BENCH)
import report  # noqa: E402


def report_on(rows, *options):
    """report.py run on `rows` written to a scratch .jsonl, with `options` before the file."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as out:
        out.write("\n".join(json.dumps(r) for r in rows) + "\n")
    try:
        return subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), *options, out.name],
                              capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(out.name)


def fanout(label, rate, p99, delivered=None, expected=None, stopped=None):
    row = {
        "scenario": "fanout", "label": label, "rate": rate, "latency_ms": {"p99": p99},
        "delivered_per_second": rate, "delivered": delivered if delivered is not None else rate * 10,
        "expected_deliveries": expected if expected is not None else rate * 10,
        "warm_url": "http://127.0.0.1:8080/v1/users/{channel}/counts" if label.startswith("herald") else None,
    }
    if stopped is not None:
        row["machine_stopped_ms_per_second"] = stopped
    return row


class SummaryTest(unittest.TestCase):
    def test_fanout_ratio_is_of_the_medians_of_the_runs(self):
        rows = [
            fanout("herald", 5000, 4.0, stopped=9.0), fanout("herald", 5000, 1.0, stopped=1.0),
            fanout("herald", 5000, 9.0, stopped=5.0),
            fanout("nchan", 5000, 0.2), fanout("nchan", 5000, 3.0), fanout("nchan", 5000, 0.1),
        ]
        figures = report.summarize(rows, {})["figures"]
        self.assertEqual(figures["fanout_5000_herald_p99_ms"], 4.0)
        self.assertEqual(figures["fanout_5000_nchan_p99_ms"], 0.2)
        self.assertAlmostEqual(figures["fanout_5000_p99_ratio_herald_nchan"], 20.0)
        self.assertEqual(figures["fanout_5000_herald_machine_stopped_ms_per_s"], 5.0)
        self.assertNotIn("fanout_5000_nchan_machine_stopped_ms_per_s", figures)

    def test_capacity_is_the_highest_step_passed_with_nothing_missing(self):
        rows = [
            fanout("herald-capacity", 5000, 4.0),
            fanout("herald-capacity", 7000, 49.0),
            fanout("herald-capacity", 10000, 30.0, delivered=99000, expected=100000),  # one missing
            fanout("herald-capacity", 10000, 60.0),
            fanout("nchan-capacity", 20000, 10.0),
            fanout("nchan-capacity", 28000, 50.0),  # p99 must stay under 50 ms
        ]
        figures = report.summarize(rows, {})["figures"]
        self.assertEqual(figures["capacity_herald_per_s"], 7000)
        self.assertEqual(figures["capacity_nchan_per_s"], 20000)
        self.assertAlmostEqual(figures["capacity_ratio_herald_nchan"], 0.35)
        self.assertNotIn("fanout_7000_herald_p99_ms", figures)  # capacity steps are not latency runs

    def test_counts_ratio_is_the_median_of_each_rounds_own_ratio(self):
        rows = []
        for herald, raw in ((20000, 40000), (30000, 40000), (10000, 50000)):
            rows.append({"scenario": "http", "label": "herald-counts", "requests_per_second": herald})
            rows.append({"scenario": "memcached", "label": "raw-memcached", "gets_per_second": raw})
        figures = report.summarize(rows, {})["figures"]
        self.assertAlmostEqual(figures["counts_ratio_herald_raw"], 0.5)  # of 0.5, 0.75, 0.2
        self.assertEqual(figures["counts_herald_per_s"], 20000)

    def test_writes_give_rates_and_shares_of_the_store_alone(self):
        rows = [
            {"scenario": "http", "label": "herald-create", "items_per_second": 15000, "latency_ms": {"p99": 4.5}},
            {"scenario": "http", "label": "herald-batch", "items_per_second": 90000, "latency_ms": {"p99": 30}},
            {"scenario": "writes", "label": "store-create", "items_per_second": 25000},
            {"scenario": "writes", "label": "store-batch", "items_per_second": 100000},
            {"scenario": "writes", "label": "service-create", "items_per_second": 24000},
        ]
        figures = report.summarize(rows, {})["figures"]
        self.assertEqual(figures["creates_per_s"], 15000)
        self.assertAlmostEqual(figures["creates_ratio_herald_store"], 0.6)
        self.assertAlmostEqual(figures["batch_notifications_ratio_herald_store"], 0.9)
        self.assertEqual(figures["creates_service_per_s"], 24000)

    def test_write_rounds_give_medians_and_the_median_of_each_rounds_share(self):
        rows = []
        for herald, p99, store in ((20000, 3.0, 25000), (24000, 9.0, 40000), (18000, 4.0, 20000)):
            rows.append({"scenario": "http", "label": "herald-create", "items_per_second": herald,
                         "requests_per_second": herald, "latency_ms": {"p50": 1.0, "p99": p99}})
            rows.append({"scenario": "writes", "label": "store-create", "items_per_second": store,
                         "requests_per_second": store, "latency_ms": {"p50": 1.0, "p99": 2.0}})
        summary = report.summarize(rows, {})
        figures = summary["figures"]
        self.assertEqual(figures["creates_per_s"], 20000)
        self.assertEqual(figures["creates_p99_ms"], 4.0)
        self.assertEqual(figures["creates_store_per_s"], 25000)
        self.assertAlmostEqual(figures["creates_ratio_herald_store"], 0.8)  # of 0.8, 0.6, 0.9
        result = report_on(rows)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("## 5. Writes (durable before the response; 3 round(s), the loads interleaved)", result.stdout)
        self.assertIn("| herald-create | 20000 | 20000 | 20000, 24000, 18000 | 1.00 | 4.00 | 0 |", result.stdout)
        self.assertIn("the median of the rounds' shares: single creates 0.80", result.stdout)


class TargetsTest(unittest.TestCase):
    def test_each_bound_is_met_from_the_right_side(self):
        met = {name: ok for name, _, _, _, ok in report.targets_met({
            "fanout_1000_p99_ratio_herald_nchan": 1.0,  # at the bound: met
            "fanout_5000_p99_ratio_herald_nchan": 1.01,
            "capacity_ratio_herald_nchan": 0.99,
            "idle_herald_bytes_per_stream": 6910,
            "counts_ratio_herald_raw": 0.5,
            "creates_per_s": 19999,
            "batch_notifications_per_s": 100000,
        })}
        self.assertEqual(met, {
            "1. fan-out p99 at 1k/s, Herald / nchan": True,
            "1. fan-out p99 at 5k/s, Herald / nchan": False,
            "2. capacity, Herald / nchan": False,
            "3. memory per idle stream, bytes": True,
            "4. counts, Herald / raw memcached": True,
            "5. single creates per second": False,
            "5. batched notifications per second": True,
        })

    def test_a_target_the_run_did_not_measure_is_left_out(self):
        self.assertEqual([name for name, *_ in report.targets_met({"creates_per_s": 21000})],
                         ["5. single creates per second"])


class SuiteDurationTest(unittest.TestCase):
    @staticmethod
    def summary(seconds, scenarios="fanout capacity idle reads writes", quick=False):
        rows = [{"scenario": "suite", "label": "suite", "seconds": seconds, "scenarios": scenarios, "quick": quick}]
        return report.summarize(rows, {})

    def test_a_full_run_is_held_to_the_issues_ten_minutes(self):
        within = self.summary(599)
        self.assertEqual(within["figures"]["suite_seconds"], 599)
        self.assertIn("took 9 min 59 s, within the 10 minutes", report.suite_lines(within)[0])
        self.assertIn("took 10 min 01 s, **over** the 10 minutes", report.suite_lines(self.summary(601))[0])

    def test_a_partial_or_quick_run_gets_its_time_and_no_verdict(self):
        for summary in (self.summary(700, scenarios="fanout idle"), self.summary(700, quick=True)):
            line = report.suite_lines(summary)[0]
            self.assertIn("took 11 min 40 s", line)
            self.assertNotIn("minutes issue #3 allows", line)

    def test_a_run_from_before_the_suite_was_timed_has_no_line(self):
        self.assertEqual(report.suite_lines(report.summarize([], {})), [])


class CommittedRunsTest(unittest.TestCase):
    def test_the_newest_runs_summary_comes_again_from_its_measurements(self):
        """The newest committed run's .summary.json, which the README quotes, is what report.py
        computes from that run's .jsonl: every target figure the same."""
        summaries = sorted(glob.glob(os.path.join(BENCH, "results", "2*.summary.json")))
        self.assertTrue(summaries)
        with open(summaries[-1]) as file:
            stored = json.load(file)["figures"]
        computed = report.load_summary(summaries[-1].replace(".summary.json", ".jsonl"))["figures"]
        for _, key, _, _ in report.TARGETS:
            if key in stored:
                self.assertAlmostEqual(computed[key], stored[key], places=9, msg=key)

    def test_a_runs_report_stands_for_its_summary(self):
        """--diff takes a run's .md report, the file the README links, as its .summary.json."""
        summary = sorted(glob.glob(os.path.join(BENCH, "results", "2*.summary.json")))[-1]
        report_path = summary.replace(".summary.json", ".md")
        self.assertTrue(os.path.exists(report_path))
        self.assertEqual(report.load_summary(report_path), report.load_summary(summary))


class CompareTest(unittest.TestCase):
    def test_medians_per_binary_and_load_of_every_kind_of_row(self):
        rows = [
            {"scenario": "opens", "label": "1:a opens", "opens_per_second": v, "server_cpu_us_per_open": c,
             "latency_ms": {"p99": p}} for v, c, p in ((900, 700, 20.0), (1000, 600, 10.0), (1100, 500, 30.0))
        ] + [
            {"scenario": "http", "label": "1:a counts", "items_per_second": 2000, "requests_per_second": 2000,
             "requests_ok": 20000, "server_cpu_seconds": 1.0, "latency_ms": {"p99": 2.0}},
        ]
        result = report_on(rows, "--compare")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("| opens | 1:a | 3 | 1000 (900, 1000, 1100) | 20.00 (20.00, 10.00, 30.00) | 600 |", result.stdout)
        self.assertIn("| counts | 1:a | 1 | 2000 (2000) | 2.00 (2.00) | 50 |", result.stdout)


class UsageTest(unittest.TestCase):
    def run_report(self, *arguments):
        return subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), *arguments],
                              capture_output=True, text=True, timeout=30)

    def test_help_lists_every_mode(self):
        result = self.run_report("--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        for mode in ("RUN.jsonl", "--diff", "--compare", "--step", "--tail"):
            self.assertIn(mode, result.stdout)

    def test_no_arguments_is_a_usage_error_not_a_traceback(self):
        result = self.run_report()
        self.assertEqual(result.returncode, 2)
        self.assertIn("--diff", result.stdout)
        self.assertNotIn("Traceback", result.stderr)


if __name__ == "__main__":
    unittest.main()
