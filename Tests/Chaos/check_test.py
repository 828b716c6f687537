"""`herald check` from the command line: its exit status and what it prints when a user's stored
counts disagree with the notifications, beside a running server and after it stopped, and
`--repair`, which refuses while the server runs and afterwards rewrites the counts with a `reset`
event that a resuming stream gets.
"""

import os
import sqlite3
import subprocess
import unittest

from chaos_test import (
    HERALD_BIN, Client, HeraldServer, assert_database_consistent, end_scratch, first_event, free_port,
    scratch_with_memcached)


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.directory, (self.memcached,) = scratch_with_memcached(self, "check")
        self.database = os.path.join(self.directory, "herald.sqlite")
        self.server = HeraldServer(free_port(), self.database, [self.memcached.port],
                                   os.path.join(self.directory, "herald.log"))

    def tearDown(self):
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def check(self, *arguments):
        result = subprocess.run([HERALD_BIN, "check", "--database", self.database, *arguments],
                                capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout, result.stderr

    def test_aDisagreementIsListedWithStatusTwoAndRepairedWithTheServerStopped(self):
        self.server.start()
        with Client(self.server.port) as client:
            for index in range(3):
                status, body = client.call("POST", "/v1/notifications", {"user": "ck-a", "type": "t", "id": f"n{index}"})
                self.assertEqual(status, 201, body)
            client.call("POST", "/v1/users/ck-a/notifications/n0/read")
        assert_database_consistent(self, self.database, "before any damage")
        # What no write of Herald's does: the stored count changed by hand.
        with sqlite3.connect(self.database) as connection:
            connection.execute("UPDATE user_counter SET unread = 7 WHERE user = 'ck-a'")
        connection.close()

        status, out, err = self.check("--skip-structure")
        self.assertEqual((status, err), (2, ""), out)
        self.assertEqual(out.splitlines()[0],
                         "ck-a: counts: the counters row says unread 7, unseen 2; "
                         "the notifications make unread 2, unseen 2")
        self.assertRegex(out.splitlines()[1],
                         r"^checked .*herald\.sqlite: 1 user, structure not checked, 1 disagreement; in \d+ ms$")

        status, out, err = self.check("--user", "ck-a")
        self.assertEqual((status, err), (2, ""), out)
        self.assertRegex(out.splitlines()[1],
                         r"^checked .*: user ck-a, structure not checked, 1 disagreement; in \d+ ms$")
        status, out, err = self.check("--user", "ck-b")
        self.assertEqual((status, err), (0, ""), out)
        self.assertRegex(out, r"^checked .*: user ck-b \(no counts, no notifications\), structure not checked, "
                              r"its state agrees; in \d+ ms\n$")

        status, out, err = self.check("--repair")
        self.assertEqual((status, out), (1, ""))
        self.assertIn("is in use by a running herald serve: stop it, then repair", err)

        self.assertEqual(self.server.stop(), 0, "herald's exit status after SIGTERM")
        status, out, err = self.check("--repair")
        self.assertEqual((status, err), (0, ""), out)
        self.assertIn("1 disagreement; repaired 1 user, checked again: every user's state agrees", out)
        self.server.start()
        with Client(self.server.port) as client:
            self.assertEqual(client.call("GET", "/v1/users/ck-a/counts")[1],
                             {"user": "ck-a", "unread": 2, "unseen": 2, "seq": 5})
        self.assertEqual(first_event(self.server.port, "ck-a", 4), ("5", "reset"))
        assert_database_consistent(self, self.database, "after the repair")
        self.assertEqual(self.server.stop(), 0, "herald's exit status after SIGTERM")

    def test_aDamagedFileFailsItsStructureCheckAndIsNotRepaired(self):
        self.server.start()
        self.assertEqual(self.server.stop(), 0, "herald's exit status after SIGTERM")
        # 3,000 users' counters over a dozen leaves of their table, every page in the file, then
        # the middle leaf zeroed, as a failing disk could leave it.
        with sqlite3.connect(self.database) as connection:
            connection.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                               "INSERT INTO user_counter (user, unread, unseen, seq) "
                               "SELECT printf('ck%05d', i), 0, 0, 5 FROM n")
            connection.commit()
            leaves = [row[0] for row in connection.execute(
                "SELECT pageno FROM dbstat WHERE name = 'user_counter' AND pagetype = 'leaf' ORDER BY path")]
            page_size = connection.execute("PRAGMA page_size").fetchone()[0]
            self.assertEqual(connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0], 0)
        connection.close()
        self.assertGreater(len(leaves), 4)
        with open(self.database, "r+b") as file:
            file.seek((leaves[len(leaves) // 2] - 1) * page_size)
            file.write(bytes(page_size))

        status, out, err = self.check()
        self.assertEqual((status, err), (2, ""), out)
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith("structure: "), out)
        # Nothing said of the users' state: none was read.
        self.assertRegex(lines[-1], r"^checked .*herald\.sqlite: structure: \d+ problems?, users not checked "
                                    r"\(restore a backup\); in \d+ ms$")
        status, out, err = self.check("--repair")
        self.assertEqual((status, out), (1, ""))
        self.assertIn("restore", err)

    def test_aMissingDatabaseCannotBeChecked(self):
        status, out, err = self.check()
        self.assertEqual((status, out), (1, ""))
        self.assertIn("herald check: there is no database at", err)

    def test_aUserThatCannotExistIsAUsageMistake(self):
        status, out, err = self.check("--user", "no spaces")
        self.assertEqual((status, out), (64, ""))
        self.assertIn("--user must be 1-128 characters from [A-Za-z0-9._:@-]", err)


if __name__ == "__main__":
    unittest.main()
