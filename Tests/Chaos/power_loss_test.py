"""Under `--sync normal` a power loss can roll back answered commits, and with them the seqs
browsers saw; the server's next start moves every user past them, so no seq names two events.

`herald serve` keeps a mark in its database while it runs (the machine's boot id and how many rows
it may leave unsynced) and removes it when it stops cleanly. The test kills the server (SIGKILL):
started again in the same boot, it moves nothing, as the OS kept everything the process wrote.
Then it plays a restart of the machine by writing another boot id into the mark the killed server
left, and starts the server again: every user's seq is 10,000 further, with a `reset` that a
stream resuming from before gets first, and new events follow it. A clean stop leaves no mark,
nor a WAL (the file alone has every commit), and the start after it moves nothing.
"""

import os
import shutil
import sqlite3
import unittest

from chaos_test import Client, assert_database_consistent, first_event, scratch_with_server

USERS = ("pl-a", "pl-b")
MARGIN = 10_000
WARNING = "the last run did not stop cleanly and the machine has started since"


class PowerLossTest(unittest.TestCase):
    def setUp(self):
        self.directory, self.memcached, self.server = scratch_with_server(self, "power-loss")

    def tearDown(self):
        if self.server.process is not None and self.server.process.poll() is None:
            self.server.kill()
        if self.memcached.process.poll() is None:
            self.memcached.kill()
        shutil.rmtree(self.directory)

    def mark(self):
        """The mark of a running (or killed) server: its boot and margin rows in `meta`."""
        with sqlite3.connect(self.server.database) as connection:
            rows = connection.execute("SELECT key, value FROM meta WHERE key LIKE 'open_session_%'").fetchall()
        connection.close()
        return dict(rows)

    def warnings(self):
        with open(self.server.log_path) as log:
            return log.read().count(WARNING)

    def counts(self):
        with Client(self.server.port) as client:
            return {user: client.call("GET", f"/v1/users/{user}/counts")[1]["seq"] for user in USERS}

    def create(self, count):
        with Client(self.server.port) as client:
            for _ in range(count):
                for user in USERS:
                    status, body = client.call("POST", "/v1/notifications", {"user": user, "type": "t"})
                    self.assertEqual(status, 201, body)

    def test_aStartAfterTheMachineWentDownMovesEverySeqPastWhatWasAnswered(self):
        self.server.start()
        self.create(3)
        self.assertEqual(self.counts(), {user: 3 for user in USERS})
        self.server.kill()
        with open("/proc/sys/kernel/random/boot_id") as boot:
            this_boot = int(boot.read().replace("-", "")[:16], 16)
        mark = self.mark()
        self.assertEqual(mark["open_session_margin"], MARGIN)
        self.assertEqual(mark["open_session_boot"] & (2**64 - 1), this_boot)

        # Killed in this boot: nothing was lost, nothing moves.
        self.server.start()
        self.assertEqual(self.counts(), {user: 3 for user in USERS})
        self.assertEqual(self.warnings(), 0)
        self.server.kill()

        # The machine went down with the server running: the mark names another boot.
        with sqlite3.connect(self.server.database) as connection:
            connection.execute("UPDATE meta SET value = value + 1 WHERE key = 'open_session_boot'")
        connection.close()
        self.server.start()
        self.assertEqual(self.warnings(), 1)
        with open(self.server.log_path) as log:
            self.assertIn(f"so {len(USERS)} users' seqs moved", log.read())
        moved = 3 + MARGIN + 1
        self.assertEqual(self.counts(), {user: moved for user in USERS})
        for user in USERS:
            for seen in (3, 2):  # an event the disk may have lost, or an older one
                self.assertEqual(first_event(self.server.port, user, seen), (str(moved), "reset"), user)
        self.create(1)
        self.assertEqual(self.counts(), {user: moved + 1 for user in USERS})
        assert_database_consistent(self, self.server.database, "after the seqs moved")

        # A clean stop leaves no mark, and the next start moves nothing. It leaves no WAL either:
        # the file alone, copied as an operator would copy a stopped server's, has no mark.
        self.assertEqual(self.server.stop(), 0, "herald's exit status after SIGTERM")
        self.assertFalse(os.path.exists(self.server.database + "-wal"))
        alone = os.path.join(self.directory, "copied.sqlite")
        shutil.copyfile(self.server.database, alone)
        with sqlite3.connect(alone) as connection:
            self.assertEqual(connection.execute("SELECT count(*) FROM meta WHERE key LIKE 'open_session_%'")
                             .fetchone()[0], 0)
        connection.close()
        self.assertEqual(self.mark(), {})
        self.server.start()
        self.assertEqual(self.warnings(), 1)
        self.assertEqual(self.counts(), {user: moved + 1 for user in USERS})
        self.assertEqual(self.server.stop(), 0, "herald's exit status after SIGTERM")


if __name__ == "__main__":
    unittest.main()
