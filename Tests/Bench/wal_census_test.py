"""bench/wal_census.py against a real SQLite database in WAL mode, written by known transactions."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import wal_census  # noqa: E402


class WALCensusTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp()
        self.path = os.path.join(self.directory, "test.sqlite")
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode = WAL")
        self.connection.execute("PRAGMA wal_autocheckpoint = 0")
        self.connection.execute("CREATE TABLE item (pk INTEGER PRIMARY KEY, user TEXT, body TEXT)")
        self.connection.execute("CREATE INDEX item_user ON item (user)")
        self.connection.execute("CREATE TABLE other (pk INTEGER PRIMARY KEY, note TEXT)")
        self.connection.execute("INSERT INTO other (note) VALUES ('seed')")
        # The setup's transactions out of the WAL, so that it holds only the test's.
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def tearDown(self):
        self.connection.close()
        shutil.rmtree(self.directory)

    def census(self):
        wal = self.path + "-wal"
        found, page_size = wal_census.transactions(wal)
        names = wal_census.owners(self.path, wal)
        return found, page_size, names

    def test_each_commit_is_a_transaction_with_the_pages_it_changed(self):
        for user in ("a", "b", "c"):
            self.connection.execute("BEGIN")
            self.connection.execute("INSERT INTO item (user, body) VALUES (?, 'x')", (user,))
            self.connection.execute("COMMIT")
        self.connection.execute("UPDATE other SET note = 'changed'")
        found, page_size, names = self.census()
        self.assertEqual(page_size, 4096)
        self.assertEqual(len(found), 4)
        for pages in found[:3]:
            self.assertEqual(sorted(names[page] for page in pages), ["item", "item_user"])
        self.assertEqual([names[page] for page in found[3]], ["other"])

    def test_a_transaction_that_grows_the_file_writes_page_one(self):
        self.connection.execute("BEGIN")
        for index in range(200):
            self.connection.execute("INSERT INTO item (user, body) VALUES (?, ?)", (f"u{index}", "x" * 200))
        self.connection.execute("COMMIT")
        found, _, names = self.census()
        self.assertEqual(len(found), 1)
        self.assertIn(1, found[0])
        self.assertGreater(sum(names.get(page) == "item" for page in found[0]), 5)

    def test_the_wal_is_read_from_a_copy_and_left_as_it_was(self):
        self.connection.execute("INSERT INTO item (user, body) VALUES ('a', 'x')")
        wal = self.path + "-wal"
        before = os.path.getsize(wal)
        self.census()
        self.assertEqual(os.path.getsize(wal), before)
        self.assertEqual(len(wal_census.transactions(wal)[0]), 1)

    def test_the_report_gives_pages_per_write_only_when_writes_were_counted(self):
        for _ in range(2):
            self.connection.execute("INSERT INTO item (user, body) VALUES ('a', 'x')")
        script = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "wal_census.py")
        for writes, expected in (("4", "4.00 writes each, so 0.50 pages per write"), ("", None)):
            output = subprocess.run([sys.executable, script, self.path, self.path + "-wal", writes],
                                    capture_output=True, text=True, check=True).stdout
            self.assertIn("2 transactions in the WAL", output)
            self.assertIn("| item |", output)
            if expected:
                self.assertIn(expected, output)
            else:
                self.assertNotIn("writes each", output)


if __name__ == "__main__":
    unittest.main()
