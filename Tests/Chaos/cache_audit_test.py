"""The running server's cache audit (`--cache-audit`): counts and notification entries in
memcached that differ from the store's are found, logged, counted in `/metrics` and dropped, so
the next read is the store's.

What no write of Herald's does: the counter of a user's cached lineage overwritten by hand, at the
same seq, with more unread. It would be served until its TTL, and every later change applied to
it exactly (an apply adds a change and proves the seq, not the counts), but the read that serves
it notes the user for the next audit.
"""

import os
import subprocess
import unittest
import urllib.parse

from chaos_test import (HERALD_BIN, Client, HeraldServer, end_scratch, free_port, metrics_text, scrape_metrics,
                        scratch_with_memcached, wait_until)

DIFFER = 'herald_cache_audits_total{cache="counts",result="differ"}'
AGREE = 'herald_cache_audits_total{cache="counts",result="agree"}'
NOTIFICATION_DIFFER = 'herald_cache_audits_total{cache="notifications",result="differ"}'
NOTIFICATION_AGREE = 'herald_cache_audits_total{cache="notifications",result="agree"}'


class CacheAuditTest(unittest.TestCase):
    def setUp(self):
        self.directory, (self.memcached,) = scratch_with_memcached(self, "audit")
        self.server = HeraldServer(free_port(), os.path.join(self.directory, "herald.sqlite"),
                                   [self.memcached.port], os.path.join(self.directory, "herald.log"))
        self.server.start()

    def tearDown(self):
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def key(self, matches):
        """The one memcached key that `matches`, from a dump of every key."""
        dump = self.memcached.command(b"lru_crawler metadump all\r\n", b"END\r\n")
        keys = [urllib.parse.unquote(line.split(" ")[0][len("key="):])
                for line in dump.splitlines() if line.startswith("key=")]
        matching = [key for key in keys if matches(key)]
        self.assertEqual(len(matching), 1, keys)
        return matching[0]

    def epoch_key(self, user):
        """The key of `user`'s counts epoch (`herald:{space}:{user}:e`)."""
        return self.key(lambda key: key.endswith(f":{user}:e"))

    def set_value(self, key, value):
        command = f"set {key} 0 0 {len(value)}\r\n".encode() + value + b"\r\n"
        self.assertEqual(self.memcached.command(command, b"\r\n"), "STORED\r\n")

    def get_value(self, key):
        answer = self.memcached.command(f"get {key}\r\n".encode(), b"END\r\n").encode()
        return answer.split(b"\r\n")[1]

    def test_countsThatDifferFromTheStoreAreFoundLoggedAndDropped(self):
        user = "audit-1"
        with Client(self.server.port) as client:
            for index in range(2):
                self.assertEqual(client.call("POST", "/v1/notifications", {"user": user, "type": "t"})[0], 201)
            truth = client.call("GET", f"/v1/users/{user}/counts")[1]  # fills the cache
            self.assertEqual((truth["unread"], truth["unseen"]), (2, 2))
            wait_until(lambda: scrape_metrics(self.server.port).get(AGREE, 0) >= 1, 10, "an audit that agrees")

            epoch_key = self.epoch_key(user)
            epoch = self.get_value(epoch_key).decode()
            packed = truth["seq"] << 36 | (truth["unread"] + 5) << 18 | truth["unseen"]
            self.set_value(f"{epoch_key[:-2]}:{epoch}:c", str(packed).encode())
            # Served wrong once: the read notes the user for the next audit.
            self.assertEqual(client.call("GET", f"/v1/users/{user}/counts")[1]["unread"], 7, "the tampering took")
            wait_until(lambda: scrape_metrics(self.server.port).get(DIFFER, 0) == 1, 10, "the audit to find it")
            self.assertEqual(client.call("GET", f"/v1/users/{user}/counts")[1], truth)
        with open(self.server.log_path) as log:
            differed = [line for line in log if "cached counts differed" in line]
        self.assertEqual(len(differed), 1, differed)
        self.assertIn(f"user={user}", differed[0])
        self.assertIn(f"cached=unread 7, unseen 2, seq {truth['seq']}", differed[0])
        self.assertIn(f"stored=unread 2, unseen 2, seq {truth['seq']}", differed[0])
        self.assertIn("# HELP herald_cache_audits_total ", metrics_text(self.server.port))

    def test_aNotificationEntryThatDiffersIsFoundLoggedAndDropped(self):
        user, path = "audit-2", "/v1/users/audit-2/notifications/a"
        with Client(self.server.port) as client:
            created = {"user": user, "type": "t", "id": "a", "title": "the truth"}
            self.assertEqual(client.call("POST", "/v1/notifications", created)[0], 201)
            stored = client.call("GET", path)[1]  # fills the entry
            self.assertEqual(client.call("GET", path)[1], stored)  # served by it
            wait_until(lambda: scrape_metrics(self.server.port).get(NOTIFICATION_AGREE, 0) >= 1, 10,
                       "an audit that agrees")

            entry_key = self.key(lambda key: f":{user}:n:" in key)
            entry = self.get_value(entry_key)
            self.assertIn(b'"title":"the truth"', entry)
            self.set_value(entry_key, entry.replace(b'"title":"the truth"', b'"title":"a rumour"'))
            self.assertEqual(client.call("GET", path)[1]["title"], "a rumour", "the tampering took")
            wait_until(lambda: scrape_metrics(self.server.port).get(NOTIFICATION_DIFFER, 0) == 1, 10,
                       "the audit to find it")
            self.assertEqual(client.call("GET", path)[1], stored)
        with open(self.server.log_path) as log:
            differed = [line for line in log if "a cached notification differed" in line]
        self.assertEqual(len(differed), 1, differed)
        self.assertIn(f"user={user}", differed[0])
        self.assertIn("stored=another state", differed[0])

    def test_anIntervalOutOfRangeStopsStartUp(self):
        environment = dict(os.environ, HERALD_CACHE_AUDIT="-1")
        result = subprocess.run(
            [HERALD_BIN, "serve", "--dev", "--port", str(free_port()),
             "--database", os.path.join(self.directory, "other.sqlite")],
            env=environment, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("cache-audit must be between 0 and 315360000 seconds", result.stderr)


if __name__ == "__main__":
    unittest.main()
