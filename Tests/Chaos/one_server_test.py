"""One `herald serve` per database: a second server on the same file refuses to start; so does
one on a port in use, saying so.

Two servers over one database would each cache counts in a key space of their own and publish
events on a broker of their own: each would answer counts the other's writes had made stale, and
streams on one would miss the other's events. The second must exit with status 2 and say why,
while the first keeps answering; once the first has stopped, a server starts on the file again.
"""

import os
import subprocess
import unittest

from chaos_test import Client, HeraldServer, end_scratch, free_port, scratch_with_memcached


class OneServerTest(unittest.TestCase):
    def setUp(self):
        self.directory, (self.memcached,) = scratch_with_memcached(self, "one-server")
        self.database = os.path.join(self.directory, "herald.sqlite")
        self.first = HeraldServer(free_port(), self.database, [self.memcached.port],
                                  os.path.join(self.directory, "first.log"))
        self.first.start()

    def tearDown(self):
        end_scratch(self.directory, self.first.process, self.memcached.process)

    def test_aSecondServerOnTheSameDatabaseRefusesToStart(self):
        second = HeraldServer(free_port(), self.database, [self.memcached.port],
                              os.path.join(self.directory, "second.log"))
        refused = subprocess.run(second.arguments, env=HeraldServer.environment(), capture_output=True, text=True,
                                 timeout=60)
        self.assertEqual(refused.returncode, 2, refused.stderr)
        self.assertIn("is in use by another herald serve", refused.stderr)

        client = Client(self.first.port)
        try:
            status, body = client.call("POST", "/v1/notifications", {"user": "u1", "type": "t"})
            self.assertEqual(status, 201, body)
            self.assertEqual(client.call("GET", "/v1/users/u1/counts")[1]["unread"], 1)
        finally:
            client.close()

        self.assertEqual(self.first.stop(), 0)
        second.start()
        client = Client(second.port)
        try:
            self.assertEqual(client.call("GET", "/v1/users/u1/counts")[1]["unread"], 1)
        finally:
            client.close()
            second.kill()
        # The first server made the database and said where; the second opened it as it was.
        with open(os.path.join(self.directory, "first.log")) as log:
            self.assertIn(f"created a new database at {self.database}", log.read())
        with open(os.path.join(self.directory, "second.log")) as log:
            self.assertNotIn("created a new database", log.read())

    def test_aServerOnAPortInUseSaysSoAndExits2(self):
        # Another database, so that only the port is shared.
        second = HeraldServer(self.first.port, os.path.join(self.directory, "second.sqlite"),
                              [self.memcached.port], os.path.join(self.directory, "second.log"))
        refused = subprocess.run(second.arguments, env=HeraldServer.environment(), capture_output=True, text=True,
                                 timeout=60)
        self.assertEqual(refused.returncode, 2, refused.stderr)
        self.assertIn(f"cannot listen on 127.0.0.1:{self.first.port}: address already in use", refused.stderr)
        self.assertNotIn("errno", refused.stderr)
        client = Client(self.first.port)
        try:
            self.assertEqual(client.call("GET", "/v1/users/u1/counts")[0], 200)
        finally:
            client.close()


if __name__ == "__main__":
    unittest.main()
