"""The README's backup, taken while Herald writes, restores to a consistent database that can run
beside the original on the same memcached, and `herald restore` puts it in place of the original
handing out no seq twice.

Clients write for a few seconds; halfway, `herald backup` copies the database (as the README's
*Operations* says to back up; SQLite's `VACUUM INTO` underneath). Writes go on after the copy, then the original restarts, so its
cache generation moves past the copy's (the copy's first start bumps it to the original's), and
caches every user's counts. A second `herald serve` then runs on the copy, over the same memcached
with the same key prefix.

For every user, on the copy: the counts equal what the list says, and the event log replayed from
the start ends with those counts; on the original, the same. The copy must be behind the original
for some user, or the test would not tell the two apart.

Then both stop and `herald restore` puts the copy in place of the original: each user the copy is
behind for has the copy's counts at the original's seq plus one, a `reset`, which a stream resuming
from the original's last event gets first; the others have the copy's counts as they were.
"""

import os
import shutil
import subprocess
import threading
import time
import unittest

from chaos_test import (
    HERALD_BIN, USERS, Client, HeraldServer, StreamFollower, Worker, assert_database_consistent, first_event,
    free_port, listed_notifications, scratch_with_memcached, wait_until)

WRITE_SECONDS = 4


class BackupTest(unittest.TestCase):
    def setUp(self):
        self.directory, (self.memcached,) = scratch_with_memcached(self, "backup")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            if server.process.poll() is None:
                server.kill()
        if self.memcached.process.poll() is None:
            self.memcached.kill()
        shutil.rmtree(self.directory)

    def serve(self, database):
        server = HeraldServer(free_port(), os.path.join(self.directory, database), [self.memcached.port],
                              os.path.join(self.directory, f"{database}.log"))
        server.start()
        self.servers.append(server)
        return server

    def test_aCopyTakenUnderLoadRunsConsistentBesideTheOriginal(self):
        original = self.serve("herald.sqlite")
        failures, stop = [], threading.Event()
        workers = [Worker(20261204 + i, original.port, stop, failures) for i in range(6)]
        for worker in workers:
            worker.start()
        time.sleep(WRITE_SECONDS / 2)
        backup = subprocess.run([HERALD_BIN, "backup", "--database", os.path.join(self.directory, "herald.sqlite"),
                                 os.path.join(self.directory, "copy.sqlite")],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual((backup.returncode, backup.stderr), (0, ""))
        self.assertRegex(backup.stdout, r"^backed up .* to .*copy\.sqlite: \d+ bytes, \d+ users?, \d+ notification rows?, checked, in \d+ ms\n$")
        self.assertEqual([name for name in os.listdir(self.directory) if "partial" in name], [])
        # The copy and, while the workers write on, the original agree with themselves.
        assert_database_consistent(self, os.path.join(self.directory, "copy.sqlite"), "the copy")
        assert_database_consistent(self, os.path.join(self.directory, "herald.sqlite"), "the original under writes")
        time.sleep(WRITE_SECONDS / 2)
        stop.set()
        for worker in workers:
            worker.join(60)
        self.assertEqual(failures, [])
        time.sleep(4)  # the last short-lived notifications (3 s) expire, and a sweep (every 1 s) removes them
        self.assertEqual(original.stop(), 0, "herald's exit status after SIGTERM")
        original.start()  # a generation past the copy's

        originals = {}
        with Client(original.port) as client:
            wait_until(lambda: client.call("GET", "/readyz")[1]["cache"] == "up", 10, "the original's cache up")
            for user in USERS:
                client.call("GET", f"/v1/users/{user}/counts")  # fills
                originals[user] = client.call("GET", f"/v1/users/{user}/counts")[1]

        copy = self.serve("copy.sqlite")
        time.sleep(2)  # its first sweeps remove what expired since the copy was taken
        behind, copies = 0, {}
        for server in (copy, original):
            with Client(server.port) as client:
                for user in USERS:
                    counts = self.check_consistent(client, server, user)
                    if server is copy:
                        copies[user] = counts
                        behind += counts["seq"] < originals[user]["seq"]
                    else:
                        self.assertEqual(counts, originals[user], f"{user}: the original's counts moved")
        self.assertGreater(behind, 0, "the copy is behind the original for no user")
        for server in self.servers:
            self.assertEqual(server.stop(), 0, "herald's exit status after SIGTERM")

        # The copy restored over the original: each user behind goes past the original's seq with
        # a reset, which a stream resuming from the original's last event gets first.
        restore = subprocess.run([HERALD_BIN, "restore", "--database", os.path.join(self.directory, "herald.sqlite"),
                                  os.path.join(self.directory, "copy.sqlite")],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual((restore.returncode, restore.stderr), (0, ""))
        moved = f"{behind} user's seq" if behind == 1 else f"{behind} users' seqs"
        self.assertIn(f"{moved} moved past the replaced database's", restore.stdout)
        assert_database_consistent(self, os.path.join(self.directory, "herald.sqlite"), "restored")
        original.start()
        with Client(original.port) as client:
            for user in USERS:
                counts = client.call("GET", f"/v1/users/{user}/counts")[1]
                if copies[user]["seq"] < originals[user]["seq"]:
                    self.assertEqual(counts, dict(copies[user], seq=originals[user]["seq"] + 1), user)
                    self.assertEqual(first_event(original.port, user, originals[user]["seq"]),
                                     (str(originals[user]["seq"] + 1), "reset"), user)
                else:
                    self.assertEqual(counts, copies[user], user)
        self.assertEqual(original.stop(), 0, "herald's exit status after SIGTERM")

    def test_aRestoreOverADatabaseThatCannotBeReadWarnsThatNoSeqWasMoved(self):
        original = self.serve("herald.sqlite")
        with Client(original.port) as client:
            status, body = client.call("POST", "/v1/notifications", {"user": "bk-1", "type": "t"})
            self.assertEqual(status, 201, body)
        database = os.path.join(self.directory, "herald.sqlite")
        backup = subprocess.run([HERALD_BIN, "backup", "--database", database,
                                 os.path.join(self.directory, "copy.sqlite")], capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(backup.returncode, 0, backup.stderr)
        self.assertEqual(original.stop(), 0, "herald's exit status after SIGTERM")
        # The database replaced is no database any more (a disk's damage): the restore goes on, as
        # the backup is what is wanted, and says what it could not do.
        with open(database, "wb") as file:
            file.write(b"not a database" * 100)
        restore = subprocess.run([HERALD_BIN, "restore", "--database", database,
                                  os.path.join(self.directory, "copy.sqlite")],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(restore.returncode, 0, restore.stderr)
        self.assertIn("1 user, 1 notification row", restore.stdout)
        self.assertEqual(restore.stderr.strip(),
                         f"herald restore: warning: the replaced database could not be read ({database} is not an "
                         "SQLite database, or is damaged), so no seq was moved: streams that reconnect with a "
                         "Last-Event-ID past the backup's may miss events; have open pages reload")
        assert_database_consistent(self, database, "restored over a damaged file")

    def check_consistent(self, client, server, user):
        """The user's counts against the list and against the event log replayed from the start."""
        counts = client.call("GET", f"/v1/users/{user}/counts")[1]
        listed = listed_notifications(client, user, "status=unread").values()
        unread, unseen = len(listed), sum(n["seen_at"] is None for n in listed)
        self.assertEqual((counts["unread"], counts["unseen"]), (unread, unseen),
                         f"{user} on port {server.port}: counts {counts}, listed unread {unread} unseen {unseen}")
        self.assertGreater(counts["seq"], 0, f"{user} has no events to replay")
        failures = []
        replay = StreamFollower(user, server.port, failures)
        replay.last_seq = 0
        replay.start()
        try:
            wait_until(lambda: replay.last_seq == counts["seq"], 20, f"{user}'s log replayed to seq {counts['seq']}")
        finally:
            replay.finish()
        self.assertEqual(failures, [])
        self.assertEqual({key: replay.last_data[key] for key in ("seq", "unread", "unseen")},
                         {key: counts[key] for key in ("seq", "unread", "unseen")},
                         f"{user} on port {server.port}: the log's last event against the counts")
        return counts


if __name__ == "__main__":
    unittest.main()
